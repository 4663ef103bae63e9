/**
 * Facts of a whole file: per-function facts (cached by function text, so an
 * edit inside one function re-extracts only that function), globals with what
 * kind of object each is, entry-point registrations and simple macros.
 */
import type { ParsedSource } from '../parse/cParser';
import type { FunctionSymbol, Outline, Span } from '../parse/outline';
import { mirror, NestingTooDeep } from '../parse/mirror';
import { SourceView, kids, stripParens } from './ast';
import { extractFunctionFacts, FileScope } from './extract';
import type { FieldBinding, FunctionFacts } from './types';

export type GlobalKind = 'queue' | 'spinlock' | 'mutex' | 'control-lock' | 'waitqueue' | 'atomic' | 'rcu-pointer' | 'pointer' | 'scalar' | 'struct' | 'array' | 'list';

export interface GlobalFact {
  name: string;
  kind: GlobalKind;
  type: string;
  isStatic: boolean;
  isRcu: boolean;
  /** How the pointer is known to be RCU: declared `__rcu`, or only read and published through the RCU accessors (v4.12's `auditd_conn`). */
  rcuBy?: 'annotation' | 'usage';
  span: Span;
  nameSpan: Span;
}

export interface FunctionEntry {
  symbol: FunctionSymbol;
  facts: FunctionFacts;
  /** Absolute offset of the function's start: add to every fact Loc. */
  base: number;
  /** Annotated `__init` / `__exit` (boot-time, single-threaded). */
  isInit: boolean;
  isStatic: boolean;
}

export interface Registration {
  macro: string;
  fn: string;
  span: Span;
}

export interface FileFacts {
  source: ParsedSource;
  functions: Map<string, FunctionEntry>;
  globals: Map<string, GlobalFact>;
  /** Designated initialisers binding functions (`.input = audit_receive`), absolute locations. */
  bindings: (FieldBinding & { inFunction?: string })[];
  /** EXPORT_SYMBOL, __setup, *_initcall registrations. */
  registrations: Registration[];
  /** #define NAME <number> */
  constants: Map<string, number>;
  /** Every top-level #define, for readers of function-like macros (bounding predicates). */
  macros: { name: string; span: Span }[];
  /** How many functions were re-extracted (not served from cache) for this version. */
  extracted: number;
  /**
   * Functions whose facts could not be read (a declaration the extractor does not
   * understand, nesting deeper than it reads), or that broke the model or a rule: left out
   * of everything downstream, and reported in every output. The rest of the file is analysed.
   */
  notAnalysed: NotAnalysed[];
}

export interface NotAnalysed {
  name: string;
  span: Span;
  /** One sentence: what could not be done and why. */
  reason: string;
}

/**
 * Facts by function text, then by what the file's scope says of the names that text uses
 * (which of its identifiers are globals, which are functions of the file): nothing else of
 * the file changes a function's facts, so renaming one function, or typing into a name,
 * re-extracts only the functions that use that name, not every function of the file.
 * Bounded by the source text it holds, least recently used first: every keystroke makes
 * a new version of one function, and a function's facts (its tree, CFG, atoms) weigh
 * 50 to 100 bytes per byte of its text, so a count bound let a long session keep hundreds
 * of megabytes of old versions. The current analysis of an open document keeps its own
 * facts whatever the cache forgets.
 */
const CACHE_TEXT_BUDGET = 512 * 1024;
interface TextEntry {
  /** The identifiers the text uses (comments and strings included: a key too fine is still right). */
  idents: string[];
  byScope: Map<string, FunctionFacts>;
}
const factCache = new Map<string, TextEntry>();
/** Recency order of the cached functions (oldest first), with where each lives and its text's size. */
const recency = new Map<FunctionFacts, { scopeKey: string; fnText: string }>();
let cachedText = 0;

/**
 * The functions each open document's latest version used. When a version no longer uses one
 * (the function was edited), its facts are of no use to anyone else and leave the cache at
 * once: typing makes a new version of one function per keystroke.
 */
