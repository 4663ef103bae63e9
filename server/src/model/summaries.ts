/**
 * Interprocedural summaries, computed callee-first: what a call to a function
 * does to the queues, to records, to locks, and whether it may sleep. Callee
 * effects are instantiated at each call site: a queue parameter becomes the
 * queue passed, and an effect guarded by `error == -EAGAIN` is dropped when the
 * caller passes `-ECONNREFUSED`. That is how `auditd_reset` is known to move
 * the retry queue into the hold queue through `kauditd_hold_skb`.
 */
import type { FileFacts } from '../facts/fileFacts';
import type { CallFact, FunctionFacts, QueueRef } from '../facts/types';
import type { QueueEnd } from '../facts/apis';
import type { CallGraph } from './callgraph';
import { computeLocksets, LockEffect, Locksets } from './locksets';
import { atomsBound, Predicates } from './predicates';

export interface EnqueueEffect {
  /** Global queue name, or `param:<index>` for a queue parameter of the summarised function. */
  queue: string;
  end: QueueEnd;
  /** Condition atoms at the enqueue, in the terms of the function that does it. */
  atoms: string[];
  /** `bound:Q` held at the enqueue. */
  limitGuarded: boolean;
  /** The enqueued record is the summarised function's parameter #recordParam. */
  recordParam?: number;
  /** Functions from the summarised one down to the enqueue. */
  path: string[];
  /** Absolute offset of the enqueue call, for links. */
  site: number;
}

export interface Summary {
  name: string;
  locks: LockEffect;
  locksets: Locksets;
  /** First may-sleep reason reachable, with the call path. */
  sleeps?: { reason: string; path: string[] };
  enqueues: EnqueueEffect[];
  /** Queues dequeued (global names or `param:<i>`), transitively. */
  dequeues: string[];
  sendsUnicast: boolean;
  sendsMulticast: boolean;
  frees: boolean;
  printk: boolean;
  /** Increments a global loss counter (the body of `audit_log_lost`). */
  isLossCounter: boolean;
  /** Calls a loss counter, transitively. */
  countsLost: boolean;
  /** Pointer parameters written through, transitively (`audit_do_config_change(.., &audit_backlog_limit, ..)`). */
  paramWrites: number[];
}

const MAX_PATH = 6;

export function computeSummaries(file: FileFacts, graph: CallGraph, predicates: Predicates = new Map()): Map<string, Summary> {
  const out = new Map<string, Summary>();
  const order = graph.bottomUp();
  // A callee of this file asked for before it was summarised: only recursion (a cycle the
  // order had to break) does that. Then a second pass settles it (no full fixpoint); without
  // one, every summary already saw its callees' final ones and a second pass would repeat them.
  let early = false;
  const known = (callee: string): Summary | undefined => {
    const s = out.get(callee);
    if (!s && file.functions.has(callee)) early = true;
    return s;
  };
  for (let pass = 0; pass < 2; pass++) {
    for (const name of order) {
      const entry = file.functions.get(name)!;
      out.set(name, summarise(name, entry.facts, entry.base, file, graph, known, predicates));
    }
    if (!early) break;
  }
  return out;
}

function queueKey(ref: QueueRef): string | undefined {
  if (ref.kind === 'global') return ref.name;
  if (ref.kind === 'param') return `param:${ref.index}`;
  return undefined; // local lists (ab->skb_list) are not backlog queues
}

