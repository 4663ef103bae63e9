/**
 * A queue finding shown by the simulator, or an honest "cannot": each queue
 * rule names the invariant its bug breaks and the scenarios that can make it
 * show; they are explored in turn (smallest variants first) until a run
 * breaks that invariant. What was tried is reported either way.
 */
import type { FileAnalysis } from '../analyser';
import type { Finding } from '../rules/finding';
import { exploreTarget } from './index';
import { REPRODUCTION } from './findingPlans';
import type { Invariant, ScenarioName, SimulationOptions, SimulationResult } from './types';

export { REPRODUCTION };

export interface Reproduction {
  finding: Finding;
  invariant: Invariant;
  /** The run that shows it, if one does. */
  shown?: { scenario: ScenarioName; result: SimulationResult };
  /** Otherwise the last run tried, so that a viewer has a result to show beside the "cannot". */
  last?: { scenario: ScenarioName; result: SimulationResult };
  /** The queue the finding is about, for a bound (AQ101): a bounded violation elsewhere does not show it. */
  queue?: string;
  /** Every scenario tried, with what it found. */
  tried: { scenario: ScenarioName; bypass: boolean; violations: Invariant[]; note?: string }[];
}

/** `RULE@FUNCTION` -> the finding, or why there is none. */
export function findingFor(analysis: FileAnalysis, spec: string): Finding | string {
  const m = /^([A-Z]{2}\d{3})@(\w+)$/.exec(spec.trim());
  if (!m) return `'${spec}' is not RULE@FUNCTION (for example AQ103@kauditd_rehold_skb)`;
  const [, rule, fn] = m;
  if (!REPRODUCTION[rule]) return `${rule} is not a queue rule the simulator can show (${Object.keys(REPRODUCTION).join(', ')})`;
  const f = analysis.findings.find((x) => x.rule === rule && x.function === fn);
  if (!f) {
    const others = analysis.findings.filter((x) => REPRODUCTION[x.rule]).map((x) => `${x.rule}@${x.function}`);
    return `no ${rule} finding in ${fn}()${others.length ? `; queue findings here: ${[...new Set(others)].join(', ')}` : '; this file has no queue finding'}`;
  }
  return f;
}

/**
 * The queue an unbounded-enqueue finding is about: the one its function appends to without a
 * bound (from the model, not the message).
 */
function findingQueue(analysis: FileAnalysis, finding: Finding): string | undefined {
  if (REPRODUCTION[finding.rule]?.invariant !== 'bounded') return undefined;
  const line = finding.span.line;
  const lineOf = (offset: number) => analysis.model.file.source.lines.positionAt(offset).line;
  for (const q of analysis.model.queues.values()) {
    if (q.enqueues.some((s) => s.fn === finding.function && s.bound === 'none' && lineOf(s.site) === line)) return q.name;
  }
  return [...analysis.model.queues.values()].find((q) => q.enqueues.some((s) => s.fn === finding.function && s.bound === 'none'))?.name;
}

export function reproduce(analysis: FileAnalysis, finding: Finding, base: Omit<SimulationOptions, 'scenario'> = {}): Reproduction {
  const plan = REPRODUCTION[finding.rule];
  const queue = findingQueue(analysis, finding);
  const out: Reproduction = { finding, invariant: plan.invariant, ...(queue ? { queue } : {}), tried: [] };
  const target = { invariant: plan.invariant, ...(queue ? { queue } : {}), fn: finding.function };
  for (const bypass of plan.bypass ? [false, true] : [false]) {
    for (const scenario of plan.scenarios) {
      if (base.cancelled?.()) return out;
      const { result, hit } = exploreTarget(analysis, { ...base, scenario, explore: true, target, bypass });
      const violations = result.violations.map((v) => v.invariant);
      out.tried.push({ scenario, bypass, violations, note: result.notes.find((n) => n.startsWith('explored')) });
      if (!result.error) out.last = { scenario, result };
      // the exploration's own verdict: the target's invariant, queue and function (not just the invariant)
      if (!result.error && hit) {
        out.shown = { scenario, result };
        return out;
      }
    }
  }
  return out;
}

/** One paragraph for the top of the output. */
export function reproductionSummary(r: Reproduction): string {
  const what = `${r.finding.rule} in ${r.finding.function}() breaks ${r.invariant}${r.queue ? ` on ${r.queue}` : ''}`;
  if (r.shown) {
    const how = r.shown.result.parameters.bypass ? ' with producers that bypass the backlog wait' : '';
    return `${what}: shown by ${r.shown.scenario}${how} (${r.shown.result.notes.find((n) => n.startsWith('explored')) ?? 'the requested run'})`;
  }
  const tried = r.tried.map((t) => `${t.scenario}${t.bypass ? ' with bypassing producers' : ''}${t.violations.length ? ` (found ${[...new Set(t.violations)].join(', ')} instead)` : ''}`).join(', ');
  return `${what}, but the simulator could not show it: ${tried || 'no scenario ran'} explored without ${/^[aeiou]/.test(r.invariant) ? 'an' : 'a'} ${r.invariant} violation. The finding stands on the code; the modelled kernel does not reach the state it needs.`;
}

/**
 * The run to show for a reproduction (the one that shows the finding, else the last tried),
 * led by the summary: the editor's panel and the CLI's JSON show the same thing.
 */
export function reproductionResult(r: Reproduction): SimulationResult | undefined {
  const run = r.shown ?? r.last;
  if (!run) return undefined;
  return { ...run.result, notes: [reproductionSummary(r), ...run.result.notes] };
}
