/**
 * Kernel-idiom normalisation before tree-sitter-c sees the text.
 *
 * tree-sitter-c reads ISO C plus common GNU extensions, but not the kernel's
 * sparse annotations (`__rcu`, `__init`...), attribute macros with arguments
 * (`__printf(2, 0)`, `__must_hold(&l)`), GNU case ranges (`case A ... B:`) or
 * type arguments of macros (`container_of(p, struct T, f)`, `max_t(unsigned int,
 * a, b)`, `list_first_entry(h, const struct T, f)`). Each of these is blanked with
 * spaces of exactly the same length, never deleted, so every byte offset, line and
 * column of the normalised text equals the original's and every range the analysis
 * reports points into the user's own text. One idiom needs a word rather than
 * spaces: an iteration macro used as a loop head (`list_for_each_entry(p, h, f)
 * { ... }`, any `NAME(args)` followed by a statement inside a function) has its
 * name overwritten, in place, by `while` and spaces, so its arguments read as the
 * loop's (comma) condition and its body as the loop's body.
 */

/** Annotations that are a bare identifier. */
export const PLAIN_ANNOTATIONS: ReadonlySet<string> = new Set([
  '__rcu', '__init', '__exit', '__net_init', '__net_exit', '__initdata', '__net_initdata',
  '__initconst', '__exitdata', '__always_unused', '__maybe_unused', '__read_mostly',
  '__ro_after_init', '__user', '__kernel', '__iomem', '__percpu', '__force', '__nocast',
  '__safe', '__must_check', '__cold', '__hot', '__latent_entropy', '__visible', '__sched',
  '__noreturn', '__always_inline', 'noinline', 'notrace', '__noclone', '__cacheline_aligned',
  '__cacheline_aligned_in_smp', '__refdata', '__ref', '__meminit', '__init_or_module',
  '__bitwise', '__private', '__randomize_layout', '__no_randomize_layout', 'asmlinkage',
  '__weak', '__pure', '__const', '__packed', '__used', '__unused', '__nonstring',
]);

/** Annotations that take a parenthesised argument list; blanked with it. */
export const CALL_ANNOTATIONS: ReadonlySet<string> = new Set([
  '__printf', '__scanf', '__must_hold', '__acquires', '__releases', '__cond_acquires',
  '__cond_releases', '__aligned', '__section', '__malloc', '__alloc_size', '__counted_by',
  '__guarded_by', '__pt_guarded_by', '__assume_aligned', '__nonnull', '__diagnose_as',
  '__no_sanitize_or_inline', '__attribute_const__',
]);

/** Words a type name is made of (besides a typedef name or a struct tag). */
const PRIMITIVE_TYPE_WORDS: ReadonlySet<string> = new Set([
  'signed', 'unsigned', 'short', 'long', 'int', 'char', 'float', 'double', 'void', '_Bool', 'bool',
]);
const TYPE_QUALIFIERS: ReadonlySet<string> = new Set(['const', 'volatile', 'restrict', '__restrict']);
const TAG_KEYWORDS: ReadonlySet<string> = new Set(['struct', 'union', 'enum']);
/** Words that can follow an iteration macro's `)` and start its body statement. */
const STATEMENT_WORDS: ReadonlySet<string> = new Set([
  'if', 'for', 'while', 'do', 'switch', 'return', 'break', 'continue', 'goto',
]);

/** Calls whose parentheses hold a type rather than a value: leave them alone. */
const TYPE_OPERATORS: ReadonlySet<string> = new Set([
  'sizeof', 'typeof', '__typeof__', '__typeof', '_Alignof', 'alignof', '__alignof__',
  '_Generic', '__builtin_types_compatible_p', '__builtin_offsetof', 'offsetof',
  // keywords that take parentheses but are not calls: `return (struct T){...}` is a compound literal
  'if', 'while', 'for', 'switch', 'return', 'case', 'do', 'else',
]);

export interface Blank {
  start: number;
  end: number;
  /** What was blanked, for hover/debugging ("annotation", "case-range", "type-argument"). */
  kind: 'annotation' | 'case-range' | 'type-argument' | 'loop-macro';
  /** Written at the start of the range instead of spaces (`while` for a loop macro); the rest is spaces. */
  replacement?: string;
}

export interface NormalisedSource {
  text: string;
  blanks: Blank[];
  /** Where a later normalisation of an edited text may resume (see renormalise). */
  resumePoints?: number[];
  /** From renormalise: the only part of the new text read again (outside it, old and new normalisations are the same text). */
  window?: { from: number; to: number };
}

type TokenKind = 'ident' | 'punct' | 'string' | 'number';
interface Token {
  kind: TokenKind;
  start: number;
  end: number;
  text: string;
}

const isIdentStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isIdentChar = (c: number) => isIdentStart(c) || (c >= 48 && c <= 57);

/**
 * A small C lexer: skips comments and preprocessor lines, keeps strings whole. Lexes
 * src[from, to) from a clean state (`lineStart` at the file's start, false after a
 * token); `end` is where it stopped, past `to` when a comment, string or directive
 * ran over it.
 */
function lex(src: string, from = 0, to = src.length): { tokens: Token[]; end: number } {
  const tokens: Token[] = [];
  const n = src.length;
  let i = from;
  let lineStart = from === 0;
  while (i < to) {
    const c = src.charCodeAt(i);
    if (c === 10) { lineStart = true; i++; continue; }
    if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11) { i++; continue; }
    if (c === 47 && src.charCodeAt(i + 1) === 42) { // /* ... */
      const close = src.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
      continue;
    }
    if (c === 47 && src.charCodeAt(i + 1) === 47) { // // ...
      const nl = src.indexOf('\n', i);
      i = nl < 0 ? n : nl;
      continue;
    }
    if (c === 35 && lineStart) { // preprocessor line, with continuations: the body is raw text to tree-sitter
      let j = i;
      for (;;) {
        const nl = src.indexOf('\n', j);
        if (nl < 0) { j = n; break; }
        let k = nl - 1;
        if (src.charCodeAt(k) === 13) k--;
        if (src.charCodeAt(k) === 92) { j = nl + 1; continue; }
        j = nl;
        break;
      }
      i = j;
      continue;
    }
    lineStart = false;
    if (c === 34 || c === 39) { // string or char literal
      let j = i + 1;
      while (j < n) {
        const d = src.charCodeAt(j);
        if (d === 92) { j += 2; continue; }
        if (d === c || d === 10) { j++; break; }
        j++;
      }
      tokens.push({ kind: 'string', start: i, end: j, text: '' });
      i = j;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentChar(src.charCodeAt(j))) j++;
      tokens.push({ kind: 'ident', start: i, end: j, text: src.slice(i, j) });
      i = j;
      continue;
    }
    if (c >= 48 && c <= 57) {
      let j = i + 1;
      while (j < n && (isIdentChar(src.charCodeAt(j)) || src.charCodeAt(j) === 46)) j++;
      tokens.push({ kind: 'number', start: i, end: j, text: '' });
      i = j;
      continue;
    }
    if (c === 46 && src.charCodeAt(i + 1) === 46 && src.charCodeAt(i + 2) === 46) {
      tokens.push({ kind: 'punct', start: i, end: i + 3, text: '...' });
      i += 3;
      continue;
    }
    tokens.push({ kind: 'punct', start: i, end: i + 1, text: src[i] });
    i++;
  }
  return { tokens, end: i };
}

/** Index of the token closing the parenthesis opened at tokens[open], or -1. */
function matchParen(tokens: Token[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k].text;
    if (t === '(') depth++;
    else if (t === ')') { depth--; if (depth === 0) return k; }
    else if (t === ';' || t === '{' || t === '}') return -1; // unbalanced: do not blank across statements
  }
  return -1;
}

/** Returns the normalised text (same length, same line breaks) and what was blanked. */
export function normaliseKernelSource(src: string): NormalisedSource {
  const pass = normaliseRange(src, 0, src.length);
  if (pass.blanks.length === 0) return { text: src, blanks: pass.blanks, resumePoints: pass.resumePoints };
  return { text: applyBlanks(src, pass.blanks), blanks: pass.blanks, resumePoints: pass.resumePoints };
}

interface RangePass {
  blanks: Blank[];
  resumePoints: number[];
  /** The lexer stopped at `to` right after a top-level `}`: what follows is read from a clean state. */
  endsClean: boolean;
  /** A look-ahead reached the end of the range, where the whole text might have had more to see. */
  sawEnd: boolean;
}

/**
 * The blanks of src[from, to), read from a clean state at `from` (the file's start, or a
 * resume point). Resume points are the offsets just after each `}` that closes a top-level
 * block: there the lexer is outside any comment or string and nothing is pending, so a
 * later pass may start there.
 */
