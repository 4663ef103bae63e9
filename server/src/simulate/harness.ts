/**
 * The harness around the file's own code: how it connects and loses auditd,
 * what one record through the producer path is, the globals as declared, the
 * send timeout the file sets, and what the run is made of (its coverage).
 * Found from the model, by behaviour; names are only a last resort for the
 * pre-RCU connection globals.
 */
import type { QueueModel } from '../model';
import { KERNEL_CONSTANTS, World } from './kernel';
import { Machine, Wait } from './machine';
import { expandOrigins, valueOrigins } from '../facts/flows';
import { UNICAST_SENDS } from '../facts/apis';
import { SEND_TIMEOUT_ASSIGNMENT } from '../model/sendTimeout';
import type { Coverage } from './types';
import { getField, queue, setField, struct, Struct, Value } from './values';

export const PRODUCER: Struct = struct({ tgid: 4242 });
export const AUDITD: Struct = struct({ tgid: 1000 });
export const KTHREAD: Struct = struct({ tgid: 2 });

/**
 * Calls outside the file whose result the file sends to: `sk = audit_get_sk(net)` with the
 * getter defined elsewhere. Run as no-ops they would return NULL and no record could ever
 * reach auditd; they return the audit socket instead (and are still listed as abstracted).
 */
const socketGettersOf = new WeakMap<QueueModel, Set<string>>();

export function socketGetters(model: QueueModel): Set<string> {
  // the same for every run of an --explore: read the model once
  const known = socketGettersOf.get(model);
  if (known) return known;
  const out = new Set<string>();
  socketGettersOf.set(model, out);
  for (const e of model.file.functions.values()) {
    const f = e.facts;
    const sent = new Set<string>();
    for (const c of f.calls) {
      const peers = c.callee && UNICAST_SENDS.has(c.callee) ? [0]
        : c.callee && model.file.functions.has(c.callee) ? [...(model.peerParams.get(c.callee) ?? [])].filter((i) => /sock/.test(model.file.functions.get(c.callee!)!.facts.params[i]?.type ?? '')) : [];
      for (const i of peers) for (const n of c.args[i]?.reads ?? []) sent.add(n);
    }
    // through locals (`sk = getter(net); s = sk; send(s, ...)`)
    const reaching = expandOrigins(sent, valueOrigins(f.flows));
    for (const c of f.calls) if (c.callee && c.resultVar && reaching.has(c.resultVar) && !model.file.functions.has(c.callee)) out.add(c.callee);
  }
  return out;
}

/** What the run is made of, for every result: a run that cannot find a part says so instead of passing. */
export function coverageOf(model: QueueModel, sendTimeout: number, fromOption: boolean, producers: string): Coverage {
  const globals = [...model.connection].sort();
  const kinds = globals.map((g) => model.file.globals.get(g));
  const form: Coverage['connection']['form'] = !globals.length ? 'none'
    : kinds.some((g) => g?.isRcu) ? 'rcu-pointer'
      : kinds.some((g) => g?.kind === 'struct') ? 'struct' : 'globals';
  const timeout = !Number.isFinite(sendTimeout) ? 'MAX_SCHEDULE_TIMEOUT (sends block)' : `${sendTimeout} ticks`;
  const source = fromOption ? 'set for the run' : model.transient.eagain === 'unknown' ? `assumed HZ / 10: ${model.transient.why}` : model.transient.why;
  return { connection: { form, globals }, sendTimeout: `${timeout}: ${source}`, producers };
}

