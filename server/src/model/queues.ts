/**
 * The backlog queues of the model: which global is the main, retry and hold
 * queue (by what the code does with it, names only as a tie-breaker), where
 * admission control bounds a queue (the backlog wait of `audit_log_start`),
 * and for every enqueue site whether and how it is bounded.
 */
import type { FileFacts } from '../facts/fileFacts';
import type { CallGraph } from './callgraph';
import { atomsBound, Predicates } from './predicates';
import type { Summary } from './summaries';

export type QueueRole = 'main' | 'retry' | 'hold' | 'other';
export type BoundKind = 'limit' | 'admission' | 'same-queue' | 'none';

export interface AdmissionControl {
  queue: string;
  /** The backlog-wait function and the loop that waits. */
  fn: string;
  loopAt: number;
  /** Condition text of the wait loop. */
  condition: string;
}

export interface EnqueueSite {
  fn: string;
  queue: string;
  end: 'head' | 'tail';
  bound: BoundKind;
  /** Absolute offset. */
  site: number;
  atoms: string[];
  /** Explanation of the bound, for hovers and findings. */
  why: string;
  /** The limit check is `len <= limit` (or `len > limit` to refuse): the queue can hold one record over the limit. */
  loose?: boolean;
}

export interface QueueInfo {
  name: string;
  role: QueueRole;
  admission?: AdmissionControl;
  enqueues: EnqueueSite[];
  dequeuedBy: string[];
}

export function findAdmissionControl(file: FileFacts, summaries: Map<string, Summary>): AdmissionControl[] {
  const out: AdmissionControl[] = [];
  for (const [name, e] of file.functions) {
    const f = e.facts;
    for (const loop of f.loops) {
      const m = /skb_queue_len(?:_lockless)?\s*\(\s*&\s*(\w+)\s*\)/.exec(loop.condition);
      let queue = m && f.limits.some((l) => loop.condition.includes(l)) ? m[1] : undefined;
      // `while (backlog_full())`: the comparison lives in a predicate of the file
      if (!queue) queue = predicateQueue(file, loop.condition);
      if (!queue) continue;
      const inside = (at: { start: number; end: number }) => at.start >= loop.at.start && at.end <= loop.at.end;
      // the wait may sleep in a helper (v4.9's wait_for_auditd)
      const sleepsInside = f.sleeps.some((s) => inside(s.at)) || f.calls.some((c) => inside(c.at) && c.callee && summaries.get(c.callee)?.sleeps);
      if (sleepsInside) out.push({ queue, fn: name, loopAt: e.base + loop.at.start, condition: loop.condition });
    }
  }
  return out;
}

/** A function called in `condition` that compares a global queue's length with a limit. */
function predicateQueue(file: FileFacts, condition: string): string | undefined {
  for (const m of condition.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) {
    const f = file.functions.get(m[1]);
    if (!f || !f.facts.limits.length) continue;
    const len = f.facts.queueOps.find((o) => o.op === 'len' && o.queue.kind === 'global');
    if (len && len.queue.kind === 'global') return len.queue.name;
  }
  return undefined;
}

