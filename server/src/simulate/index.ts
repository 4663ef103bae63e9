/**
 * `simulate`: boots the file's own code on the modelled kernel (its initcalls
 * start the consumer thread), produces records through its own producer path
 * (the backlog wait, then the end of the record), runs the consumer as a
 * cooperative task, drives auditd through the scenario, and checks ordering,
 * bounds, termination and accounting as it goes. Deterministic per seed.
 */
import type { FileAnalysis } from '../analyser';
import type { QueueModel } from '../model';
import { Halt, KERNEL_CONSTANTS, SeqStep, World } from './kernel';
import { LivelockError, Machine, Wait } from './machine';
import { DEFAULT_FAILURE_RATE, timeline, TROUBLE_START } from './scenario';
import { expandOrigins, valueOrigins } from '../facts/flows';
import { SEND_TIMEOUT_ASSIGNMENT } from '../model/sendTimeout';
import { REPRODUCTION } from './findingPlans';
import type { Coverage, ScenarioName, SimulationOptions, SimulationResult, TraceStep } from './types';
import { SCENARIOS } from './types';
import { queue, struct, Struct, Value } from './values';

export { SCENARIOS };
export type { SimulationOptions, SimulationResult };

const DEFAULT_TROUBLE: Record<ScenarioName, number> = { steady: 0, 'auditd-down': 60, 'auditd-restart': 60, 'auditd-stopped': 200, 'eagain-burst': 120 };
const MAX_TICKS = 100_000;

interface Task {
  name: string;
  gen: Generator<Wait, Value>;
  wait?: Wait;
  wakeAt: number;
  done: boolean;
}

export function simulate(analysis: FileAnalysis, options: SimulationOptions): SimulationResult {
  if (!SCENARIOS.includes(options.scenario)) throw new Error(`unknown scenario '${options.scenario}'`);
  const result = options.explore ? explore(analysis.model, options) : explained(analysis.model, options);
  if (!result.error) result.notes.push(...unreached(analysis, result));
  return result;
}

/**
 * Queue findings the rules report whose invariant this run did not break: the run is no
 * evidence against them (the scenario may not reach the state they need), and says so.
 */
function unreached(analysis: FileAnalysis, result: SimulationResult): string[] {
  const broken = new Set(result.violations.map((v) => v.invariant));
  const out: string[] = [];
  for (const f of analysis.findings) {
    const plan = REPRODUCTION[f.rule];
    if (!plan || f.severity === 'information' || broken.has(plan.invariant)) continue;
    out.push(`the rules report ${f.rule} in ${f.function}() (${plan.invariant}), which this run did not show; \`auditlens simulate --finding ${f.rule}@${f.function}\` explores the scenarios that can show it`);
  }
  return [...new Set(out)];
}

/** Variants tried by --explore, at most. */
const EXPLORE_RUNS = 160;

/**
 * Bounded exploration: the scenario's choices - how many records, how long the trouble lasts
 * (when auditd stops or comes back relative to the records), the pattern and rate of failed sends -
 * enumerated smallest first; the first variant that violates an invariant is the counterexample,
 * already as small as the enumeration goes. Without one, the requested run.
 */
