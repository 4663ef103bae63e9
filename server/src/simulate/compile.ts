/**
 * The compiler of the interpreter: turns one function's control flow graph into
 * closures, once per simulation. Statements and conditions become nodes whose
 * `exec`/`test` run the C; a statement or condition whose first call may sleep
 * also gets a generator form, so a task can yield where the kernel would sleep.
 */
import { kids, operatorOf, SourceView, stripParens } from '../facts/ast';
import type { Ast } from '../facts/ast';
import type { CfgNode } from '../facts/cfg';
import type { FunctionEntry } from '../facts/fileFacts';
import type { Machine, Wait } from './machine';
import { FnRef, getField, isObj, num, Obj, Ref, same, setField, struct, truthy, Value } from './values';

export type Frame = Value[];
export type Expr = (f: Frame) => Value;
type LValue = { get: Expr; set: (f: Frame, v: Value) => void };

/** An argument the callee never reads. */
const UNREAD: Expr = () => 0;

/** Macros that assign to their first argument. */
const ASSIGNING = new Set(['rcu_assign_pointer', 'RCU_INIT_POINTER', 'WRITE_ONCE', 'smp_store_release']);

export interface Node {
  kind: CfgNode['kind'];
  line: number;
  /** A statement, condition or return: what a task's line ring keeps. */
  traced: boolean;
  /** A condition that is a constant (`while (1)`): the way it always goes. */
  constant?: boolean;
  exec?: (f: Frame) => void;
  test?: (f: Frame) => boolean;
  value?: Expr;
  succ: number[];
  cases?: { value: number; to: number }[];
  defaultTo?: number;
  /** Generator form of a statement that sleeps. */
  sleepy?: (f: Frame) => Generator<Wait, void>;
  /** Generator form of a condition or return value whose first call sleeps (`if (wait_for_room())`). */
  sleepyValue?: (f: Frame) => Generator<Wait, Value>;
}

export interface Compiled {
  name: string;
  params: number[];
  size: number;
  entry: number;
  nodes: Node[];
  sleeps: boolean;
  /** The kernel wants to know when this function is entered and left (drains). */
  watched: boolean;
  /** Per node, 1 when a return is still reachable from it (worked out when first asked). */
  returns?: Uint8Array;
  /** Statics and locals that are queues need a fresh object per frame. */
  init: ((f: Frame) => void)[];
}

/** Compiles one function's CFG into closures. */
export class FunctionCompiler {
  private readonly slots = new Map<string, number>();
  private readonly src: SourceView;
  private readonly init: ((f: Frame) => void)[] = [];
  /** Calls already evaluated by a generator: the expression reads their value from a slot. */
  private readonly holes = new Map<Ast, number>();

  constructor(
    private readonly m: Machine,
    private readonly e: FunctionEntry,
    text: string,
    private readonly positionAt: (o: number) => { line: number },
  ) {
    this.src = new SourceView(text, e.base);
  }

  private slot(name: string): number {
    let s = this.slots.get(name);
    if (s === undefined) this.slots.set(name, (s = this.slots.size));
    return s;
  }

  compile(): Compiled {
    const facts = this.e.facts;
    const params = facts.params.map((p) => this.slot(p.name));
    for (const l of facts.locals) this.slot(l);
    const nodes: Node[] = facts.cfg.nodes.map((n) => this.node(n));
    return { name: facts.name, params, size: this.slots.size, entry: facts.cfg.entry, nodes, sleeps: false, watched: false, init: this.init };
  }

  private lineOf(a: Ast | undefined): number {
    return a ? this.positionAt(this.e.base + a.start).line + 1 : this.e.symbol.span.line + 1;
  }

