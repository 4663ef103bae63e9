/**
 * Record ownership along every path (AQ105 silent drop, AQ107 use after
 * consume, AQ108 leaked record). Each record variable carries the set of
 * reference counts it may hold: a dequeue or a record parameter gives one,
 * `skb_get()` adds one, a send, free, enqueue or a hook that takes the record
 * drops one. A free of the last reference is a drop unless the record was sent
 * or the loss was counted (or `audit_default` is known false: by design).
 */
import { ALLOCATES_SKB, CONSUMES_SKB, FREES_SKB, QUEUE_APIS, recordArgIndex, UNICAST_SENDS } from '../facts/apis';
import { kids, operatorOf, SourceView, stripParens } from '../facts/ast';
import type { Ast } from '../facts/ast';
import { predecessors, reversePostOrder } from '../facts/cfg';
import type { CallFact, FunctionFacts } from '../facts/types';
import type { RuleContext } from './context';
import type { Finding } from './finding';

type Ref = 'null' | 'gone' | 1 | 2 | 3;

interface VarState {
  refs: Set<Ref>;
  /** The loss was counted, or audit_default is known false, on every path. */
  accounted: boolean;
  /** The record was handed to a unicast send on every path. */
  sent: boolean;
  /** Handed to a function that keeps it only on success: ownership follows this status variable. */
  pending?: string;
  /** The call that may have taken the last reference (for the message and a related location). */
  consumedBy?: { api: string; at: number };
}

/** How a function treats a record parameter: always takes it, or takes it only when it returns 0. */
type Takes = Map<number, 'always' | 'on-success'>;

type State = Map<string, VarState>;

interface Tracked {
  name: string;
  /** Dequeued from a backlog queue, a record parameter, or a fresh skb from an allocator (skb_copy() for multicast). */
  kind: 'dequeued' | 'param' | 'alloc';
  /** For dequeued records: where the dequeue happens (relative offset). */
  origin?: number;
}

const DEQUEUE = /^(__)?skb_dequeue(_tail)?$/;

export function recordRules(ctx: RuleContext): Finding[] {
  const { model } = ctx;
  const recordParams = findRecordParams(ctx);
  const takes = new Map<string, Takes>(); // function -> params it takes ownership of
  const findings: Finding[] = [];
  for (const fn of model.graph.bottomUp()) {
    const e = ctx.fn(fn);
    const tracked: Tracked[] = [];
    for (const c of e.facts.calls) {
      if (c.callee && DEQUEUE.test(c.callee) && c.resultVar && isBacklogQueueArg(ctx, fn, c) && !tracked.some((t) => t.name === c.resultVar)) {
        tracked.push({ name: c.resultVar, kind: 'dequeued', origin: c.at.start });
      }
    }
    for (const i of recordParams.get(fn) ?? []) {
      const p = e.facts.params[i];
      if (p) tracked.push({ name: p.name, kind: 'param' });
    }
    // fresh copies and allocations held in a local: checked for use after consume, not for leaks
    // (they may be returned or stored in a buffer, which the analysis does not follow)
    for (const c of e.facts.calls) {
      if (c.callee && ALLOCATES_SKB.has(c.callee) && c.resultVar && e.facts.locals.includes(c.resultVar) && !tracked.some((t) => t.name === c.resultVar)) {
        tracked.push({ name: c.resultVar, kind: 'alloc', origin: c.at.start });
      }
    }
    if (!tracked.length) continue;
    const result = analyse(ctx, fn, e.facts, tracked, takes);
    takes.set(fn, result.takes);
    findings.push(...result.findings);
  }
  return findings;
}

function isBacklogQueueArg(ctx: RuleContext, fn: string, c: CallFact): boolean {
  const a = c.args[0];
  if (!a) return false;
  if (a.kind === 'address' && a.name) return ctx.model.queues.has(a.name);
  if (a.kind === 'param') return ctx.model.drains.some((d) => d.fn === fn);
  return false;
}

