import { readFileSync } from 'node:fs';
import { Analyser } from '../../server/src/analyser';
import { simulate } from '../../server/src/simulate';
const a = new Analyser().analyseText(readFileSync(process.argv[2], 'utf8'));
for (let i = 0; i < 3; i++) {
  const r = simulate(a, { scenario: 'steady', records: 20000 });
  console.log(r.stats.recordsPerSecond, 'rec/s', r.stats.steps / r.records.produced, 'steps/rec', r.records.delivered);
}
