/**
 * Path conditions as atoms: what a branch tells us on each of its edges.
 *
 *   bound:Q      the queue Q is below the backlog limit (or the limit is 0, i.e. unlimited)
 *   bound:*      the backlog limit is 0 ("unlimited"): every queue counts as within it
 *   loose:Q      Q's bound is `len <= limit`: it admits one record over the limit
 *   eq:V:C       variable V equals constant C (e.g. eq:error:-EAGAIN)
 *   ne:V:C       variable V differs from constant C
 *   true:V       V (a flag, pointer or count) is non-zero
 *   false:V      V is zero / NULL
 *   nonneg:V     V >= 0 (a status that reports success)
 *   neg:V        V < 0 (a status that reports failure)
 *   pred:F:I:B:Q F(..., Q as argument I, ...) returned B (1/0): a bound if F says so (model/predicates.ts)
 *
 * Atoms are must-facts: the dataflow meets them by intersection, so a guard
 * holds at an operation only if it holds on every path to it (early returns,
 * gotos and loops included).
 */
import { Ast, kids, operatorOf, pathOf, SourceView, stripParens } from './ast';

export type Atom = string;

export interface ConditionContext {
  src: SourceView;
  /** Globals compared against a queue length (the backlog limit variables). */
  isLimit(path: string): boolean;
  /** Resolves `&Q`/`Q` in skb_queue_len(...) to a queue name. */
  queueOf(arg: Ast): string | undefined;
}

/** Constant text of an expression if it is an errno (`-EAGAIN`), a number, NULL or an ALL_CAPS macro. */
export function constantOf(n: Ast, src: SourceView): string | undefined {
  const e = stripParens(n);
  if (e.type === 'number_literal') return src.of(e);
  if (e.type === 'null') return 'NULL';
  if (e.type === 'true' || e.type === 'false') return src.of(e);
  if (e.type === 'identifier') {
    const t = src.of(e);
    if (t === 'NULL') return 'NULL';
    if (/^[A-Z][A-Z0-9_]+$/.test(t)) return t;
    return undefined;
  }
  if (e.type === 'unary_expression' && operatorOf(e) === '-') {
    const inner = kids(e)[0];
    const c = inner && constantOf(inner, src);
    return c ? `-${c}` : undefined;
  }
  return undefined;
}

function lenQueue(n: Ast, ctx: ConditionContext): string | undefined {
  const e = stripParens(n);
  if (e.type !== 'call_expression') return undefined;
  const [fn, args] = kids(e);
  if (!fn || fn.type !== 'identifier') return undefined;
  const name = ctx.src.of(fn);
  if (name !== 'skb_queue_len' && name !== 'skb_queue_len_lockless') return undefined;
  const a = args && kids(args)[0];
  return a ? ctx.queueOf(a) : undefined;
}

const FLIP: Record<string, string> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=', '==': '==', '!=': '!=' };
const NEGATE: Record<string, string> = { '<': '>=', '>': '<=', '<=': '>', '>=': '<', '==': '!=', '!=': '==' };

function union(a: Atom[], b: Atom[]): Atom[] {
  return [...new Set([...a, ...b])];
}

/** Atoms common to both (with `bound:*` matching any `bound:Q`). */
export function intersectAtoms(a: Iterable<Atom>, b: Iterable<Atom>): Atom[] {
  const bs = new Set(b);
  const as = new Set(a);
  const out: Atom[] = [];
  // `bound:*` (no limit at all) meets a queue's bound as that bound, looseness included
  const underAny = (x: Atom) => x.startsWith('bound:') || x.startsWith('loose:');
  for (const x of as) {
    if (bs.has(x)) out.push(x);
    else if (underAny(x) && bs.has('bound:*')) out.push(x);
  }
  if (as.has('bound:*')) {
    for (const y of bs) if (underAny(y) && y !== 'bound:*' && !out.includes(y)) out.push(y);
  }
  return out;
}