/** (function, parameter index) pairs that receive records, to a fixpoint. */
function findRecordParams(ctx: RuleContext): Map<string, Set<number>> {
  const { model } = ctx;
  const out = new Map<string, Set<number>>();
  const add = (fn: string, i: number) => {
    const s = out.get(fn) ?? out.set(fn, new Set()).get(fn)!;
    if (s.has(i)) return false;
    s.add(i);
    return true;
  };
  // enqueuers of their parameter (requeue hooks, producers)
  for (const [fn, e] of model.file.functions) {
    for (const op of e.facts.queueOps) if (op.op === 'enqueue' && op.recordParam !== undefined && op.queue.kind === 'global' && model.queues.has(op.queue.name)) add(fn, op.recordParam);
  }
  let changed = true;
  for (let iter = 0; changed && iter < 10; iter++) {
    changed = false;
    for (const [fn, e] of model.file.functions) {
      const recordVars = new Set<string>();
      for (const c of e.facts.calls) if (c.callee && DEQUEUE.test(c.callee) && c.resultVar && isBacklogQueueArg(ctx, fn, c)) recordVars.add(c.resultVar);
      for (const i of out.get(fn) ?? []) if (e.facts.params[i]) recordVars.add(e.facts.params[i].name);
      if (!recordVars.size) continue;
      for (const c of e.facts.calls) {
        c.args.forEach((a, i) => {
          if (!a.name || !recordVars.has(a.name)) return;
          if (c.callee && model.file.functions.has(c.callee)) changed = add(c.callee, i) || changed;
          if (c.viaParam) for (const b of model.graph.bindingsOf(fn, c.viaParam.index)) for (const h of b.fns) changed = add(h, i) || changed;
        });
      }
    }
  }
  return out;
}

function copyState(s: State): State {
  const out: State = new Map();
  for (const [k, v] of s) out.set(k, { refs: new Set(v.refs), accounted: v.accounted, sent: v.sent, pending: v.pending, consumedBy: v.consumedBy });
  return out;
}

function mergeInto(target: State, s: State): boolean {
  let changed = false;
  for (const [k, v] of s) {
    const t = target.get(k);
    if (!t) { target.set(k, { refs: new Set(v.refs), accounted: v.accounted, sent: v.sent, pending: v.pending, consumedBy: v.consumedBy }); changed = true; continue; }
    if (!t.consumedBy && v.consumedBy) { t.consumedBy = v.consumedBy; changed = true; }
    if (v.pending && !t.pending) { t.pending = v.pending; changed = true; }
    for (const r of v.refs) if (!t.refs.has(r)) { t.refs.add(r); changed = true; }
    if (t.accounted && !v.accounted) { t.accounted = false; changed = true; }
    if (t.sent && !v.sent) { t.sent = false; changed = true; }
  }
  return changed;
}

const dec = (refs: Set<Ref>): Set<Ref> => {
  const out = new Set<Ref>();
  for (const r of refs) out.add(r === 1 ? 'gone' : typeof r === 'number' ? ((r - 1) as Ref) : r);
  return out;
};
const inc = (refs: Set<Ref>): Set<Ref> => {
  const out = new Set<Ref>();
  for (const r of refs) out.add(typeof r === 'number' ? (Math.min(3, r + 1) as Ref) : r === 'gone' ? 'gone' : r);
  return out;
};
const owned = (refs: Set<Ref>) => [...refs].some((r) => typeof r === 'number');

interface Event {
  at: number;
  kind: 'get' | 'consume' | 'free' | 'send' | 'handoff' | 'handoff-on-success' | 'use' | 'dequeue' | 'alloc' | 'assign' | 'account';
  name?: string;
  api?: string;
  /** For handoff-on-success: the variable holding the callee's status. */
  status?: string;
}

