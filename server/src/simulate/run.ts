/**
 * One run of a scenario: boots the file's code, schedules the consumer and
 * the producers tick by tick, drives auditd through the scenario's timeline,
 * and checks the invariants; a violation about particular records is
 * explained by a deterministic re-run that keeps their every step.
 */
import type { QueueModel } from '../model';
import { Halt, KERNEL_CONSTANTS, SeqStep, World } from './kernel';
import { Machine, Wait } from './machine';
import { hungReport, inPlaceReport, lockupReport, overflowReport, Report } from './callTrace';
import { HUNG_TASK_TICKS, HungTaskWatch } from './hungTask';
import { HungTaskError, LivelockError, StackOverflowError, TaskStopped } from './lockup';
import type { TaskContext } from './task';
import { DEFAULT_FAILURE_RATE, timeline } from './scenario';
import { admissionSlack, backlogLimitGlobal, bypassProducers, MESSAGE_RECORDS, senderPenalty, connectionControl, coverageOf, fileSendTimeout, initGlobals, initialValue, KTHREAD, PRODUCER, producerPath, socketGetters, WAITING_PRODUCERS } from './harness';
import type { ScenarioName, SimulationOptions, SimulationResult, TraceStep } from './types';
import type { Struct, Value } from './values';

export const DEFAULT_TROUBLE: Record<ScenarioName, number> = { steady: 0, 'auditd-down': 60, 'auditd-restart': 60, 'auditd-stopped': 200, 'eagain-burst': 120 };
const MAX_TICKS = 100_000;

