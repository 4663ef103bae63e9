/**
 * What the kernel would print about a task the run had to stop or give up on,
 * as the violation's message and trace: a soft lockup names the loop the task
 * spins in and the calls that led there; a stack overflow, the calls that nest
 * without end; a hung task, where it sleeps and the loop it sleeps in. Each
 * names the function of the file the loop (or the cycle) is really in, and the
 * task that ran it.
 */
import type { QueueModel } from '../model';
import { KERNEL_CONSTANTS, World } from './kernel';
import type { Hung } from './hungTask';
import { HungTaskError, LivelockError, MAX_CALL_DEPTH, StackFrame, StackOverflowError, TaskStopped } from './lockup';
import { LOOP_SHOWN, Machine } from './machine';
import type { RanStep, SleepSite, TaskContext } from './task';
import type { TraceStep } from './types';

export interface Report {
  message: string;
  /** Steps that follow the last events before the violation. */
  steps: TraceStep[];
}

/** A soft lockup: the loop, in the function it is in, with the calls that led to it. */
export function lockupReport(model: QueueModel, world: World, err: LivelockError): Report {
  const via = callChain(err, err.owner);
  return {
    message: `${err.message}, in ${err.task}${via ? `, called as ${via}` : ''}: it spins on its CPU and never gives it up (a livelock; the soft-lockup detector fires)`,
    steps: ranSteps(model, world, err.loop),
  };
}

/** A stack overflow: the cycle of calls, once round, after the calls that led into it. */
export function overflowReport(model: QueueModel, world: World, err: StackOverflowError): Report {
  const { entry, cycle, calls } = err.cycle();
  const names = [...new Set(cycle.map((f) => `${f.fn}()`))];
  const what = names.length === 1 ? `${names[0]} calls itself` : names.length === 2 ? `${names[0]} and ${names[1]} call each other` : `${[...names, names[0]].join(' → ')} call round`;
  const queues = world.queueLengths();
  // each open call, at the line it made the next one
  const frames: StackFrame[] = [...entry, ...cycle, ...(cycle.length ? [cycle[0]] : [])];
  const steps: TraceStep[] = frames.map((f, i) => ({
    tick: world.tick,
    line: f.line,
    fn: f.fn,
    event: `calls ${(frames[i + 1] ?? cycle[1] ?? cycle[0])?.fn ?? err.fn}(): ${sourceLine(model, f.line)}`,
    queues,
  }));
  const more = calls - cycle.length - 1;
  if (more > 0 && steps.length) steps.push({ ...steps[steps.length - 1], event: `… ${more} more nested calls round the same cycle …` });
  return {
    message: `${what} without end: ${calls} nested calls in ${err.task}${entry.length ? `, entered from ${entry.map((f) => `${f.fn}()`).join(' → ')}` : ''} (the interpreter stops at ${MAX_CALL_DEPTH}; the kernel's stack overflows long before)`,
    steps,
  };
}

/** A hung task: where it sleeps, and how (in a loop with no way out, or waiting for what never comes). */
export function hungReport(model: QueueModel, machine: Machine, world: World, who: Hung, t: TaskContext, what: { consumer: string; mainQueue?: string; ticks: number }): Report {
  const asleep = sleeping(model, machine, world, t.ring?.lastLoop(LOOP_SHOWN) ?? [], t.ring?.loopOwner(), t.sleptAt);
  const secs = `${what.ticks / (KERNEL_CONSTANTS.HZ ?? 100)} s (${what.ticks} ticks)`;
  const message = who === 'consumer'
    ? `${what.consumer}() delivered no record in ${secs} of healthy auditd (connected and reading) while ${world.queued()} records waited on the queues${world.delivered === 0 ? '; it has delivered none since the run began' : ''}: ${asleep.where}`
    : `the producer path has not finished a record for ${secs} while auditd was connected and reading${what.mainQueue ? ` and ${what.mainQueue} had room` : ''}: ${asleep.where}`;
  return { message, steps: asleep.steps };
}

/** A task that sleeps where nothing else can run (boot, a hook called through a pointer): it never returns. */
export function inPlaceReport(model: QueueModel, machine: Machine, world: World, err: HungTaskError): Report {
  const asleep = sleeping(model, machine, world, err.loop, err.owner, err.site);
  const via = callChain(err, err.owner);
  return {
    message: `${err.task} never gets past ${err.fn}()${via ? ` (called as ${via})` : ''}: ${asleep.where}${asleep.trapped ? '' : ' (the simulator runs boot, and a call through a function pointer, without letting other tasks run: a wait there can only end by itself)'}`,
    steps: asleep.steps,
  };
}

/** Where a task sleeps and how, from the loop it was seen going round (else the place it went to sleep). */
function sleeping(model: QueueModel, machine: Machine, world: World, loop: RanStep[], owner: RanStep | undefined, site: SleepSite): { where: string; steps: TraceStep[]; trapped: boolean } {
  if (!loop.length) owner = undefined;
  const place = owner ?? site;
  const trapped = !!place.fn && place.node >= 0 && !machine.canReturn(place.fn, place.node);
  const how = trapped
    ? 'in a loop it can never leave: every wake-up goes round to sleep again'
    : owner
      ? 'going round a loop that sleeps and never gets on'
      : `waiting for a condition nothing made true${site.tick >= 0 ? ` (asleep since tick ${site.tick})` : ''}`;
  const at = site.fn ? site : place;
  const loopIn = owner && owner.fn !== at.fn ? `, called from a loop in ${owner.fn}() at line ${owner.line}` : '';
  const where = at.fn ? `it sleeps at line ${at.line} in ${at.fn}()${loopIn}, ${how}` : 'it never ran';
  const steps = owner
    ? ranSteps(model, world, loop)
    : site.fn ? [{ tick: Math.max(0, site.tick), line: site.line, fn: site.fn, event: `sleeps: ${sourceLine(model, site.line)}`, queues: world.queueLengths() }] : [];
  return { where, steps, trapped };
}

/**
 * The calls open on the stopped task down to the function whose loop repeats (its callees
 * come and go each trip): `a() → b()`, or '' when that function is the task's outermost call.
 */
function callChain(err: TaskStopped, owner: RanStep | undefined): string {
  const chain = [...err.frames].reverse().slice(0, owner ? owner.depth : undefined).map((f) => `${f.fn}()`);
  return chain.length > 1 ? chain.join(' → ') : '';
}

/** Statements a task ran, each with its source text. */
function ranSteps(model: QueueModel, world: World, steps: RanStep[]): TraceStep[] {
  const queues = world.queueLengths();
  return steps.map((s) => ({ tick: s.tick, line: s.line, fn: s.fn, event: `runs: ${sourceLine(model, s.line)}`, queues }));
}

export function sourceLine(model: QueueModel, line: number): string {
  const lines = model.file.source.lines;
  const start = lines.offsetAt({ line: line - 1, character: 0 });
  const end = lines.offsetAt({ line, character: 0 });
  const text = model.file.source.text.slice(start, end).trim();
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}
