/**
 * The tree-sitter-c wrapper: kernel-idiom normalisation, full and incremental
 * parses, and the syntax problems that remain. No LSP types here: the CLI, the
 * tests and the language server all use this class as it is.
 */
import { parserEngine, type EngineParser, type Edit, type Point, type Query, type SyntaxNode, type Tree } from './engine';
import { LineIndex } from './lineIndex';
import { normaliseKernelSource, Blank } from './normalise';
import syntaxProblemsScm from './queries/syntax-problems.scm';

export type { SyntaxNode, Tree };

export interface SyntaxProblem {
  kind: 'error' | 'missing';
  start: number;
  end: number;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
}

/** One parse of one version of a text. Immutable once built. */
export interface ParsedSource {
  readonly text: string;
  readonly normalised: string;
  readonly blanks: readonly Blank[];
  readonly tree: Tree;
  readonly lines: LineIndex;
  readonly problems: readonly SyntaxProblem[];
  /** Wall time of normalise + parse, in milliseconds. */
  readonly ms: number;
  /** True when this parse reused the previous tree. */
  readonly incremental: boolean;
}

const queryCache = new Map<string, Query>();

/** Compiles a query once per process (one engine per process); queries are immutable and shareable. */
export function compileQuery(source: string): Query {
  let q = queryCache.get(source);
  if (!q) {
    q = parserEngine().query(source);
    queryCache.set(source, q);
  }
  return q;
}

export class KernelCParser {
  private readonly parser: EngineParser = parserEngine().newParser();

  /** Parses from scratch. */
  parse(text: string): ParsedSource {
    return this.build(text, undefined);
  }

  /**
   * Reparses `next` reusing `previous`'s tree. The edit is the window where the
   * normalised texts differ (common prefix and suffix), so it is right however
   * many LSP changes were accumulated, and also when normalisation itself changed
   * around an edit (typing the last letter of `__rcu` blanks the whole word).
   */
  reparse(previous: ParsedSource, next: string): ParsedSource {
    return this.build(next, previous);
  }

  private build(text: string, previous: ParsedSource | undefined): ParsedSource {
    const t0 = performance.now();
    const { text: normalised, blanks } = normaliseKernelSource(text);
    let oldTree: Tree | undefined;
    if (previous) {
      const edit = diffEdit(previous.normalised, normalised, previous.lines, text);
      if (edit) {
        oldTree = previous.tree;
        oldTree.edit(edit);
      } else {
        // Identical normalised text: the old tree is still exact.
        return { ...previous, text, lines: new LineIndex(text), ms: performance.now() - t0, incremental: true };
      }
    }
    const tree = this.parser.parse(normalised, oldTree);
    const ms = performance.now() - t0;
    const lines = new LineIndex(text);
    return { text, normalised, blanks, tree, lines, problems: syntaxProblems(tree), ms, incremental: !!oldTree };
  }
}

function diffEdit(before: string, after: string, beforeLines: LineIndex, afterText: string): Edit | undefined {
  if (before === after) return undefined;
  const max = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < max && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (
    suffix < max - prefix &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
  ) suffix++;
  const oldEnd = before.length - suffix;
  const newEnd = after.length - suffix;
  const afterLines = new LineIndex(afterText);
  const point = (idx: LineIndex, o: number): Point => {
    const p = idx.positionAt(o);
    return { row: p.line, column: p.character };
  };
  return {
    startIndex: prefix,
    oldEndIndex: oldEnd,
    newEndIndex: newEnd,
    startPosition: point(beforeLines, prefix),
    oldEndPosition: point(beforeLines, oldEnd),
    newEndPosition: point(afterLines, newEnd),
  };
}

function syntaxProblems(tree: Tree): SyntaxProblem[] {
  if (!tree.rootNode.hasError) return [];
  const out: SyntaxProblem[] = [];
  for (const cap of compileQuery(syntaxProblemsScm).captures(tree.rootNode)) {
    const n = cap.node;
    const missing = cap.name === 'missing';
    out.push({
      kind: missing ? 'missing' : 'error',
      start: n.startIndex,
      end: n.endIndex,
      line: n.startPosition.row,
      column: n.startPosition.column,
      endLine: n.endPosition.row,
      endColumn: n.endPosition.column,
      message: missing ? `syntax error: expected ${n.type}` : 'syntax error: tree-sitter-c cannot read this code',
    });
  }
  return out;
}
