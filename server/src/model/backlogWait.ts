/**
 * Where a task can sleep on the backlog: the admission loop of the producer
 * (`while (backlog full) schedule_timeout()`), and any open-coded wait on the
 * wait queue kauditd wakes when it makes room (`add_wait_queue*(&W, ...)` then
 * `schedule_timeout()`, `wait_event*(W, ...)`), in whatever function it is
 * written: a helper, or the sender penalty of the netlink input. The backlog
 * wait queue is found by behaviour: the consumer wakes it and does not wait on
 * it itself (that is its own wake-up queue).
 */
import type { FileFacts } from '../facts/fileFacts';
import type { CallFact, Loc } from '../facts/types';
import type { CallGraph } from './callgraph';
import type { AdmissionControl } from './queues';

export interface BacklogWait {
  fn: string;
  /** CFG node the wait is attached to (the loop head, or the call that joins the wait queue). */
  node: number;
  /** Relative to the function. */
  at: Loc;
  kind: 'admission' | 'open-coded';
  /** The wait queue slept on, when known. */
  waitQueue?: string;
}

const JOIN_WAIT = /^(add_wait_queue(_exclusive)?|prepare_to_wait(_exclusive|_event)?)$/;
const WAIT_EVENT = /^(wait_event|___wait_event|wait_var_event)\w*$/;
const WAKE = /^wake_up\w*$/;

function waitQueueArg(file: FileFacts, call: CallFact): string | undefined {
  const a = call.args[0];
  const name = a && (a.kind === 'address' || a.kind === 'global') ? a.name : undefined;
  return name && file.globals.get(name)?.kind === 'waitqueue' ? name : undefined;
}

export function findBacklogWaits(file: FileFacts, graph: CallGraph, admission: AdmissionControl[], consumerReach: Set<string>): BacklogWait[] {
  const out: BacklogWait[] = [];
  const loopsOf = new Map<string, Loc[]>();
  for (const adm of admission) {
    const e = file.functions.get(adm.fn);
    const loop = e?.facts.loops.find((l) => e.base + l.at.start === adm.loopAt);
    if (!e || !loop) continue;
    out.push({ fn: adm.fn, node: loop.head, at: loop.at, kind: 'admission' });
    (loopsOf.get(adm.fn) ?? loopsOf.set(adm.fn, []).get(adm.fn)!).push(loop.at);
  }
  // wait queues kauditd wakes and does not sleep on: the backlog wait queue
  const woken = new Set<string>();
  const ownWait = new Set<string>();
  for (const fn of consumerReach) {
    for (const c of file.functions.get(fn)?.facts.calls ?? []) {
      const w = c.callee && waitQueueArg(file, c);
      if (!w) continue;
      if (WAKE.test(c.callee!)) woken.add(w);
      else if (JOIN_WAIT.test(c.callee!) || WAIT_EVENT.test(c.callee!)) ownWait.add(w);
    }
  }
  // with no consumer in view, the wait queue the admission loop sleeps on
  for (const [fn, loops] of loopsOf) {
    for (const c of file.functions.get(fn)!.facts.calls) {
      const w = c.callee && (JOIN_WAIT.test(c.callee) || WAIT_EVENT.test(c.callee)) ? waitQueueArg(file, c) : undefined;
      if (w && loops.some((l) => c.at.start >= l.start && c.at.end <= l.end)) woken.add(w);
    }
  }
  for (const w of ownWait) woken.delete(w);
  const insideAdmission = (fn: string, at: Loc) => (loopsOf.get(fn) ?? []).some((l) => at.start >= l.start && at.end <= l.end);
  for (const [fn, e] of file.functions) {
    if (consumerReach.has(fn)) continue;
    // a helper that only ever sleeps for an admission loop (v4.9's wait_for_auditd) is that loop's wait
    const callers = graph.callers(fn);
    if (callers.length && callers.every((c) => insideAdmission(c.caller, c.call.at))) continue;
    const loops = loopsOf.get(fn) ?? [];
    for (const c of e.facts.calls) {
      // the cheap test first: most calls pass no wait queue
      const w = c.callee ? waitQueueArg(file, c) : undefined;
      if (!w || !woken.has(w) || !(JOIN_WAIT.test(c.callee!) || WAIT_EVENT.test(c.callee!))) continue;
      if (loops.some((l) => c.at.start >= l.start && c.at.end <= l.end)) continue;
      out.push({ fn, node: c.node, at: c.at, kind: 'open-coded', waitQueue: w });
    }
  }
  return out;
}