/** One record through the file's producer path: the backlog wait (admission), then the end of the record. */
export function producerPath(model: QueueModel, machine: Machine, world: World): (() => Generator<Wait, void>) | undefined {
  const main = [...model.queues.values()].find((q) => q.role === 'main');
  const enqueuers = main?.enqueues.filter((s) => model.roles.get(s.fn)?.includes('producer')) ?? [];
  const producer = enqueuers[0]?.fn;
  if (!producer) return undefined;
  const wait = model.admission.find((a) => a.queue === main!.name)?.fn;
  const pf = model.file.functions.get(producer)!.facts;
  // the exported function that ends a record and reaches the enqueue (audit_log_end), when there is one
  const ender = wait ? [...model.file.functions.keys()].find((fn) => fn !== producer && model.graph.reachable(fn).has(producer) && model.file.functions.get(fn)!.facts.params.length === 1 && !model.graph.reachable(fn).has(wait)) : undefined;
  const skbParam = pf.params.findIndex((p) => /sk_buff\s*\*/.test(p.type));
  const args = (rec: Value) => pf.params.map((_, i) => (i === skbParam ? rec : struct({ skb: rec })));
  if (wait && model.graph.reachable(producer).has(wait)) {
    // the enqueueing function waits for room itself: it is the whole producer path, and may sleep
    return function* () {
      yield* machine.callGen(producer, args(world.newRecord()));
    };
  }
  // the end of a record does not sleep in the kernel; a file whose end does sleeps where it says
  const endSleeps = machine.sleeps(ender ?? producer);
  return function* () {
    if (wait) {
      const w = model.file.functions.get(wait)!.facts;
      const args = w.params.map((p) => (/gfp/.test(p.type) ? 0xcc0 : /int|u32|type/.test(p.type) ? 1100 : 0));
      const buffer = yield* machine.callGen(wait, args);
      if (!buffer) return; // refused: counted lost by the code if it said so
      if (ender) {
        if (endSleeps) yield* machine.callGen(ender, [buffer]);
        else machine.call(ender, [buffer]);
        return;
      }
      // no separate end function: hand the buffer's record to the producer
      const rec = (buffer as Struct).fields?.skb ?? world.newRecord();
      const a = pf.params.map((_, i) => (i === skbParam ? rec : buffer));
      if (endSleeps) yield* machine.callGen(producer, a);
      else machine.call(producer, a);
      return;
    }
    if (endSleeps) yield* machine.callGen(producer, args(world.newRecord()));
    else machine.call(producer, args(world.newRecord()));
  };
}

/** How the harness connects and loses auditd: the RCU pointer (v4.11+), or the v4.9/v4.10 globals. */
export function connectionControl(model: QueueModel, machine: Machine, world: World): { set(on: boolean, why?: string): void; die(): void; isSet(): boolean } {
  const rcu = [...model.file.globals.values()].find((g) => g.isRcu && model.connection.has(g.name));
  const pid = [...model.connection].find((g) => /pid/.test(g));
  const net = struct({ aunet: struct({ sk: world.sock }) });
  return {
    isSet() {
      if (rcu) return !!machine.global(rcu.name).v;
      const embedded = [...model.connection].find((g) => model.file.globals.get(g)?.kind === 'struct');
      if (embedded) return !!(machine.global(embedded).v as { fields?: Record<string, unknown> })?.fields?.pid;
      return pid ? !!machine.global(pid).v : true;
    },
    set(on, why) {
      if (rcu) machine.global(rcu.name).v = on ? struct({ pid: AUDITD.fields.tgid ?? 1000, portid: 1, net, sk: world.sock }) : 0;
      for (const g of model.connection) {
        if (rcu && g === rcu.name) continue;
        // v4.11: a static struct (pid, portid, net) read under rcu_read_lock()
        if (model.file.globals.get(g)?.kind === 'struct') { machine.global(g).v = struct({ pid: on ? AUDITD.fields.tgid ?? 1000 : 0, portid: on ? 1 : 0, net: on ? net : 0 }); continue; }
        if (/pid/.test(g)) machine.global(g).v = on ? 1000 : 0;
        else if (/sock|sk$/.test(g)) machine.global(g).v = on ? world.sock : 0;
        else if (/portid/.test(g)) machine.global(g).v = on ? 1 : 0;
      }
      world.event(why ?? (on ? 'auditd connects' : 'auditd is not connected'));
    },
    die() {
      // the port goes away; the kernel finds out from the next send (-ECONNREFUSED)
      world.event('auditd dies');
    },
  };
}