export function classifyQueues(file: FileFacts, graph: CallGraph, summaries: Map<string, Summary>, consumerReach: Set<string>, predicates: Predicates = new Map()): Map<string, QueueInfo> {
  const admission = findAdmissionControl(file, summaries);
  const queues = new Map<string, QueueInfo>();
  for (const g of file.globals.values()) {
    if (g.kind !== 'queue') continue;
    queues.set(g.name, { name: g.name, role: 'other', enqueues: [], dequeuedBy: [], admission: admission.find((a) => a.queue === g.name) });
  }

  // Direct enqueues with their bound.
  for (const [fn, e] of file.functions) {
    for (const op of e.facts.queueOps) {
      if (op.queue.kind !== 'global') continue;
      const q = queues.get(op.queue.name);
      if (!q) continue;
      if (op.op === 'dequeue' && !q.dequeuedBy.includes(fn)) q.dequeuedBy.push(fn);
      if (op.op !== 'enqueue') continue;
      const atoms = [...e.facts.atoms[op.node]];
      q.enqueues.push({ fn, queue: q.name, end: op.end!, bound: 'none', site: e.base + op.at.start, atoms, why: '' });
    }
  }
  // A call to a drain of a parameter queue dequeues the queue it passes.
  for (const [fn, e] of file.functions) {
    for (const call of e.facts.calls) {
      const callee = call.callee && file.functions.get(call.callee);
      if (!callee) continue;
      for (const op of callee.facts.queueOps) {
        if (op.op !== 'dequeue' || op.queue.kind !== 'param') continue;
        const arg = call.args[op.queue.index];
        const q = arg?.kind === 'address' && arg.name ? queues.get(arg.name) : undefined;
        if (q && !q.dequeuedBy.includes(fn)) q.dequeuedBy.push(fn);
      }
    }
  }

  // Roles: main has admission control (or is filled from outside the consumer);
  // hold is what is kept for a future auditd only when audit_default is set;
  // retry is the remaining queue records are returned to.
  for (const q of queues.values()) {
    if (q.admission) q.role = 'main';
  }
  if (![...queues.values()].some((q) => q.role === 'main')) {
    // no backlog wait in view: the queue named for neither holding nor retrying, else one filled from outside the consumer
    const plain = [...queues.values()].find((q) => !/hold|retry/.test(q.name));
    const outside = [...queues.values()].find((q) => !/hold|retry/.test(q.name) || q.enqueues.some((s) => !consumerReach.has(s.fn)) && consumerReach.size > 0);
    const main = plain ?? outside;
    if (main) main.role = 'main';
  }
  for (const q of queues.values()) {
    if (q.role !== 'other') continue;
    if (q.enqueues.some((s) => s.atoms.includes('true:audit_default') && !s.atoms.some((a) => a.startsWith('eq:') && a.endsWith(':-EAGAIN')))) q.role = 'hold';
  }
  for (const q of queues.values()) {
    if (q.role !== 'other') continue;
    if (/hold/.test(q.name) && ![...queues.values()].some((x) => x.role === 'hold')) q.role = 'hold';
    else if (/retry/.test(q.name) || q.enqueues.length) q.role = [...queues.values()].some((x) => x.role === 'retry') ? 'other' : 'retry';
  }

  for (const q of queues.values()) for (const s of q.enqueues) boundOf(s, q, file, graph, consumerReach, predicates);
  return queues;
}

function boundOf(site: EnqueueSite, q: QueueInfo, file: FileFacts, graph: CallGraph, consumerReach: Set<string>, predicates: Predicates): void {
  if (atomsBound(site.atoms, q.name, predicates)) {
    site.bound = 'limit';
    site.loose = site.atoms.includes(`loose:${q.name}`);
    site.why = site.loose ? `checked against the backlog limit before the enqueue, one record over it (len <= limit)` : `checked against the backlog limit before the enqueue`;
    return;
  }
  const f = file.functions.get(site.fn)!;
  const op = f.facts.queueOps.find((o) => f.base + o.at.start === site.site)!;
  // Put back a record just taken from the same queue in the same function (v4.10's inline drains).
  const dequeuedHere = f.facts.calls.filter((c) => c.callee && /dequeue/.test(c.callee) && c.args[0]?.name === q.name && c.resultVar);
  if (op.record && dequeuedHere.some((c) => c.resultVar === op.record)) {
    site.bound = 'same-queue';
    site.why = `puts back a record just dequeued from ${q.name}`;
    return;
  }
  // A hook bound only to drains of this very queue returns the record it was handed.
  if (op.recordParam !== undefined) {
    const bound = graph.boundAt(site.fn);
    if (bound.length && bound.every((b) => drainedQueueAt(b.callee, b.call, file) === q.name)) {
      site.bound = 'same-queue';
      site.why = `only bound as a hook of the drain of ${q.name}: it returns a record that pass just took from it`;
      return;
    }
  }
  if (q.admission && !consumerReach.has(site.fn)) {
    site.bound = 'admission';
    site.why = `bounded by admission control: ${q.admission.fn}() waits while ${q.name} is over the limit`;
    return;
  }
  site.bound = 'none';
  site.why = `no check against the backlog limit on the path to this enqueue`;
}

/** The global queue a drain call site passes for the drain's queue parameter. */
export function drainedQueueAt(drain: string, call: { args: { kind: string; name?: string }[] }, file: FileFacts): string | undefined {
  const f = file.functions.get(drain);
  if (!f) return undefined;
  const qop = f.facts.queueOps.find((o) => o.op === 'dequeue' && o.queue.kind === 'param');
  if (!qop || qop.queue.kind !== 'param') return undefined;
  const arg = call.args[qop.queue.index];
  return arg?.kind === 'address' ? arg.name : undefined;
}
