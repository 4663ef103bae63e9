import { readFileSync } from 'node:fs';
import { KernelCParser } from '../../server/src/parse/cParser';
import { Outline } from '../../server/src/parse/outline';
import { buildModel } from '../../server/src/model';
import { clearFactCache } from '../../server/src/facts/fileFacts';
const text = readFileSync(process.argv[2], 'utf8');
const p = new KernelCParser();
const parsed = p.parse(text);
const rows: string[] = [];
for (let i = 0; i < 30; i++) {
  clearFactCache();
  const t0 = performance.now();
  const o = new Outline(parsed);
  const t1 = performance.now();
  const m = buildModel(o);
  rows.push(`outline ${(t1 - t0).toFixed(1)} facts ${m.ms.facts.toFixed(1)} model ${m.ms.model.toFixed(1)}`);
}
console.log(rows.slice(-5).join('\n'));
