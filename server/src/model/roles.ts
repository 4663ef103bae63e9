/**
 * Roles of functions in the queue state model, from what they do (DESIGN.md's
 * vocabulary). Nothing here looks at a function's name: renamed or
 * restructured code maps the same way.
 */
import type { FileFacts } from '../facts/fileFacts';
import { expandOrigins, valueOrigins } from '../facts/flows';
import type { CallGraph } from './callgraph';
import type { DrainInfo } from './drains';
import type { GuardInfo } from './guards';
import type { AdmissionControl, QueueInfo } from './queues';
import type { Summary } from './summaries';

export type Role = 'producer' | 'backlog-wait' | 'consumer' | 'drain' | 'sender' | 'requeue' | 'multicast' | 'connection' | 'control' | 'config' | 'other';

export const ROLE_ORDER: Role[] = ['consumer', 'drain', 'producer', 'backlog-wait', 'requeue', 'sender', 'multicast', 'connection', 'control', 'config', 'other'];

/** The kthread entry that takes records off the backlog queues and sends them. */
export function findConsumer(file: FileFacts, graph: CallGraph, summaries: Map<string, Summary>): string | undefined {
  const isBacklog = (q: string) => file.globals.get(q)?.kind === 'queue';
  const candidates = graph.handedTo.filter((h) => /^kthread_(run|create)/.test(h.api)).map((h) => h.fn);
  // Without a kthread_run in view (a fragment), a loop on kthread_should_stop() marks the thread.
  for (const [name, e] of file.functions) if (e.facts.calls.some((c) => c.callee === 'kthread_should_stop')) candidates.push(name);
  return candidates.find((fn) => {
    const s = summaries.get(fn);
    return !!s && s.dequeues.some(isBacklog) && s.sendsUnicast;
  });
}

/** Arguments of the kernel's unicast senders that name the peer: the socket and the port id. */
const UNICAST_PEER_ARGS: Record<string, number[]> = { netlink_unicast: [0, 2], nlmsg_unicast: [0, 2] };

/**
 * Globals that hold the auditd connection, by behaviour in every era: RCU
 * pointers (declared `__rcu` or used through the RCU accessors), and whatever
 * global the peer of a unicast send is read from, through locals and through
 * the parameters of the file's own functions (v4.9's `audit_sock` and
 * `audit_nlk_portid`, v4.11's `auditd_conn.portid` copied out under
 * rcu_read_lock() and handed to kauditd_send_queue()). Field paths count by
 * their root: the connection is the struct, not one field.
 */
export function connectionGlobals(file: FileFacts, graph?: CallGraph, peerParams = unicastPeerParams(file, graph)): Set<string> {
  const out = new Set<string>();
  for (const g of file.globals.values()) if (g.isRcu) out.add(g.name);
  for (const e of file.functions.values()) {
    const f = e.facts;
    if (!f.calls.some((c) => sendsToPeer(c.callee, peerParams))) continue;
    const origins = valueOrigins(f.flows);
    for (const c of f.calls) {
      for (const i of peerArgs(c.callee, peerParams)) {
        for (const name of expandOrigins(c.args[i]?.reads ?? [], origins)) if (file.globals.has(name) && !f.locals.includes(name) && !f.params.some((p) => p.name === name)) out.add(name);
      }
    }
  }
  // Scalars set and reset together with those, in at least two functions (v4.9's `audit_pid`:
  // set with the socket by AUDIT_SET, cleared with it by kauditd and at netns exit).
  const together = new Map<string, number>();
  for (const e of file.functions.values()) {
    const written = new Set(e.facts.accesses.filter((a) => a.write && (a.mode === 'plain' || a.mode === 'marked')).map((a) => a.variable));
    if (![...written].some((w) => out.has(w))) continue;
    for (const w of written) if (!out.has(w) && file.globals.get(w)?.kind === 'scalar') together.set(w, (together.get(w) ?? 0) + 1);
  }
  for (const [w, n] of together) if (n >= 2) out.add(w);
  return out;
}

/** Argument positions of a call that name the unicast's peer: the kernel's senders, or a file function's parameters that reach one. */
export function peerArgs(callee: string | undefined, peerParams: ReadonlyMap<string, ReadonlySet<number>>): number[] {
  if (!callee) return [];
  return UNICAST_PEER_ARGS[callee] ?? [...(peerParams.get(callee) ?? [])];
}

/** Does a call to `callee` name a unicast's peer at all (without building the list)? */
function sendsToPeer(callee: string | undefined, peerParams: ReadonlyMap<string, ReadonlySet<number>>): boolean {
  return !!callee && (callee in UNICAST_PEER_ARGS || (peerParams.get(callee)?.size ?? 0) > 0);
}