function summarise(name: string, f: FunctionFacts, base: number, file: FileFacts, graph: CallGraph, known: (callee: string) => Summary | undefined, predicates: Predicates): Summary {
  const locksets = computeLocksets(f, (callee) => (callee !== name ? known(callee)?.locks : undefined));
  const locks: LockEffect = { acquires: [...locksets.exitMust], releases: [...locksets.releasedUnheld] };
  const s: Summary = {
    name, locks, locksets, enqueues: [], dequeues: [],
    sendsUnicast: f.fates.some((x) => x.kind === 'send-unicast'),
    sendsMulticast: f.fates.some((x) => x.kind === 'send-multicast'),
    frees: f.fates.some((x) => x.kind === 'free'),
    printk: f.fates.some((x) => x.kind === 'printk'),
    isLossCounter: false,
    countsLost: false,
    paramWrites: [...f.paramWrites],
  };
  if (f.sleeps.length) s.sleeps = { reason: f.sleeps[0].reason, path: [name] };
  // A loss counter bumps a global atomic counter and takes the reason as a string.
  s.isLossCounter = f.accesses.some((a) => a.mode === 'atomic' && a.write && /inc|add/.test(a.api ?? '') && file.globals.get(a.variable)?.kind === 'atomic') &&
    f.params.some((p) => /char\s*\*/.test(p.type));

  for (const op of f.queueOps) {
    const key = queueKey(op.queue);
    if (!key) continue;
    if (op.op === 'enqueue') {
      const atoms = [...f.atoms[op.node]];
      s.enqueues.push({
        queue: key, end: op.end!, atoms, path: [name], site: base + op.at.start,
        limitGuarded: atomsBound(atoms, op.queue.kind === 'param' ? `param:${op.queue.name}` : op.queue.name, predicates),
        recordParam: op.recordParam,
      });
    } else if (op.op === 'dequeue' && !s.dequeues.includes(key)) s.dequeues.push(key);
  }

  for (const call of f.calls) {
    if (!call.callee || call.callee === name) continue;
    // audit_log_lost() is the kernel's loss counter; when the file defines it, its body decides instead
    if (call.callee === 'audit_log_lost' && !file.functions.has(call.callee)) s.countsLost = true;
    const cs = known(call.callee);
    if (!cs) continue;
    if (cs.isLossCounter) s.countsLost = true;
    if (cs.countsLost) s.countsLost = true;
    if (cs.sendsUnicast) s.sendsUnicast = true;
    if (cs.sendsMulticast) s.sendsMulticast = true;
    if (cs.frees) s.frees = true;
    if (cs.printk) s.printk = true;
    if (!s.sleeps && cs.sleeps && cs.sleeps.path.length < MAX_PATH) s.sleeps = { reason: cs.sleeps.reason, path: [name, ...cs.sleeps.path] };
    for (const pw of cs.paramWrites) {
      const arg = call.args[pw];
      if (arg?.kind === 'param' && arg.paramIndex !== undefined && !s.paramWrites.includes(arg.paramIndex)) s.paramWrites.push(arg.paramIndex);
    }
    for (const e of instantiate(cs, call, file)) {
      if (e.path.length > MAX_PATH) continue;
      // several calls to one callee (retry loops, error paths) are one effect
      if (s.enqueues.some((x) => x.site === e.site && x.queue === e.queue && x.path.length === e.path.length + 1 && x.path[1] === e.path[0])) continue;
      // the branch that leads to the call is part of the effect's condition (`if (error == -EAGAIN) retry(skb)`)
      const atoms = [...new Set([...e.atoms, ...f.atoms[call.node]])];
      s.enqueues.push({ ...e, atoms, path: [name, ...e.path] });
    }
    for (const d of cs.dequeues) {
      const q = mapQueue(d, call);
      if (q && !s.dequeues.includes(q)) s.dequeues.push(q);
    }
  }
  return s;
}

/** A callee's enqueue effects as seen from one call site. */
export function instantiate(callee: Summary, call: CallFact, file: FileFacts): EnqueueEffect[] {
  const params = file.functions.get(callee.name)?.facts.params ?? [];
  const out: EnqueueEffect[] = [];
  for (const e of callee.enqueues) {
    const queue = mapQueue(e.queue, call);
    if (!queue) continue;
    if (!consistentWithArgs(e.atoms, params.map((p) => p.name), call)) continue;
    const recArg = e.recordParam !== undefined ? call.args[e.recordParam] : undefined;
    out.push({
      ...e,
      queue,
      // atoms about the callee's parameters mean nothing here
      atoms: e.atoms.filter((a) => !params.some((p) => a.split(':')[1] === p.name)),
      recordParam: recArg?.kind === 'param' ? recArg.paramIndex : undefined,
    });
  }
  return out;
}

function mapQueue(q: string, call: CallFact): string | undefined {
  if (!q.startsWith('param:')) return q;
  const arg = call.args[Number(q.slice(6))];
  if (!arg) return undefined;
  if (arg.kind === 'address' && arg.name) return arg.name;
  if (arg.kind === 'param' && arg.paramIndex !== undefined) return `param:${arg.paramIndex}`;
  return undefined;
}

/** False when a constant argument contradicts an eq/ne atom on that parameter. */
export function consistentWithArgs(atoms: string[], paramNames: string[], call: CallFact): boolean {
  for (const a of atoms) {
    const [kind, v, c] = a.split(':');
    if (kind !== 'eq' && kind !== 'ne') continue;
    const i = paramNames.indexOf(v);
    if (i < 0) continue;
    const arg = call.args[i];
    if (!arg || arg.kind !== 'const') continue;
    const passed = arg.text.replace(/\s+/g, '');
    if (kind === 'eq' && passed !== c) return false;
    if (kind === 'ne' && passed === c) return false;
  }
  return true;
}