  private node(n: CfgNode): Node {
    const traced = n.kind === 'stmt' || n.kind === 'cond' || n.kind === 'switch' || n.kind === 'return';
    // every node has every field, in one order: one hidden class for the run loops' reads
    const out: Node = {
      kind: n.kind, line: this.lineOf(n.ast), traced, constant: undefined, exec: undefined, test: undefined, value: undefined,
      succ: n.succ.map((s) => s.to), cases: undefined, defaultTo: undefined, sleepy: undefined, sleepyValue: undefined,
    };
    const a = n.ast;
    switch (n.kind) {
      case 'stmt':
        if (a) {
          out.exec = this.stmt(a);
          out.sleepy = this.sleepyStmt(a);
        } else out.exec = () => undefined;
        break;
      case 'cond': {
        if (a) {
          const t = this.expr(a);
          out.test = (f) => truthy(t(f));
          out.sleepyValue = this.sleepyValue(a);
          const k = constantOf(a, this.src);
          if (k !== undefined) out.constant = k;
        }
        // succ order from the CFG: true edge first
        const te = n.succ.find((s) => s.branch === true);
        const fe = n.succ.find((s) => s.branch === false);
        if (te && fe) out.succ = [te.to, fe.to];
        break;
      }
      case 'switch': {
        out.value = this.expr(a!);
        out.cases = [];
        for (const s of n.succ) {
          if (s.caseValue === 'default' || !s.caseValue) out.defaultTo = s.to;
          else out.cases.push({ value: num(this.expr(s.caseValue)([])), to: s.to });
        }
        break;
      }
      case 'return': {
        const v = a && kids(a)[0];
        if (v) {
          out.value = this.expr(v);
          out.sleepyValue = this.sleepyValue(v);
        }
        break;
      }
    }
    return out;
  }

  /**
   * An expression whose first evaluated call may sleep (`!wait_for_room()`, `wait_event_timeout(...) == 0`,
   * `(rc = f()) < 0`): a generator that runs that call as a task, then the rest of the expression with
   * its value. Only the leftmost call qualifies, so C's order of evaluation is kept.
   */
  private sleepyValue(a: Ast): ((f: Frame) => Generator<Wait, Value>) | undefined {
    const call = this.leadingCall(a);
    if (!call) return undefined;
    const gen = this.sleepyCall(call);
    if (!gen) return undefined;
    const slot = this.slot(`%sleep@${call.start}`);
    this.holes.set(call, slot);
    const rest = this.expr(a);
    this.holes.delete(call);
    return function* (f) {
      f[slot] = yield* gen(f);
      return rest(f);
    };
  }

  private leadingCall(a: Ast): Ast | undefined {
    const e = stripParens(a);
    switch (e.type) {
      case 'call_expression': return e;
      case 'unary_expression': return kids(e)[0] && this.leadingCall(kids(e)[0]);
      case 'binary_expression': return kids(e)[0] && this.leadingCall(kids(e)[0]);
      case 'assignment_expression': return kids(e)[1] && this.leadingCall(kids(e)[1]);
      default: return undefined;
    }
  }

  /** A statement whose top-level call sleeps: `wait_event(...)`, `x = schedule_timeout(t)`, `f()` where f sleeps. */
  private sleepyStmt(a: Ast): ((f: Frame) => Generator<Wait, void>) | undefined {
    let e = a.type === 'expression_statement' ? kids(a)[0] : a;
    if (!e) return undefined;
    e = stripParens(e);
    let target: LValue | undefined;
    if (e.type === 'assignment_expression' && operatorOf(e) === '=') {
      const [l, r] = kids(e);
      if (!l || !r || stripParens(r).type !== 'call_expression') return undefined;
      target = this.lvalue(l);
      e = stripParens(r);
    }
    if (e.type !== 'call_expression') return undefined;
    const gen = this.sleepyCall(e);
    if (!gen) return undefined;
    return function* (f) {
      const v = yield* gen(f);
      target?.set(f, v);
    };
  }

  /** A call to a sleeping kernel API or to a function of the file that sleeps, as a generator. */
  private sleepyCall(e: Ast): ((f: Frame) => Generator<Wait, Value>) | undefined {
    const [fnAst, argList] = kids(e);
    if (!fnAst || fnAst.type !== 'identifier') return undefined;
    const name = this.src.of(fnAst);
    const argAsts = argList ? kids(argList) : [];
    const sleeper = this.m.kernel.sleeper(name);
    if (sleeper) {
      const args = argAsts.map((x) => this.expr(x));
      return (f) => sleeper(args, f);
    }
    if (this.m.has(name) && this.m.sleeps(name)) {
      const args = argAsts.map((x) => this.expr(x));
      const m = this.m;
      return (f) => m.callGen(name, args.map((x) => x(f)));
    }
    return undefined;
  }