function normaliseRange(src: string, from: number, to: number): RangePass {
  const lexed = lex(src, from, to);
  const tokens = lexed.tokens;
  const blanks: Blank[] = [];
  const resumePoints: number[] = [];
  let sawEnd = false;
  // Paren stack: for each open '(' whether it is a call's argument list (callee not a type operator).
  const parenIsCall: boolean[] = [];
  let caseOpen = -1; // token index of a pending `case` awaiting its ':'
  let braceDepth = 0; // > 0 inside a function body (or an initializer)
  let parenDepthAtCase = 0;

  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.kind === 'ident') {
      if (PLAIN_ANNOTATIONS.has(t.text)) {
        blanks.push({ start: t.start, end: t.end, kind: 'annotation' });
        continue;
      }
      if (CALL_ANNOTATIONS.has(t.text) && tokens[k + 1]?.text === '(') {
        const close = matchParen(tokens, k + 1);
        if (close > 0) {
          blanks.push({ start: t.start, end: tokens[close].end, kind: 'annotation' });
          k = close;
          continue;
        }
      }
      if (t.text === 'case') { caseOpen = k; parenDepthAtCase = parenIsCall.length; continue; }
      if (braceDepth > 0 && tokens[k + 1]?.text === '(' && t.text.length >= 5 && !TYPE_OPERATORS.has(t.text)) {
        const loop = loopMacro(tokens, k);
        if (loop) blanks.push(loop);
      }
      continue;
    }
    if (t.kind !== 'punct') continue;
    if (t.text === '(') {
      const callee = tokens[k - 1];
      const isCall = callee?.kind === 'ident' && !TYPE_OPERATORS.has(callee.text);
      parenIsCall.push(isCall);
      if (isCall) blanks.push(...typeArguments(tokens, k));
    } else if (t.text === ')') {
      parenIsCall.pop();
    } else if (t.text === '{' || t.text === '}' || t.text === ';') {
      if (t.text === '{') braceDepth++;
      else if (t.text === '}') braceDepth = Math.max(0, braceDepth - 1);
      parenIsCall.length = 0; // resynchronise after unbalanced input
      caseOpen = -1;
      if (t.text === '}' && braceDepth === 0) resumePoints.push(t.end);
    } else if (t.text === '...' && caseOpen >= 0 && parenIsCall.length === parenDepthAtCase) {
      // GNU case range `case A ... B:` becomes `case A       :`.
      let j = k + 1;
      // a case range never holds a brace: stopping at one also keeps every look-ahead inside a top-level block
      while (j < tokens.length && tokens[j].text !== ':' && tokens[j].text !== ';' && tokens[j].text !== '{' && tokens[j].text !== '}') j++;
      if (j === tokens.length) sawEnd = true;
      if (tokens[j]?.text === ':') {
        blanks.push({ start: t.start, end: tokens[j - 1].end, kind: 'case-range' });
        k = j;
        caseOpen = -1;
      }
    } else if (t.text === ':' && parenIsCall.length === parenDepthAtCase) {
      caseOpen = -1;
    }
  }

  blanks.sort((a, b) => a.start - b.start);
  const last = tokens[tokens.length - 1];
  const endsClean = lexed.end === to && !!last && last.text === '}' && last.end === to && braceDepth === 0;
  return { blanks, resumePoints, endsClean, sawEnd };
}

/**
 * `next` normalised from `previous` (the normalisation of an earlier version of the same
 * text) when they differ only in next[start, newEnd) against previous[start, oldEnd): only
 * the top-level blocks around the change are read again, from the last resume point before
 * it to the first one after it where the new reading is back in step with the old. The
 * result is the whole-text normalisation's, exactly: where that cannot be shown (a blank
 * that spans a resume point, a look-ahead that met the end of the range) the whole text is
 * read instead.
 */
export function renormalise(previous: NormalisedSource, next: string, start: number, oldEnd: number, newEnd: number): NormalisedSource {
  const points = previous.resumePoints;
  if (!points) return normaliseKernelSource(next);
  const delta = newEnd - oldEnd;
  const spans = (at: number) => previous.blanks.some((b) => b.start < at && b.end > at);
  // the last resume point at or before the change, with no blank across it
  let lo = -1;
  for (let i = points.length - 1; i >= 0; i--) if (points[i] <= start && !spans(points[i])) { lo = i; break; }
  const from = lo >= 0 ? points[lo] : 0;
  // the old resume points after the change, in the new text's offsets: candidates to end at
  for (let hi = points.findIndex((p) => p > oldEnd); hi >= 0 && hi < points.length; hi++) {
    if (spans(points[hi])) continue;
    const to = points[hi] + delta;
    const pass = normaliseRange(next, from, to);
    if (!pass.endsClean || pass.sawEnd) continue;
    const blanks = [
      ...previous.blanks.filter((b) => b.end <= from),
      ...pass.blanks,
      ...previous.blanks.filter((b) => b.start >= points[hi]).map((b) => ({ ...b, start: b.start + delta, end: b.end + delta })),
    ];
    const resumePoints = [...points.slice(0, lo + 1), ...pass.resumePoints, ...points.slice(hi + 1).map((p) => p + delta)];
    const text = previous.text.slice(0, from) + applyBlanks(next.slice(from, to), pass.blanks.map((b) => ({ ...b, start: b.start - from, end: b.end - from }))) + previous.text.slice(points[hi]);
    return { text, blanks, resumePoints, window: { from, to } };
  }
  return normaliseKernelSource(next);
}