export function initGlobals(model: QueueModel, machine: Machine, world: World, unknown: Set<string>): void {
  for (const g of model.file.globals.values()) {
    const cell = machine.global(g.name);
    if (g.kind === 'queue') {
      const q = queue(g.name, true);
      world.backlog.push(q);
      cell.v = q;
    } else if (g.kind === 'struct' || g.kind === 'control-lock') cell.v = struct();
    else if (g.kind === 'scalar') cell.v = initialValue(model, g.name, unknown) ?? 0;
  }
}

export function initialValue(model: QueueModel, name: string | undefined, unknown: Set<string>): number | undefined {
  if (!name) return undefined;
  const g = model.file.globals.get(name);
  if (!g) return undefined;
  const text = model.file.source.text.slice(g.span.start, g.span.end);
  const m = /=\s*([^;,]+)/.exec(text);
  if (!m) return undefined;
  return constExpr(m[1].trim(), model.file.constants, unknown);
}

/**
 * A queue whose bound is the backlog wait (audit_log_start) admits a record while it holds no more
 * than the limit; the record is enqueued later, so with one producer task it may hold limit + 1.
 */
/** The backlog limit the file initialises (`audit_backlog_limit = 64`), when it does. */
export function fileBacklogLimit(model: QueueModel, unknown = new Set<string>()): number | undefined {
  return initialValue(model, backlogLimitGlobal(model), unknown);
}

/**
 * The global that holds the backlog limit: the scalar the backlog wait compares the queue's
 * length with (its loop condition); a file with no wait in view, by its usual name.
 */
export function backlogLimitGlobal(model: QueueModel): string | undefined {
  for (const a of model.admission) {
    const scalar = (a.condition.match(/\b[A-Za-z_]\w*\b/g) ?? []).find((id) => model.file.globals.get(id)?.kind === 'scalar');
    if (scalar) return scalar;
  }
  return [...model.file.globals.keys()].find((g) => /backlog_limit$/.test(g));
}

export function admissionSlack(model: QueueModel, bypass = false): Map<string, number> {
  // a producer that bypasses the wait makes one message's records before any penalty can hold it
  return new Map(model.admission.map((a) => [a.queue, bypass ? MESSAGE_RECORDS + PRODUCER_TASKS : PRODUCER_TASKS]));
}

/** Records a bypassing producer makes per netlink message it handles with audit_cmd_mutex held. */
export const MESSAGE_RECORDS = 4;

/**
 * The sender penalty (2022): a wait on the backlog outside the admission loop, where the
 * netlink input makes a sender sleep after it dropped audit_cmd_mutex while the main queue is
 * over the limit. Found as an open-coded backlog wait (model/backlogWait.ts); the harness
 * applies it after each message of bypassing producers, as the file does after each message.
 */
export function senderPenalty(model: QueueModel): { fn: string; line: number; ticks?: number } | undefined {
  const w = model.backlogWaits.find((x) => x.kind === 'open-coded');
  if (!w) return undefined;
  const e = model.file.functions.get(w.fn);
  if (!e) return undefined;
  // how long it sleeps: the schedule_timeout() after joining the wait queue, read from the global it is given
  const sleep = e.facts.calls.find((c) => /^schedule_timeout/.test(c.callee ?? '') && c.at.start >= w.at.start);
  const arg = sleep?.args[0];
  const ticks = arg && arg.kind === 'global' && arg.name ? initialValue(model, arg.name, new Set()) : undefined;
  return { fn: w.fn, line: model.file.source.lines.positionAt(e.base + w.at.start).line + 1, ...(ticks !== undefined ? { ticks } : {}) };
}

/** Producer tasks the harness runs. */
const PRODUCER_TASKS = 1;

/** The jiffies a unicast may block: the file's `sk_sndtimeo = ...`, else the kernel's default, for ever. */
/** Ticks per second of the modelled clock (HZ). */
const MODEL_HZ = KERNEL_CONSTANTS.HZ ?? 100;

