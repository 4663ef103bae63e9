// Developer aid: print the findings for C files.
import { readFileSync } from 'node:fs';
import { Analyser } from '../../server/src/analyser';
for (const file of process.argv.slice(2)) {
  const a = new Analyser().analyseText(readFileSync(file, 'utf8'));
  const t0 = performance.now();
  const fs = a.findings;
  console.log(`== ${file} (${fs.length} findings, rules ${(performance.now() - t0).toFixed(1)} ms)`);
  for (const f of fs) console.log(`  L${f.span.line + 1} ${f.rule} ${f.severity} [${f.function}] ${f.message}${f.related.length ? `  (+${f.related.length} related: ${f.related.map((r) => 'L' + (r.span.line + 1)).join(',')})` : ''}`);
}