function analyse(ctx: RuleContext, fn: string, f: FunctionFacts, tracked: Tracked[], takes: Map<string, Takes>) {
  const { model } = ctx;
  const e = ctx.fn(fn);
  const src = new SourceView(model.file.source.text, e.base);
  const names = new Set(tracked.map((t) => t.name));
  const lossCounter = (callee: string | undefined) =>
    !!callee && ((callee === 'audit_log_lost' && !model.file.functions.has(callee)) || !!model.summaries.get(callee)?.isLossCounter || !!model.summaries.get(callee)?.countsLost);
  // hook parameters bound to a function at every call site are never NULL here
  const nonNullHooks = new Set(f.params.filter((p) => p.isFunctionPointer).filter((p) => {
    const b = model.graph.bindingsOf(fn, p.index);
    return b.length > 0 && b.every((x) => x.fns.length > 0);
  }).map((p) => p.name));
  // A record handed to a hook no call site binds (the call sites are outside a patch) may or
  // may not be kept by it: leaks cannot be judged in this function then.
  const unboundHookTakesRecord = f.calls.some((c) => c.viaParam && model.graph.bindingsOf(fn, c.viaParam.index).length === 0 &&
    c.args.some((a) => !!a.name && names.has(a.name)));
  const hookTakes = (c: CallFact, i: number): boolean => {
    const fns = model.graph.bindingsOf(fn, c.viaParam!.index).flatMap((b) => b.fns);
    if (!fns.length) return false;
    return fns.some((h) => takes.get(h)?.get(i) === 'always');
  };

  // Events per CFG node, in source order.
  const events = new Map<number, Event[]>();
  const push = (node: number, ev: Event) => (events.get(node) ?? events.set(node, []).get(node)!).push(ev);
  const dequeueInCond = new Map<number, { name: string; shortCircuit: boolean }>();
  for (const c of f.calls) {
    if (lossCounter(c.callee)) push(c.node, { at: c.at.start, kind: 'account' });
    if (c.callee && ALLOCATES_SKB.has(c.callee) && c.resultVar && names.has(c.resultVar)) push(c.node, { at: c.at.end, kind: 'alloc', name: c.resultVar });
    if (c.callee && DEQUEUE.test(c.callee) && c.resultVar && names.has(c.resultVar)) {
      push(c.node, { at: c.at.end, kind: 'dequeue', name: c.resultVar });
      const node = f.cfg.nodes[c.node];
      if (node.kind === 'cond' && node.ast) dequeueInCond.set(c.node, { name: c.resultVar, shortCircuit: stripParens(node.ast).type === 'binary_expression' });
    }
    c.args.forEach((a, i) => {
      // `send(sk, skb_get(skb), ...)`: the extra reference is taken first, then consumed by the call
      const gotten = /^skb_get\s*\(\s*(\w+)\s*\)$/.exec(a.text.trim());
      if (gotten && names.has(gotten[1]) && c.callee && CONSUMES_SKB[c.callee] === i) {
        push(c.node, { at: c.at.end, kind: FREES_SKB.has(c.callee) ? 'free' : UNICAST_SENDS.has(c.callee) ? 'send' : 'consume', name: gotten[1], api: c.callee });
        return;
      }
      if (!a.name || !names.has(a.name) || (a.kind !== 'local' && a.kind !== 'param')) return;
      const ev = (kind: Event['kind'], api?: string) => push(c.node, { at: c.at.start, kind, name: a.name, api });
      if (c.callee === 'skb_get') return ev('get');
      if (c.callee && CONSUMES_SKB[c.callee] === i) return ev(FREES_SKB.has(c.callee) ? 'free' : UNICAST_SENDS.has(c.callee) ? 'send' : 'consume', c.callee);
      if (c.callee && QUEUE_APIS[c.callee]?.op === 'enqueue' && recordArgIndex(c.callee) === i) return ev('handoff', c.callee);
      if (c.callee && model.file.functions.has(c.callee)) {
        const t = takes.get(c.callee)?.get(i);
        if (t === 'on-success' && c.resultVar) return push(c.node, { at: c.at.start, kind: 'handoff-on-success', name: a.name, api: c.callee, status: c.resultVar });
        return ev(t ? 'handoff' : 'use', c.callee);
      }
      if (c.viaParam) return ev(hookTakes(c, i) ? 'handoff' : 'use', c.viaParam.name);
      return ev('use', c.callee);
    });
  }
  for (const node of f.cfg.nodes) if (node.ast) collectDerefs(node.ast, src, names, (at, name) => push(node.id, { at, kind: 'use', name }));
  for (const list of events.values()) list.sort((a, b) => a.at - b.at || order(a.kind) - order(b.kind));

  const findings: Finding[] = [];
  const reported = new Set<string>();
  const consumer = (v: VarState) => (v.consumedBy ? `${v.consumedBy.api}() (line ${model.file.source.lines.positionAt(e.base + v.consumedBy.at).line + 1})` : 'a call');
  const report = (rule: string, at: number, name: string, msg: string, v?: VarState) => {
    if (rule === 'AQ108' && unboundHookTakesRecord) return;
    const key = `${rule}:${at}`;
    if (reported.has(key)) return;
    reported.add(key);
    const span = ctx.lineSpan(e.base + at);
    // one use-after-consume per record variable: later uses of the same record are related locations
    const same = rule === 'AQ107' ? findings.find((x) => x.rule === 'AQ107' && x.anchor.endsWith(`|${name}:AQ107`)) : undefined;
    if (same) {
      if (span.start < same.span.start) {
        same.related.push(ctx.related(same.span, 'the record is used again here'));
        same.span = span;
        same.message = msg;
      } else same.related.push(ctx.related(span, 'the record is used again here'));
      same.related.sort((a, b) => a.span.start - b.span.start);
      return;
    }
    const by = v?.consumedBy ? [ctx.related(ctx.lineSpan(e.base + v.consumedBy.at), `${v.consumedBy.api}() may take the last reference here`)] : [];
    findings.push(ctx.finding(rule, fn, span, msg, by, `${name}:${rule}`));
  };

  const initial: State = new Map();
  for (const t of tracked) initial.set(t.name, { refs: new Set<Ref>([t.kind === 'param' ? 1 : 'null']), accounted: false, sent: false });

  const transfer = (id: number, inState: State, record: boolean): State => {
    const s = copyState(inState);
    for (const ev of events.get(id) ?? []) {
      if (ev.kind === 'account') { for (const v of s.values()) v.accounted = true; continue; }
      const v = s.get(ev.name!);
      if (!v) continue;
      const t = tracked.find((x) => x.name === ev.name)!;
      switch (ev.kind) {
        case 'dequeue':
          if (record && owned(v.refs) && !v.pending && !dequeueInCond.get(id)?.shortCircuit) report('AQ108', t.origin ?? ev.at, t.name, `${fn}() takes a new record into ${t.name} while still owning the previous one: on that path the previous record is neither queued, sent nor freed, so it leaks and is never accounted.`);
          if (!dequeueInCond.has(id)) v.refs = new Set<Ref>([1]);
          v.pending = undefined;
          v.accounted = false;
          v.sent = false;
          break;
        case 'alloc':
          v.refs = new Set<Ref>([1, 'null']);
          v.pending = undefined;
          v.accounted = false;
          v.sent = false;
          break;
        case 'get':
          if (record && v.refs.has('gone')) report('AQ107', ev.at, t.name, `${fn}() takes a reference on ${t.name} after ${consumer(v)} may already have consumed it: the record may be freed memory by now.`, v);
          v.refs = inc(v.refs);
          break;
        case 'use':
          if (record && v.refs.has('gone') && !v.pending) report('AQ107', ev.at, t.name, `${fn}() uses ${t.name} after ${consumer(v)} may have consumed it (freed, sent or handed on): a use-after-free of the record.`, v);
          break;
        case 'handoff-on-success':
          v.pending = ev.status;
          break;
        case 'send':
        case 'consume':
        case 'handoff':
        case 'free':
          if (!v.pending && record && v.refs.has('gone')) report('AQ107', ev.at, t.name, `${fn}() hands on ${t.name} after ${consumer(v)} may already have consumed it: a double free or use-after-free of the record.`, v);
          // freeing a fresh copy loses no record: the original goes on
          if (ev.kind === 'free' && record && t.kind !== 'alloc' && v.refs.has(1) && !v.sent && !v.accounted) {
            report('AQ105', ev.at, t.name, `${fn}() frees the record in ${t.name} on a path reachable with audit=1 (audit_default set) without audit_log_lost(): the record disappears without being counted, so the lost-record count and audit_failure handling never see it.`);
          }
          if (ev.kind === 'send') v.sent = true;
          v.pending = undefined; // handed on: whatever the callee kept is ours to pass on now
          v.refs = dec(v.refs);
          if (v.refs.has('gone') && !v.consumedBy && ev.api) v.consumedBy = { api: ev.api, at: ev.at };
          break;
        case 'assign':
          break;
      }
    }
    return s;
  };

  const cfg = f.cfg;
  const order2 = reversePostOrder(cfg);
  const preds = predecessors(cfg);
  const IN: (State | undefined)[] = cfg.nodes.map(() => undefined);
  IN[cfg.entry] = initial;
  const edgeState = (from: number, to: number, out: State): State | undefined => {
    const node = cfg.nodes[from];
    const edges = node.succ.filter((x) => x.to === to);
    let result: State | undefined;
    for (const edge of edges) {
      if (node.kind === 'cond' && edge.branch !== undefined && node.ast && infeasible(node.ast, edge.branch, src, nonNullHooks)) continue;
      const s = copyState(out);
      if (node.kind === 'cond' && edge.branch !== undefined) {
        const ba = f.branchAtoms[from];
        const atoms = new Set(ba ? (edge.branch ? ba.t : ba.f) : []);
        for (const [name, v] of s) {
          const dq = dequeueInCond.get(from);
          if (dq && dq.name === name) {
            const before = IN[from]?.get(name)?.refs ?? new Set<Ref>(['null']);
            v.refs = edge.branch ? new Set<Ref>([1]) : dq.shortCircuit ? new Set<Ref>([...before, 'null']) : new Set<Ref>(['null']);
            continue;
          }
          if (v.pending) {
            // the callee kept the record iff it returned non-zero
            const st = v.pending;
            if (atoms.has(`false:${st}`) || atoms.has(`eq:${st}:0`) || atoms.has(`nonneg:${st}`)) { v.refs = new Set<Ref>(['gone']); v.pending = undefined; }
            else if (atoms.has(`true:${st}`) || atoms.has(`ne:${st}:0`) || atoms.has(`neg:${st}`)) v.pending = undefined;
          }
          if (atoms.has(`false:${name}`)) v.refs = new Set<Ref>(['null']);
          else if (atoms.has(`true:${name}`) && v.refs.size > 1) { v.refs.delete('null'); }
        }
        if (atoms.has('false:audit_default')) for (const v of s.values()) v.accounted = true;
      }
      if (!result) result = s;
      else mergeInto(result, s);
    }
    return result;
  };

  let changed = true;
  for (let iter = 0; changed && iter < 30; iter++) {
    changed = false;
    for (const id of order2) {
      if (id === cfg.entry) continue;
      let acc: State | undefined;
      for (const p of preds[id]) {
        if (!IN[p]) continue;
        const s = edgeState(p, id, transfer(p, IN[p]!, false));
        if (!s) continue;
        if (!acc) acc = s;
        else mergeInto(acc, s);
      }
      if (!acc) continue;
      if (!IN[id]) { IN[id] = acc; changed = true; }
      else if (mergeInto(IN[id]!, acc)) changed = true;
    }
  }
  // report with the settled states
  for (const id of order2) if (IN[id]) transfer(id, IN[id]!, true);

  const exit = IN[cfg.exit];
  const takesOut: Takes = new Map();
  for (const t of tracked) {
    const v = exit?.get(t.name);
    if (!v) continue;
    if (t.kind === 'param') {
      const i = f.params.findIndex((p) => p.name === t.name);
      if (!owned(v.refs) && !v.pending) takesOut.set(i, 'always');
      else if (v.refs.has('gone') || v.pending) {
        // consumed on some paths only: a status-returning function hands it back on failure
        if (f.returnType !== 'void' && !/\bvoid\b\s*$/.test(f.returnType)) takesOut.set(i, 'on-success');
        else {
          report('AQ108', e.symbol.nameSpan.start - e.base, t.name, `${fn}() takes ownership of the record ${t.name} on some paths but returns without queueing, sending or freeing it on others: that record leaks and is never accounted.`);
          takesOut.set(i, 'always');
        }
      }
    } else if (t.kind === 'dequeued' && owned(v.refs) && !v.pending) {
      report('AQ108', t.origin!, t.name, `${fn}() can return while still owning the record it dequeued into ${t.name}: it is neither queued, sent nor freed on that path, so it leaks and is never accounted.`);
    }
  }
  return { findings, takes: takesOut };
}

