/**
 * AL207: a backlog wait (model/backlogWait.ts) must not be reachable by the
 * holder of the audit control mutex, nor, for a wait that admits records, by
 * auditd itself. Both would sleep on a backlog that only drains once they go
 * on. Exemptions are read from the conditions that dominate the wait, in its
 * function or at every call site on the way to it: a test of the mutex owner
 * against `current` (`current == __mutex_owner(&m)`, `m.owner == current`, or
 * a function of the file that makes one) and a test of the current task
 * against the auditd connection (`auditd_test_task(current)`, a pid compare).
 */
import { kids, operatorOf, pathOf, SourceView, stripParens } from '../facts/ast';
import type { Ast } from '../facts/ast';
import { predecessors, reversePostOrder } from '../facts/cfg';
import type { FunctionFacts, Loc } from '../facts/types';
import type { QueueModel } from '../model';
import type { BacklogWait } from '../model/backlogWait';
import { heldAt } from '../model/locksets';
import { isConnection } from '../model/roles';
import type { RuleContext } from './context';
import type { Finding } from './finding';

const MAX_DEPTH = 8;

/** Condition nodes (id:branch) that hold on every path to each node. */
export function dominatingBranches(f: FunctionFacts): Set<string>[] {
  const cfg = f.cfg;
  const preds = predecessors(cfg);
  const order = reversePostOrder(cfg);
  const IN: (Set<string> | undefined)[] = cfg.nodes.map(() => undefined);
  IN[cfg.entry] = new Set();
  let changed = true;
  for (let i = 0; changed && i < 40; i++) {
    changed = false;
    for (const id of order) {
      if (id === cfg.entry) continue;
      let acc: Set<string> | undefined;
      for (const p of preds[id]) {
        if (!IN[p]) continue;
        for (const e of cfg.nodes[p].succ) {
          if (e.to !== id) continue;
          const s = new Set(IN[p]);
          if (cfg.nodes[p].kind === 'cond' && e.branch !== undefined && !cfg.nodes[p].loop) s.add(`${p}:${e.branch}`);
          acc = acc ? new Set([...acc].filter((x) => s.has(x))) : s;
        }
      }
      if (!acc) continue;
      const prev = IN[id];
      if (!prev || prev.size !== acc.size) { IN[id] = acc; changed = true; }
    }
  }
  return IN.map((s) => s ?? new Set());
}

function assignedIn(n: Ast, src: SourceView, out: Set<string>): void {
  if (n.type === 'assignment_expression') {
    const p = kids(n)[0] && pathOf(kids(n)[0], src);
    if (p) out.add(p);
  }
  for (const c of kids(n)) if (c.type !== 'compound_statement') assignedIn(c, src, out);
}

function callsIn(n: Ast, src: SourceView, out: string[] = []): string[] {
  const e = stripParens(n);
  if (e.type === 'call_expression') {
    const f = kids(e)[0];
    if (f && f.type === 'identifier') out.push(src.of(f));
  }
  for (const c of e.children) if (c.named) callsIn(c, src, out);
  return out;
}

type Test = 'owner' | 'auditd';

/** Left operands of the `&&`/`||` chains around offset `at` in `a`: evaluated before the code at `at` runs. */
function evaluatedBefore(a: Ast, at: number, out: Ast[] = []): Ast[] {
  const e = stripParens(a);
  if (e.type === 'binary_expression') {
    const [l, r] = kids(e);
    const op = operatorOf(e);
    if (l && r && (op === '&&' || op === '||') && r.start <= at && at < r.end) {
      out.push(l);
      return evaluatedBefore(r, at, out);
    }
  }
  for (const c of kids(e)) if (c.start <= at && at < c.end) return evaluatedBefore(c, at, out);
  return out;
}

/** What the file's conditions test, by text and through the file's own predicate functions. */
class ExemptionReader {
  private readonly controlLocks: string[];
  private readonly ownerFields: string[];
  private readonly dominators = new Map<string, Set<string>[]>();
  private readonly fnTests = new Map<string, Set<Test>>();

  constructor(private readonly model: QueueModel) {
    this.controlLocks = [...model.file.globals.values()].filter((g) => g.kind === 'control-lock' || g.kind === 'mutex').map((g) => g.name);
    // fields of the control lock's own struct (its owner), whatever discipline their writes keep
    this.ownerFields = [...model.guards.keys()].filter((v) => v.includes('.') && this.isControlLock(v) && model.guards.get(v)!.accesses.some((a) => a.write));
  }

