/**
 * The queue model explained (hover text and `auditlens explain`) on the real
 * kernel/audit.c (2026) and on the renamed fixture, whose functions carry
 * other names (renamed.map.json): the texts must say the same with the new
 * names, since the model maps functions by what they do.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { MarkupContent } from 'vscode-languageserver';
import { Analyser, FileAnalysis } from '../../server/src/analyser';
import type { CallFact } from '../../server/src/facts/types';
import { explainAt, explainSymbol } from '../../server/src/features/explain';
import { hover, kernelDocToMarkdown } from '../../server/src/features/hover';
import { CORPUS, fixture, hasShared, needsShared, readShared } from '../shared';
import { positionOf } from '../lsp/positions';

const RENAMED = JSON.parse(fixture('versions/renamed.map.json')) as Record<string, string>;

interface Subject {
  label: string;
  skip: boolean;
  text: () => string;
  /** The file's name for a function of today's audit.c. */
  n: (fn: string) => string;
  /** Whether the model sees the owner test read without the lock (see the renamed case). */
  ownerReadUnlocked: boolean;
}

const SUBJECTS: Subject[] = [
  { label: needsShared('kernel/audit.c (2026)'), skip: !hasShared, text: () => readShared(CORPUS), n: (fn) => fn, ownerReadUnlocked: true },
  { label: 'renamed.c', skip: false, text: () => fixture('versions/renamed.c'), n: (fn) => RENAMED[fn] ?? fn, ownerReadUnlocked: true },
];

const code = (s: string) => '`' + s + '`';

function offsetOf(text: string, needle: string, delta = 0, occurrence = 0): number {
  let at = -1;
  for (let i = 0; i <= occurrence; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`no occurrence ${occurrence} of ${JSON.stringify(needle)}`);
  }
  return at + delta;
}

/** 1-based line of an offset, as the explanations print it. */
function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