interface Task {
  name: string;
  /** The task struct `current` is while this task runs. */
  as: Struct;
  /** What the interpreter keeps for it: call depth, budget, line ring, where it sleeps. */
  ctx: TaskContext;
  gen: Generator<Wait, Value>;
  wait?: Wait;
  wakeAt: number;
  done: boolean;
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
export function explained(model: QueueModel, options: SimulationOptions, first = runOnce(model, options)): SimulationResult {
  const focus = new Set(first.raw.flatMap((v) => v.records));
  if (!focus.size || first.result.error) return first.result;
  const again = runOnce(model, options, { focus });
  const violations = again.raw.map((v) => {
    if (!v.records.length) return { invariant: v.invariant, message: v.message, ...queueOf(v), trace: v.trace };
    const history = v.records.flatMap((id) => condense(again.focusSteps.filter((s) => s.record === id), id));
    const seen = new Set<number>();
    const merged = [...history, ...v.window.slice(-WINDOW_TAIL)]
      .sort((a, b) => a.seq - b.seq)
      .filter((s) => (seen.has(s.seq) ? false : (seen.add(s.seq), true)));
    return { invariant: v.invariant, message: v.message, ...queueOf(v), trace: merged.map((s) => s.step) };
  });
  return { ...again.result, violations, stats: first.result.stats };
}

/**
 * Whether the run's violation of `invariant` involves function `fn`: a step of its trace is in
 * `fn`, or (re-running with the records it is about followed) one of those records passed
 * through `fn`. A violation of the right invariant with another cause does not show a finding.
 */
export function involves(model: QueueModel, options: SimulationOptions, first: Run, invariant: string, fn: string, queue?: string): boolean {
  const hits = first.raw.filter((v) => v.invariant === invariant && (!queue || v.queue === queue));
  if (hits.some((v) => v.trace.some((s) => s.fn === fn))) return true;
  const focus = new Set(hits.flatMap((v) => v.records));
  if (!focus.size) return false;
  return runOnce(model, options, { focus }).focusSteps.some((s) => s.step.fn === fn);
}

/** Why the main queue can pass its bound with --bypass, for the violation's message. */
function bypassWhy(penalty: object | undefined): string {
  return penalty
    ? 'producers holding audit_cmd_mutex skip the backlog wait, and the sender penalty did not hold them'
    : 'producers holding audit_cmd_mutex skip the backlog wait, and nothing makes them wait once they drop it (the 2022 sender penalty is not in this file)';
}

/** A bounded violation names its queue; the others leave the key out of the JSON. */
function queueOf(v: { queue?: string }): { queue?: string } {
  return v.queue ? { queue: v.queue } : {};
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
}

/** One run: the caller's result, and what a re-run needs to explain it. */
export interface Run {
  result: SimulationResult;
  raw: World['violations'];
  focusSteps: SeqStep[];
}

export function runOnce(model: QueueModel, options: SimulationOptions, explain?: Explain): Run {
  const t0 = performance.now();
  const records = options.records ?? 2000;
  const seed = options.seed ?? 1;
  const troubleTicks = options.troubleTicks ?? DEFAULT_TROUBLE[options.scenario];
  const failureRate = options.failureRate ?? DEFAULT_FAILURE_RATE;
  const limitGlobal = backlogLimitGlobal(model);
  const unknownInFile = new Set<string>();
  const limit = options.backlogLimit ?? initialValue(model, limitGlobal, unknownInFile) ?? 64;
  const sendTimeout = options.sendTimeout ?? fileSendTimeout(model);
  const ending = options.scenario === 'auditd-stopped' ? options.ending ?? 'resumes' : undefined;
  const time = timeline(options.scenario, troubleTicks, seed, failureRate, sendTimeout, ending);
  const bypass = !!options.bypass;
  const penalty = bypass ? senderPenalty(model) : undefined;
  const drains = new Map<string, number>();
  for (const d of model.drains) if (d.queueParam !== undefined) drains.set(d.fn, d.queueParam);
  let world!: World;
  world = new World(
    { limit, send: { outcome: () => time.outcome(world.tick) }, traceSize: 60, lossCounter: model.lossCounter, drains, focus: explain?.focus, sendTimeout, admissionSlack: admissionSlack(model, bypass), admissionBypass: bypass ? bypassWhy(penalty) : undefined },
    model.file.constants,
  );
  for (const name of socketGetters(model)) world.socketSources.add(name);
  const machine = new Machine(model, world, options.callBudget ?? 200_000);
  world.where = () => ({ line: machine.line, fn: machine.fn });
  machine.now = () => world.tick;
  /** Tasks that never finished what they were doing: the records they hold are not leaked. */
  const stuck: string[] = [];
  /**
   * A task stopped for good: a soft lockup or a stack overflow breaks termination; a task asleep
   * where no other can run (boot, a hook called through a pointer) breaks progress.
   */
  const stopped = (err: TaskStopped) => {
    if (err instanceof HungTaskError) {
      stuck.push(err.task);
      report(world, 'progress', inPlaceReport(model, machine, world, err));
    } else report(world, 'termination', err instanceof LivelockError ? lockupReport(model, world, err) : overflowReport(model, world, err as StackOverflowError));
  };
  const result = (error?: string) => ({
    result: { ...summary(model, world, machine, options.scenario, { records, backlogLimit: limit, seed, troubleTicks, failureRate, sendTimeout: Number.isFinite(sendTimeout) ? sendTimeout : null, bypass, ...(ending ? { ending } : {}) }, performance.now() - t0, series, notes, unknownInFile, error), coverage },
    raw: world.violations,
    focusSteps: world.focusSteps,
  });
  const series: number[][] = [];
  const notes: string[] = [];
  const coverage = coverageOf(model, sendTimeout, options.sendTimeout !== undefined, WAITING_PRODUCERS);

  // globals as the file declares them, then audit=1 and the backlog limit of the run
  initGlobals(model, machine, world, unknownInFile);
  if (limitGlobal) machine.global(limitGlobal).v = limit;
  for (const g of ['audit_default', 'audit_enabled']) if (model.file.globals.has(g)) machine.global(g).v = 1;

  // boot: the initcalls, which start the consumer thread
  try {
    for (const r of model.file.registrations) if (/initcall|module_init/.test(r.macro) && model.file.functions.has(r.fn)) machine.call(r.fn, []);
  } catch (err) {
    if (err instanceof TaskStopped) stopped(err);
    else if (!(err instanceof Halt)) throw err;
  }
  const consumer = world.threads.find((t) => t.fn === model.consumer)?.fn ?? model.consumer;
  coverage.consumer = consumer;
  if (!consumer) return result('no consumer thread: no function takes records off the backlog queues and sends them, so the run would not be meaningful');
  if (coverage.connection.form === 'none') return result('no auditd connection found (no RCU pointer, connection struct or pid/socket globals that a unicast sends to), so the run cannot connect auditd and would not be meaningful');
  const connection = connectionControl(model, machine, world);
  connection.set(time.connected(0));

  const kthread = machine.newTask(`the ${consumer}() kthread`);
  const tasks: Task[] = [{ name: consumer, as: KTHREAD, ctx: kthread, gen: machine.callGen(consumer, [0]), wakeAt: 0, done: false }];
  let producerIs: Struct = PRODUCER;
  if (bypass) {
    const b = bypassProducers(model, machine);
    producerIs = b.as;
    coverage.producers = `${b.how}; ${penalty ? `after each message they wait while the main queue is over the limit, as ${penalty.fn}() does at line ${penalty.line} (the sender penalty)` : 'nothing in the file makes them wait after a message (no sender penalty)'}`;
  }
  const mainQueue = world.backlog.find((q) => model.queues.get(q.name)?.role === 'main');
  // the penalty sleeps for the time its schedule_timeout() is given (AUDIT_BACKLOG_WAIT_TIME, 60 s, when not in view)
  const waitTicks = Math.max(1, penalty?.ticks ?? KERNEL_CONSTANTS.AUDIT_BACKLOG_WAIT_TIME);
  /** The sender penalty after one message: sleep while the main queue is over the limit, for at most the wait time. */
  function* penalised(): Generator<Wait, void> {
    for (let waited = 0; mainQueue && limit > 0 && mainQueue.items.length > limit && waited < waitTicks; waited++) yield { kind: 'sleep', ticks: 1 };
  }
  const producer = producerPath(model, machine, world);
  coverage.producer = [...model.queues.values()].find((q) => q.role === 'main')?.enqueues.find((s) => model.roles.get(s.fn)?.includes('producer'))?.fn;
  if (!producer) return result('no producer path: no function puts records on the main queue, so the run would not be meaningful');
  let made = 0;
  const productionTicks = Math.max(time.troubleEnd + 20, 40);
  const perTick = records / productionTicks;
  const producers = machine.newTask('a producer task');
  tasks.push({ name: 'producers', as: producerIs, ctx: producers, gen: producerTask(), wakeAt: 0, done: false });
  // progress: how long the producer has been on its record (-1 between records)
  const watch = new HungTaskWatch(HUNG_TASK_TICKS);

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
          watch.recordSince = world.tick;
          yield* producer!();
          watch.recordSince = -1;
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
        watch.recordSince = world.tick;
        yield* producer!();
        watch.recordSince = -1;
        // audit_log_end() woke kauditd: it gets a CPU after a few more records (producers run
        // on other CPUs meanwhile), so it drains in small batches as it does in the kernel
        if (made % BATCH === 0) yield YIELD;
        if (penalty && made % MESSAGE_RECORDS === 0) yield* penalised();
      }
      yield { kind: 'sleep', ticks: 1 };
    }
  }

  let cancelled = false;
  /** The task the hung-task watch stopped the run for, and the one it is watching meanwhile. */
  let hung: TaskContext | undefined;
  let watched: TaskContext | undefined;
  const watchTask = (t: TaskContext | undefined) => {
    if (watched === t) return;
    watched?.untrace();
    watched = t;
    t?.trace();
  };
  try {
    for (world.tick = 0; world.tick < MAX_TICKS; world.tick++) {
      if (time.connectAt.includes(world.tick) && world.tick > 0) connection.set(true);
      if (time.dieAt.includes(world.tick)) connection.die();
      // the kernel may have dropped a stopped or slow auditd (v4.9-v4.11 give up after a few
      // failed sends); once the trouble is over a healthy auditd registers again (AUDIT_SET)
      if (world.tick >= time.troubleEnd && time.connected(world.tick) && !connection.isSet()) connection.set(true, 'auditd registers again (AUDIT_SET): the kernel had dropped it');
      schedule(tasks, world, machine);
      series.push([world.tick, ...world.backlog.map((q) => q.items.length)]);
      // progress: while auditd is healthy, records get on, or the task that keeps them is hung
      const healthy = world.tick >= time.troubleEnd && time.connected(world.tick) && time.outcome(world.tick) === 0 && connection.isSet();
      const full = !!mainQueue && limit > 0 && mainQueue.items.length >= limit;
      const state = watch.check(world.tick, healthy, world.delivered, world.queued(), full);
      if (state === 'consumer' || state === 'producer') {
        hung = state === 'consumer' ? kthread : producers;
        stuck.push(hung.name);
        report(world, 'progress', hungReport(model, machine, world, state, hung, { consumer, mainQueue: mainQueue?.name, ticks: HUNG_TASK_TICKS }));
        break;
      }
      // halfway there: keep the statements the suspect runs, to show the loop it is in
      watchTask(state === 'suspect-consumer' ? kthread : state === 'suspect-producer' ? producers : undefined);
      if (tasks[1].done && world.tick > time.troubleEnd) {
        world.stop = true;
        finish(tasks[0], world, machine);
        break;
      }
      if (world.tick % 64 === 0) {
        options.progress?.(Math.min(0.99, made / records));
        if (options.cancelled?.()) { cancelled = true; break; }
      }
    }
  } catch (err) {
    if (err instanceof Cancelled) cancelled = true;
    else if (err instanceof TaskStopped) stopped(err);
    else if (!(err instanceof Halt)) throw err;
  }
  // progress: once auditd is healthy again for long enough, every record must reach it
  const cutShort = !!hung || world.violations.some((v) => v.invariant === 'termination');
  if (!cancelled && !cutShort && trailing >= trailCap && world.queued() > 0) {
    world.violation('progress', `the queues never drained: ${world.queued()} records were still queued after auditd had been back for ${world.tick - time.troubleEnd} ticks and producers had made ${trailing} more records`);
  } else if (!cancelled && !cutShort && world.produced > 0 && world.delivered === 0 && time.connected(world.tick)) {
    world.violation('progress', `auditd was connected and healthy at the end, yet none of the ${world.produced} records reached it`);
  }
  if (options.scenario === 'eagain-burst' && !Number.isFinite(sendTimeout)) {
    notes.push('sends block while auditd is slow (sk_sndtimeo is MAX_SCHEDULE_TIMEOUT): a slow auditd never makes a send fail with -EAGAIN in this design, so the bursts only delay records and the retry and hold queues stay unused');
  }
  notes.push(...world.notes);
  world.settleCredits();
  // a hung task still holds the record it was working on: not leaked, never finished
  const held = stuck.length ? world.inFlight() : 0;
  if (held) notes.push(`${held} record${held === 1 ? ' was' : 's were'} still held by ${stuck.join(' and ')} when the run stopped (neither queued nor freed: it never finished with ${held === 1 ? 'it' : 'them'})`);
  const unaccounted = world.produced - world.delivered - world.queued() - world.lost - world.dropped - held;
  if (!world.violations.some((v) => v.invariant === 'termination') && !cancelled && unaccounted !== 0) {
    world.violation('accounting', `${unaccounted} records are neither delivered, queued, nor counted lost (leaked)`);
  }
  return result(cancelled ? 'cancelled' : undefined);
}