  isControlLock(l: string): boolean {
    return this.controlLocks.includes(l.split('.')[0]);
  }

  /** Tests made by a condition's text. */
  private textTests(text: string): Set<Test> {
    const out = new Set<Test>();
    const mentionsCurrent = /\bcurrent\b/.test(text);
    if (mentionsCurrent && (this.ownerFields.some((o) => text.includes(o)) ||
      this.controlLocks.some((l) => new RegExp(`__mutex_owner\\s*\\(\\s*&?\\s*${l}\\b`).test(text)))) out.add('owner');
    if (/\bcurrent\b|\btask\b|\btsk\b/.test(text) && [...this.model.connection].some((c) => new RegExp(`\\b${c}\\b`).test(text))) out.add('auditd');
    return out;
  }

  /** Tests a function of the file makes when called (its body), one level of helpers deep. */
  private functionTests(fn: string, depth = 0): Set<Test> {
    const known = this.fnTests.get(fn);
    if (known) return known;
    const out = new Set<Test>();
    this.fnTests.set(fn, out);
    const e = this.model.file.functions.get(fn);
    if (!e || depth > 2) return out;
    const body = this.model.file.source.text.slice(e.symbol.bodySpan.start, e.symbol.bodySpan.end);
    const asksTask = /\bcurrent\b/.test(body) || e.facts.params.some((p) => /task_struct/.test(p.type));
    for (const t of this.textTests(body.replace(/\btsk\b|\btask\b/g, 'current'))) if (t === 'owner' || asksTask) out.add(t);
    const reads = e.facts.accesses.filter((a) => a.read);
    if (asksTask && reads.some((a) => isConnection(this.model.connection, a.variable))) out.add('auditd');
    for (const c of e.facts.calls) if (c.callee && c.callee !== fn && this.model.file.functions.has(c.callee)) for (const t of this.functionTests(c.callee, depth + 1)) if (t === 'owner' || asksTask) out.add(t);
    return out;
  }

  private astTests(a: Ast, src: SourceView, test: Test): boolean {
    if (this.textTests(src.of(a)).has(test)) return true;
    return callsIn(a, src).some((callee) => this.model.file.functions.has(callee) && this.functionTests(callee).has(test));
  }

  /**
   * Does a condition dominating `node` in `fn` make this test? A call made
   * inside a condition (`!owner && !throttle()`) is also guarded by the
   * operands `&&`/`||` evaluate before it. A test can also exempt through a
   * flag (v4.9: `if (auditd) gfp_mask &= ~__GFP_DIRECT_RECLAIM;` and the wait
   * only sleeps while that bit is set): a variable set in a branch of the test
   * and read by a condition on the way to the wait (or inside the wait loop).
   */
  guardedInFunction(fn: string, node: number, test: Test, at?: number, within?: Loc): boolean {
    const e = this.model.file.functions.get(fn)!;
    const f = e.facts;
    const dom = (this.dominators.get(fn) ?? this.dominators.set(fn, dominatingBranches(f)).get(fn)!)[node] ?? new Set<string>();
    const src = new SourceView(this.model.file.source.text, e.base);
    const onTheWay: Ast[] = [];
    for (const key of dom) {
      const cond = f.cfg.nodes[Number(key.split(':')[0])];
      if (!cond.ast) continue;
      if (this.astTests(cond.ast, src, test)) return true;
      onTheWay.push(cond.ast);
    }
    const own = f.cfg.nodes[node]?.ast;
    if (at !== undefined && own && own.start <= at && at < own.end) {
      for (const operand of evaluatedBefore(own, at)) if (this.astTests(operand, src, test)) return true;
    }
    if (own && f.cfg.nodes[node].kind === 'cond') onTheWay.push(own);
    if (within) for (const n of f.cfg.nodes) if (n.kind === 'cond' && n.ast && n.ast.start >= within.start && n.ast.end <= within.end) onTheWay.push(n.ast);
    const flags = this.flagsSetBy(fn, test, src);
    return [...flags].some((v) => onTheWay.some((c) => new RegExp(`\\b${v.replace(/[.>-]/g, '\\$&')}\\b`).test(src.of(c))));
  }