const usedBy = new Map<string, Set<FunctionFacts>>();

/** Forget every cached function (tests, and memory pressure in long sessions). */
export function clearFactCache(): void {
  factCache.clear();
  recency.clear();
  usedBy.clear();
  cachedText = 0;
}

/** A document was closed: what it used stays cached (reopening it hits) until it is the least recently used. */
export function forgetFactOwner(owner: string): void {
  usedBy.delete(owner);
}

function evict(facts: FunctionFacts): void {
  const where = recency.get(facts);
  if (!where) return;
  recency.delete(facts);
  cachedText -= where.fnText.length;
  const entry = factCache.get(where.fnText)!;
  entry.byScope.delete(where.scopeKey);
  if (!entry.byScope.size) factCache.delete(where.fnText);
}

/** Records what `owner`'s new version used and drops what only its previous version did. */
function settleOwner(owner: string, used: Set<FunctionFacts>): void {
  const before = usedBy.get(owner);
  usedBy.set(owner, used);
  if (!before) return;
  for (const f of before) {
    if (used.has(f)) continue;
    let elsewhere = false;
    for (const [o, set] of usedBy) if (o !== owner && set.has(f)) { elsewhere = true; break; }
    if (!elsewhere) evict(f);
  }
}

/** What the cache holds: functions and the characters of their text. */
export function factCacheSize(): { functions: number; textChars: number } {
  return { functions: recency.size, textChars: cachedText };
}

const IDENT = /[A-Za-z_]\w*/g;

/** The part of the file's scope a function's text depends on: which of its names are globals or functions. */
function scopeKeyOf(entry: TextEntry, scope: FileScope): string {
  let key = '';
  for (const id of entry.idents) {
    const g = scope.globals.has(id);
    const f = scope.functions.has(id);
    if (g || f) key += `${id}${g ? (f ? '=gf' : '=g') : '=f'},`;
  }
  return key;
}

/**
 * A copy of `s` that does not keep the string it was sliced from alive. V8 makes a substring
 * a view of its parent: a cached function's text, and the names its facts read, kept the whole
 * version of the file they were read in, so a long session held one copy of audit.c per
 * version any cached function came from (80 of them, 6 MB, after 2,000 edits), and the heap
 * grew around them. The concatenation is flattened into a new string before it is sliced.
 */
