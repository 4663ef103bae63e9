/**
 * textDocument/codeLens: "▶ Simulate" above the functions a scenario
 * exercises (the consumer, the drains, the requeue paths), and "▶ Compare
 * before/after" on a patch's first hunk. Cheap: roles come from the cached
 * model; nothing runs until the lens is clicked (client commands
 * `auditlens.simulate` / `auditlens.compare`).
 */
import type { CodeLens } from 'vscode-languageserver';
import type { FileAnalysis } from '../analyser';
import type { Role } from '../model/roles';
import type { ScenarioName } from '../simulate/types';
import type { PatchReview } from './patchDocument';
import { comparisonImage } from './simulation';

export const CLIENT_SIMULATE = 'auditlens.simulate';
export const CLIENT_COMPARE = 'auditlens.compare';

/** The roles whose code a scenario runs: where a reviewer wonders "what happens to the queues here?". */
const SIMULATED_ROLES: ReadonlySet<Role> = new Set<Role>(['consumer', 'drain', 'requeue']);

/** The stress case first: auditd connected but not reading is where the backlog bugs were. */
const FUNCTION_SCENARIOS: readonly (readonly [ScenarioName, string])[] = [
  ['auditd-stopped', '▶ Simulate: auditd stopped'],
  ['steady', '▶ Simulate: steady'],
];

export function codeLenses(analysis: Pick<FileAnalysis, 'outline' | 'model'>, uri: string): CodeLens[] {
  const model = analysis.model;
  // Without a consumer nothing drains the queues: every run would fail, so offer none.
  if (model.consumer === undefined) return [];
  const out: CodeLens[] = [];
  for (const fn of analysis.outline.functions) {
    const roles = model.roles.get(fn.name) ?? [];
    if (!roles.some((r) => SIMULATED_ROLES.has(r))) continue;
    const at = { line: fn.span.line, character: 0 };
    for (const [scenario, title] of FUNCTION_SCENARIOS) {
      out.push({ range: { start: at, end: at }, command: { title, command: CLIENT_SIMULATE, arguments: [uri, scenario] } });
    }
  }
  return out;
}

/** One lens on the first hunk header, when the review has code with a consumer to run before and after. */
export function patchSimulationLenses(review: PatchReview, uri: string): CodeLens[] {
  const first = review.review.hunks[0];
  if (!first || !comparisonImage(review)) return [];
  const at = { line: first.headerLine, character: 0 };
  return [{ range: { start: at, end: at }, command: { title: '▶ Compare before/after: auditd stopped', command: CLIENT_COMPARE, arguments: [uri, 'auditd-stopped'] } }];
}