  /** Variables assigned in the branches of a condition of `fn` that makes the test. */
  private flagsSetBy(fn: string, test: Test, src: SourceView): Set<string> {
    const f = this.model.file.functions.get(fn)!.facts;
    const out = new Set<string>();
    for (const k of f.cfg.nodes) {
      if (k.kind !== 'cond' || k.loop || !k.ast || !this.astTests(k.ast, src, test)) continue;
      for (const edge of k.succ) {
        const n = f.cfg.nodes[edge.to];
        if (n.kind === 'stmt' && n.ast) assignedIn(n.ast, src, out);
      }
    }
    return out;
  }

  /** Is every way into `fn` at `node` exempt: here, or at every call site (a static function's callers are all in view)? */
  exempt(fn: string, node: number, test: Test, at?: number, within?: Loc, depth = 0, seen = new Set<string>()): boolean {
    if (this.guardedInFunction(fn, node, test, at, within)) return true;
    const e = this.model.file.functions.get(fn)!;
    const callers = this.model.graph.callers(fn);
    if (!e.isStatic || !callers.length || depth >= MAX_DEPTH || seen.has(fn)) return false;
    seen.add(fn);
    return callers.every((c) => this.exempt(c.caller, c.call.node, test, c.call.at.start, undefined, depth + 1, seen));
  }
}

/** A way to reach the wait holding the control mutex with no owner test on it: where the mutex is held. */
function lockedPath(model: QueueModel, reader: ExemptionReader, fn: string, node: number, at: number, depth = 0, seen = new Set<string>()): { fn: string; at: number } | undefined {
  if (reader.guardedInFunction(fn, node, 'owner', at)) return undefined;
  const e = model.file.functions.get(fn)!;
  const held = heldAt(model.summaries.get(fn)!.locksets, node, at);
  if ([...held].some((l) => reader.isControlLock(l))) return { fn, at: e.base + at };
  if (depth >= MAX_DEPTH || seen.has(fn)) return undefined;
  seen.add(fn);
  for (const c of model.graph.callers(fn)) {
    const found = lockedPath(model, reader, c.caller, c.call.node, c.call.at.start, depth + 1, seen);
    if (found) return found;
  }
  return undefined;
}

/** Waits that admit records (reached from where records are made), as opposed to the sender penalty of the control input. */
function admitsRecords(model: QueueModel, w: BacklogWait): boolean {
  if (w.kind === 'admission') return true;
  const ids = [...(model.contexts.of.get(w.fn) ?? [])];
  return ids.some((id) => !id.startsWith('netlink-input:') && !id.startsWith('init:'));
}

export function backlogWaitUnderLock(ctx: RuleContext): Finding[] {
  const { model } = ctx;
  const reader = new ExemptionReader(model);
  const out: Finding[] = [];
  for (const w of model.backlogWaits) {
    const span = ctx.span(w.fn, w.at);
    const lineSpan = ctx.lineSpan(span.start);
    const what = w.kind === 'admission' ? 'sleep in the backlog wait' : `sleep on ${w.waitQueue ?? 'the backlog wait queue'}`;
    const locked = lockedPath(model, reader, w.fn, w.node, w.at.start);
    if (locked) {
      const here = locked.fn === w.fn;
      out.push(ctx.finding('AL207', w.fn, lineSpan,
        `${w.fn}() can ${what} while ${here ? 'it holds' : 'its caller holds'} the audit control mutex, and nothing exempts the mutex owner: the owner blocks on a backlog that only drains once userspace control (which needs the mutex) proceeds, stalling auditd and every audit_receive() for up to audit_backlog_wait_time.`,
        [ctx.related(ctx.abs(locked.at, locked.at + 1), here ? 'the control mutex is held here' : `${locked.fn}() calls towards ${w.fn}() holding the control mutex`)], w.kind === 'admission' ? 'owner' : 'owner:open-coded'));
    }
    if (admitsRecords(model, w) && !reader.exempt(w.fn, w.node, 'auditd', w.at.start, w.kind === 'admission' ? w.at : undefined)) {
      out.push(ctx.finding('AL207', w.fn, lineSpan,
        `${w.fn}() does not exempt auditd itself from the backlog wait: when the queue is full, auditd's own records make it sleep waiting for a backlog that only auditd can drain.`,
        [], w.kind === 'admission' ? 'auditd' : 'auditd:open-coded'));
    }
  }
  return out;
}
