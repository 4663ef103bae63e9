import { readFileSync } from 'node:fs';
import { KernelCParser } from '../../server/src/parse/cParser';
import { Outline } from '../../server/src/parse/outline';
import { buildModel } from '../../server/src/model';
import { runRules } from '../../server/src/rules';
import { clearFactCache } from '../../server/src/facts/fileFacts';
const text = readFileSync(process.argv[2], 'utf8');
const p = new KernelCParser();
const acc = { parse: 0, outline: 0, facts: 0, model: 0, rules: 0 };
const N = 40;
for (let i = 0; i < N + 10; i++) {
  clearFactCache();
  let t = performance.now();
  const ps = p.parse(text); const t1 = performance.now();
  const o = new Outline(ps); const t2 = performance.now();
  const m = buildModel(o); const t3 = performance.now();
  runRules(m); const t4 = performance.now();
  if (i >= 10) { acc.parse += t1 - t; acc.outline += t2 - t1; acc.facts += m.ms.facts; acc.model += m.ms.model; acc.rules += t4 - t3; }
}
console.log(Object.entries(acc).map(([k, v]) => `${k} ${(v / N).toFixed(2)}`).join('  '));
