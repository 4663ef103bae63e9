import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { Analyser } from '../../server/src/analyser';
import { RuleContext } from '../../server/src/rules/context';
import * as Q from '../../server/src/rules/queueRules';
import * as L from '../../server/src/rules/lockRules';
import * as R from '../../server/src/rules/races';
import * as B from '../../server/src/rules/backlogWaitRules';
import * as C from '../../server/src/rules/controlRules';
import * as Rec from '../../server/src/rules/records';
import { buildModel } from '../../server/src/model';
it('prof', () => {
  const a: any = new Analyser().analyseText(readFileSync('/work/shared/corpus/audit-2026.c', 'utf8'));
  const m = a.model;
  const checks: Record<string, (c: RuleContext) => unknown> = { ...Q, ...L, ...R, ...B, ...C, ...Rec } as any;
  for (const [n, f] of Object.entries(checks)) {
    if (typeof f !== 'function' || !/^[a-z]/.test(n) || ['raceVerdict','dominatingBranches','auditConfiguration'].includes(n)) continue;
    const ctx = new RuleContext(m);
    try { f(ctx); } catch { continue; }
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) f(new RuleContext(m));
    console.log(n.padEnd(28), ((performance.now() - t0) / 20).toFixed(3));
  }
  const t1 = performance.now();
  for (let i = 0; i < 10; i++) buildModel(a.outline);
  console.log('buildModel', ((performance.now() - t1) / 10).toFixed(3));
});