/** Records a violation with its report: the last events before it, then what the report shows. */
function report(world: World, invariant: 'termination' | 'progress', r: Report): void {
  const v = world.violation(invariant, r.message);
  if (v) v.trace = [...v.trace.slice(-WINDOW_TAIL / 2), ...r.steps];
}

/** Thrown out of the producer task when the caller cancels the run. */
class Cancelled extends Error {}


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

function resume(task: Task, world: World, machine: Machine): void {
  world.current = task.as;
  machine.task = task.ctx;
  const r = task.gen.next();
  if (r.done) { task.done = true; return; }
  if (r.value.kind !== 'yield') world.sleeping();
  task.wait = r.value;
  if (r.value.kind === 'sleep') task.wakeAt = world.tick + Math.max(1, r.value.ticks);
}

/** One tick: round-robin over the runnable tasks until all are blocked or asleep. */
function schedule(tasks: Task[], world: World, machine: Machine): void {
  for (let rounds = 0; rounds < 1_000_000; rounds++) {
    let ran = false;
    for (const task of tasks) {
      if (!runnable(task, world)) continue;
      resume(task, world, machine);
      ran = true;
    }
    if (!ran) return;
  }
}

/** kthread_stop(): the consumer sees kthread_should_stop() at its next wake-up and returns. */
function finish(task: Task, world: World, machine: Machine): void {
  for (let i = 0; i < 100 && !task.done; i++) {
    task.wait = undefined;
    resume(task, world, machine);
  }
}



function summary(model: QueueModel, world: World, machine: Machine, scenario: ScenarioName, parameters: SimulationResult['parameters'], ms: number, points: number[][], notes: string[], unknownInFile: Set<string>, error?: string): SimulationResult {
  const queues: Record<string, { max: number }> = {};
  for (const q of world.backlog) queues[q.name] = { max: q.max };
  void model;
  return {
    version: 1,
    scenario,
    records: { produced: world.produced, delivered: world.delivered, queued: world.queued(), lost: world.lost, dropped: world.dropped },
    lostByReason: { ...world.lostByReason },
    queues,
    violations: world.violations.map((v) => ({ invariant: v.invariant, message: v.message, ...queueOf(v), trace: v.trace })),
    abstracted: { ...world.abstractedCalls },
    unknownValues: [...new Set([...machine.unknownValues, ...unknownInFile])].sort(),
    notes,
    series: { queueNames: world.backlog.map((q) => q.name), points },
    parameters,
    stats: { steps: machine.steps, ticks: world.tick, ms, recordsPerSecond: ms > 0 ? Math.round((world.produced / ms) * 1000) : 0 },
    ...(error ? { error } : {}),
  };
}