for (const s of SUBJECTS) {
  describe.skipIf(s.skip)(`explain on ${s.label}`, () => {
    let text: string;
    let analysis: FileAnalysis;
    beforeAll(() => {
      text = s.text();
      analysis = new Analyser().analyseText(text);
    });
    const { n } = s;
    const at = (needle: string, delta = 0, occurrence = 0) => explainAt(analysis, offsetOf(text, needle, delta, occurrence));

    it('explains the hold hook: requeue, retry enqueue bounded on -EAGAIN, hold enqueue bounded, its bindings', () => {
      const md = at(`static void ${n('kauditd_hold_skb')}(`, 'static void '.length + 2)!;
      // the model first; the signature (and kernel-doc) after a rule, at the end
      expect(md).toMatch(new RegExp(`^\\*\\*\`${n('kauditd_hold_skb')}\`\\*\\* — requeue {2}\\n\\*\\*Queues\\*\\*\\n- enqueue tail`));
      expect(md).toMatch(new RegExp(`\\n\\n---\\n\\n\`\`\`c\\nstatic void ${n('kauditd_hold_skb')}\\(struct sk_buff \\*skb, int error\\)\\n\`\`\`(\\n\\n[^]*)?$`));
      const retry = lineAt(text, offsetOf(text, 'skb_queue_tail(&audit_retry_queue, skb);'));
      expect(md).toContain(`- enqueue tail ${code('audit_retry_queue')} — bounded by ${code('audit_backlog_limit')} when ${code('audit_default')} and ${code('error == -EAGAIN')} · L${retry}`);
      expect(md).toContain(`- enqueue tail ${code('audit_hold_queue')} — bounded by ${code('audit_backlog_limit')} when ${code('audit_default')} and ${code('error != -EAGAIN')}`);
      expect(md).toContain(`as ${code('err_hook')} of ${code(`${n('kauditd_send_queue')}(&audit_retry_queue)`)} in ${code(n('kauditd_thread'))}`);
      expect(md).toContain(`as ${code('err_hook')} of ${code(`${n('kauditd_send_queue')}(&audit_queue)`)} in ${code(n('kauditd_thread'))} when ${code('!sk')}`);
      expect(md).toContain(`**Runs in** kauditd thread (${n('kauditd_thread')})`);
      // the same text by name; at a call, what the call does there, then the same text
      expect(explainSymbol(analysis, n('kauditd_hold_skb'))).toBe(md);
      const call = at(`${n('kauditd_hold_skb')}(skb, -ECONNREFUSED)`, 1)!;
      expect(call).toMatch(new RegExp(`^\\*\\*This call\\*\\* \`${n('kauditd_hold_skb')}\\(…\\)\` in \`${n('auditd_reset')}\` — requeue {2}\\n`));
      // -ECONNREFUSED rules out the -EAGAIN branch: from here the record can only go to the hold queue
      const here = call.slice(0, call.indexOf(`**${code(n('kauditd_hold_skb'))}**`));
      expect(here).toContain(`- enqueue tail ${code('audit_hold_queue')} (hold, bounded)`);
      expect(here).not.toContain('audit_retry_queue');
      expect(call.endsWith(md)).toBe(true);
    });

    it('leads a function hover with the model, not the doc comment: queues, locks, contexts, then signature and kernel-doc', () => {
      const name = n('kauditd_send_queue');
      const md = at(`static int ${name}(`, 'static int '.length + 1)!;
      const [lead, fold, ...rest] = md.split('\n\n---\n\n');
      expect(rest).toEqual([]);
      const first = md.split('\n').slice(0, 6).join('\n');
      expect(first).toMatch(new RegExp(`^\\*\\*\`${name}\`\\*\\* — drain {2}\\n\\*\\*Queues\\*\\*\\n- dequeue head \`queue\``));
      expect(lead).toContain('**Locks** takes none; its callers hold none in common');
      expect(lead).toContain(`**Runs in** kauditd thread (${n('kauditd_thread')})`);
      // the kernel-doc (on screen already) only after the rule, with the signature
      const doc = kernelDocToMarkdown(analysis.model.file.functions.get(name)!.symbol.doc!.split('\n')[0]);
      expect(lead).not.toContain(doc);
      expect(fold).toMatch(new RegExp(`^\`\`\`c\\nstatic int ${name}\\(struct sock \\*sk,`));
      expect(fold).toContain(doc);
    });

    it('explains a drain call where it is made: the queue, the hooks it binds, where a failed send goes, the locks held', () => {
      const drain = n('kauditd_send_queue');
      const hold = at(`${drain}(sk, portid`, 1, 0)!;
      expect(hold).toMatch(new RegExp(`^\\*\\*This call\\*\\* \`${drain}\\(&audit_hold_queue, …\\)\` in \`${n('kauditd_thread')}\` — drain {2}\\n`));
      expect(hold).toContain(`**Binds** ${code('skb_hook')} = \`NULL\`, ${code('err_hook')} = ${code(n('kauditd_rehold_skb'))}`);
      expect(hold).toContain(`**Drains** ${code('audit_hold_queue')} (hold queue), 1st of 3 here: hold → retry → main`);
      expect(hold).toMatch(new RegExp(`\\*\\*A failed send goes\\*\\*\\n- [^\\n]*\`-EAGAIN\`[^\\n]*: \`${n('kauditd_rehold_skb')}\` → hold \\(tail, same queue\\)`));
      expect(hold).toContain('**Held here** no lock');
      // the call's own facts come before the callee's, and the signature last
      expect(hold.indexOf('**Held here**')).toBeLessThan(hold.indexOf(`**${code(drain)}** — drain`));
      expect(hold.indexOf(`**${code(drain)}** — drain`)).toBeLessThan(hold.indexOf('```c'));

      const main = at(`${drain}(sk, portid`, 1, 2)!;
      expect(main).toContain(`**Drains** ${code('audit_queue')} (main queue), 3rd of 3 here`);
      expect(main).toContain(`${code('err_hook')} = ${code(n('kauditd_retry_skb'))} when ${code('sk')} or ${code(n('kauditd_hold_skb'))} when ${code('!sk')}`);
      expect(main).toMatch(new RegExp(`- \`-EAGAIN\`[^\\n]*: \`${n('kauditd_retry_skb')}\` → retry \\(tail, bounded\\)`));
    });

    it('explains a hook call through a function pointer: what each binding does with this record', () => {
      const md = at('(*err_hook)(skb, -ECONNREFUSED)', 2)!;
      expect(md).toMatch(new RegExp(`^\\*\\*Hook call\\*\\* \`err_hook\\(skb, -ECONNREFUSED\\)\` through a function pointer of \`${n('kauditd_send_queue')}\``));
      const sites = md.split('\n').filter((l) => l.startsWith('- '));
      expect(md).toContain(`**Bound at** ${sites.length} call sites`);
      expect(sites).toHaveLength(3);
      expect(sites[0]).toContain(`${code(n('kauditd_rehold_skb'))} → hold (tail, same queue)`);
      // with -ECONNREFUSED passed, the hold hook cannot take its -EAGAIN branch to the retry queue
      expect(sites[1]).toContain(`${code(n('kauditd_hold_skb'))} → hold (tail, bounded) or dropped (lost)`);
    });

    it('explains kernel APIs the model knows at their call: enqueue bound, unicast error routing, the consumer woken', () => {
      const enqueue = at('skb_queue_tail(&audit_retry_queue, skb)', 2)!;
      expect(enqueue).toMatch(/^\*\*`skb_queue_tail`\*\* here — adds the record at the tail of `audit_retry_queue` \(retry queue\) {2}\n\*\*Bound\*\* bounded by `audit_backlog_limit`/);
      // the send in the drain: where each call site's hooks put a record whose send failed
      const send = text.indexOf('netlink_unicast(sk, skb, portid', offsetOf(text, `static int ${n('kauditd_send_queue')}(`));
      const unicast = explainAt(analysis, send + 2)!;
      expect(unicast).toMatch(/^\*\*`netlink_unicast`\*\* here — sends the record to auditd \(unicast\), which consumes it/);
      expect(unicast).toContain(`**A failed send goes**, by the hooks bound at each call of ${code(n('kauditd_send_queue'))}`);
      for (const q of ['audit_hold_queue', 'audit_retry_queue', 'audit_queue']) expect(unicast).toMatch(new RegExp(`- from \`${q}\` L\\d+: `));
      const wake = at('wake_up_interruptible(&kauditd_wait)', 2)!;
      expect(wake).toContain(`- the consumer thread (${code(n('kauditd_thread'))}), to drain the queues`);
    });

    it('counts add up: a "N …: a k · b m" list sums to N (an access in several contexts is counted once)', () => {
      const m = analysis.model;
      const names = [...m.file.globals.keys(), ...m.guards.keys(), ...m.file.functions.keys()];
      let checked = 0;
      for (const name of names) {
        for (const line of (explainSymbol(analysis, name) ?? '').split('\n')) {
          const head = /^\*\*[^*]+\*\* (\d+)\b/.exec(line);
          if (!head) continue;
          for (const segment of line.split(/: | — /)) {
            const items = segment.split(' · ');
            if (!items.every((i) => /^\S.* \d+$/.test(i)) || items.some((i) => i.startsWith('**'))) continue;
            expect(items.reduce((sum, i) => sum + Number(/ (\d+)$/.exec(i)![1]), 0), `${name}: ${line}`).toBe(Number(head[1]));
            checked++;
          }
        }
      }
      expect(checked).toBeGreaterThan(3);
      const readers = /\*\*Readers\*\* (\d+) under `rcu_read_lock`: (.*?) — /.exec(explainSymbol(analysis, 'auditd_conn')!)!;
      expect(readers[2].split(' · ').reduce((sum, i) => sum + Number(/ (\d+)$/.exec(i)![1]), 0)).toBe(Number(readers[1]));
    });

    it('explains the drain: routing table of its three call sites and the single-pass bound', () => {
      const md = explainSymbol(analysis, n('kauditd_send_queue'))!;
      expect(md).toMatch(new RegExp(`^\\*\\*\`${n('kauditd_send_queue')}\`\\*\\* — drain {2}\\n`));
      expect(md).toMatch(/\*\*Drain\*\*, loop L\d+: single pass — stops at skb_tail/);
      expect(md).toContain('| call site | error | outcome |');
      const rows = md.split('\n').filter((l) => /^\| `audit_/.test(l));
      // hold, then retry, then main: the order kauditd flushes them
      expect([...new Set(rows.map((r) => /`(audit_\w+)`/.exec(r)![1]))]).toEqual(['audit_hold_queue', 'audit_retry_queue', 'audit_queue']);
      const row = (queue: string, error: string) => rows.find((r) => r.startsWith(`| ${code(queue)}`) && r.includes(code(error)))!;
      expect(row('audit_hold_queue', '-EAGAIN')).toContain(`${code(n('kauditd_rehold_skb'))} → hold (tail, same queue)`);
      expect(row('audit_retry_queue', '-EAGAIN')).toContain(`${code(n('kauditd_hold_skb'))} → retry (tail, bounded) or dropped (lost)`);
      expect(row('audit_retry_queue', '-ECONNREFUSED')).toContain(`${code(n('kauditd_hold_skb'))} → hold (tail, bounded)`);
      expect(row('audit_queue', '-EAGAIN')).toContain(`${code(n('kauditd_retry_skb'))} → retry (tail, bounded)`);
      expect(row('audit_queue', '-ECONNREFUSED (no socket)')).toContain(`${code(n('kauditd_hold_skb'))} → hold (tail, bounded)`);
      expect(md).toContain(`dequeue head ${code('queue')} (${code('audit_hold_queue')}, ${code('audit_retry_queue')}, ${code('audit_queue')} at the call sites)`);
    });

    it('explains the consumer: the queues it drains, in flush order', () => {
      const md = explainSymbol(analysis, n('kauditd_thread'))!;
      expect(md).toMatch(new RegExp(`^\\*\\*\`${n('kauditd_thread')}\`\\*\\* — consumer {2}\\n`));
      const drains = md.split('\n').filter((l) => l.startsWith('- drains '));
      expect(drains.map((l) => /`(audit_\w+)`/.exec(l)![1])).toEqual(['audit_hold_queue', 'audit_retry_queue', 'audit_queue']);
      expect(md).toMatch(/\*\*Called\*\* handed to `kthread_run`/);
    });

    it('explains the hold queue: role, enqueue sites with their bounds, dequeued by the consumer', () => {
      const md = at('&audit_hold_queue', 1)!;
      expect(md).toMatch(/^\*\*`audit_hold_queue`\*\* — hold queue\n\n```c\nstatic struct sk_buff_head audit_hold_queue;\n```/);
      expect(md).toContain('Records kept while no auditd is connected');
      expect(md).toContain(`- tail in ${code(n('kauditd_rehold_skb'))} — same queue`);
      expect(md).toContain(`- tail in ${code(n('kauditd_hold_skb'))} — bounded by ${code('audit_backlog_limit')}`);
      expect(md).toContain(`**Dequeued by** ${code(n('kauditd_thread'))} (consumer); drained by ${code(n('kauditd_send_queue'))} from ${code(n('kauditd_thread'))}`);
      expect(md).toContain('**Guard**: the queue\'s own spinlock');
    });

    it('explains the main queue with its admission control', () => {
      const md = explainSymbol(analysis, 'audit_queue')!;
      expect(md).toMatch(/^\*\*`audit_queue`\*\* — main queue/);
      expect(md).toContain(`**Admission**: ${code(n('audit_log_start'))} waits while`);
      expect(md).toMatch(/- tail in `\w+` — bounded by admission control/);
    });

    it('explains auditd_conn: RCU readers, writers under auditd_conn_lock with rcu_assign_pointer', () => {
      const md = at('rcu_dereference(auditd_conn)', 'rcu_dereference('.length)!;
      expect(md).toMatch(/^\*\*`auditd_conn`\*\* — RCU pointer · auditd connection/);
      expect(md).toMatch(/\*\*Readers\*\* \d+ under `rcu_read_lock`: .*kauditd thread \d/);
      expect(md).toContain(`**Writers** hold ${code('auditd_conn_lock')} and use ${code('rcu_assign_pointer')}: ${code(n('auditd_set'))}`);
      expect(md).toContain('Every access follows the discipline.');
    });

    it('explains audit_cmd_mutex.owner at the field: written under the lock by the wrappers, read without it, benign', () => {
      const md = at('audit_cmd_mutex.owner = current', 'audit_cmd_mutex.'.length + 1)!;
      expect(md).toMatch(/^\*\*`audit_cmd_mutex\.owner`\*\* — field guarded by `audit_cmd_mutex\.lock`/);
      expect(md).toContain(`**Written** under ${code('audit_cmd_mutex.lock')}: ${code(n('audit_ctl_lock'))} (takes the lock)`);
      expect(md).toContain(`${code(n('audit_ctl_unlock'))} (releases it)`);
      expect(explainSymbol(analysis, 'audit_cmd_mutex.owner')).toBe(md);
      if (!s.ownerReadUnlocked) return;
      const read = lineAt(text, offsetOf(text, 'current == audit_cmd_mutex.owner'));
      expect(md).toMatch(new RegExp(`\\*\\*Read without the lock\\*\\* 1 time in \`${n('audit_ctl_owner_current')}\`: .* — L${read}`));
      expect(md).toContain('**benign**');
      expect(md).toContain('only the owner can see its own task pointer');
    });

    it('explains a config word: writes under the control lock (through the setter), plain reads counted, benign', () => {
      const md = explainSymbol(analysis, 'audit_backlog_limit')!;
      const unlocked = analysis.model.guards.get('audit_backlog_limit')!.exceptions.filter((a) => !a.write).length;
      expect(unlocked).toBeGreaterThan(0);
      expect(md).toMatch(/^\*\*`audit_backlog_limit`\*\* — config word/);
      expect(md).toMatch(new RegExp(`\\*\\*Written\\*\\* under \`audit_cmd_mutex\\.lock\`: \`\\w+\` through \`${n('audit_do_config_change')}\``));
      expect(md).toMatch(new RegExp(`\\*\\*Read without the lock\\*\\* ${unlocked} times: .*kauditd thread \\d+`));
      expect(md).toContain('**KCSAN** may report these plain reads');
      expect(md).toContain('**benign** for a config word');
    });

    it('explains a lock: what it guards and who takes it', () => {
      const md = at('&audit_cmd_mutex.lock', '&audit_cmd_mutex.'.length + 1)!;
      expect(md).toMatch(/^\*\*`audit_cmd_mutex\.lock`\*\* — lock/);
      expect(md).toMatch(/\*\*Guards\*\* .*`audit_cmd_mutex\.owner`.*`audit_backlog_limit`/);
      expect(md).toContain(`**Taken** ${code(n('audit_ctl_lock'))} (mutex_lock)`);
      const conn = explainSymbol(analysis, 'auditd_conn_lock')!;
      expect(conn).toContain(`**Guards** ${code('auditd_conn')} (RCU pointer: writers hold it)`);
    });

    it('explains -EAGAIN in a hook: how each drain site routes it, and its test here', () => {
      const md = at('error == -EAGAIN', 'error == -'.length + 1)!;
      expect(md).toMatch(/^\*\*`-EAGAIN`\*\* — how the drains route a failed send/);
      for (const q of ['audit_hold_queue', 'audit_retry_queue', 'audit_queue']) expect(md).toContain(code(`${n('kauditd_send_queue')}(&${q})`));
      expect(md).toContain(`In ${code(n('kauditd_hold_skb'))}: tested (${code('error')})`);
      expect(explainSymbol(analysis, '-EAGAIN')).toBe(explainSymbol(analysis, 'EAGAIN'));
    });

    it('says nothing about locals, parameters and unknown names', () => {
      expect(at('skb_queue_tail(&audit_retry_queue, skb)', 'skb_queue_tail(&audit_retry_queue, '.length)).toBeUndefined(); // parameter skb
      expect(at('rc = netlink_unicast', 0)).toBeUndefined(); // local rc
      expect(at('kfree_skb(skb)', 2)).toBeUndefined(); // a kernel API the hover does not model
      expect(explainSymbol(analysis, 'no_such_symbol')).toBeUndefined();
      expect(explainSymbol(analysis, 'ENOSUCHERRNO')).toBeUndefined();
    });

    it('links lines to the document when given its URI, in the LSP hover too', () => {
      const uri = 'file:///linux/kernel/audit.c';
      const offset = offsetOf(text, '&audit_hold_queue', 1);
      const md = explainAt(analysis, offset, uri)!;
      expect(md).toMatch(/· \[L(\d+)\]\(file:\/\/\/linux\/kernel\/audit\.c#L\1\)/);
      const h = hover(analysis, positionOf(text, '&audit_hold_queue', 0, 1), { uri })!;
      expect((h.contents as MarkupContent).value).toBe(md);
      expect(text.slice(offsetOf(text, '&audit_hold_queue', 1), offsetOf(text, '&audit_hold_queue', 1) + 'audit_hold_queue'.length)).toBe('audit_hold_queue');
    });
  });
}

describe('hovers on a copy with every function renamed', () => {
  it('say the same, modulo the names, at every definition and every call', () => {
    const text = fixture('versions/renamed.c');
    const a = new Analyser().analyseText(text);
    const names = [...a.model.file.functions.keys()];
    const fresh = new Map(names.map((f, i) => [f, `fn_${i}`]));
    const back = new Map([...fresh].map(([f, g]) => [g, f]));
    const rename = (s: string, map: Map<string, string>) => s.replace(/\b[A-Za-z_]\w*\b/g, (w) => map.get(w) ?? w);
    const copy = rename(text, fresh);
    const b = new Analyser().analyseText(copy);
    // the called name: a direct callee at the call's start, a hook pointer inside `(*hook)`
    const calleeAt = (src: string, base: number, c: CallFact) => src.indexOf(c.callee ?? c.viaParam!.name, base + c.at.start);
    let compared = 0;
    for (const f of names) {
      const ea = a.model.file.functions.get(f)!;
      const eb = b.model.file.functions.get(fresh.get(f)!)!;
      expect(eb.facts.calls).toHaveLength(ea.facts.calls.length);
      const pairs: [number, number][] = [[ea.symbol.nameSpan.start, eb.symbol.nameSpan.start]];
      ea.facts.calls.forEach((c, i) => pairs.push([calleeAt(text, ea.base, c), calleeAt(copy, eb.base, eb.facts.calls[i])]));
      for (const [x, y] of pairs) {
        const md = explainAt(a, x);
        expect(rename(explainAt(b, y) ?? '', back), `${f} at ${lineAt(text, x)}`).toBe(md ?? '');
        if (md) compared++;
      }
    }
    expect(compared).toBeGreaterThan(names.length * 2);
  });
});
