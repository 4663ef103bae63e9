/**
 * The tables of the simulation panel, from a SimulationResult: the
 * invariants with their verdicts, the record counts, losses by reason, queue
 * maxima and the calls run as no-ops. Pure: tested without a browser.
 */
import type { Invariant, SimulationResult, TraceStep } from '../../../server/src/simulate/types';

export const INVARIANTS: readonly { invariant: Invariant; meaning: string }[] = [
  { invariant: 'ordering', meaning: 'records reach auditd in the order produced (hold, then retry, then main)' },
  { invariant: 'bounded', meaning: 'no queue grows past audit_backlog_limit' },
  { invariant: 'termination', meaning: 'one drain pass handles each record at most once' },
  { invariant: 'accounting', meaning: 'every record is delivered, queued or counted lost; none dropped silently' },
  { invariant: 'progress', meaning: 'once auditd is healthy again, every queued record reaches it' },
];

export interface InvariantRow {
  invariant: Invariant;
  meaning: string;
  ok: boolean;
  /** The violations' messages; empty when ok. */
  messages: string[];
}

export function invariantRows(r: Pick<SimulationResult, 'violations'>): InvariantRow[] {
  return INVARIANTS.map(({ invariant, meaning }) => {
    const messages = r.violations.filter((v) => v.invariant === invariant).map((v) => v.message);
    return { invariant, meaning, ok: messages.length === 0, messages };
  });
}

export interface CountRow {
  name: string;
  value: number;
  /** A count that should be zero and is not (`dropped`). */
  alarm: boolean;
}

export function countRows(r: Pick<SimulationResult, 'records'>): CountRow[] {
  const c = r.records;
  return [
    { name: 'produced', value: c.produced, alarm: false },
    { name: 'delivered', value: c.delivered, alarm: false },
    { name: 'queued', value: c.queued, alarm: false },
    { name: 'lost (audit_log_lost)', value: c.lost, alarm: false },
    { name: 'dropped (not accounted)', value: c.dropped, alarm: c.dropped > 0 },
  ];
}

/** name -> count as rows, largest first: the reasons and calls that matter most lead. */
export function tallyRows(counts: Record<string, number>): { name: string; value: number }[] {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => b.value - a.value || a.name.localeCompare(b.name));
}

export interface QueueRow {
  queue: string;
  max: number;
  /** Past a non-zero limit: the bounded invariant's evidence. */
  overLimit: boolean;
}

export function queueRows(r: Pick<SimulationResult, 'queues' | 'parameters'>): QueueRow[] {
  const limit = r.parameters.backlogLimit;
  return Object.entries(r.queues).map(([queue, { max }]) => ({ queue, max, overLimit: limit > 0 && max > limit }));
}

/** `L123 kauditd_send_queue: event [audit_queue=3 ...]`: a step reads as the CLI prints it. */
export { formatStep as stepLabel } from '../../../server/src/cli/simulateText';

/** Steps shown before "show all": the end of a trace is where the violation is. */
export const TRACE_SHOWN = 200;

export function visibleSteps(trace: readonly TraceStep[], all: boolean): { steps: TraceStep[]; hidden: number } {
  if (all || trace.length <= TRACE_SHOWN) return { steps: [...trace], hidden: 0 };
  return { steps: trace.slice(-TRACE_SHOWN), hidden: trace.length - TRACE_SHOWN };
}

export interface ComparisonRow {
  name: string;
  before: string;
  after: string;
  changed: boolean;
}

/** Before/after side by side: the counts, each invariant and each queue's maximum. */
export function comparisonRows(before: SimulationResult, after: SimulationResult): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  const add = (name: string, b: string, a: string) => rows.push({ name, before: b, after: a, changed: a !== b });
  const bi = invariantRows(before);
  const ai = invariantRows(after);
  bi.forEach((row, i) => add(row.invariant, row.ok ? 'ok' : 'violated', ai[i].ok ? 'ok' : 'violated'));
  const bc = countRows(before);
  const ac = countRows(after);
  bc.forEach((row, i) => add(row.name, String(row.value), String(ac[i].value)));
  const queues = [...new Set([...Object.keys(before.queues), ...Object.keys(after.queues)])];
  for (const q of queues) add(`${q} max`, String(before.queues[q]?.max ?? '–'), String(after.queues[q]?.max ?? '–'));
  return rows;
}
