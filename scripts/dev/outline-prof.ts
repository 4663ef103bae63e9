import { readFileSync } from 'node:fs';
import { KernelCParser, compileQuery } from '../../server/src/parse/cParser';
import { Outline } from '../../server/src/parse/outline';
import outlineScm from '../../server/src/parse/queries/outline.scm';
const text = readFileSync(process.argv[2], 'utf8');
const parsed = new KernelCParser().parse(text);
for (let i = 0; i < 10; i++) {
  const t0 = performance.now();
  const caps = compileQuery(outlineScm).captures(parsed.tree.rootNode);
  const t1 = performance.now();
  new Outline(parsed);
  const t2 = performance.now();
  const q2 = compileQuery('(function_definition) @f').captures(parsed.tree.rootNode);
  const t3 = performance.now();
  const q3 = compileQuery('(translation_unit (_) @f)').captures(parsed.tree.rootNode);
  const t4 = performance.now();
  const kids = parsed.tree.rootNode.namedChildren;
  const t5 = performance.now();
  if (i > 6) console.log(`query ${(t1 - t0).toFixed(2)} (${caps.length}) outline ${(t2 - t1).toFixed(2)} fnq ${(t3 - t2).toFixed(2)} top ${(t4 - t3).toFixed(2)} (${q3.length}) namedChildren ${(t5 - t4).toFixed(2)} (${kids.length})`);
}
