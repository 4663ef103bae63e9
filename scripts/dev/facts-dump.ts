// Developer aid: dump the facts of some functions of a C file (not part of the product).
import { readFileSync } from 'node:fs';
import { KernelCParser } from '../../server/src/parse/cParser';
import { Outline } from '../../server/src/parse/outline';
import { buildFileFacts } from '../../server/src/facts/fileFacts';

const [file, ...names] = process.argv.slice(2);
const text = readFileSync(file, 'utf8');
const parsed = new KernelCParser().parse(text);
const t0 = performance.now();
const ff = buildFileFacts(new Outline(parsed));
console.error(`facts: ${(performance.now() - t0).toFixed(1)} ms, ${ff.functions.size} functions`);
for (const n of names) {
  const e = ff.functions.get(n);
  if (!e) { console.log('no', n); continue; }
  const f = e.facts;
  const line = (o: number) => parsed.lines.positionAt(e.base + o).line + 1;
  console.log(`== ${n} params=${f.params.map((p) => p.name + (p.isFunctionPointer ? `/fp${p.arity}` : '')).join(',')} init=${e.isInit}`);
  for (const q of f.queueOps) console.log(`  queue L${line(q.at.start)} ${q.api} ${JSON.stringify(q.queue)} atoms=${[...f.atoms[q.node]].join(' ')}`);
  for (const c of f.calls) console.log(`  call L${line(c.at.start)} ${c.callee ?? 'via ' + c.viaParam?.name}(${c.args.map((a) => a.kind + (a.name ? ':' + a.name : '') + (a.choices ? ':' + a.choices.join('|') : '')).join(', ')})${c.resultVar ? ' -> ' + c.resultVar : ''}`);
  for (const l of f.lockOps) console.log(`  lock L${line(l.at.start)} ${l.op} ${l.lock}`);
  for (const a of f.accesses) console.log(`  acc L${line(a.at.start)} ${a.variable} ${a.read ? 'R' : ''}${a.write ? 'W' : ''} ${a.mode}${a.protectedBy ? ' prot=' + a.protectedBy : ''}${a.callee ? ' ->' + a.callee + '#' + a.argIndex : ''}`);
  for (const er of f.errors) console.log(`  err L${line(er.at.start)} ${er.how} ${er.code} ${er.variable ?? er.callee ?? er.viaParam ?? ''} ${er.equal ?? ''}`);
  for (const s of f.sleeps) console.log(`  sleep L${line(s.at.start)} ${s.call}`);
  for (const s of f.fates) console.log(`  fate L${line(s.at.start)} ${s.kind} ${s.api} ${s.record ?? ''}`);
  for (const l of f.loops) console.log(`  loop ${l.kind} ${l.condition}`);
  for (const b of f.bindings) console.log(`  bind .${b.field}=${b.fn} (${b.structType})`);
}
console.log('bindings', ff.bindings.map((b) => `${b.structType}.${b.field}=${b.fn}`).join(' '));
console.log('regs', ff.registrations.map((r) => `${r.macro}(${r.fn})`).join(' '));
console.log('globals', [...ff.globals.values()].map((g) => `${g.name}:${g.kind}`).join(' '));