function detached(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

function cached(scope: FileScope, fnText: string, make: () => FunctionFacts): { facts: FunctionFacts; hit: boolean } {
  let entry = factCache.get(fnText);
  if (!entry) {
    entry = { idents: [...new Set(fnText.match(IDENT) ?? [])].sort(), byScope: new Map() };
    factCache.set(fnText, entry);
  }
  const scopeKey = scopeKeyOf(entry, scope);
  const hit = entry.byScope.get(scopeKey);
  if (hit) {
    const where = recency.get(hit)!;
    recency.delete(hit);
    recency.set(hit, where);
    return { facts: hit, hit: true };
  }
  let facts: FunctionFacts;
  try {
    facts = make();
  } catch (err) {
    // an extraction that threw leaves no empty entry behind
    if (!entry.byScope.size) factCache.delete(fnText);
    throw err;
  }
  entry.byScope.set(scopeKey, facts);
  recency.set(facts, { scopeKey, fnText });
  cachedText += fnText.length;
  for (const old of recency.keys()) {
    if (cachedText <= CACHE_TEXT_BUDGET || old === facts) break;
    evict(old);
  }
  return { facts, hit: false };
}

function classifyGlobal(fullType: string, declText: string): GlobalKind {
  // an inline struct body describes the members, not the global (`struct { spinlock_t lock; ... } conn`)
  const type = fullType.replace(/\{[\s\S]*\}/, '').trim();
  if (/\bsk_buff_head\b/.test(type)) return 'queue';
  if (/^DEFINE_SPINLOCK$|\bspinlock_t\b/.test(type)) return 'spinlock';
  if (/^DEFINE_MUTEX$|^struct mutex$/.test(type)) return 'mutex';
  if (/struct\s+mutex\s+\w+\s*;/.test(fullType)) return 'control-lock';
  if (/^DECLARE_WAIT_QUEUE_HEAD$|wait_queue_head_t/.test(type)) return 'waitqueue';
  if (/^atomic(64|_long)?_t$/.test(type)) return 'atomic';
  if (/^LIST_HEAD$|^struct list_head$/.test(type)) return 'list';
  // the declarator, without comments or an inline struct body (`static struct c { struct net *net; } conn;` is no pointer)
  const declarator = declText.split('=')[0].replace(/\/\*[\s\S]*?\*\//g, '').replace(/\{[\s\S]*\}/, '');
  if (/\[/.test(declarator)) return 'array';
  if (/\*/.test(declarator)) return 'pointer';
  if (/^struct\b/.test(type)) return 'struct';
  return 'scalar';
}

const BODY_DEFINE_RE = /^[ \t]*#[ \t]*define[ \t]+(\w+)[ \t]+\(?[ \t]*(-?(?:0x[0-9a-fA-F]+|\d+))[uUlL]*[ \t]*\)?[ \t]*$/my;
const REGISTRATION_RE = /^[ \t]*(EXPORT_SYMBOL(?:_GPL)?|__setup|early_param|(?:\w+_)?initcall|module_init|module_exit|late_initcall_sync)\s*\(([^;]*)\)\s*;/my;

/**
 * The matches of a line-anchored sticky regex (`re`, flags `my`), found from the places
 * `anchor` (a global regex for a word the line must start with) occurs: a match is tried only
 * at the start of a line that begins, after blanks, with the anchor's word. What a /gm scan
 * finds, without trying every offset of the file on every keystroke.
 */
export function* lineMatches(text: string, re: RegExp, anchor: RegExp): Generator<RegExpExecArray> {
  let done = 0; // matches do not overlap: none starts before the end of the last
  anchor.lastIndex = 0;
  for (let a = anchor.exec(text); a; a = anchor.exec(text)) {
    // back over the rest of the word (`core_initcall`), then the blanks, to the line's start
    let i = a.index;
    while (i > 0 && /\w/.test(text[i - 1])) i--;
    while (i > 0 && (text[i - 1] === ' ' || text[i - 1] === '\t')) i--;
    if (i > 0 && !'\n\r\u2028\u2029'.includes(text[i - 1])) continue;
    if (i < done) continue;
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) continue;
    done = m.index + m[0].length;
    anchor.lastIndex = Math.max(anchor.lastIndex, done);
    yield m;
  }
}
/**
 * How much of a file the analysis reads: kernel/audit.c has about 100 functions and 80 KiB of
 * them. Beyond these a file is generated, not written, and the time and memory of the rest
 * would be spent for nothing: the functions past the bound are reported not analysed.
 */
export const MAX_FUNCTIONS = 5_000;
export const FUNCTION_TEXT_BUDGET = 2 * 1024 * 1024;

function overBudget(total: number, index: number): string {
  return index >= MAX_FUNCTIONS
    ? `the file has ${total.toLocaleString('en')} functions and the analysis reads the first ${MAX_FUNCTIONS.toLocaleString('en')} (kernel/audit.c has about 100)`
    : `the functions before it already fill the ${FUNCTION_TEXT_BUDGET / 1024 / 1024} MiB of function text the analysis reads (kernel/audit.c has about 80 KiB)`;
}

/** The words a registration line or a #define line starts with. */
const REGISTRATION_WORDS = /EXPORT_SYMBOL|__setup|early_param|initcall|module_init|module_exit/g;
const DIRECTIVE = /#/g;

/**
 * `exclude`: functions to leave out with a reason (the model or a rule failed on them; see
 * analyser.ts). A function whose facts cannot be extracted is left out the same way.
 */
export function buildFileFacts(outline: Outline, owner?: string, exclude?: ReadonlyMap<string, string>): FileFacts {
  const source = outline.source;
  const text = source.text;
  const globals = new Map<string, GlobalFact>();
  for (const g of outline.globals) {
    if (globals.has(g.name)) continue; // extern declaration then definition: keep the first
    const declText = text.slice(g.span.start, g.span.end);
    const isRcu = source.blanks.some((b) => b.start >= g.span.start && b.end <= g.span.end && text.slice(b.start, b.end) === '__rcu');
    let kind = classifyGlobal(g.type ?? '', declText);
    if (isRcu) kind = 'rcu-pointer';
    globals.set(g.name, { name: g.name, kind, type: g.type ?? '', isStatic: !!g.isStatic, isRcu, rcuBy: isRcu ? 'annotation' : undefined, span: g.span, nameSpan: g.nameSpan });
  }
  const scope: FileScope = { globals: new Set(globals.keys()), functions: new Set(outline.functions.map((f) => f.name)) };

  const functions = new Map<string, FunctionEntry>();
  const bindings: FileFacts['bindings'] = [];
  let extracted = 0;
  const used = owner !== undefined ? new Set<FunctionFacts>() : undefined;
  const notAnalysed: NotAnalysed[] = [];
  const root = source.tree.rootNode;
  let budget = FUNCTION_TEXT_BUDGET;
  for (const [index, sym] of outline.functions.entries()) {
    // a generated file of a hundred thousand functions is no audit code: read a bounded part,
    // and say so once for the rest
    budget -= sym.span.end - sym.span.start;
    if (index >= MAX_FUNCTIONS || budget < 0) {
      const last = outline.functions[outline.functions.length - 1];
      const rest = outline.functions.length - index - 1;
      notAnalysed.push({
        name: sym.name,
        span: { ...sym.span, end: last.span.end, endLine: last.span.endLine, endColumn: last.span.endColumn },
        reason: `${rest ? `nor the ${rest.toLocaleString('en')} function${rest === 1 ? '' : 's'} after it (to line ${last.span.endLine + 1}): ` : ''}${overBudget(outline.functions.length, index)}`,
      });
      break;
    }
    const excluded = exclude?.get(sym.name);
    if (excluded !== undefined) {
      notAnalysed.push({ name: sym.name, span: sym.span, reason: excluded });
      continue;
    }
    const fnText = detached(text.slice(sym.span.start, sym.span.end));
    let got: { facts: FunctionFacts; hit: boolean };
    try {
      got = cached(scope, fnText, () => {
        const node = root.descendantForIndex(sym.span.start, sym.span.end - 1) ?? root;
        const def = node.type === 'function_definition' ? node : findAncestor(node, 'function_definition');
        const at = def ?? node;
        // read from the function's own text, so the facts' strings are not slices of this version of the file
        const own = at.endIndex <= sym.span.end ? fnText : detached(text.slice(sym.span.start, at.endIndex));
        return extractFunctionFacts(mirror(at), new SourceView(own, 0), scope);
      });
    } catch (err) {
      // one function the extractor cannot read costs that function, not the file
      notAnalysed.push({ name: sym.name, span: sym.span, reason: notAnalysedReason('its facts could not be read', err) });
      continue;
    }
    const { facts, hit } = got;
    if (!hit) extracted++;
    used?.add(facts);
    const head = text.slice(sym.span.start, sym.bodySpan.start);
    const isInit = source.blanks.some((b) => b.start >= sym.span.start && b.end <= sym.bodySpan.start && /^__(net_)?(init|exit)$/.test(text.slice(b.start, b.end)));
    functions.set(sym.name, { symbol: sym, facts, base: sym.span.start, isInit, isStatic: /^\s*static\b/.test(head) });
    for (const b of facts.bindings) bindings.push({ ...b, at: { start: b.at.start + sym.span.start, end: b.at.end + sym.span.start }, inFunction: sym.name });
  }

  if (owner !== undefined) settleOwner(owner, used!);

  // A pointer read with rcu_dereference*() or published with rcu_assign_pointer() is RCU whether or not it says `__rcu`.
  for (const e of functions.values()) {
    for (const a of e.facts.accesses) {
      const g = a.mode === 'rcu' ? globals.get(a.variable) : undefined;
      if (!g || g.isRcu || (g.kind !== 'pointer' && g.kind !== 'struct')) continue;
      g.isRcu = true;
      g.rcuBy = 'usage';
      g.kind = 'rcu-pointer';
    }
  }

  // Top-level initialisers (`static struct pernet_operations ops = { .init = f }`).
  for (const g of outline.globals) {
    const declText = text.slice(g.span.start, g.span.end);
    if (!/\.\w+\s*=/.test(declText)) continue;
    const re = /\.(\w+)\s*=\s*([A-Za-z_]\w*)\s*[,}]/g;
    for (let m = re.exec(declText); m; m = re.exec(declText)) {
      if (!scope.functions.has(m[2])) continue;
      const start = g.span.start + m.index;
      bindings.push({ field: m[1], fn: m[2], structType: (g.type ?? '').replace(/^struct\s+/, ''), at: { start, end: start + m[0].length } });
    }
  }

  const registrations: Registration[] = [];
  for (const m of lineMatches(text, REGISTRATION_RE, REGISTRATION_WORDS)) {
    const args = m[2].split(',').map((s) => s.trim());
    const fn = args.find((a) => scope.functions.has(a)) ?? args[args.length - 1];
    const start = m.index;
    const lp = source.lines.positionAt(start);
    const le = source.lines.positionAt(start + m[0].length);
    registrations.push({ macro: m[1], fn, span: { start, end: start + m[0].length, line: lp.line, column: lp.character, endLine: le.line, endColumn: le.character } });
  }

  const constants = new Map<string, number>();
  for (const m of outline.macros) {
    const def = text.slice(m.span.start, m.span.end);
    const mm = /^#\s*define\s+(\w+)\s+\(?\s*(-?(?:0x[0-9a-fA-F]+|\d+))[uUlL]*\s*\)?\s*$/.exec(def.trim());
    if (mm) constants.set(mm[1], Number(mm[2]));
  }
  // constants defined inside a function body (kauditd_thread's UNICAST_RETRIES) are not top-level macros
  for (const m of lineMatches(text, BODY_DEFINE_RE, DIRECTIVE)) if (!constants.has(m[1])) constants.set(m[1], Number(m[2]));

  return { source, functions, globals, bindings, registrations, constants, macros: outline.macros.map((m) => ({ name: m.name, span: m.span })), extracted, notAnalysed };
}

/** Why a function was left out, as a clause (`<fn> was not analysed: <this>`), from the exception. */
export function notAnalysedReason(what: string, err: unknown): string {
  if (err instanceof NestingTooDeep) return `it is ${err.message}`;
  if (err instanceof RangeError && /call stack/i.test(err.message)) return `${what}: it is nested too deeply for the analysis`;
  const msg = err instanceof Error ? err.message : String(err);
  return `${what} (${msg.split('\n')[0].slice(0, 160)})`;
}

function findAncestor(n: import('../parse/cParser').SyntaxNode, type: string) {
  for (let p: typeof n | null = n; p; p = p.parent) if (p.type === type) return p;
  return null;
}

/** Absolute span of a relative location inside a function. */
export function absoluteSpan(source: ParsedSource, base: number, loc: { start: number; end: number }): Span {
  const s = source.lines.positionAt(base + loc.start);
  const e = source.lines.positionAt(base + loc.end);
  return { start: base + loc.start, end: base + loc.end, line: s.line, column: s.character, endLine: e.line, endColumn: e.character };
}

export { kids, stripParens };