function order(k: Event['kind']): number {
  return k === 'account' ? 0 : k === 'use' ? 1 : k === 'get' ? 2 : 3;
}

/** `if (hook)` where the hook is bound at every call site: the NULL branch cannot be taken. */
function infeasible(cond: Ast, branch: boolean, src: SourceView, nonNull: Set<string>): boolean {
  const e = stripParens(cond);
  if (e.type === 'identifier' && nonNull.has(src.of(e))) return branch === false;
  if (e.type === 'unary_expression' && operatorOf(e) === '!') {
    const inner = kids(e)[0];
    if (inner && stripParens(inner).type === 'identifier' && nonNull.has(src.of(stripParens(inner)))) return branch === true;
  }
  return false;
}

/** `v->field` and `*v` uses of tracked variables. */
function collectDerefs(n: Ast, src: SourceView, names: Set<string>, cb: (at: number, name: string) => void): void {
  if (n.type === 'field_expression' && operatorOf(n) === '->') {
    const obj = kids(n)[0];
    if (obj && stripParens(obj).type === 'identifier' && names.has(src.of(stripParens(obj)))) cb(n.start, src.of(stripParens(obj)));
  } else if (n.type === 'pointer_expression' && operatorOf(n) === '*') {
    const obj = kids(n)[0];
    if (obj && stripParens(obj).type === 'identifier' && names.has(src.of(stripParens(obj)))) cb(n.start, src.of(stripParens(obj)));
  }
  if (n.type === 'compound_statement' || n.type.endsWith('_statement') && n.type !== 'expression_statement' && n.type !== 'return_statement') return;
  for (const c of n.children) if (c.named) collectDerefs(c, src, names, cb);
}