  private stmt(a: Ast): (f: Frame) => void {
    switch (a.type) {
      case 'expression_statement': {
        const e = kids(a)[0];
        if (!e) return () => undefined;
        const x = this.expr(e);
        return (f) => { x(f); };
      }
      case 'declaration':
        return this.declaration(a);
      default: {
        // a `for` initialiser or update, or a statement the model does not need
        if (a.type.endsWith('_statement')) return () => undefined;
        const x = this.expr(a);
        return (f) => { x(f); };
      }
    }
  }

  private declaration(a: Ast): (f: Frame) => void {
    const text = this.src.of(a);
    const isStatic = /^\s*static\b/.test(text);
    const isQueue = /\bsk_buff_head\b/.test(text.split(/[=;]/)[0]);
    const parts: ((f: Frame) => void)[] = [];
    for (const d of kids(a)) {
      const isInit = d.type === 'init_declarator';
      const declarator = isInit ? kids(d)[0] : d;
      if (!declarator || !(isInit || /declarator$|^identifier$/.test(d.type))) continue;
      const name = nameOf(declarator, this.src);
      if (!name) continue;
      const value = isInit ? kids(d)[1] : undefined;
      const x = value ? this.expr(value) : undefined;
      if (isStatic) {
        // a static local keeps its value across calls: it lives with the globals
        const cell = this.m.global(`${this.e.facts.name}::${name}`);
        const slot = this.slot(name);
        let initialised = false;
        const ref: Ref = { kind: 'ref', get: () => cell.v, set: (v: Value) => { cell.v = v; } };
        staticRefs.add(ref);
        this.init.push((f) => {
          if (!initialised) { cell.v = x ? x(f) : isQueue ? { kind: 'queue', name, items: [], max: 0, backlog: false } : 0; initialised = true; }
          f[slot] = ref;
        });
        continue;
      }
      const slot = this.slot(name);
      if (x) parts.push((f) => { f[slot] = x(f); });
      else if (isQueue) parts.push((f) => { f[slot] = { kind: 'queue', name, items: [], max: 0, backlog: false }; });
      else if (/\bstruct\b/.test(text) && declarator.type === 'identifier') parts.push((f) => { f[slot] = struct(); });
      // a char buffer: snprintf() leaves its format there, so audit_log_lost(buf) names a reason
      else if (/^\s*(const\s+)?char\b/.test(text) && declarator.type === 'array_declarator') parts.push((f) => { f[slot] = struct(); });
      else parts.push((f) => { f[slot] = 0; });
    }
    return (f) => { for (const p of parts) p(f); };
  }

