/**
 * `--explore`: the scenario's choices enumerated smallest first, the first
 * variant that breaks an invariant (or the one asked for) as the
 * counterexample.
 */
import type { QueueModel } from '../model';
import { DEFAULT_FAILURE_RATE } from './scenario';
import { DEFAULT_TROUBLE, explained, involves, runOnce, Run } from './run';
import { fileBacklogLimit, fileSendTimeout } from './harness';
import type { SimulationOptions, SimulationResult } from './types';

/** Variants tried by --explore, at most. */
const EXPLORE_RUNS = 240;

/** Send attempts a drain makes on one record before it gives up on it (UNICAST_RETRIES), plus one. */
const ATTEMPTS = 6;

/**
 * Bounded exploration: the scenario's choices - how many records, how long the trouble lasts
 * (when auditd stops or comes back relative to the records), the pattern and rate of failed sends -
 * enumerated smallest first; the first variant that violates an invariant (the target, when one
 * is given) is the counterexample, already as small as the enumeration goes. Without one, the
 * requested run. The sizes scale with the file's backlog limit and send timeout, so that the
 * search reaches full queues and outages long enough for a record to fail its way to the hold
 * queue, whatever the limit and the timeout.
 */
export function explore(model: QueueModel, options: SimulationOptions): SimulationResult {
  return exploreFor(model, options).result;
}

/** The exploration's result, and whether it is a variant that breaks the target (else the requested run). */
export function exploreFor(model: QueueModel, options: SimulationOptions): { result: SimulationResult; hit: boolean } {
  const total = options.records ?? 2000;
  const seed = options.seed ?? 1;
  const trouble = options.troubleTicks ?? DEFAULT_TROUBLE[options.scenario];
  const limit = options.backlogLimit ?? fileBacklogLimit(model) ?? 64;
  const timeout = options.sendTimeout ?? fileSendTimeout(model);
  const perSend = Number.isFinite(timeout) ? Math.max(1, timeout) : 1;
  const fill = limit > 0 ? [2 * limit, 4 * limit] : [];
  const sizes = [...new Set([8, 16, 32, 64, 128, 256, 512, 1024, ...fill].filter((n) => n < Math.max(total, ...fill)).concat(total))].sort((a, b) => a - b);
  const long = [ATTEMPTS * perSend + 10, 2 * ATTEMPTS * perSend + 20, ...fill];
  const most = Math.max(trouble, ...long);
  const troubles = options.scenario === 'steady' ? [0] : [...new Set([2, 5, 10, 20, 50, 100, trouble, ...long].filter((t) => t <= most))];
  const seeds = options.scenario === 'eagain-burst' ? [seed, seed + 1, seed + 2] : [seed];
  const rates = options.scenario === 'eagain-burst' ? [...new Set([options.failureRate ?? DEFAULT_FAILURE_RATE, 0.5])] : [options.failureRate];
  // a stopped auditd may read again or be killed: both, unless the caller chose
  const endings = options.scenario === 'auditd-stopped' && !options.ending ? (['resumes', 'killed'] as const) : [options.ending];
  const variants: SimulationOptions[] = [];
  for (const records of sizes) for (const troubleTicks of troubles) for (const s of seeds) for (const failureRate of rates) for (const ending of endings) {
    variants.push({ ...options, explore: false, records, troubleTicks, seed: s, failureRate, ...(ending ? { ending } : {}) });
  }
  variants.sort((a, b) => a.records! * Math.max(1, a.troubleTicks!) - b.records! * Math.max(1, b.troubleTicks!));
  const requested = { records: total, troubleTicks: trouble, seed, failureRate: options.failureRate ?? DEFAULT_FAILURE_RATE };
  const target = options.target;
  const hits = (run: Run, v: SimulationOptions) => {
    if (!target) return run.result.violations.length > 0;
    if (!run.result.violations.some((x) => x.invariant === target.invariant && (!target.queue || x.queue === target.queue))) return false;
    return !target.fn || involves(model, v, run, target.invariant, target.fn, target.queue);
  };
  const wanted = target ? `${target.invariant}${target.queue ? ` on ${target.queue}` : ''}${target.fn ? ` through ${target.fn}()` : ''}` : 'an invariant';
  let requestedRun: Run | undefined;
  let tried = 0;
  for (const v of variants.slice(0, EXPLORE_RUNS)) {
    tried++;
    if (options.cancelled?.()) break;
    options.progress?.(Math.min(0.99, tried / Math.min(variants.length, EXPLORE_RUNS)));
    const quiet = { ...v, progress: undefined };
    const run = runOnce(model, quiet);
    if (v.records === requested.records && v.troubleTicks === requested.troubleTicks && v.seed === requested.seed && (v.failureRate ?? DEFAULT_FAILURE_RATE) === requested.failureRate) requestedRun = run;
    if (!hits(run, quiet)) continue;
    const r = explained(model, quiet, run);
    r.notes.push(`explored ${tried} variants, smallest first: this is the first that violates ${wanted} (records ${v.records}, trouble ${v.troubleTicks} ticks, seed ${v.seed}${options.scenario === 'eagain-burst' ? `, failure rate ${v.failureRate}` : ''}${v.ending === 'killed' ? ', auditd killed while stopped' : ''})`);
    return { result: r, hit: true };
  }
  // the requested run was among the variants (unless the cap or a cancel cut it): no need to run it again
  const plain = { ...options, explore: false };
  const r = requestedRun ? requestedRun.result : explained(model, plain);
  r.notes.push(`explored ${tried} variants (records up to ${sizes[sizes.length - 1]}, trouble up to ${troubles[troubles.length - 1]} ticks${seeds.length > 1 ? `, seeds ${seeds.join(', ')}` : ''}): none violates ${wanted}`);
  return { result: r, hit: false };
}
