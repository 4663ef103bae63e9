/**
 * Runs the rule catalogue on a queue model. Options come from the editor
 * settings or the CLI: disable a rule, or change its severity.
 */
import type { QueueModel } from '../model';
import { RULES } from './catalogue';
import { RuleContext } from './context';
import { backlogWaitUnderLock } from './backlogWaitRules';
import { lockedConfigBypass } from './controlRules';
import type { Finding, Severity } from './finding';
import { lockImbalance, rcuDerefOutsideReadSide, rcuPlainAccess, sleepInAtomic, unguardedWrite } from './lockRules';
import { flushOrder, requeueRules, transientToHold, unboundedEnqueue } from './queueRules';
import { dataRaces, queueLengthRaces, rcuInPlaceWrites } from './races';
import { recordRules } from './records';
import { orderAcrossTransientFailure } from './transientOrder';

export interface RuleOptions {
  /** Rule id -> 'off' or a severity that replaces the rule's own. */
  rules?: Record<string, 'off' | Severity | 'default'>;
}

const CHECKS: ((ctx: RuleContext) => Finding[])[] = [
  unboundedEnqueue, requeueRules, orderAcrossTransientFailure, transientToHold, flushOrder, recordRules,
  rcuDerefOutsideReadSide, rcuPlainAccess, unguardedWrite, lockImbalance, sleepInAtomic,
  dataRaces, queueLengthRaces, rcuInPlaceWrites, backlogWaitUnderLock, lockedConfigBypass,
];

export function runRules(model: QueueModel, options: RuleOptions = {}): Finding[] {
  const ctx = new RuleContext(model);
  const all: Finding[] = [];
  for (const check of CHECKS) all.push(...check(ctx));
  const out: Finding[] = [];
  for (const f of all) {
    const setting = options.rules?.[f.rule];
    if (setting === 'off') continue;
    out.push(setting && setting !== 'default' ? { ...f, severity: setting } : f);
  }
  return out.sort((a, b) => a.span.start - b.span.start || a.rule.localeCompare(b.rule));
}

export { RULES };