  expr(a: Ast): Expr {
    const src = this.src;
    const hole = this.holes.size ? this.holes.get(a) : undefined;
    if (hole !== undefined) return (f) => f[hole];
    switch (a.type) {
      case 'number_literal': {
        const v = parseNumber(src.of(a));
        return () => v;
      }
      case 'char_literal': {
        const t = src.of(a);
        const v = t.length >= 3 ? t.charCodeAt(1) : 0;
        return () => v;
      }
      case 'string_literal':
      case 'concatenated_string': {
        const s: Obj = { kind: 'str', text: src.of(a) };
        return () => s;
      }
      case 'true':
        return () => 1;
      case 'false':
      case 'null':
        return () => 0;
      case 'identifier':
        return this.identifier(src.of(a));
      case 'parenthesized_expression': {
        const inner = kids(a)[0];
        return inner ? this.expr(inner) : () => 0;
      }
      case 'field_expression': {
        const [obj, field] = kids(a);
        const o = this.expr(obj);
        const name = src.of(field);
        return (f) => getField(o(f), name);
      }
      case 'pointer_expression': {
        const inner = kids(a)[0];
        if (operatorOf(a) === '&') return this.address(inner);
        const p = this.expr(inner);
        return (f) => {
          const v = p(f);
          return typeof v === 'object' && v.kind === 'ref' ? v.get() : v;
        };
      }
      case 'unary_expression': {
        const x = this.expr(kids(a)[0]);
        switch (operatorOf(a)) {
          case '!': return (f) => (truthy(x(f)) ? 0 : 1);
          case '-': return (f) => -num(x(f));
          case '~': return (f) => ~num(x(f));
          default: return x;
        }
      }
      case 'binary_expression':
        return this.binary(a);
      case 'assignment_expression':
        return this.assignment(a);
      case 'update_expression': {
        const target = this.lvalue(kids(a)[0]);
        const inc = operatorOf(a) === '++' ? 1 : -1;
        const prefix = !a.children[0].named;
        return (f) => {
          const old = num(target.get(f));
          target.set(f, old + inc);
          return prefix ? old + inc : old;
        };
      }
      case 'conditional_expression': {
        const [c, t, e] = kids(a).map((k) => this.expr(k));
        return (f) => (truthy(c(f)) ? t(f) : e(f));
      }
      case 'call_expression':
        return this.callExpr(a);
      case 'cast_expression': {
        const k = kids(a);
        return this.expr(k[k.length - 1]);
      }
      case 'sizeof_expression':
      case 'alignof_expression':
      case 'offsetof_expression':
        return () => 8;
      case 'comma_expression': {
        const [l, r] = kids(a).map((k) => this.expr(k));
        return (f) => { l(f); return r(f); };
      }
      case 'subscript_expression': {
        const [arr, idx] = kids(a).map((k) => this.expr(k));
        return (f) => getField(arr(f), String(num(idx(f))));
      }
      case 'initializer_list': {
        const pairs = kids(a).filter((k) => k.type === 'initializer_pair').map((p) => {
          const [d, v] = kids(p);
          return { name: src.of(d).replace(/^\./, ''), v: this.expr(v) };
        });
        return (f) => {
          const s = struct();
          for (const p of pairs) s.fields[p.name] = p.v(f);
          return s;
        };
      }
      case 'compound_literal_expression':
        return () => struct();
      default:
        return () => 0;
    }
  }

  private identifier(name: string): Expr {
    const slot = this.slots.get(name);
    if (slot !== undefined) {
      return (f) => {
        const v = f[slot];
        return isStaticRef(v) ? (v as Ref).get() : v;
      };
    }
    if (this.m.has(name)) {
      const fn: FnRef = { kind: 'fn', name };
      return () => fn;
    }
    if (this.m.globals.has(name)) {
      const cell = this.m.globals.get(name)!;
      return () => cell.v;
    }
    const d = this.m.kernel.dynamic?.(name);
    if (d) return d;
    const k = this.m.kernel.constant(name);
    if (k !== undefined) return () => k;
    // an undeclared identifier (a macro from a header): its value is unknown, taken as 0
    this.m.unknownValues.add(name);
    const cell = this.m.global(name);
    return () => cell.v;
  }

  private address(x: Ast): Expr {
    const e = stripParens(x);
    if (e.type === 'identifier' && this.m.has(this.src.of(e))) {
      const fn: FnRef = { kind: 'fn', name: this.src.of(e) };
      return () => fn;
    }
    const lv = this.lvalue(e);
    return (f) => {
      const v = lv.get(f);
      if (isObj(v) && v.kind !== 'ref' && v.kind !== 'fn' && v.kind !== 'str') return v; // &queue, &struct: the object itself
      return { kind: 'ref', get: () => lv.get(f), set: (nv: Value) => lv.set(f, nv) } as Ref;
    };
  }

