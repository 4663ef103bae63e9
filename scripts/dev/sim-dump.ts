// Developer aid: run a scenario on a file and print the result summary.
import { readFileSync } from 'node:fs';
import { Analyser } from '../../server/src/analyser';
import { simulate } from '../../server/src/simulate';
import type { ScenarioName } from '../../server/src/simulate/types';
const [file, scenario = 'steady', records = '2000', limit] = process.argv.slice(2);
const a = new Analyser().analyseText(readFileSync(file, 'utf8'));
const r = simulate(a, { scenario: scenario as ScenarioName, records: Number(records), backlogLimit: limit ? Number(limit) : undefined });
console.log(JSON.stringify({ error: r.error, notes: r.notes, unknown: r.unknownValues, records: r.records, lost: r.lostByReason, queues: r.queues, stats: r.stats, abstracted: Object.keys(r.abstracted).length }, null, 0));
for (const v of r.violations) {
  console.log(`VIOLATION ${v.invariant}: ${v.message}`);
  for (const s of v.trace) console.log(`   t${s.tick} L${s.line} ${s.fn}: ${s.event} ${JSON.stringify(s.queues)}`);
}
