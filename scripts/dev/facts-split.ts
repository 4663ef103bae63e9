import { readFileSync } from 'node:fs';
import { KernelCParser } from '../../server/src/parse/cParser';
import { Outline } from '../../server/src/parse/outline';
import { mirror } from '../../server/src/parse/mirror';
import { extractFunctionFacts } from '../../server/src/facts/extract';
import { SourceView } from '../../server/src/facts/ast';
const text = readFileSync(process.argv[2], 'utf8');
const ps = new KernelCParser().parse(text);
const o = new Outline(ps);
const scope = { globals: new Set(o.globals.map((g) => g.name)), functions: new Set(o.functions.map((f) => f.name)) };
const nodes = o.functions.map((f) => ps.tree.rootNode.descendantForIndex(f.span.start, f.span.end - 1));
let tm = 0, te = 0, tf = 0; const N = 40;
for (let i = 0; i < N + 10; i++) {
  const t0 = performance.now();
  const ms = nodes.map((n) => mirror(n));
  const t1 = performance.now();
  ms.forEach((m, k) => extractFunctionFacts(m, new SourceView(text, o.functions[k].span.start), scope));
  const t2 = performance.now();
  if (i >= 10) { tm += t1 - t0; te += t2 - t1; }
}
console.log(`mirror ${(tm / N).toFixed(2)} extract ${(te / N).toFixed(2)}`);
