/**
 * The tree-sitter-c wrapper: kernel-idiom normalisation, full and incremental
 * parses, and the syntax problems that remain. No LSP types here: the CLI, the
 * tests and the language server all use this class as it is.
 */
import { parserEngine, type EngineParser, type Edit, type Point, type Query, type SyntaxNode, type Tree } from './engine';
import { LineIndex } from './lineIndex';
import { normaliseKernelSource, renormalise, Blank } from './normalise';
import syntaxProblemsScm from './queries/syntax-problems.scm';

export type { SyntaxNode, Tree };

export interface SyntaxProblem {
  /** `skipped`: a line too long to be code, not read (see MAX_LINE). */
  kind: 'error' | 'missing' | 'skipped';
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
  /** Where the next version's normalisation may resume (parse/normalise.ts). */
  readonly resumePoints?: readonly number[];
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

/**
 * One tree-sitter parser per engine for the whole process: parsing is synchronous, so
 * analysers can share it, and a WebAssembly parser costs a megabyte and a millisecond to make
 * (a review of a patch touching 25,000 files made one per file: a third of its time).
 */
let sharedParser: { engine: unknown; parser: EngineParser } | undefined;
function engineParser(): EngineParser {
  const engine = parserEngine();
  if (sharedParser?.engine !== engine) sharedParser = { engine, parser: engine.newParser() };
  return sharedParser.parser;
}

export class KernelCParser {
  private readonly parser: EngineParser = engineParser();

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

  /** Frees a parse's tree now (see ParserEngine.release); reading it afterwards throws. */
  release(parsed: ParsedSource): void {
    parserEngine().release?.(parsed.tree);
  }

