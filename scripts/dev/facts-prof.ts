import { readFileSync } from 'node:fs';
import { KernelCParser } from '../../server/src/parse/cParser';
import { Outline } from '../../server/src/parse/outline';
import { buildFileFacts } from '../../server/src/facts/fileFacts';
import { mirror } from '../../server/src/parse/mirror';
import { extractFunctionFacts } from '../../server/src/facts/extract';
import { SourceView } from '../../server/src/facts/ast';
const text = readFileSync(process.argv[2], 'utf8');
const p = new KernelCParser();
for (let i = 0; i < 8; i++) {
  const parsed = p.parse(text + ' '.repeat(i)); // defeat the fact cache
  const t0 = performance.now();
  const o = new Outline(parsed);
  const t1 = performance.now();
  const nodes = parsed.tree.rootNode.descendantsOfType('function_definition');
  const t2 = performance.now();
  const ms = nodes.map((n) => mirror(n));
  const t3 = performance.now();
  const scope = { globals: new Set(o.globals.map((g) => g.name)), functions: new Set(o.functions.map((f) => f.name)) };
  ms.forEach((m, k) => extractFunctionFacts(m, new SourceView(parsed.text.replace(/ +$/, '') , nodes[k].startIndex), scope));
  const t4 = performance.now();
  console.log(`parse ${parsed.ms.toFixed(1)} outline ${(t1 - t0).toFixed(1)} fnodes ${(t2 - t1).toFixed(1)} mirror ${(t3 - t2).toFixed(1)} extract ${(t4 - t3).toFixed(1)}`);
}
