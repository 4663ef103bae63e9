/**
 * `simulate`: boots the file's own code on the modelled kernel (its initcalls
 * start the consumer thread), produces records through its own producer path
 * (the backlog wait, then the end of the record), runs the consumer as a
 * cooperative task, drives auditd through the scenario, and checks ordering,
 * bounds, termination and accounting as it goes. Deterministic per seed.
 */
import type { FileAnalysis } from '../analyser';
import type { QueueModel } from '../model';
import { Halt, World } from './kernel';
import { LivelockError, Machine, Wait } from './machine';
import { timeline, TROUBLE_START } from './scenario';
import type { ScenarioName, SimulationOptions, SimulationResult } from './types';
import { SCENARIOS } from './types';
import { queue, struct, Struct, Value } from './values';

export { SCENARIOS };
export type { SimulationOptions, SimulationResult };

const DEFAULT_TROUBLE: Record<ScenarioName, number> = { steady: 0, 'auditd-down': 60, 'auditd-restart': 60, 'auditd-stopped': 200, 'eagain-burst': 120 };
const MAX_TICKS = 100_000;
const SAMPLE_EVERY = 1;

interface Task {
  name: string;
  gen: Generator<Wait, Value>;
  wait?: Wait;
  wakeAt: number;
  done: boolean;
}

export function simulate(analysis: FileAnalysis, options: SimulationOptions): SimulationResult {
  if (!SCENARIOS.includes(options.scenario)) throw new Error(`unknown scenario '${options.scenario}'`);
  if (!options.explore) return runOnce(analysis.model, options);
  // bounded exploration: smaller runs first, then other seeds; the first counterexample, shrunk
  const full = runOnce(analysis.model, options);
  if (!full.violations.length) return full;
  const total = options.records ?? 2000;
  for (let n = 8; n < total; n *= 2) {
    for (const seed of [options.seed ?? 1, 2, 3]) {
      const r = runOnce(analysis.model, { ...options, records: n, seed });
      if (r.violations.some((v) => full.violations.some((w) => w.invariant === v.invariant))) return r;
    }
  }
  return full;
}

function runOnce(model: QueueModel, options: SimulationOptions): SimulationResult {
  const t0 = performance.now();
  const records = options.records ?? 2000;
  const seed = options.seed ?? 1;
  const troubleTicks = options.troubleTicks ?? DEFAULT_TROUBLE[options.scenario];
  const time = timeline(options.scenario, troubleTicks, seed);
  const limitGlobal = [...model.file.globals.keys()].find((g) => /backlog_limit$/.test(g));
  const limit = options.backlogLimit ?? initialValue(model, limitGlobal) ?? 64;
  const drains = new Map<string, number>();
  for (const d of model.drains) if (d.queueParam !== undefined) drains.set(d.fn, d.queueParam);
  let world!: World;
  world = new World(
    { limit, send: { outcome: () => time.outcome(world.tick) }, traceSize: 60, lossCounter: model.lossCounter, drains },
    model.file.constants,
  );
  const machine = new Machine(model, world, options.callBudget ?? 200_000);
  world.where = () => ({ line: machine.line, fn: machine.fn });
  const result = (error?: string): SimulationResult => report(model, world, machine, options.scenario, { records, backlogLimit: limit, seed, troubleTicks }, performance.now() - t0, series, error);
  const series: number[][] = [];

  // globals as the file declares them, then audit=1 and the backlog limit of the run
  initGlobals(model, machine, world);
  if (limitGlobal) machine.global(limitGlobal).v = limit;
  for (const g of ['audit_default', 'audit_enabled']) if (model.file.globals.has(g)) machine.global(g).v = 1;

  // boot: the initcalls, which start the consumer thread
  try {
    for (const r of model.file.registrations) if (/initcall|module_init/.test(r.macro) && model.file.functions.has(r.fn)) machine.call(r.fn, []);
  } catch (err) {
    if (!(err instanceof Halt || err instanceof LivelockError)) throw err;
  }
  const consumer = world.threads.find((t) => t.fn === model.consumer)?.fn ?? model.consumer;
  if (!consumer) return result('no consumer thread: no function takes records off the backlog queues and sends them');
  const connection = connectionControl(model, machine, world);
  connection.set(time.connected(0));

  const tasks: Task[] = [{ name: consumer, gen: machine.callGen(consumer, [0]), wakeAt: 0, done: false }];
  const producer = producerPath(model, machine, world);
  if (!producer) return result('no producer path: no function puts records on the main queue');
  let made = 0;
  const productionTicks = Math.max(time.troubleEnd + 20, 40);
  const perTick = records / productionTicks;
  tasks.push({ name: 'producers', gen: producerTask(), wakeAt: 0, done: false });

  function* producerTask(): Generator<Wait, Value> {
    let budget = 0;
    while (made < records) {
      budget += perTick;
      while (budget >= 1 && made < records) {
        budget -= 1;
        made++;
        world.current = PRODUCER;
        yield* producer!();
        // audit_log_end() woke kauditd: on another CPU it runs while producers go on
        yield YIELD;
      }
      yield { kind: 'sleep', ticks: 1 };
    }
    return 0;
  }

  let cancelled = false;
  try {
    for (world.tick = 0; world.tick < MAX_TICKS; world.tick++) {
      if (time.connectAt.includes(world.tick) && world.tick > 0) connection.set(true);
      if (time.dieAt.includes(world.tick)) connection.die();
      schedule(tasks, world);
      if (world.tick % SAMPLE_EVERY === 0) series.push([world.tick, ...world.backlog.map((q) => q.items.length)]);
      const drained = made >= records && world.queued() === 0 && tasks[1].done;
      if (drained && world.tick > time.troubleEnd) {
        world.stop = true;
        finish(tasks[0], world);
        break;
      }
      if (world.tick % 64 === 0) {
        options.progress?.(Math.min(0.99, made / records));
        if (options.cancelled?.()) { cancelled = true; break; }
      }
    }
  } catch (err) {
    if (err instanceof LivelockError) {
      world.violation('termination', `${err.message}: the call never returns while sends keep failing (a livelock: kauditd spins and the soft-lockup detector fires)`);
    } else if (!(err instanceof Halt)) throw err;
  }
  world.settleCredits();
  const unaccounted = world.produced - world.delivered - world.queued() - world.lost - world.dropped;
  if (!world.violations.some((v) => v.invariant === 'termination') && !cancelled && unaccounted !== 0) {
    world.violation('accounting', `${unaccounted} records are neither delivered, queued, nor counted lost (leaked)`);
  }
  return result(cancelled ? 'cancelled' : undefined);
}