  private build(original: string, previous: ParsedSource | undefined): ParsedSource {
    const t0 = performance.now();
    const text = lineBreaksAsLf(original);
    const lines = new LineIndex(text);
    const tail = unreadTail(text, lines);
    const overlong = [...overlongLines(text, lines, tail[0]?.start ?? text.length), ...tail];
    if (!previous || overlong.length || previous.problems.some((p) => p.kind === 'skipped')) {
      const { text: normalised, blanks, resumePoints } = normaliseKernelSource(overlong.length ? blankLines(text, overlong) : text);
      const tree = this.parser.parse(normalised);
      return { text, normalised, blanks, resumePoints, tree, lines, problems: [...overlong, ...syntaxProblems(tree)], ms: performance.now() - t0, incremental: false };
    }
    const raw = changedWindow(previous.text, text, 0, 0);
    if (!raw) return { ...previous, text, lines, ms: performance.now() - t0, incremental: true };
    // only the top-level blocks around the change are normalised again
    const { text: normalised, blanks, resumePoints, window } = renormalise(
      { text: previous.normalised, blanks: [...previous.blanks], resumePoints: previous.resumePoints ? [...previous.resumePoints] : undefined },
      text, raw.start, raw.oldEnd, raw.newEnd,
    );
    const changed = window
      ? changedWindow(previous.normalised, normalised, window.from, text.length - window.to)
      : changedWindow(previous.normalised, normalised, 0, 0);
    if (!changed) {
      // Identical normalised text: the old tree is still exact.
      return { ...previous, text, normalised, blanks, resumePoints, lines, ms: performance.now() - t0, incremental: true };
    }
    const point = (idx: LineIndex, o: number): Point => {
      const p = idx.positionAt(o);
      return { row: p.line, column: p.character };
    };
    const oldTree = previous.tree;
    oldTree.edit({
      startIndex: changed.start,
      oldEndIndex: changed.oldEnd,
      newEndIndex: changed.newEnd,
      startPosition: point(previous.lines, changed.start),
      oldEndPosition: point(previous.lines, changed.oldEnd),
      newEndPosition: point(lines, changed.newEnd),
    } satisfies Edit);
    let tree = this.parser.parse(normalised, oldTree);
    let incremental = true;
    if (tree.rootNode.hasError) {
      // tree-sitter's error recovery depends on the subtrees it reuses: an incremental parse of
      // broken code can place its errors (and so the functions around them) differently from a
      // fresh parse of the same text. A text with syntax errors is parsed afresh, so what the
      // editor shows never depends on the order the text was typed in.
      parserEngine().release?.(tree);
      tree = this.parser.parse(normalised);
      incremental = false;
    }
    return { text, normalised, blanks, resumePoints, tree, lines, problems: syntaxProblems(tree), ms: performance.now() - t0, incremental };
  }
}

/**
 * Longest line read. No kernel source has a line near it; a generated one (a 4 MiB table on one
 * line) would cost the normaliser and tree-sitter hundreds of megabytes, so it is blanked (same
 * length, so every offset holds) and reported as not read.
 */
export const MAX_LINE = 64 * 1024;

function overlongLines(text: string, lines: LineIndex, upTo: number): SyntaxProblem[] {
  if (text.length <= MAX_LINE) return [];
  const out: SyntaxProblem[] = [];
  for (let start = 0; start < upTo;) {
    const nl = text.indexOf('\n', start);
    const end = Math.min(nl < 0 ? text.length : nl, upTo);
    if (end - start > MAX_LINE) {
      const line = lines.positionAt(start).line;
      out.push({ kind: 'skipped', start, end, line, column: 0, endLine: line, endColumn: end - start, message: `line ${line + 1} is ${(end - start).toLocaleString('en')} characters long: lines over ${MAX_LINE.toLocaleString('en')} are not read (no kernel code has one), so nothing on it is analysed` });
    }
    start = end + 1;
  }
  return out;
}

/**
 * How much of a file is parsed. kernel/audit.c is about 100 KiB; a tree costs tens of bytes a
 * byte of source, so a generated 8 MiB file would need 300 MB for its tree alone. What follows
 * the first function end (a `}` at the start of a line) past this is blanked, keeping its
 * lines, and reported as not read.
 */
export const MAX_PARSED = 2 * 1024 * 1024;

function unreadTail(text: string, lines: LineIndex): SyntaxProblem[] {
  if (text.length <= MAX_PARSED) return [];
  const close = text.indexOf('\n}', MAX_PARSED);
  const cutAt = close >= 0 && close < MAX_PARSED + 256 * 1024 ? text.indexOf('\n', close + 2) : text.indexOf('\n', MAX_PARSED);
  if (cutAt < 0 || cutAt >= text.length - 1) return [];
  const start = cutAt + 1;
  const from = lines.positionAt(start);
  const to = lines.positionAt(text.length);
  return [{
    kind: 'skipped', start, end: text.length, line: from.line, column: 0, endLine: to.line, endColumn: to.character,
    message: `lines ${from.line + 1}-${to.line + 1} are not read: the file is ${(text.length / 1024 / 1024).toFixed(1)} MiB and the analysis reads the first ${MAX_PARSED / 1024 / 1024} MiB (kernel/audit.c is about 100 KiB)`,
  }];
}

function blankLines(text: string, skipped: readonly SyntaxProblem[]): string {
  const parts: string[] = [];
  let at = 0;
  for (const p of skipped) {
    // line breaks stay, so lines and columns hold
    parts.push(text.slice(at, p.start), text.slice(p.start, p.end).split('\n').map((l) => ' '.repeat(l.length)).join('\n'));
    at = p.end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

/**
 * A lone CR (old Mac line ends, or a mixed file) is a line break to the editor (LSP counts
 * \r, \n and \r\n) but not to tree-sitter-c, for which a CR-only file is one line: one
 * `#include` would swallow it all. Each lone CR becomes an LF, so lengths, offsets, lines
 * and columns are unchanged; CRLF is left as it is (tree-sitter reads it).
 */
export function lineBreaksAsLf(text: string): string {
  return text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text;
}

/**
 * Where two texts differ: after their common prefix and before their common suffix. The
 * caller may know that the first `samePrefix` and last `sameSuffix` characters are equal.
 */
function changedWindow(before: string, after: string, samePrefix: number, sameSuffix: number): { start: number; oldEnd: number; newEnd: number } | undefined {
  if (before === after) return undefined;
  const max = Math.min(before.length, after.length);
  // whole blocks first (a string comparison is a memcmp), then character by character
  const BLOCK = 512;
  let prefix = Math.min(samePrefix, max);
  while (prefix + BLOCK <= max && before.slice(prefix, prefix + BLOCK) === after.slice(prefix, prefix + BLOCK)) prefix += BLOCK;
  while (prefix < max && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = Math.min(sameSuffix, max - prefix);
  while (suffix + BLOCK <= max - prefix && before.slice(before.length - suffix - BLOCK, before.length - suffix) === after.slice(after.length - suffix - BLOCK, after.length - suffix)) suffix += BLOCK;
  while (suffix < max - prefix && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  return { start: prefix, oldEnd: before.length - suffix, newEnd: after.length - suffix };
}

/**
 * ERROR and MISSING nodes in document order (parents before what they contain), each once. A
 * walk that enters only subtrees holding an error: a query over the whole tree (how this was
 * found before) slowed down with depth (100,000 unclosed braces took minutes inside the query
 * cursor), and reported some ERROR nodes twice.
 */
function syntaxProblems(tree: Tree): SyntaxProblem[] {
  if (!tree.rootNode.hasError) return [];
  const out: SyntaxProblem[] = [];
  const stack: SyntaxNode[] = [tree.rootNode];
  const seen = new Set<string>();
  while (stack.length) {
    const n = stack.pop()!;
    const missing = n.isMissing;
    // an ERROR directly inside an ERROR of the same extent is the same problem
    const key = `${n.startIndex}:${n.endIndex}:${missing}`;
    if ((missing || n.type === 'ERROR') && !seen.has(key)) {
      seen.add(key);
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
    if (missing) continue;
    const kids = n.children;
    // an ERROR node can report no error of its own (tree-sitter gives some a zero cost): still one
    for (let i = kids.length - 1; i >= 0; i--) if (kids[i].hasError || kids[i].type === 'ERROR') stack.push(kids[i]);
  }
  return out;
}
