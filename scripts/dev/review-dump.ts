// Developer aid: show the images and findings of a review.
import { readFileSync } from 'node:fs';
import { reviewPatch } from '../../server/src/patch/review';
const r = reviewPatch(readFileSync(process.argv[2], 'utf8'), process.argv[3] ? { base: readFileSync(process.argv[3], 'utf8') } : {});
for (const img of r.images) {
  for (const side of ['pre', 'post'] as const) {
    const a = img[side];
    console.log(`== ${side} findings: ${a.findings.map((f) => `${f.rule}:${f.function}:L${f.span.line + 1}`).join(' ')}`);
    for (const d of a.model.drains) for (const s of d.sites) console.log(`   drain ${d.fn} single=${d.singlePass} site ${s.queue} exits=${s.exitsOnFailure} routes=${s.routes.map((x) => x.error + '>' + x.outcomes.map((o) => o.queue ?? 'drop').join('|')).join(' ')}`);
    if (process.argv[4] === side) console.log(a.parsed.text);
  }
}