function explore(model: QueueModel, options: SimulationOptions): SimulationResult {
  const total = options.records ?? 2000;
  const seed = options.seed ?? 1;
  const trouble = options.troubleTicks ?? DEFAULT_TROUBLE[options.scenario];
  const sizes = [...new Set([8, 16, 32, 64, 128, 256, 512, 1024].filter((n) => n < total).concat(total))];
  const troubles = options.scenario === 'steady' ? [0] : [...new Set([2, 5, 10, 20, 50, 100, trouble].filter((t) => t <= trouble))];
  const seeds = options.scenario === 'eagain-burst' ? [seed, seed + 1, seed + 2] : [seed];
  const rates = options.scenario === 'eagain-burst' ? [...new Set([options.failureRate ?? DEFAULT_FAILURE_RATE, 0.5])] : [options.failureRate];
  const variants: SimulationOptions[] = [];
  for (const records of sizes) for (const troubleTicks of troubles) for (const s of seeds) for (const failureRate of rates) {
    variants.push({ ...options, explore: false, records, troubleTicks, seed: s, failureRate });
  }
  variants.sort((a, b) => a.records! * Math.max(1, a.troubleTicks!) - b.records! * Math.max(1, b.troubleTicks!));
  const requested = { records: total, troubleTicks: trouble, seed, failureRate: options.failureRate ?? DEFAULT_FAILURE_RATE };
  let requestedRun: Run | undefined;
  let tried = 0;
  for (const v of variants.slice(0, EXPLORE_RUNS)) {
    tried++;
    if (options.cancelled?.()) break;
    options.progress?.(Math.min(0.99, tried / Math.min(variants.length, EXPLORE_RUNS)));
    const quiet = { ...v, progress: undefined };
    const run = runOnce(model, quiet);
    if (v.records === requested.records && v.troubleTicks === requested.troubleTicks && v.seed === requested.seed && (v.failureRate ?? DEFAULT_FAILURE_RATE) === requested.failureRate) requestedRun = run;
    if (!run.result.violations.length) continue;
    const r = explained(model, quiet, run);
    r.notes.push(`explored ${tried} variants, smallest first: this is the first that violates an invariant (records ${v.records}, trouble ${v.troubleTicks} ticks, seed ${v.seed}${options.scenario === 'eagain-burst' ? `, failure rate ${v.failureRate}` : ''})`);
    return r;
  }
  // the requested run was among the variants (unless the cap or a cancel cut it): no need to run it again
  const plain = { ...options, explore: false };
  const r = requestedRun ? requestedRun.result : explained(model, plain);
  r.notes.push(`explored ${tried} variants (records up to ${total}, trouble up to ${trouble} ticks${seeds.length > 1 ? `, seeds ${seeds.join(', ')}` : ''}): none violates an invariant`);
  return r;
}

/** Steps kept at each end of one record's history in a trace; the middle is elided. */
const HISTORY_HEAD = 12;
const HISTORY_TAIL = 8;
/** Steps kept from just before the violation. */
const WINDOW_TAIL = 12;

/**
 * Runs the scenario; when a violation is about particular records (one overtaking another, a
 * record freed uncounted), runs it again - it is deterministic - keeping every step about those
 * records, so the trace shows where they parted, not only the last steps before the symptom.
 */
function explained(model: QueueModel, options: SimulationOptions, first = runOnce(model, options)): SimulationResult {
  const focus = new Set(first.raw.flatMap((v) => v.records));
  const spin = first.raw.some((v) => v.spin);
  if ((!focus.size && !spin) || first.result.error) return first.result;
  const again = runOnce(model, options, { focus, spin });
  const violations = again.raw.map((v) => {
    if (v.loop) return { invariant: v.invariant, message: v.message, trace: [...v.trace.slice(-WINDOW_TAIL / 2), ...v.loop] };
    if (!v.records.length) return { invariant: v.invariant, message: v.message, trace: v.trace };
    const history = v.records.flatMap((id) => condense(again.focusSteps.filter((s) => s.record === id), id));
    const seen = new Set<number>();
    const merged = [...history, ...v.window.slice(-WINDOW_TAIL)]
      .sort((a, b) => a.seq - b.seq)
      .filter((s) => (seen.has(s.seq) ? false : (seen.add(s.seq), true)));
    return { invariant: v.invariant, message: v.message, trace: merged.map((s) => s.step) };
  });
  return { ...again.result, violations, stats: first.result.stats };
}

function condense(steps: SeqStep[], id: number): SeqStep[] {
  if (steps.length <= HISTORY_HEAD + HISTORY_TAIL) return steps;
  const head = steps.slice(0, HISTORY_HEAD);
  const tail = steps.slice(-HISTORY_TAIL);
  const next = tail[0];
  const gap: SeqStep = { seq: next.seq - 0.5, step: { ...next.step, event: `… ${steps.length - HISTORY_HEAD - HISTORY_TAIL} more steps on record #${id} …` } };
  return [...head, gap, ...tail];
}

/** What a re-run records to explain the first run's violations. */
interface Explain {
  focus: ReadonlySet<number>;
  spin: boolean;
}

/** Statements of a spinning loop shown in its trace. */
const LOOP_STEPS = 30;

/** One run: the caller's result, and what a re-run needs to explain it. */
interface Run {
  result: SimulationResult;
  raw: World['violations'];
  focusSteps: SeqStep[];
}

