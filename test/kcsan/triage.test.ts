/**
 * KCSAN triage on reports of our own (test/fixtures/kcsan, written in KCSAN's
 * format) against our version fixtures, and on seed 002 against today's file:
 * each input form, offset-only frames, a harmful race, a race the base has
 * fixed, a queue-length race, two reports in one log, reports that are not
 * races, and input that is no report at all.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyser } from '../../server/src/analyser';
import { bare, parseReports } from '../../server/src/kcsan/parse';
import { triage } from '../../server/src/kcsan/triage';
import { CORPUS, FIXTURES, fixture, hasShared, needsShared, readShared, SEED_002 } from '../shared';

const report = (name: string) => readFileSync(join(FIXTURES, 'kcsan', name), 'utf8');
const base = (path: string) => new Analyser().analyseText(fixture(path));
const V2022 = 'versions/v2022.c';

describe('reading reports', () => {
  it('takes quoting, dmesg timestamps, caller ids and syslog prefixes off a line', () => {
    expect(bare('[  812.113493][ T2211]  audit_ctl_lock kernel/audit.c:73 [inline]')).toBe('audit_ctl_lock kernel/audit.c:73 [inline]');
    expect(bare('> >> write to 0xffff of 8 bytes by task 1 on cpu 0:')).toBe('write to 0xffff of 8 bytes by task 1 on cpu 0:');
    expect(bare('Dec  1 09:14:02 host kernel: BUG: KCSAN: data-race in a / b')).toBe('BUG: KCSAN: data-race in a / b');
  });

  it('a console log: two reports among other kernel messages, each with its accesses and frames', () => {
    const p = parseReports(report('console-two-races.log'));
    expect(p.reports.map((r) => r.title)).toEqual(['BUG: KCSAN: data-race in audit_log_start / audit_receive', 'BUG: KCSAN: data-race in __audit_log_end / audit_log_start']);
    const [owner] = p.reports;
    expect(owner.accesses.map((a) => a.kind)).toEqual(['write', 'read']);
    expect(owner.accesses[0].frames[0]).toMatchObject({ fn: 'audit_ctl_lock', file: 'kernel/audit.c', line: 73, inline: true });
    expect(owner.accesses[1].frames.map((f) => f.fn)).toEqual(['audit_ctl_owner_current', 'audit_log_start', 'common_lsm_audit']);
    expect(owner.valueChange).toEqual({ from: '0x0000000000000000', to: '0xffff8881093c2a40' });
  });

  it('reads marked and read-write accesses as KCSAN writes them', () => {
    const text = 'BUG: KCSAN: data-race in a_fn / b_fn\n\nread-write to 0xffff of 4 bytes by task 1 on cpu 0:\n a_fn+0x1/0x2\n\nread (marked) to 0xffff of 4 bytes by interrupt on cpu 1:\n b_fn+0x1/0x2\n';
    const [r] = parseReports(text).reports;
    expect(r.accesses.map((a) => [a.kind, a.marked, a.by])).toEqual([['read-write', false, 'task 1'], ['read', true, 'interrupt']]);
  });

  it('a report wrapped and unindented: frames joined and said so', () => {
    const [r] = parseReports(report('wrapped-unindented.txt')).reports;
    expect(r.accesses[0].frames.slice(0, 2)).toMatchObject([{ fn: 'audit_ctl_lock', line: 73, inline: true }, { fn: 'audit_receive', line: 517 }]);
    expect(r.accesses[1].frames[0]).toMatchObject({ fn: 'audit_ctl_owner_current', line: 84, inline: true });
    expect(r.notes.some((n) => /wrapped frame joined/.test(n))).toBe(true);
  });

  it('takes no giant word for a frame (a 1 MB line is junk, not a symbol)', () => {
    const [r] = parseReports(`BUG: KCSAN: data-race in a_fn / b_fn\nwrite to 0xff of 8 bytes by task 1 on cpu 0:\n ${'a'.repeat(1 << 20)} kernel/audit.c:1\n`).reports;
    expect(r.accesses[0].frames).toEqual([]);
  });

  it('refuses what is no report: binary junk, an empty file, prose without a title line', () => {
    expect(parseReports(report('empty.txt')).unusable).toMatch(/empty/);
    expect(parseReports(readFileSync(join(FIXTURES, 'kcsan', 'junk.bin'), 'latin1')).unusable).toMatch(/binary/);
    expect(parseReports('Our CI is red again, see attached.\n').unusable).toMatch(/no kernel report found/);
  });
});

describe('triage against the base', () => {
  it('the owner field and the main queue\'s length, from a console log: both benign, every access with its lockset and contexts', () => {
    const t = triage(parseReports(report('console-two-races.log')), base(V2022));
    expect(t.races.map((r) => [r.variable, r.verdict])).toEqual([['audit_cmd_mutex.owner', 'benign'], ['audit_queue.qlen', 'benign']]);
    const [owner, qlen] = t.races;
    expect(owner.accesses).toMatchObject([
      { kind: 'write', function: 'audit_ctl_lock', line: 73, lineInferred: false, locks: ['audit_cmd_mutex.lock'] },
      { kind: 'read', function: 'audit_ctl_owner_current', line: 84, lineInferred: false, locks: [] },
    ]);
    expect(owner.reason).toMatch(/only ever holds the owning task or NULL, and readers only compare it with current/);
    expect(qlen.accesses).toMatchObject([
      { kind: 'write', function: '__audit_log_end', line: 444, locks: ['audit_queue.lock'] },
      { kind: 'read', function: 'audit_log_start', line: 419, locks: [] },
    ]);
    expect(qlen.accesses[1].outside).toEqual(['skb_queue_len (include/linux/skbuff.h)']);
    expect(qlen.reason).toMatch(/a stale value admits or waits for one record more/);
  });

  it('a report quoted in a reply, with [...] elisions: the config word, written through audit_do_config_change()', () => {
    const t = triage(parseReports(report('quoted-reply.eml')), base(V2022));
    expect(t.races.map((r) => [r.variable, r.verdict])).toEqual([['audit_backlog_limit', 'benign']]);
    expect(t.races[0].accesses.map((a) => [a.function, a.line, a.lineInferred])).toEqual([['audit_receive_msg', 507, false], ['kauditd_hold_skb', 165, false]]);
    expect(t.races[0].reason).toMatch(/configuration word written under audit_cmd_mutex.lock and read plain/);
    expect(t.notes.filter((n) => /elided/.test(n))).toHaveLength(2);
  });

  it('either order, and a race at unknown origin (one access, inside skb_queue_len()): the access\'s place picks the variable', () => {
    const [reversed] = triage(parseReports(report('read-first.txt')), base(V2022)).races;
    expect(reversed.accesses.map((a) => [a.kind, a.function, a.line])).toEqual([['read', 'audit_ctl_owner_current', 84], ['write', 'audit_ctl_unlock', 78]]);
    expect([reversed.variable, reversed.verdict]).toEqual(['audit_cmd_mutex.owner', 'benign']);
    const [unknownOrigin] = triage(parseReports(report('unknown-origin.txt')), base(V2022)).races;
    // line 419 reads both the queue's length and audit_backlog_limit; the access was inside skb_queue_len()
    expect([unknownOrigin.variable, unknownOrigin.verdict, unknownOrigin.accesses.length]).toEqual(['audit_queue.qlen', 'benign', 1]);
  });

  it('an assessment page whose prose says harmful: the report inside it is read, and the code says benign', () => {
    const t = triage(parseReports(report('assessment-page.txt')), base(V2022));
    expect(t.races.map((r) => [r.variable, r.verdict])).toEqual([['audit_cmd_mutex.owner', 'benign']]);
  });

  it('frames with only function+offset: mapped by function and access kind, the lines said to be inferred', () => {
    const [race] = triage(parseReports(report('offsets-only.txt')), base(V2022)).races;
    expect(race).toMatchObject({ variable: 'audit_cmd_mutex.owner', verdict: 'benign' });
    expect(race.accesses.map((a) => [a.function, a.line, a.lineInferred])).toEqual([['audit_ctl_lock', 73, true], ['audit_ctl_owner_current', 84, true]]);
  });

  it('the same race, wrapped and unindented, gets the same answer', () => {
    const [race] = triage(parseReports(report('wrapped-unindented.txt')), base(V2022)).races;
    expect([race.variable, race.verdict, race.accesses.map((a) => a.line)]).toEqual(['audit_cmd_mutex.owner', 'benign', [73, 84]]);
  });

  it('a harmful race: the daemon socket read plain and sent to, with the AL206 engine\'s reason', () => {
    const [race] = triage(parseReports(report('harmful-sock.txt')), base('rules/AL206-harmful-trigger.c')).races;
    expect(race).toMatchObject({ variable: 'audit_sock', verdict: 'harmful' });
    expect(race.reason).toMatch(/sends to without the lock its writers hold/);
  });

  it('a race the base already fixed: the length read with skb_queue_len_lockless() there', () => {
    const [race] = triage(parseReports(report('fixed-lockless.txt')), base('rules/AL206-qlen-clean.c')).races;
    expect(race).toMatchObject({ variable: 'record_queue.qlen', verdict: 'benign', fixedInBase: true });
    expect(race.reason).toMatch(/^already fixed in the base/);
  });

  it('a race whose other access is outside kernel/audit.c: unknown, naming where it is', () => {
    const [race] = triage(parseReports(report('outside-audit.txt')), base(V2022)).races;
    expect(race.verdict).toBe('unknown');
    expect(race.reason).toMatch(/not in kernel\/audit.c \(the read is in netlink_recvmsg \(net\/netlink\/af_netlink.c\)/);
  });

  it('reports that are not data races: named, their audit.c frames mapped to roles, no race claimed', () => {
    const t = triage(parseReports(report('not-races.log')), base(V2022));
    expect(t.races).toEqual([]);
    expect(t.others.map((o) => o.kind)).toEqual(['rcu-stall', 'null-deref', 'lockdep', 'kmsan', 'panic']);
    expect(t.others[0].frames).toEqual([
      { function: 'kauditd_send_queue', line: 296, role: expect.stringMatching(/^a drain/) },
      { function: 'kauditd_thread', line: 350, role: expect.stringMatching(/^the consumer/) },
    ]);
  });

  it('the verdict follows the code, not the names: the same race against the renamed fixture', () => {
    const map: Record<string, string> = JSON.parse(fixture('versions/renamed.map.json'));
    let text = report('console-two-races.log');
    for (const [from, to] of Object.entries(map)) text = text.replace(new RegExp(`\\b${from}\\b`, 'g'), to);
    const t = triage(parseReports(text), base('versions/renamed.c'));
    expect(t.races.map((r) => r.verdict)).toEqual(['benign', 'benign']);
  });

  it('a race the model cannot take is unknown with why, and the others are still judged', () => {
    const analysis = base(V2022);
    let calls = 0;
    // the second race's fix lookup throws: that race alone is unknown
    const t = triage(parseReports(report('console-two-races.log')), analysis, () => {
      if (++calls === 2) throw new Error('boom');
      return undefined;
    });
    expect(t.races.map((r) => r.verdict)).toEqual(['benign', 'unknown']);
    expect(t.races[1].reason).toMatch(/could not triage this race \(boom\)/);
  });

  it('without a base: the accesses as reported, the variable and verdict unknown, and why', () => {
    const t = triage(parseReports(report('console-two-races.log')));
    expect(t.races.map((r) => r.verdict)).toEqual(['unknown', 'unknown']);
    expect(t.notes.join('\n')).toMatch(/no kernel\/audit.c to map the report to/);
  });
});

describe.skipIf(!hasShared)(needsShared('seed 002: syzbot\'s page on the audit_cmd_mutex.owner race, against today\'s file'), () => {
  it('one race on audit_cmd_mutex.owner: the write in audit_ctl_lock() line 249 under the lock, the read in audit_ctl_owner_current() line 270 with none, benign', () => {
    const t = triage(parseReports(readShared(SEED_002)), new Analyser().analyseText(readShared(CORPUS)));
    expect(t.races).toHaveLength(1);
    const [race] = t.races;
    expect(race).toMatchObject({ variable: 'audit_cmd_mutex.owner', verdict: 'benign' });
    expect(race.accesses).toMatchObject([
      { kind: 'write', function: 'audit_ctl_lock', line: 249, lineInferred: false, locks: ['audit_cmd_mutex.lock'] },
      { kind: 'read', function: 'audit_ctl_owner_current', line: 270, lineInferred: false, locks: [] },
    ]);
    expect(t.notes).toContain('1 repeated copy of a report dropped');
  });
  it('the verdict does not depend on the page\'s prose: the report alone gives the same', () => {
    const text = readShared(SEED_002);
    const only = text.slice(text.indexOf('BUG: KCSAN'), text.indexOf('Reported by Kernel Concurrency Sanitizer'));
    const [race] = triage(parseReports(only), new Analyser().analyseText(readShared(CORPUS))).races;
    expect([race.variable, race.verdict]).toEqual(['audit_cmd_mutex.owner', 'benign']);
  });
});