/** Atoms that hold when `cond` evaluates to `value`. */
export function atomsFor(cond: Ast, value: boolean, ctx: ConditionContext): Atom[] {
  const e = stripParens(cond);
  switch (e.type) {
    case 'unary_expression': {
      if (operatorOf(e) === '!') {
        const inner = kids(e)[0];
        return inner ? atomsFor(inner, !value, ctx) : [];
      }
      return [];
    }
    case 'binary_expression': {
      const op = operatorOf(e)!;
      const [l, r] = kids(e);
      if (!l || !r) return [];
      if (op === '&&') {
        return value ? union(atomsFor(l, true, ctx), atomsFor(r, true, ctx)) : intersectAtoms(atomsFor(l, false, ctx), atomsFor(r, false, ctx));
      }
      if (op === '||') {
        return value ? intersectAtoms(atomsFor(l, true, ctx), atomsFor(r, true, ctx)) : union(atomsFor(l, false, ctx), atomsFor(r, false, ctx));
      }
      if (!(op in FLIP)) return [];
      const effective = value ? op : NEGATE[op];
      return comparisonAtoms(l, effective, r, ctx);
    }
    case 'assignment_expression': {
      // `(skb = skb_dequeue(q))` is true when the assigned value is non-NULL
      const left = kids(e)[0];
      const p = left && pathOf(left, ctx.src);
      return p ? [value ? `true:${p}` : `false:${p}`] : [];
    }
    case 'identifier':
    case 'field_expression':
    case 'call_expression': {
      const p = pathOf(e, ctx.src); // a call only when it is a marked load: READ_ONCE(x)
      if (!p) return e.type === 'call_expression' ? predicateAtoms(e, value, ctx) : [];
      if (!value && ctx.isLimit(p)) return ['bound:*', `false:${p}`];
      return [value ? `true:${p}` : `false:${p}`];
    }
    default:
      return [];
  }
}

/**
 * `f(&Q)` as a condition: what f answers about each queue it is passed, as
 * `pred:f:<arg>:<1|0>:<queue>`. Whether f is a bound (queue below the limit
 * when it returns that value) is decided from f's own body (model/predicates.ts).
 */
function predicateAtoms(call: Ast, value: boolean, ctx: ConditionContext): Atom[] {
  const [fn, args] = kids(call);
  if (!fn || fn.type !== 'identifier' || !args) return [];
  const name = ctx.src.of(fn);
  const out: Atom[] = [];
  kids(args).forEach((a, i) => {
    const q = ctx.queueOf(a);
    if (q && !q.startsWith('local:')) out.push(`pred:${name}:${i}:${value ? 1 : 0}:${q}`);
  });
  return out;
}

function comparisonAtoms(l: Ast, op: string, r: Ast, ctx: ConditionContext): Atom[] {
  // queue length against the limit, either way round
  const lq = lenQueue(l, ctx);
  const rq = lenQueue(r, ctx);
  const lp = pathOf(l, ctx.src);
  const rp = pathOf(r, ctx.src);
  // `len <= limit` still bounds the queue, one record over the limit (`loose:Q`)
  if (lq && rp && ctx.isLimit(rp) && (op === '<' || op === '<=')) return op === '<' ? [`bound:${lq}`] : [`bound:${lq}`, `loose:${lq}`];
  if (rq && lp && ctx.isLimit(lp) && (op === '>' || op === '>=')) return op === '>' ? [`bound:${rq}`] : [`bound:${rq}`, `loose:${rq}`];
  const lc = constantOf(l, ctx.src);
  const rc = constantOf(r, ctx.src);
  const [v, c] = rc !== undefined && lp ? [lp, rc] : lc !== undefined && rp ? [rp, lc] : [undefined, undefined];
  if (v === undefined || c === undefined) return [];
  // the sign of a status: `rc >= 0` (success) / `rc < 0` (failure), either way round
  if (c === '0' && (op === '<' || op === '>=' || op === '>' || op === '<=')) {
    const flipped = rc !== undefined && lp ? op : FLIP[op];
    if (flipped === '>=') return [`nonneg:${v}`];
    if (flipped === '<') return [`neg:${v}`, `true:${v}`];
    if (flipped === '>') return [`nonneg:${v}`, `true:${v}`];
    return [];
  }
  if (op === '==') return c === 'NULL' || c === '0' ? [`eq:${v}:${c}`, `false:${v}`] : [`eq:${v}:${c}`];
  if (op === '!=') return c === 'NULL' || c === '0' ? [`ne:${v}:${c}`, `true:${v}`] : [`ne:${v}:${c}`];
  return [];
}

/** Drops every atom about `path` (it was just assigned). */
export function killAtomsOf(atoms: Set<Atom>, path: string): void {
  for (const a of atoms) {
    const parts = a.split(':');
    if (parts[1] === path || (parts[0] === 'true' || parts[0] === 'false') && a.slice(a.indexOf(':') + 1) === path) atoms.delete(a);
  }
}
