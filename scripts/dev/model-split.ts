import { readFileSync } from 'node:fs';
import { KernelCParser } from '../../server/src/parse/cParser';
import { Outline } from '../../server/src/parse/outline';
import { buildModel } from '../../server/src/model';
import { runRules } from '../../server/src/rules';
const text = readFileSync(process.argv[2], 'utf8');
const ps = new KernelCParser().parse(text);
let tm = 0, tr = 0; const N = 100;
for (let i = 0; i < N + 20; i++) {
  const o = new Outline(ps);
  const t0 = performance.now();
  const m = buildModel(o);
  const t1 = performance.now();
  runRules(m);
  const t2 = performance.now();
  if (i >= 20) { tm += t1 - t0 - m.ms.facts; tr += t2 - t1; }
}
console.log(`model (facts cached) ${(tm / N).toFixed(2)} rules ${(tr / N).toFixed(2)}`);
