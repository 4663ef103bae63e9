/**
 * `simulate`: boots the file's own code on the modelled kernel (its initcalls
 * start the consumer thread), produces records through its own producer path
 * (the backlog wait, then the end of the record), runs the consumer as a
 * cooperative task, drives auditd through the scenario, and checks ordering,
 * bounds, termination and accounting as it goes. Deterministic per seed.
 */
import type { FileAnalysis } from '../analyser';
import { functionLabel } from '../report/checkReport';
import type { QueueModel } from '../model';
import { explore, exploreFor } from './explore';
import { explained } from './run';
import { TROUBLE_START } from './scenario';
import { REPRODUCTION, showable } from './findingPlans';
import type { SimulationOptions, SimulationResult } from './types';
import { SCENARIOS } from './types';

export { SCENARIOS };
export type { SimulationOptions, SimulationResult };

function knownScenario(options: SimulationOptions): void {
  if (!SCENARIOS.includes(options.scenario)) throw new Error(`unknown scenario '${options.scenario}'`);
}

export function simulate(analysis: FileAnalysis, options: SimulationOptions): SimulationResult {
  knownScenario(options);
  const result = options.explore ? explore(analysis.model, options) : explained(analysis.model, options);
  if (!result.error) result.notes.push(...unreached(analysis, result), ...notAnalysed(analysis));
  return result;
}

/**
 * `--explore` for a target (a finding's invariant, queue and function): the run, and whether it
 * breaks the target; a run that does not is the requested one, whatever else it breaks.
 */
export function exploreTarget(analysis: FileAnalysis, options: SimulationOptions): { result: SimulationResult; hit: boolean } {
  knownScenario(options);
  const found = exploreFor(analysis.model, options);
  if (!found.result.error) found.result.notes.push(...unreached(analysis, found.result), ...notAnalysed(analysis));
  return found;
}

/** Functions the analysis left out: the run treated calls to them as calls it does not know. */
function notAnalysed(analysis: FileAnalysis): string[] {
  return analysis.model.file.notAnalysed.map((n) => `${functionLabel(n.name)} was not analysed (${n.reason}); the run treated calls to it as calls it does not know`);
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
    if (!plan || !showable(f) || broken.has(plan.invariant)) continue;
    out.push(`the rules report ${f.rule} in ${f.function}() (${plan.invariant}), which this run did not show; \`auditlens simulate --finding ${f.rule}@${f.function}\` explores the scenarios that can show it`);
  }
  return [...new Set(out)];
}

export { TROUBLE_START };
