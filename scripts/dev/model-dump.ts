// Developer aid: print the queue model of a C file.
import { readFileSync } from 'node:fs';
import { KernelCParser } from '../../server/src/parse/cParser';
import { Outline } from '../../server/src/parse/outline';
import { buildModel } from '../../server/src/model';

const text = readFileSync(process.argv[2], 'utf8');
const parsed = new KernelCParser().parse(text);
const m = buildModel(new Outline(parsed));
const line = (o: number) => parsed.lines.positionAt(o).line + 1;
console.log(`facts ${m.ms.facts.toFixed(1)}ms model ${m.ms.model.toFixed(1)}ms consumer=${m.consumer} loss=${m.lossCounter}`);
for (const [fn, r] of m.roles) if (!(r.length === 1 && r[0] === 'other')) console.log(`  ${fn}: ${r.join(',')}`);
for (const q of m.queues.values()) console.log(`queue ${q.name} ${q.role} adm=${q.admission?.fn ?? '-'} deq=${q.dequeuedBy.join(',')} enq=${q.enqueues.map((s) => `${s.fn}@${line(s.site)}:${s.end}:${s.bound}`).join(' ')}`);
for (const d of m.drains) {
  console.log(`drain ${d.fn} L${line(d.loopAt)} single=${d.singlePass} q=${d.queue ?? 'param' + d.queueParam}`);
  for (const s of d.sites) {
    console.log(`   site ${s.caller}@${line(s.site)} ${s.queue} hooks=${s.hooks.map((h) => h.param + '=' + (h.fns.join('|') || 'NULL')).join(' ')} exits=${s.exitsOnFailure}`);
    for (const r of s.routes) console.log(`      ${r.error} -> ${r.outcomes.map((o) => o.dropped ? `${o.hook}:drop${o.counted ? '(lost)' : ''}` : `${o.hook}:${o.queue}/${o.end}/${o.bound}`).join(', ')}`);
  }
}
console.log('contexts', m.contexts.all.map((c) => c.id).join(' '));
for (const fn of ['kauditd_thread', 'audit_ctl_owner_current', 'audit_set_backlog_limit', 'audit_do_config_change', 'audit_log_start']) console.log(`  ctx ${fn}: ${[...(m.contexts.of.get(fn) ?? [])].join(' ')} entryLocks=${[...(m.entryLocks.get(fn) ?? [])].join(',')}`);
for (const g of m.guards.values()) if (g.discipline !== 'none' || g.accesses.some((a) => a.write)) console.log(`guard ${g.variable} ${g.kind} ${g.discipline} [${g.locks.join(',')}] acc=${g.accesses.length} exc=${g.exceptions.map((x) => `${x.fn}@${line(x.start)}${x.write ? 'W' : 'R'}`).join(' ')}`);
for (const [fn, s] of m.summaries) if (s.locks.acquires.length || s.locks.releases.length) console.log(`locks ${fn} +${s.locks.acquires} -${s.locks.releases}`);