export function fileSendTimeout(model: QueueModel): number {
  const m = SEND_TIMEOUT_ASSIGNMENT.exec(model.file.source.text);
  const v = m ? constExpr(m[1].trim(), model.file.constants, new Set()) : undefined;
  // the socket set-up is not in the file: assume what the rules assume (a finite timeout,
  // today's HZ / 10) and say so in the coverage, so that rule and run agree
  if (!m && model.transient.eagain === 'unknown') return Math.floor(MODEL_HZ / 10);
  return v === undefined || v >= Number.MAX_SAFE_INTEGER ? Infinity : Math.max(0, v);
}

/** A constant initialiser: numbers, the file's macros and known kernel ones, + - * /. */
export function constExpr(text: string, constants: Map<string, number>, unknown: Set<string>): number | undefined {
  const t = text.replace(/^\((.*)\)$/, '$1').trim();
  if (/^-?\d+[uUlL]*$/.test(t)) return parseInt(t, 10);
  if (/^0x[0-9a-f]+$/i.test(t)) return parseInt(t, 16);
  if (/^[A-Za-z_]\w*$/.test(t)) {
    const v = constants.get(t) ?? KERNEL_CONSTANTS[t];
    if (v === undefined) unknown.add(t);
    return v;
  }
  const m = /^(.+?)\s*([*+/-])\s*(.+)$/.exec(t);
  if (m) {
    const a = constExpr(m[1], constants, unknown);
    const b = constExpr(m[3], constants, unknown);
    if (a === undefined || b === undefined) return undefined;
    return m[2] === '*' ? a * b : m[2] === '+' ? a + b : m[2] === '/' ? Math.floor(a / b) : a - b;
  }
  return undefined;
}

/**
 * `--bypass`: the producers are the tasks the backlog wait lets through. The file says who
 * that is by its owner test: `current == __mutex_owner(&m)` or an owner field set to
 * `current` (`audit_cmd_mutex.owner`); the harness makes the producers hold every mutex the
 * file declares, so whichever test the wait makes, it passes. A file with no owner test
 * exempts auditd's own records only, and the producers then run as auditd. The sender
 * penalty of 2022 (after the mutex is dropped) is applied by the run, see senderPenalty().
 */
export function bypassProducers(model: QueueModel, machine: Machine): { as: Struct; how: string } {
  const ownerFields = [...model.guards.values()].filter((g) => g.ownerIdiom).map((g) => g.variable);
  const mutexes = new Set([...model.file.globals.values()].filter((g) => g.kind === 'mutex' || g.kind === 'control-lock').map((g) => g.name));
  let ownerCalls = false;
  for (const e of model.file.functions.values()) {
    for (const c of e.facts.calls) {
      if (c.callee !== '__mutex_owner') continue;
      ownerCalls = true;
      // `__mutex_owner(&m)`: m may be a DEFINE_MUTEX() the declarations do not list
      const a = c.args[0];
      if (a && (a.kind === 'address' || a.kind === 'global') && a.name) mutexes.add(a.name);
    }
  }
  if (ownerFields.length || (ownerCalls && mutexes.size)) {
    for (const m of mutexes) {
      const cell = machine.global(m);
      if (typeof cell.v !== 'object') cell.v = struct();
      setField(cell.v, 'owner', PRODUCER);
    }
    for (const v of ownerFields) {
      const [root, ...path] = v.split('.');
      let cell: Value = machine.global(root).v;
      for (const f of path.slice(0, -1)) cell = getField(cell, f);
      setField(cell, path[path.length - 1], PRODUCER);
    }
    const held = [...new Set([...mutexes, ...ownerFields.map((v) => v.split('.')[0])])].sort();
    return { as: PRODUCER, how: `producers hold ${held.join(', ')} while they make each message's ${MESSAGE_RECORDS} records (as the netlink input does), so the backlog wait lets them through` };
  }
  return { as: AUDITD, how: 'producers run as auditd, whose own records the backlog wait lets through (the file has no mutex-owner test)' };
}

export const WAITING_PRODUCERS = 'producers wait on the backlog like any task (--bypass makes them the tasks the wait lets through)';