const PRODUCER: Struct = struct({ tgid: 4242 });
const AUDITD: Struct = struct({ tgid: 1000 });

const YIELD: Wait = { kind: 'yield' };

function runnable(task: Task, world: World): boolean {
  if (task.done) return false;
  const w = task.wait;
  if (!w || w.kind === 'yield') return true;
  if (w.kind === 'sleep') return world.tick >= task.wakeAt;
  return w.until();
}

function resume(task: Task, world: World): void {
  world.current = task.name === 'producers' ? PRODUCER : KTHREAD;
  const r = task.gen.next();
  if (r.done) { task.done = true; return; }
  task.wait = r.value;
  if (r.value.kind === 'sleep') task.wakeAt = world.tick + Math.max(1, r.value.ticks);
}

/** One tick: round-robin over the runnable tasks until all are blocked or asleep. */
function schedule(tasks: Task[], world: World): void {
  for (let rounds = 0; rounds < 1_000_000; rounds++) {
    let ran = false;
    for (const task of tasks) {
      if (!runnable(task, world)) continue;
      resume(task, world);
      ran = true;
    }
    if (!ran) return;
  }
}

/** kthread_stop(): the consumer sees kthread_should_stop() at its next wake-up and returns. */
function finish(task: Task, world: World): void {
  for (let i = 0; i < 100 && !task.done; i++) {
    task.wait = undefined;
    resume(task, world);
  }
}

const KTHREAD: Struct = struct({ tgid: 2 });

/** One record through the file's producer path: the backlog wait (admission), then the end of the record. */
function producerPath(model: QueueModel, machine: Machine, world: World): (() => Generator<Wait, void>) | undefined {
  const main = [...model.queues.values()].find((q) => q.role === 'main');
  const enqueuers = main?.enqueues.filter((s) => model.roles.get(s.fn)?.includes('producer')) ?? [];
  const producer = enqueuers[0]?.fn;
  if (!producer) return undefined;
  const wait = model.admission.find((a) => a.queue === main!.name)?.fn;
  const pf = model.file.functions.get(producer)!.facts;
  // the exported function that ends a record and reaches the enqueue (audit_log_end), when there is one
  const ender = wait ? [...model.file.functions.keys()].find((fn) => fn !== producer && model.graph.reachable(fn).has(producer) && model.file.functions.get(fn)!.facts.params.length === 1 && !model.graph.reachable(fn).has(wait)) : undefined;
  const skbParam = pf.params.findIndex((p) => /sk_buff\s*\*/.test(p.type));
  return function* () {
    if (wait) {
      const w = model.file.functions.get(wait)!.facts;
      const args = w.params.map((p) => (/gfp/.test(p.type) ? 0xcc0 : /int|u32|type/.test(p.type) ? 1100 : 0));
      const buffer = yield* machine.callGen(wait, args);
      if (!buffer) return; // refused: counted lost by the code if it said so
      if (ender) { machine.call(ender, [buffer]); return; }
      // no separate end function: hand the buffer's record to the producer
      const rec = (buffer as Struct).fields?.skb ?? world.newRecord();
      machine.call(producer, pf.params.map((_, i) => (i === skbParam ? rec : buffer)));
      return;
    }
    const rec = world.newRecord();
    machine.call(producer, pf.params.map((_, i) => (i === skbParam ? rec : struct({ skb: rec }))));
  };
}

