/**
 * Which invariant each queue rule's bug breaks, and the scenarios that can
 * make it show: shared by `--finding` (reproduce.ts), the editor's "Show in
 * simulation" action, and the note a run adds when it did not reach a
 * finding the rules report.
 */
import type { Invariant, ScenarioName } from './types';

export interface Plan {
  invariant: Invariant;
  scenarios: ScenarioName[];
  /**
   * Try the scenarios again with producers that bypass the backlog wait: a queue fed from the
   * main queue grows past the limit only when the main queue does, and only those producers
   * make it (the exemption for auditd and the holder of audit_cmd_mutex).
   */
  bypass?: boolean;
  /** The rule reports at information and its finding can still be shown (the others' information findings are order kept, nothing to show). */
  information?: boolean;
}

/** What each queue rule's bug breaks, and where it can show. */
export const REPRODUCTION: Readonly<Record<string, Plan>> = {
  AQ101: { invariant: 'bounded', scenarios: ['auditd-stopped', 'eagain-burst', 'auditd-restart'], bypass: true },
  AQ102: { invariant: 'ordering', scenarios: ['auditd-stopped', 'auditd-restart', 'eagain-burst'] },
  AQ103: { invariant: 'termination', scenarios: ['auditd-stopped', 'auditd-restart', 'eagain-burst'] },
  AQ104: { invariant: 'ordering', scenarios: ['eagain-burst', 'auditd-stopped'] },
  AQ105: { invariant: 'accounting', scenarios: ['auditd-restart', 'auditd-down', 'auditd-stopped', 'eagain-burst'] },
  AQ109: { invariant: 'ordering', scenarios: ['auditd-stopped', 'eagain-burst'], information: true },
};


/** A finding the simulator can be asked to show: a queue rule's, at warning or above, or of a rule whose information findings are real behaviour. */
export function showable(f: { rule: string; severity: string }): boolean {
  const plan = REPRODUCTION[f.rule];
  return !!plan && (f.severity !== 'information' || !!plan.information);
}