/**
 * The arguments of the call whose `(` is tokens[open] that are a type and nothing
 * else (`unsigned int`, `const struct T *`, `struct T`): tree-sitter-c reads no
 * type as an argument, so all but the type's last word is blanked, leaving one
 * identifier or keyword it does read. A parameter with a name (`unsigned int x`,
 * `struct T *p`) is not a bare type and is left alone, so prototypes keep theirs.
 */
function typeArguments(tokens: Token[], open: number): Blank[] {
  const close = matchParen(tokens, open);
  if (close < 0) return [];
  const out: Blank[] = [];
  let argStart = open + 1;
  let depth = 0;
  for (let k = open + 1; k <= close; k++) {
    const t = tokens[k].text;
    if (t === '(') depth++;
    else if (t === ')' && k < close) depth--;
    else if ((t === ',' && depth === 0) || k === close) {
      const keep = bareTypeName(tokens, argStart, k);
      if (keep >= 0 && k - argStart > 1) {
        // blank the runs before and after the kept word, each as one range
        if (keep > argStart) out.push({ start: tokens[argStart].start, end: tokens[keep - 1].end, kind: 'type-argument' });
        if (keep + 1 < k) out.push({ start: tokens[keep + 1].start, end: tokens[k - 1].end, kind: 'type-argument' });
      }
      argStart = k + 1;
    }
  }
  return out;
}

/** Index of the word to keep when tokens[from, to) are exactly a type name, else -1. */
function bareTypeName(tokens: Token[], from: number, to: number): number {
  let k = from;
  const word = (i: number) => (i < to && tokens[i].kind === 'ident' ? tokens[i].text : undefined);
  while (word(k) !== undefined && TYPE_QUALIFIERS.has(word(k)!)) k++;
  let keep = -1;
  if (word(k) !== undefined && TAG_KEYWORDS.has(word(k)!)) {
    if (word(k + 1) === undefined) return -1;
    keep = k + 1;
    k += 2;
  } else if (word(k) !== undefined && PRIMITIVE_TYPE_WORDS.has(word(k)!)) {
    while (word(k) !== undefined && PRIMITIVE_TYPE_WORDS.has(word(k)!)) keep = k++;
  } else if (word(k) !== undefined) {
    keep = k++; // a typedef name
  } else return -1;
  for (; k < to; k++) {
    const t = tokens[k];
    if (t.text === '*' || (t.kind === 'ident' && TYPE_QUALIFIERS.has(t.text))) continue;
    return -1;
  }
  return keep;
}

/**
 * `NAME(args)` at the start of a statement inside a function, followed by a block or
 * another statement rather than `;`: an iteration macro (`list_for_each_entry`,
 * `skb_queue_walk_safe`, `for_each_possible_cpu`...). No other C has that shape.
 */
function loopMacro(tokens: Token[], k: number): Blank | undefined {
  const prev = tokens[k - 1];
  const atStatement = !prev || [';', '{', '}', ':', ')'].includes(prev.text) || prev.text === 'else' || prev.text === 'do';
  if (!atStatement) return undefined;
  const close = matchParen(tokens, k + 1);
  const next = close > 0 ? tokens[close + 1] : undefined;
  if (!next) return undefined;
  if (next.text !== '{' && !isStatementStart(tokens, close + 1)) return undefined;
  return { start: tokens[k].start, end: tokens[k].end, kind: 'loop-macro', replacement: 'while' };
}

/** tokens[i] is an identifier that begins a statement: a call, an assignment or a keyword statement. */
function isStatementStart(tokens: Token[], i: number): boolean {
  const t = tokens[i];
  if (t.kind !== 'ident') return false;
  if (STATEMENT_WORDS.has(t.text)) return true;
  const after = tokens[i + 1]?.text;
  // `x = ...;`, `x++;`, `x->f = ...;`, `x.f(...)`, `f(...)`
  return after === '=' || after === '(' || after === '-' || after === '+' || after === '.' || after === '[';
}

/** Replaces each blanked range by spaces, keeping newlines (a range may span lines). */
function applyBlanks(src: string, blanks: Blank[]): string {
  const parts: string[] = [];
  let pos = 0;
  for (const b of blanks) {
    parts.push(src.slice(pos, b.start));
    const spaces = src.slice(b.start, b.end).replace(/[^\n\r]/g, ' ');
    parts.push(b.replacement ? b.replacement + spaces.slice(b.replacement.length) : spaces);
    pos = b.end;
  }
  parts.push(src.slice(pos));
  return parts.join('');
}
