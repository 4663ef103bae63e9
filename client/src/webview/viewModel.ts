/**
 * The tables of the simulation panel, from a SimulationResult: the
 * invariants with their verdicts, the record counts and their sum, losses by
 * reason, queue peaks against the limit and the calls run as no-ops, and a
 * comparison's regressions and fixes. Pure: tested without a browser.
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
  /**
   * For `bounded`, the queues past the limit that it does not count as violations, and why: the
   * verdict never sits beside an over-the-limit peak without its reason.
   */
  note?: string;
}

export function invariantRows(r: Pick<SimulationResult, 'violations'> & Partial<Pick<SimulationResult, 'queues' | 'parameters' | 'notes'>>): InvariantRow[] {
  const past = r.queues && r.parameters
    ? queueRows({ queues: r.queues, parameters: r.parameters, violations: r.violations, notes: r.notes ?? [] }).filter((q) => q.over === 'slack' || q.over === 'unexplained')
    : [];
  return INVARIANTS.map(({ invariant, meaning }) => {
    const messages = r.violations.filter((v) => v.invariant === invariant).map((v) => v.message);
    const row: InvariantRow = { invariant, meaning, ok: messages.length === 0, messages };
    if (invariant === 'bounded' && past.length) row.note = past.map((q) => `${q.queue} peaked at ${q.max}, ${q.verdict}`).join('; ');
    return row;
  });
}

export interface CountRow {
  name: string;
  value: number;
  /** A count that should be zero and is not (`dropped`, leaked records). */
  alarm: boolean;
}

type Accounted = Pick<SimulationResult, 'records' | 'violations'> & Partial<Pick<SimulationResult, 'error' | 'parameters'>>;

/**
 * Records the counts leave out: produced - (delivered + queued + lost + dropped). Zero when the
 * run ended normally; a spinning drain stopped holding one in hand, and otherwise they leaked.
 */
export function unaccounted(r: Accounted): CountRow | undefined {
  const c = r.records;
  const value = c.produced - c.delivered - c.queued - c.lost - c.dropped;
  if (value === 0) return undefined;
  if (r.violations.some((v) => v.invariant === 'termination')) return { name: 'in hand when the spinning drain was stopped', value, alarm: false };
  if (r.error === 'cancelled') return { name: 'in flight when the run was cancelled', value, alarm: false };
  return { name: 'leaked (neither delivered, queued nor counted lost)', value, alarm: true };
}

export function countRows(r: Accounted): CountRow[] {
  const c = r.records;
  const rest = unaccounted(r);
  return [
    { name: 'produced', value: c.produced, alarm: false },
    { name: 'delivered', value: c.delivered, alarm: false },
    { name: 'queued', value: c.queued, alarm: false },
    { name: 'lost (audit_log_lost)', value: c.lost, alarm: false },
    { name: 'dropped (not accounted)', value: c.dropped, alarm: c.dropped > 0 },
    ...(rest ? [rest] : []),
  ];
}

/**
 * The run's record count for its header, as the sum the Records table adds up to:
 * "2001 produced (2000 asked for, 1 more made while the queues drained) = 1997 delivered + ...".
 * The header once showed the records asked for, which the produced count below did not match.
 */
export function recordsLine(r: Accounted): string {
  const c = r.records;
  const asked = r.parameters?.records;
  const why = asked === undefined || asked === c.produced ? ''
    : c.produced > asked ? ` (${asked} asked for, ${c.produced - asked} more made while the queues drained)`
      : ` (${asked} asked for; the run stopped before making them all)`;
  const rest = unaccounted(r);
  const parts = [`${c.delivered} delivered`, `${c.queued} queued`, `${c.lost} lost`, `${c.dropped} dropped`, ...(rest ? [`${rest.value} ${rest.name}`] : [])];
  return `${c.produced} records produced${why} = ${parts.join(' + ')}`;
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
  /** Past a non-zero limit. */
  overLimit: boolean;
  /**
   * Against audit_backlog_limit: within it; past it by the slack the backlog wait allows by
   * design (no violation); past it as a `bounded` violation; or past it with no reason given.
   */
  over: 'within' | 'slack' | 'violation' | 'unexplained';
  /** The peak's verdict in words, the limit and the reason included, for the same line as the peak. */
  verdict: string;
}

/** The simulator's note for a queue that passed the limit by admission slack (simulate/kernel.ts). */
function slackReason(notes: readonly string[], queue: string, limit: number): string | undefined {
  const head = `${queue} reached `;
  const note = notes.find((n) => n.startsWith(head) && n.includes(`with audit_backlog_limit ${limit}: `));
  return note?.slice(note.indexOf(': ') + 2);
}

