import { readFileSync } from 'node:fs';
import { initParserEngine } from '../server/src/parse/nodeEngine';
import { Analyser } from '../server/src/analyser';
(async () => {
  await initParserEngine();
  for (const f of process.argv.slice(2)) {
    const a = new Analyser().analyseText(readFileSync(f, 'utf8'));
    const m = (a as any).model;
    const cw = [...m.guards.values()].filter((g: any) => g.discipline === 'lock' && (g.kind === 'scalar' || g.kind === 'field')).map((g: any) => `${g.variable}[${g.locks}]`);
    console.log(f, cw.join(' '), '| conn', [...m.connection].join(','));
  }
})();