  lvalue(a: Ast): LValue {
    const e = stripParens(a);
    switch (e.type) {
      case 'identifier': {
        const name = this.src.of(e);
        const slot = this.slots.get(name);
        if (slot !== undefined) {
          return {
            get: (f) => (isStaticRef(f[slot]) ? (f[slot] as Ref).get() : f[slot]),
            set: (f, v) => { if (isStaticRef(f[slot])) (f[slot] as Ref).set(v); else f[slot] = v; },
          };
        }
        const cell = this.m.global(name);
        return { get: () => cell.v, set: (_f, v) => { cell.v = v; } };
      }
      case 'field_expression': {
        const [obj, field] = kids(e);
        const o = this.expr(obj);
        const name = this.src.of(field);
        return { get: (f) => getField(o(f), name), set: (f, v) => setField(o(f), name, v) };
      }
      case 'pointer_expression': {
        const p = this.expr(kids(e)[0]);
        return {
          get: (f) => { const v = p(f); return typeof v === 'object' && v.kind === 'ref' ? v.get() : v; },
          set: (f, v) => { const r = p(f); if (typeof r === 'object' && r.kind === 'ref') r.set(v); },
        };
      }
      case 'subscript_expression': {
        const [arr, idx] = kids(e).map((k) => this.expr(k));
        return { get: (f) => getField(arr(f), String(num(idx(f)))), set: (f, v) => setField(arr(f), String(num(idx(f))), v) };
      }
      default: {
        const x = this.expr(e);
        return { get: x, set: () => undefined };
      }
    }
  }

  private binary(a: Ast): Expr {
    const [l0, r0] = kids(a);
    const l = this.expr(l0);
    const r = this.expr(r0);
    switch (operatorOf(a)) {
      case '&&': return (f) => (truthy(l(f)) && truthy(r(f)) ? 1 : 0);
      case '||': return (f) => (truthy(l(f)) || truthy(r(f)) ? 1 : 0);
      case '==': return (f) => (eq(l(f), r(f)) ? 1 : 0);
      case '!=': return (f) => (eq(l(f), r(f)) ? 0 : 1);
      case '<': return (f) => (num(l(f)) < num(r(f)) ? 1 : 0);
      case '>': return (f) => (num(l(f)) > num(r(f)) ? 1 : 0);
      case '<=': return (f) => (num(l(f)) <= num(r(f)) ? 1 : 0);
      case '>=': return (f) => (num(l(f)) >= num(r(f)) ? 1 : 0);
      case '+': return (f) => num(l(f)) + num(r(f));
      case '-': return (f) => num(l(f)) - num(r(f));
      case '*': return (f) => num(l(f)) * num(r(f));
      case '/': return (f) => { const d = num(r(f)); return d ? Math.trunc(num(l(f)) / d) : 0; };
      case '%': return (f) => { const d = num(r(f)); return d ? num(l(f)) % d : 0; };
      case '&': return (f) => num(l(f)) & num(r(f));
      case '|': return (f) => num(l(f)) | num(r(f));
      case '^': return (f) => num(l(f)) ^ num(r(f));
      case '<<': return (f) => num(l(f)) << num(r(f));
      case '>>': return (f) => num(l(f)) >> num(r(f));
      default: return () => 0;
    }
  }

  private assignment(a: Ast): Expr {
    const [l, r] = kids(a);
    const target = this.lvalue(l);
    const value = this.expr(r);
    const op = operatorOf(a);
    if (op === '=') return (f) => { const v = value(f); target.set(f, v); return v; };
    const bin: Record<string, (x: number, y: number) => number> = {
      '+=': (x, y) => x + y, '-=': (x, y) => x - y, '*=': (x, y) => x * y, '/=': (x, y) => (y ? Math.trunc(x / y) : 0),
      '|=': (x, y) => x | y, '&=': (x, y) => x & y, '^=': (x, y) => x ^ y, '<<=': (x, y) => x << y, '>>=': (x, y) => x >> y, '%=': (x, y) => (y ? x % y : 0),
    };
    const fn = bin[op ?? ''] ?? ((_x: number, y: number) => y);
    return (f) => { const v = fn(num(target.get(f)), num(value(f))); target.set(f, v); return v; };
  }