export function queueRows(r: Pick<SimulationResult, 'queues' | 'parameters' | 'violations' | 'notes'>): QueueRow[] {
  const limit = r.parameters.backlogLimit;
  const bounded = r.violations.filter((v) => v.invariant === 'bounded');
  return Object.entries(r.queues).map(([queue, { max }]): QueueRow => {
    if (!(limit > 0 && max > limit)) return { queue, max, overLimit: false, over: 'within', verdict: limit > 0 ? `within audit_backlog_limit ${limit}` : 'no audit_backlog_limit' };
    const past = `${max - limit} past audit_backlog_limit ${limit}`;
    // a bounded violation names its queue; one without a name is about any queue past the limit
    if (bounded.some((v) => v.queue === queue || v.queue === undefined)) return { queue, max, overLimit: true, over: 'violation', verdict: `${past}: a bounded violation` };
    const slack = slackReason(r.notes ?? [], queue, limit);
    if (slack) return { queue, max, overLimit: true, over: 'slack', verdict: `${past}, not a violation: ${slack}` };
    return { queue, max, overLimit: true, over: 'unexplained', verdict: `${past}; the run reported no bounded violation and no reason` };
  });
}

/** `L123 kauditd_send_queue: event [audit_queue=3 ...]`: a step reads as the CLI prints it. */
export { formatStep as stepLabel } from '../../../server/src/cli/simulateText';

/** Steps shown before "show all": the end of a trace is where the violation is. */
export const TRACE_SHOWN = 200;

export function visibleSteps(trace: readonly TraceStep[], all: boolean): { steps: TraceStep[]; hidden: number } {
  if (all || trace.length <= TRACE_SHOWN) return { steps: [...trace], hidden: 0 };
  return { steps: trace.slice(-TRACE_SHOWN), hidden: trace.length - TRACE_SHOWN };
}

/** What a difference between before and after means: invariants decide, with silent drops and leaks. */
export type Effect = 'regression' | 'fix' | 'changed' | 'same';

export interface ComparisonRow {
  name: string;
  before: string;
  after: string;
  changed: boolean;
  effect: Effect;
}

/** Counts where any rise is a regression: records gone without a trace. */
const BAD_COUNTS = /^dropped|^leaked/;

/**
 * Before/after side by side: each invariant, the counts and each queue's peak. An invariant
 * newly violated is a regression and one no longer violated a fix; so are silent drops and
 * leaks. Other counts and peaks are only marked changed: more records lost can be the point
 * of a patch that bounds a queue.
 */
export function comparisonRows(before: SimulationResult, after: SimulationResult): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  const add = (name: string, b: string, a: string, effect: Effect) => rows.push({ name, before: b, after: a, changed: a !== b, effect: a === b ? 'same' : effect });
  const bi = invariantRows(before);
  const ai = invariantRows(after);
  bi.forEach((row, i) => add(row.invariant, row.ok ? 'ok' : 'violated', ai[i].ok ? 'ok' : 'violated', ai[i].ok ? 'fix' : 'regression'));
  const bc = new Map(countRows(before).map((c) => [c.name, c.value]));
  const ac = new Map(countRows(after).map((c) => [c.name, c.value]));
  for (const name of new Set([...bc.keys(), ...ac.keys()])) {
    const b = bc.get(name);
    const a = ac.get(name);
    const effect: Effect = BAD_COUNTS.test(name) ? ((a ?? 0) > (b ?? 0) ? 'regression' : 'fix') : 'changed';
    add(name, b === undefined ? '–' : String(b), a === undefined ? '–' : String(a), effect);
  }
  const queues = [...new Set([...Object.keys(before.queues), ...Object.keys(after.queues)])];
  for (const q of queues) add(`${q} peak`, String(before.queues[q]?.max ?? '–'), String(after.queues[q]?.max ?? '–'), 'changed');
  return rows;
}

/** In a comparison, what a violation of one side is to the patch. */
export function violationEffect(invariant: Invariant, side: 'before' | 'after', before: SimulationResult, after: SimulationResult): { effect: Effect; text: string } {
  const other = side === 'before' ? after : before;
  const alsoThere = other.violations.some((v) => v.invariant === invariant);
  if (side === 'before') return alsoThere ? { effect: 'same', text: 'still violated after the patch' } : { effect: 'fix', text: 'fixed by the patch' };
  return alsoThere ? { effect: 'same', text: 'already violated before the patch' } : { effect: 'regression', text: 'new with the patch' };
}

/** One line for a comparison: the invariants the patch fixes and breaks. */
export function comparisonVerdict(before: SimulationResult, after: SimulationResult): { fixed: Invariant[]; broken: Invariant[] } {
  const rows = comparisonRows(before, after).filter((r) => INVARIANTS.some((i) => i.invariant === r.name));
  return {
    fixed: rows.filter((r) => r.effect === 'fix').map((r) => r.name as Invariant),
    broken: rows.filter((r) => r.effect === 'regression').map((r) => r.name as Invariant),
  };
}
