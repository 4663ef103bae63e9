import { readFileSync } from 'node:fs';
import { Analyser } from '../../server/src/analyser';
import { RuleContext } from '../../server/src/rules/context';
import * as Q from '../../server/src/rules/queueRules';
import * as L from '../../server/src/rules/lockRules';
import * as C from '../../server/src/rules/controlRules';
import { dataRaces } from '../../server/src/rules/races';
import { recordRules } from '../../server/src/rules/records';
const a = new Analyser().analyseText(readFileSync(process.argv[2], 'utf8'));
const m = a.model;
const checks: Record<string, (c: RuleContext) => unknown> = { ...Q, ...L, ...C, dataRaces, recordRules };
for (let i = 0; i < 3; i++) {
  const row: string[] = [];
  for (const [name, fn] of Object.entries(checks)) {
    if (typeof fn !== 'function' || name === 'errorHookCalls') continue;
    const t0 = performance.now();
    fn(new RuleContext(m));
    row.push(`${name} ${(performance.now() - t0).toFixed(1)}`);
  }
  console.log(row.join(' | '));
}