  private callExpr(a: Ast): Expr {
    const [fnAst, argList] = kids(a);
    const argAsts = argList ? kids(argList) : [];
    const target = stripParens(fnAst);
    // a bare name handed to a no-op or unknown call (kfree_rcu(old, rcu), KMEM_CACHE(x, SLAB_PANIC))
    // is never read, so it is not compiled (nor reported unknown)
    const compileArgs = (bareNamesUnread = false): Expr[] => argAsts.map((x) => (bareNamesUnread && x.type === 'identifier' ? UNREAD : this.expr(x)));
    const m = this.m;
    if (target.type === 'identifier') {
      const name = this.src.of(target);
      if (ASSIGNING.has(name) && argList && kids(argList).length >= 2) {
        const lv = this.lvalue(kids(argList)[0]);
        const value = this.expr(argAsts[1]);
        return (f) => { const v = value(f); lv.set(f, v); return v; };
      }
      if (!this.slots.has(name)) {
        const builtin = m.kernel.builtin(name);
        if (builtin) {
          const args = compileArgs(!!m.kernel.isNoOp?.(name));
          return (f) => builtin(args, f);
        }
        if (m.has(name)) {
          const args = compileArgs();
          let callee: Compiled | undefined; // resolved on first call: functions compile lazily
          const n = args.length;
          return (f) => {
            const vals: Value[] = new Array(n);
            for (let i = 0; i < n; i++) vals[i] = args[i](f);
            return m.callCompiled((callee ??= m.compiledFn(name)), vals);
          };
        }
        const sleeper = m.kernel.sleeper(name);
        if (sleeper) {
          // a sleeping API in an expression the task cannot yield from: run in place, without the others
          const args = compileArgs();
          return (f) => m.sleepInPlace(sleeper(args, f));
        }
        // an unknown call: its arguments run for their side effects
        const effects = compileArgs(true).filter((x) => x !== UNREAD);
        const socket = m.kernel.socketSource?.(name);
        return (f) => { for (const x of effects) x(f); m.kernel.abstracted(name); return socket ?? 0; };
      }
    }
    const args = compileArgs();
    // through a function pointer: `(*err_hook)(skb, rc)` or `skb_hook(skb)`
    const callee = target.type === 'pointer_expression' && operatorOf(target) === '*' ? this.expr(kids(target)[0]) : this.expr(target);
    return (f) => {
      const fn = callee(f);
      if (typeof fn === 'object' && fn.kind === 'fn') return m.call(fn.name, args.map((x) => x(f)));
      return 0; // a NULL hook: the kernel would oops; the model's callers test it first
    };
  }
}

const staticRefs = new WeakSet<object>();
function isStaticRef(v: Value): boolean {
  return typeof v === 'object' && v.kind === 'ref' && staticRefs.has(v);
}

function eq(a: Value, b: Value): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  return same(a, b);
}

/** The truth of a condition that is a literal (`1`, `true`, `!0`), else undefined. */
function constantOf(a: Ast, src: SourceView): boolean | undefined {
  const e = stripParens(a);
  if (e.type === 'number_literal') return parseNumber(src.of(e)) !== 0;
  if (e.type === 'true') return true;
  if (e.type === 'false' || e.type === 'null') return false;
  if (e.type === 'unary_expression' && operatorOf(e) === '!' && kids(e)[0]) {
    const inner = constantOf(kids(e)[0], src);
    return inner === undefined ? undefined : !inner;
  }
  return undefined;
}

function nameOf(d: Ast, src: SourceView): string | undefined {
  let cur: Ast | undefined = d;
  for (let i = 0; cur && i < 8; i++) {
    if (cur.type === 'identifier') return src.of(cur);
    cur = kids(cur).find((k) => k.type.endsWith('declarator') || k.type === 'identifier');
  }
  return undefined;
}

export function parseNumber(t: string): number {
  const clean = t.replace(/[uUlL]+$/, '');
  if (/^0x/i.test(clean)) return parseInt(clean, 16);
  if (/^0[0-7]+$/.test(clean)) return parseInt(clean, 8);
  const v = Number(clean);
  return Number.isFinite(v) ? v : 0;
}

export { staticRefs };
