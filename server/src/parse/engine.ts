/**
 * The one parser interface, with two engines behind it: native tree-sitter
 * (N-API; the fast path where its binding loads) and the WebAssembly build of
 * the same runtime and the same tree-sitter-c grammar (everywhere: no compiler,
 * any platform, the browser). Both give the same trees, offsets in UTF-16 units,
 * so every stage after parse sees no difference (test/unit/engines.test.ts).
 *
 * The WebAssembly engine loads asynchronously, so each entry point (CLI, server,
 * web worker, test set-up, bench) awaits `initParserEngine()` once; after that
 * parsing is synchronous, as before.
 */

export interface Point {
  row: number;
  column: number;
}

export interface Edit {
  startIndex: number;
  oldEndIndex: number;
  newEndIndex: number;
  startPosition: Point;
  oldEndPosition: Point;
  newEndPosition: Point;
}

/** The node surface the analyses use; both engines' nodes satisfy it. */
export interface SyntaxNode {
  readonly type: string;
  readonly text: string;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly startPosition: Point;
  readonly endPosition: Point;
  readonly parent: SyntaxNode | null;
  readonly children: SyntaxNode[];
  readonly namedChildren: SyntaxNode[];
  readonly firstNamedChild: SyntaxNode | null;
  readonly previousSibling: SyntaxNode | null;
  readonly hasError: boolean;
  /** A node tree-sitter inserted to recover (`MISSING ";"`). */
  readonly isMissing: boolean;
  childForFieldName(name: string): SyntaxNode | null;
  childrenForFieldName(name: string): SyntaxNode[];
  descendantForIndex(start: number, end?: number): SyntaxNode | null;
  walk(): TreeCursor;
}

export interface TreeCursor {
  readonly nodeTypeId: number;
  readonly nodeIsNamed: boolean;
  readonly nodeType: string;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly currentFieldName: string | null | undefined;
  gotoFirstChild(): boolean;
  gotoNextSibling(): boolean;
  gotoParent(): boolean;
  /** WebAssembly cursors hold memory outside the JS heap until deleted. */
  delete?(): void;
}

export interface Tree {
  readonly rootNode: SyntaxNode;
  edit(edit: Edit): void;
}

export interface QueryCapture {
  name: string;
  node: SyntaxNode;
}

export interface Query {
  captures(node: SyntaxNode): QueryCapture[];
}

export interface EngineParser {
  parse(text: string, oldTree?: Tree): Tree;
}

export type EngineName = 'native' | 'wasm';

export interface ParserEngine {
  readonly name: EngineName;
  /** One line for logs and `--version`: which runtime, which grammar, and why this engine. */
  readonly description: string;
  newParser(): EngineParser;
  /** Compiles a query (cParser's compileQuery keeps one per source). */
  query(source: string): Query;
  /**
   * Frees a tree no one will read again, now rather than when the collector gets to it: a
   * WebAssembly tree lives in linear memory the collector does not see, so a session of
   * edits grew it by hundreds of megabytes before any was finalised. Reading a released
   * tree throws. Optional: native trees are the collector's own.
   */
  release?(tree: Tree): void;
}

/** What to load: `auto` takes native where its binding loads, else WebAssembly. */
export type EnginePreference = 'auto' | EngineName;

/** How an engine is brought in: native by require, WebAssembly from the bytes of its two modules. */
export interface EngineLoaders {
  native?: () => ParserEngine;
  wasm: () => Promise<ParserEngine>;
}

let current: ParserEngine | undefined;
let loading: Promise<ParserEngine> | undefined;

export function parsePreference(value: string | undefined): EnginePreference {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === 'auto') return 'auto';
  if (v === 'native' || v === 'wasm') return v;
  throw new Error(`AUDITLENS_PARSER must be auto, native or wasm, not "${value}"`);
}

/**
 * Loads the engine once per process. `auto` tries native first and falls back to
 * WebAssembly, keeping the native failure in the description so a user can see
 * why (`auditlens --version`, the output channel, the language status item).
 */
export function loadParserEngine(loaders: EngineLoaders, preference: EnginePreference): Promise<ParserEngine> {
  if (current) return Promise.resolve(current);
  if (!loading) {
    loading = (async () => {
      let nativeFailure: string | undefined;
      if (preference !== 'wasm') {
        try {
          if (!loaders.native) throw new Error('no native binding in this build');
          return (current = loaders.native());
        } catch (err) {
          if (preference === 'native') throw new Error(`native tree-sitter cannot be loaded: ${firstLine(err)}`);
          nativeFailure = firstLine(err);
        }
      }
      const wasm = await loaders.wasm();
      const why = preference === 'wasm' ? 'chosen' : `native binding unavailable: ${nativeFailure}`;
      return (current = { ...wasm, description: `${wasm.description} (${why})` });
    })();
    loading.catch(() => (loading = undefined));
  }
  return loading;
}

/** The loaded engine. Entry points await `initParserEngine()` first; forgetting to is a programming error. */
export function parserEngine(): ParserEngine {
  if (!current) throw new Error('the parser engine is not loaded: await initParserEngine() at start-up');
  return current;
}

export function parserEngineLoaded(): ParserEngine | undefined {
  return current;
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0].trim();
}
