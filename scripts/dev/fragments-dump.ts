// Developer aid: rebuild the images of a patch's first file without a base, using a naive hunk reader.
import { readFileSync } from 'node:fs';
import { fragmentImages } from '../../server/src/patch/fragments';
import type { FilePatch, Hunk } from '../../server/src/patch/types';
import { KernelCParser } from '../../server/src/parse/cParser';
const lines = readFileSync(process.argv[2], 'utf8').split('\n');
const file: FilePatch = { oldPath: 'kernel/audit.c', newPath: 'kernel/audit.c', headerLine: 0, hunks: [] };
let h: Hunk | undefined;
lines.forEach((l, i) => {
  const m = /^@@ -(\d+),?(\d*) \+(\d+),?(\d*) @@ ?(.*)$/.exec(l);
  if (m) { h = { oldStart: +m[1], oldLines: +(m[2] || 1), newStart: +m[3], newLines: +(m[4] || 1), section: m[5], headerLine: i, lines: [], lossy: false, problems: [] }; file.hunks.push(h); return; }
  if (!h) return;
  if (/^More information|^--$/.test(l)) { h = undefined; return; }
  const kind = l[0] === '+' ? 'add' : l[0] === '-' ? 'del' : 'context';
  h.lines.push({ kind, text: kind === 'context' ? (l[0] === ' ' ? l.slice(1) : l) : l.slice(1), docLine: i, docColumn: 1 });
});
const imgs = fragmentImages(file);
for (const side of ['pre', 'post'] as const) {
  const p = new KernelCParser().parse(imgs[side].text);
  console.log(`==== ${side}: ${p.problems.length} problems; repairs: ${imgs[side].repairs.length}`);
  if (process.argv[3] === side) console.log(imgs[side].text);
  for (const pr of p.problems.slice(0, 5)) console.log('  problem at', pr.line + 1, JSON.stringify(imgs[side].text.split('\n')[pr.line]));
}
