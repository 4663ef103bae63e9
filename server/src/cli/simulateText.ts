/**
 * Human-readable `simulate` output: what happened to the records, how deep
 * each queue got, each invariant's verdict and, for a violation, the end of
 * its trace as `L<line> <fn>: <event> [queue=len ...]` (the steps that led
 * to it are the last ones).
 */
import type { Invariant, SimulationResult, TraceStep, Violation } from '../simulate/types';

/**
 * Trace steps printed per violation; the JSON output has all of them. A trace
 * explained by a re-run starts where the records parted, so a long one keeps
 * its beginning as well as its end.
 */
export const TRACE_ALL = 60;
export const TRACE_HEAD = 20;
export const TRACE_TAIL = 30;

const INVARIANTS: readonly Invariant[] = ['ordering', 'bounded', 'termination', 'accounting', 'progress'];

export function formatSimulationText(path: string, r: SimulationResult): string {
  const out: string[] = [];
  const p = r.parameters;
  out.push(`${path}: scenario ${r.scenario} (records ${p.records}, backlog limit ${p.backlogLimit || 'none'}, seed ${p.seed})`);
  const cov = r.coverage;
  if (cov) {
    const conn = cov.connection.form === 'none' ? 'none found' : `${cov.connection.form === 'rcu-pointer' ? 'RCU pointer' : cov.connection.form === 'struct' ? 'static struct' : 'globals'} ${cov.connection.globals.join(', ')}`;
    out.push(`model: consumer ${cov.consumer ? `${cov.consumer}()` : 'none found'}, producer ${cov.producer ? `${cov.producer}()` : 'none found'}, connection ${conn}; send timeout ${cov.sendTimeout}`);
    if (p.bypass) out.push(`producers: ${cov.producers}`);
    if (p.ending === 'killed') out.push('ending: the stopped auditd is killed and a new one registers');
  }
  const c = r.records;
  const share = c.produced > 0 && c.lost > 0 ? ` (${Math.round((c.lost / c.produced) * 100)} %)` : '';
  out.push(`records: produced ${c.produced}, delivered ${c.delivered}, queued ${c.queued}, lost ${c.lost}${share}, dropped ${c.dropped}`);
  const lost = entries(r.lostByReason);
  if (lost.length) out.push(`lost by reason: ${lost.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  // a large loss beside "no invariant violated" reads like a contradiction: say why it is not one
  if (c.lost > 0 && !r.violations.some((v) => v.invariant === 'accounting')) {
    out.push('  (lost records are counted through the file\'s lost-record path, as the kernel does when a queue reaches its limit: the designed outcome of a bounded backlog, not a bug; a record freed uncounted would be "dropped", an accounting violation)');
  }
  const queues = Object.entries(r.queues);
  if (queues.length) out.push(`queue maxima: ${queues.map(([q, v]) => `${q} ${v.max}`).join(', ')}`);
  const abstracted = entries(r.abstracted);
  if (abstracted.length) out.push(`abstracted calls (run as no-ops): ${abstracted.map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  if (r.unknownValues?.length) out.push(`unknown identifiers (read as 0): ${r.unknownValues.join(', ')}`);
  for (const note of r.notes ?? []) out.push(`note: ${note}`);
  out.push(`invariants: ${INVARIANTS.map((i) => `${i} ${r.violations.some((v) => v.invariant === i) ? 'VIOLATED' : 'ok'}`).join(', ')}`);
  for (const v of r.violations) out.push(...formatViolation(v));
  out.push(r.violations.length ? `${r.violations.length} invariant violation${r.violations.length === 1 ? '' : 's'}` : 'no invariant violated');
  return `${out.join('\n')}\n`;
}

function formatViolation(v: Violation): string[] {
  const out = [`violation: ${v.invariant}: ${v.message}`];
  if (v.trace.length <= TRACE_ALL) {
    for (const s of v.trace) out.push(`  ${formatStep(s)}`);
    return out;
  }
  for (const s of v.trace.slice(0, TRACE_HEAD)) out.push(`  ${formatStep(s)}`);
  out.push(`  ... ${v.trace.length - TRACE_HEAD - TRACE_TAIL} more steps (--format json has them all)`);
  for (const s of v.trace.slice(-TRACE_TAIL)) out.push(`  ${formatStep(s)}`);
  return out;
}

export function formatStep(s: TraceStep): string {
  const queues = Object.entries(s.queues).map(([q, n]) => `${q}=${n}`).join(' ');
  return `L${s.line} ${s.fn}: ${s.event}${queues ? ` [${queues}]` : ''}`;
}

/** Largest first, then by name: the calls that mattered most lead. */
function entries(counts: Record<string, number>): [string, number][] {
  return Object.entries(counts).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