/** How the harness connects and loses auditd: the RCU pointer (v4.11+), or the v4.9/v4.10 globals. */
function connectionControl(model: QueueModel, machine: Machine, world: World): { set(on: boolean): void; die(): void } {
  const rcu = [...model.file.globals.values()].find((g) => g.isRcu && model.connection.has(g.name));
  const net = struct({ aunet: struct({ sk: world.sock }) });
  return {
    set(on) {
      if (rcu) machine.global(rcu.name).v = on ? struct({ pid: AUDITD.fields.tgid ?? 1000, portid: 1, net }) : 0;
      for (const g of model.connection) {
        if (rcu && g === rcu.name) continue;
        if (/pid/.test(g)) machine.global(g).v = on ? 1000 : 0;
        else if (/sock|sk$/.test(g)) machine.global(g).v = on ? world.sock : 0;
        else if (/portid/.test(g)) machine.global(g).v = on ? 1 : 0;
      }
      world.event(on ? 'auditd connects' : 'auditd is not connected');
    },
    die() {
      // the port goes away; the kernel finds out from the next send (-ECONNREFUSED)
      world.event('auditd dies');
    },
  };
}

function initGlobals(model: QueueModel, machine: Machine, world: World): void {
  for (const g of model.file.globals.values()) {
    const cell = machine.global(g.name);
    if (g.kind === 'queue') {
      const q = queue(g.name, true);
      world.backlog.push(q);
      cell.v = q;
    } else if (g.kind === 'struct' || g.kind === 'control-lock') cell.v = struct();
    else if (g.kind === 'scalar') cell.v = initialValue(model, g.name) ?? 0;
  }
}

function initialValue(model: QueueModel, name: string | undefined): number | undefined {
  if (!name) return undefined;
  const g = model.file.globals.get(name);
  if (!g) return undefined;
  const text = model.file.source.text.slice(g.span.start, g.span.end);
  const m = /=\s*([^;,]+)/.exec(text);
  if (!m) return undefined;
  return constExpr(m[1].trim(), model.file.constants);
}

function constExpr(text: string, constants: Map<string, number>): number | undefined {
  const t = text.replace(/^\((.*)\)$/, '$1').trim();
  if (/^-?\d+[uUlL]*$/.test(t)) return parseInt(t, 10);
  if (/^0x[0-9a-f]+$/i.test(t)) return parseInt(t, 16);
  if (/^[A-Za-z_]\w*$/.test(t)) return constants.get(t) ?? (t === 'HZ' ? 100 : undefined);
  const m = /^(.+?)\s*([*+-])\s*(.+)$/.exec(t);
  if (m) {
    const a = constExpr(m[1], constants);
    const b = constExpr(m[3], constants);
    if (a === undefined || b === undefined) return undefined;
    return m[2] === '*' ? a * b : m[2] === '+' ? a + b : a - b;
  }
  return undefined;
}

function report(model: QueueModel, world: World, machine: Machine, scenario: ScenarioName, parameters: SimulationResult['parameters'], ms: number, points: number[][], error?: string): SimulationResult {
  const queues: Record<string, { max: number }> = {};
  for (const q of world.backlog) queues[q.name] = { max: q.max };
  void model;
  return {
    version: 1,
    scenario,
    records: { produced: world.produced, delivered: world.delivered, queued: world.queued(), lost: world.lost, dropped: world.dropped },
    lostByReason: { ...world.lostByReason },
    queues,
    violations: world.violations,
    abstracted: { ...world.abstractedCalls },
    series: { queueNames: world.backlog.map((q) => q.name), points },
    parameters,
    stats: { steps: machine.steps, ticks: world.tick, ms, recordsPerSecond: ms > 0 ? Math.round((world.produced / ms) * 1000) : 0 },
    ...(error ? { error } : {}),
  };
}

export { TROUBLE_START };