/** Parameters of each function whose value reaches a unicast's peer, through locals and calls; computed callee first. */
export function unicastPeerParams(file: FileFacts, graph?: CallGraph): Map<string, Set<number>> {
  const peerParams = new Map<string, Set<number>>();
  const order = graph ? graph.bottomUp() : [...file.functions.keys()];
  for (let pass = 0; pass < 2; pass++) {
    for (const fn of order) {
      const e = file.functions.get(fn);
      if (!e) continue;
      const f = e.facts;
      const reached = peerParams.get(fn) ?? new Set<number>();
      peerParams.set(fn, reached);
      if (!f.params.length || !f.calls.some((c) => sendsToPeer(c.callee, peerParams))) continue;
      const params = new Map(f.params.map((p) => [p.name, p.index]));
      const origins = valueOrigins(f.flows);
      for (const c of f.calls) {
        for (const i of peerArgs(c.callee, peerParams)) {
          for (const name of expandOrigins(c.args[i]?.reads ?? [], origins)) if (params.has(name)) reached.add(params.get(name)!);
        }
      }
    }
  }
  return peerParams;
}

/** Is this variable (a global or a field path) part of the auditd connection? */
export function isConnection(connection: ReadonlySet<string>, variable: string): boolean {
  return connection.has(variable.split('.')[0]);
}


/** Config words: scalars written under a lock by the control path, or by boot parameter handlers. */
export function findConfigWords(file: FileFacts, guards: Map<string, GuardInfo>, connection: Set<string>): Set<string> {
  const setupHandlers = new Set(file.registrations.filter((r) => /__setup|early_param/.test(r.macro)).map((r) => r.fn));
  const out = new Set<string>();
  for (const g of guards.values()) {
    if (g.kind !== 'scalar' || isConnection(connection, g.variable)) continue;
    if (g.discipline === 'lock' || g.accesses.some((a) => a.write && setupHandlers.has(a.fn))) out.add(g.variable);
  }
  return out;
}

export interface RoleInputs {
  file: FileFacts;
  graph: CallGraph;
  summaries: Map<string, Summary>;
  queues: Map<string, QueueInfo>;
  drains: DrainInfo[];
  admission: AdmissionControl[];
  consumer?: string;
  consumerReach: Set<string>;
  connection: Set<string>;
  guards: Map<string, GuardInfo>;
}

export function assignRoles(inp: RoleInputs): Map<string, Role[]> {
  const { file, queues, drains, admission, consumer, consumerReach, connection, summaries, guards, graph } = inp;
  const kthreads = new Set(graph.handedTo.filter((h) => /^kthread_/.test(h.api)).map((h) => h.fn));
  const configWords = findConfigWords(file, guards, connection);
  const mainQueues = new Set([...queues.values()].filter((q) => q.role === 'main').map((q) => q.name));
  const initcalls = new Set(file.registrations.filter((r) => /initcall|module_init/.test(r.macro)).map((r) => r.fn));
  const inputs = new Set(file.bindings.filter((b) => b.field === 'input').map((b) => b.fn));
  const lockGlobals = new Set([...file.globals.values()].filter((g) => g.kind === 'mutex' || g.kind === 'control-lock').map((g) => g.name));
  const roles = new Map<string, Role[]>();

  for (const [name, e] of file.functions) {
    const f = e.facts;
    const s = summaries.get(name)!;
    const r = new Set<Role>();
    const directEnqueues = f.queueOps.filter((q) => q.op === 'enqueue' && q.queue.kind === 'global' && queues.has(q.queue.name));
    if (name === consumer) r.add('consumer');
    if (drains.some((d) => d.fn === name)) r.add('drain');
    if (admission.some((a) => a.fn === name)) r.add('backlog-wait');
    const producer = directEnqueues.some((q) => mainQueues.has(q.queue.kind === 'global' ? q.queue.name : '') && !consumerReach.has(name));
    if (producer) r.add('producer');
    if (!producer && directEnqueues.some((q) => q.recordParam !== undefined)) r.add('requeue');
    if (!r.has('drain') && f.fates.some((x) => x.kind === 'send-unicast')) r.add('sender');
    if (f.fates.some((x) => x.kind === 'send-multicast')) r.add('multicast');

    const connWrites = f.accesses.some((a) => a.write && isConnection(connection, a.variable));
    const connReads = f.accesses.some((a) => a.read && isConnection(connection, a.variable));
    const quiet = !f.queueOps.length && !s.sendsUnicast && !f.loops.length;
    if (!e.isInit && (connWrites || (connReads && quiet && f.returnType !== 'void'))) r.add('connection');

    const takesControlLock = !kthreads.has(name) && !f.fates.some((x) => x.kind === 'send-unicast') && (s.locksets.opsByNode.size > 0) &&
      [...s.locksets.opsByNode.values()].some((ops) => ops.some((o) => o.op === 'acquire' && lockGlobals.has(o.lock.split('.')[0]))) &&
      !s.locks.acquires.some((l) => lockGlobals.has(l.split('.')[0]));
    if (inputs.has(name) || takesControlLock) r.add('control');

    const writesConfig = f.accesses.some((a) => a.write && a.mode === 'plain' && configWords.has(a.variable)) ||
      f.accesses.some((a) => a.mode === 'address' && a.callee && a.argIndex !== undefined && summaries.get(a.callee)?.paramWrites.includes(a.argIndex) && configWords.has(a.variable));
    if (writesConfig && !initcalls.has(name) && !r.has('control')) r.add('config');

    if (!r.size) r.add('other');
    roles.set(name, ROLE_ORDER.filter((x) => r.has(x)));
  }
  return roles;
}