function runOnce(model: QueueModel, options: SimulationOptions, explain?: Explain): Run {
  const t0 = performance.now();
  const records = options.records ?? 2000;
  const seed = options.seed ?? 1;
  const troubleTicks = options.troubleTicks ?? DEFAULT_TROUBLE[options.scenario];
  const failureRate = options.failureRate ?? DEFAULT_FAILURE_RATE;
  const time = timeline(options.scenario, troubleTicks, seed, failureRate);
  const limitGlobal = [...model.file.globals.keys()].find((g) => /backlog_limit$/.test(g));
  const unknownInFile = new Set<string>();
  const limit = options.backlogLimit ?? initialValue(model, limitGlobal, unknownInFile) ?? 64;
  const sendTimeout = options.sendTimeout ?? fileSendTimeout(model);
  const drains = new Map<string, number>();
  for (const d of model.drains) if (d.queueParam !== undefined) drains.set(d.fn, d.queueParam);
  let world!: World;
  world = new World(
    { limit, send: { outcome: () => time.outcome(world.tick) }, traceSize: 60, lossCounter: model.lossCounter, drains, focus: explain?.focus, sendTimeout, admissionSlack: admissionSlack(model) },
    model.file.constants,
  );
  for (const name of socketGetters(model)) world.socketSources.add(name);
  const machine = new Machine(model, world, options.callBudget ?? 200_000);
  world.where = () => ({ line: machine.line, fn: machine.fn });
  if (explain?.spin) {
    machine.lineTrace = true;
    machine.now = () => world.tick;
  }
  const result = (error?: string) => ({
    result: { ...report(model, world, machine, options.scenario, { records, backlogLimit: limit, seed, troubleTicks, failureRate, sendTimeout: Number.isFinite(sendTimeout) ? sendTimeout : null }, performance.now() - t0, series, notes, unknownInFile, error), coverage },
    raw: world.violations,
    focusSteps: world.focusSteps,
  });
  const series: number[][] = [];
  const notes: string[] = [];
  const coverage = coverageOf(model, sendTimeout, options.sendTimeout !== undefined);

  // globals as the file declares them, then audit=1 and the backlog limit of the run
  initGlobals(model, machine, world, unknownInFile);
  if (limitGlobal) machine.global(limitGlobal).v = limit;
  for (const g of ['audit_default', 'audit_enabled']) if (model.file.globals.has(g)) machine.global(g).v = 1;

  // boot: the initcalls, which start the consumer thread
  try {
    for (const r of model.file.registrations) if (/initcall|module_init/.test(r.macro) && model.file.functions.has(r.fn)) machine.call(r.fn, []);
  } catch (err) {
    if (!(err instanceof Halt || err instanceof LivelockError)) throw err;
  }
  const consumer = world.threads.find((t) => t.fn === model.consumer)?.fn ?? model.consumer;
  coverage.consumer = consumer;
  if (!consumer) return result('no consumer thread: no function takes records off the backlog queues and sends them, so the run would not be meaningful');
  if (coverage.connection.form === 'none') return result('no auditd connection found (no RCU pointer, connection struct or pid/socket globals that a unicast sends to), so the run cannot connect auditd and would not be meaningful');
  const connection = connectionControl(model, machine, world);
  connection.set(time.connected(0));

  const tasks: Task[] = [{ name: consumer, gen: machine.callGen(consumer, [0]), wakeAt: 0, done: false }];
  const producer = producerPath(model, machine, world);
  coverage.producer = [...model.queues.values()].find((q) => q.role === 'main')?.enqueues.find((s) => model.roles.get(s.fn)?.includes('producer'))?.fn;
  if (!producer) return result('no producer path: no function puts records on the main queue, so the run would not be meaningful');
  let made = 0;
  const productionTicks = Math.max(time.troubleEnd + 20, 40);
  const perTick = records / productionTicks;
  tasks.push({ name: 'producers', gen: producerTask(), wakeAt: 0, done: false });

  // after the scenario's records, producers go on at one record a tick until every queue has
  // drained (DESIGN.md: judged on the full delivery), up to as many again; then the run says so
  const trailCap = Math.max(records, 100);
  let trailing = 0;
  function* producerTask(): Generator<Wait, Value> {
    let budget = 0;
    for (;;) {
      if (made >= records) {
        if (world.tick > time.troubleEnd && world.queued() === 0) return 0;
        if (trailing >= trailCap) return 0;
        if (world.tick > time.troubleEnd) {
          trailing++;
          made++;
          yield* producer!();
        }
        yield { kind: 'sleep', ticks: 1 };
        continue;
      }
      budget += perTick;
      while (budget >= 1 && made < records) {
        budget -= 1;
        made++;
        // big runs do a lot in one tick: look at cancel and report progress by records made
        if ((made & 255) === 0) {
          options.progress?.(Math.min(0.99, made / records));
          if (options.cancelled?.()) throw new Cancelled();
        }
        yield* producer!();
        // audit_log_end() woke kauditd: it gets a CPU after a few more records (producers run
        // on other CPUs meanwhile), so it drains in small batches as it does in the kernel
        if (made % BATCH === 0) yield YIELD;
      }
      yield { kind: 'sleep', ticks: 1 };
    }
  }

  let cancelled = false;
  try {
    for (world.tick = 0; world.tick < MAX_TICKS; world.tick++) {
      if (time.connectAt.includes(world.tick) && world.tick > 0) connection.set(true);
      if (time.dieAt.includes(world.tick)) connection.die();
      // the kernel may have dropped a stopped or slow auditd (v4.9-v4.11 give up after a few
      // failed sends); once the trouble is over a healthy auditd registers again (AUDIT_SET)
      if (world.tick >= time.troubleEnd && time.connected(world.tick) && !connection.isSet()) connection.set(true, 'auditd registers again (AUDIT_SET): the kernel had dropped it');
      schedule(tasks, world);
      series.push([world.tick, ...world.backlog.map((q) => q.items.length)]);
      if (tasks[1].done && world.tick > time.troubleEnd) {
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
    if (err instanceof Cancelled) cancelled = true;
    else if (err instanceof LivelockError) {
      world.violation('termination', `${err.message} without sleeping: it spins on its CPU and never gives it up (a livelock; the soft-lockup detector fires)`);
      const v = world.violations.find((x) => x.invariant === 'termination');
      if (v) {
        v.spin = true;
        if (machine.lineTrace) v.loop = loopSteps(model, machine, world);
      }
    } else if (!(err instanceof Halt)) throw err;
  }
  // progress: once auditd is healthy again for long enough, every record must reach it
  const spun = world.violations.some((v) => v.invariant === 'termination');
  if (!cancelled && !spun && trailing >= trailCap && world.queued() > 0) {
    world.violation('progress', `the queues never drained: ${world.queued()} records were still queued after auditd had been back for ${world.tick - time.troubleEnd} ticks and producers had made ${trailing} more records`);
  } else if (!cancelled && !spun && world.produced > 0 && world.delivered === 0 && time.connected(world.tick)) {
    world.violation('progress', `auditd was connected and healthy at the end, yet none of the ${world.produced} records reached it`);
  }
  notes.push(...world.notes);
  world.settleCredits();
  const unaccounted = world.produced - world.delivered - world.queued() - world.lost - world.dropped;
  if (!world.violations.some((v) => v.invariant === 'termination') && !cancelled && unaccounted !== 0) {
    world.violation('accounting', `${unaccounted} records are neither delivered, queued, nor counted lost (leaked)`);
  }
  return result(cancelled ? 'cancelled' : undefined);
}

/**
 * Calls outside the file whose result the file sends to: `sk = audit_get_sk(net)` with the
 * getter defined elsewhere. Run as no-ops they would return NULL and no record could ever
 * reach auditd; they return the audit socket instead (and are still listed as abstracted).
 */
const socketGettersOf = new WeakMap<QueueModel, Set<string>>();

function socketGetters(model: QueueModel): Set<string> {
  // the same for every run of an --explore: read the model once
  const known = socketGettersOf.get(model);
  if (known) return known;
  const out = new Set<string>();
  socketGettersOf.set(model, out);
  for (const e of model.file.functions.values()) {
    const f = e.facts;
    const sent = new Set<string>();
    for (const c of f.calls) {
      const peers = c.callee === 'netlink_unicast' || c.callee === 'nlmsg_unicast' ? [0]
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
function coverageOf(model: QueueModel, sendTimeout: number, fromOption: boolean): Coverage {
  const globals = [...model.connection].sort();
  const kinds = globals.map((g) => model.file.globals.get(g));
  const form: Coverage['connection']['form'] = !globals.length ? 'none'
    : kinds.some((g) => g?.isRcu) ? 'rcu-pointer'
      : kinds.some((g) => g?.kind === 'struct') ? 'struct' : 'globals';
  const timeout = !Number.isFinite(sendTimeout) ? 'MAX_SCHEDULE_TIMEOUT (sends block)' : `${sendTimeout} ticks`;
  const source = fromOption ? 'set for the run' : model.transient.eagain === 'unknown' ? `assumed HZ / 10: ${model.transient.why}` : model.transient.why;
  return { connection: { form, globals }, sendTimeout: `${timeout}: ${source}` };
}

/** The loop a spinning task went round, each statement with its source text. */
function loopSteps(model: QueueModel, machine: Machine, world: World): TraceStep[] {
  const queues = world.queueLengths();
  return machine.lastLoop(LOOP_STEPS).map((s) => ({
    tick: s.tick,
    line: s.line,
    fn: s.fn,
    event: `runs: ${sourceLine(model, s.line)}`,
    queues,
  }));
}

function sourceLine(model: QueueModel, line: number): string {
  const lines = model.file.source.lines;
  const start = lines.offsetAt({ line: line - 1, character: 0 });
  const end = lines.offsetAt({ line, character: 0 });
  const text = model.file.source.text.slice(start, end).trim();
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

/** Thrown out of the producer task when the caller cancels the run. */
class Cancelled extends Error {}

const PRODUCER: Struct = struct({ tgid: 4242 });
const AUDITD: Struct = struct({ tgid: 1000 });

const YIELD: Wait = { kind: 'yield' };
/** Records producers make between two chances for kauditd to run. */
const BATCH = 4;

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
  if (r.value.kind !== 'yield') world.sleeping();
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
  const args = (rec: Value) => pf.params.map((_, i) => (i === skbParam ? rec : struct({ skb: rec })));
  if (wait && model.graph.reachable(producer).has(wait)) {
    // the enqueueing function waits for room itself: it is the whole producer path, and may sleep
    return function* () {
      yield* machine.callGen(producer, args(world.newRecord()));
    };
  }
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
    machine.call(producer, args(world.newRecord()));
  };
}

/** How the harness connects and loses auditd: the RCU pointer (v4.11+), or the v4.9/v4.10 globals. */
function connectionControl(model: QueueModel, machine: Machine, world: World): { set(on: boolean, why?: string): void; die(): void; isSet(): boolean } {
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

function initGlobals(model: QueueModel, machine: Machine, world: World, unknown: Set<string>): void {
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

function initialValue(model: QueueModel, name: string | undefined, unknown: Set<string>): number | undefined {
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
function admissionSlack(model: QueueModel): Map<string, number> {
  return new Map(model.admission.map((a) => [a.queue, PRODUCER_TASKS]));
}

/** Producer tasks the harness runs. */
const PRODUCER_TASKS = 1;

/** The jiffies a unicast may block: the file's `sk_sndtimeo = ...`, else the kernel's default, for ever. */
/** Ticks per second of the modelled clock (HZ). */
const MODEL_HZ = KERNEL_CONSTANTS.HZ ?? 100;

function fileSendTimeout(model: QueueModel): number {
  const m = SEND_TIMEOUT_ASSIGNMENT.exec(model.file.source.text);
  const v = m ? constExpr(m[1].trim(), model.file.constants, new Set()) : undefined;
  // the socket set-up is not in the file: assume what the rules assume (a finite timeout,
  // today's HZ / 10) and say so in the coverage, so that rule and run agree
  if (!m && model.transient.eagain === 'unknown') return Math.floor(MODEL_HZ / 10);
  return v === undefined || v >= Number.MAX_SAFE_INTEGER ? Infinity : Math.max(0, v);
}

/** A constant initialiser: numbers, the file's macros and known kernel ones, + - * /. */
function constExpr(text: string, constants: Map<string, number>, unknown: Set<string>): number | undefined {
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

function report(model: QueueModel, world: World, machine: Machine, scenario: ScenarioName, parameters: SimulationResult['parameters'], ms: number, points: number[][], notes: string[], unknownInFile: Set<string>, error?: string): SimulationResult {
  const queues: Record<string, { max: number }> = {};
  for (const q of world.backlog) queues[q.name] = { max: q.max };
  void model;
  return {
    version: 1,
    scenario,
    records: { produced: world.produced, delivered: world.delivered, queued: world.queued(), lost: world.lost, dropped: world.dropped },
    lostByReason: { ...world.lostByReason },
    queues,
    violations: world.violations.map((v) => ({ invariant: v.invariant, message: v.message, trace: v.trace })),
    abstracted: { ...world.abstractedCalls },
    unknownValues: [...new Set([...machine.unknownValues, ...unknownInFile])].sort(),
    notes,
    series: { queueNames: world.backlog.map((q) => q.name), points },
    parameters,
    stats: { steps: machine.steps, ticks: world.tick, ms, recordsPerSecond: ms > 0 ? Math.round((world.produced / ms) * 1000) : 0 },
    ...(error ? { error } : {}),
  };
}

export { TROUBLE_START };
