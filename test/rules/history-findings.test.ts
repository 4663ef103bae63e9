/**
 * Every finding at warning or above on the real kernel/audit.c versions in
 * ../shared/corpus/history, pinned with the reason it is true, and the
 * known bugs of each version (the history README) found. Anything new here
 * must be argued the same way, or fixed.
 */
import { describe, expect, it } from 'vitest';
import { HISTORY, hasShared, needsShared, readShared } from '../shared';
import { findingsOf } from './helpers';

type Pin = [key: string, reason: string];

const serious = (file: string) =>
  findingsOf(readShared(`${HISTORY}/${file}`))
    .filter((f) => f.severity !== 'information')
    .map((f) => `${f.rule} ${f.severity} ${f.anchor.split('|').slice(1).join(' ')}`);

// 4.12 and 4.13.4 share the design: three queues, an RCU connection pointer without __rcu,
// sk_sndtimeo = MAX_SCHEDULE_TIMEOUT, the hold-queue rehold at the head of a drain that stops.
const V4_12: Pin[] = [
  ['AQ101 warning kauditd_retry_skb audit_retry_queue:tail', 'the retry hook appends with no limit check: the unbounded retry queue the 2022 fix bounded'],
  ['AC301 warning audit_receive_msg AUDIT_TRIM', 'AUDIT_TRIM trims tree rules without the AUDIT_LOCKED check its siblings make (fixed upstream in 2026)'],
  ['AC301 warning audit_receive_msg AUDIT_MAKE_EQUIV', 'AUDIT_MAKE_EQUIV tags trees without the AUDIT_LOCKED check, likewise'],
];

// 5.10.89: the Dec 2021 robustness change (finite sk_sndtimeo, the drain keeps going) with the
// rehold still at the head; seed 001 fixed the spin, the routing and the unbounded retry queue.
const V5_10: Pin[] = [
  ['AQ103 error kauditd_rehold_skb audit_hold_queue:head', 'with auditd stopped the rehold puts the record back at the head of the hold queue the drain keeps taking from: kauditd spins'],
  ['AQ104 warning kauditd_hold_skb audit_hold_queue', 'sk_sndtimeo = HZ / 10 makes -EAGAIN real, and the hold hook ignores the error: transient failures go to the hold queue'],
  ['AQ101 warning kauditd_retry_skb audit_retry_queue:tail', 'the retry queue is still unbounded'],
  ['AC301 warning audit_receive_msg AUDIT_TRIM', 'the lock-down gap, as in every version up to early 2026'],
  ['AC301 warning audit_receive_msg AUDIT_MAKE_EQUIV', 'the same gap for AUDIT_MAKE_EQUIV'],
];

describe.skipIf(!hasShared)(needsShared('findings on the real history of kernel/audit.c'), () => {
  it('v4.12: the unbounded retry queue and the lock-down gap; no AQ104 (sends block), no AL207 (auditd and the mutex owner are exempt)', () => {
    expect(serious('v4.12.c')).toEqual(V4_12.map(([k]) => k));
    const f = findingsOf(readShared(`${HISTORY}/v4.12.c`));
    // the rehold at the head keeps order because the drain stops after a failure: information only
    expect(f.filter((x) => x.rule === 'AQ102').map((x) => x.severity)).toEqual(['information']);
    // the 2026 KCSAN report's race, present since 2016
    expect(f.some((x) => x.rule === 'AL206' && x.anchor.endsWith('|audit_queue.qlen'))).toBe(true);
  });

  it('v4.13.4: the same as 4.12 (the 2017 connection fixes change nothing the rules see)', () => {
    expect(serious('v4.13.4.c')).toEqual(V4_12.map(([k]) => k));
  });

  it('v5.10.89: the stopped-auditd spin, transient errors sent to hold, the unbounded retry queue', () => {
    expect(serious('v5.10.89.c')).toEqual(V5_10.map(([k]) => k));
  });

  it('v6.1.192 (Debian): nothing at warning or above; the backports are read, not assumed', () => {
    expect(serious('v6.1.192-debian.c')).toEqual([]);
    // The history README lists the lock-down gap and the main-queue length race for 6.1.192,
    // but Debian's 6.1.192 carries the 2026 fixes: the code, not the release number, decides.
    const text = readShared(`${HISTORY}/v6.1.192-debian.c`);
    expect(text).toMatch(/case AUDIT_TRIM:\s*\n\s*if \(audit_enabled == AUDIT_LOCKED\)/);
    expect(text).not.toMatch(/skb_queue_len\(&audit_queue\)/);
    const f = findingsOf(text);
    expect(f.some((x) => x.anchor.endsWith('|audit_queue.qlen'))).toBe(false);
    // the retry and hold queues are still read plain while auditd_reset() moves records: benign
    expect(f.filter((x) => x.anchor.endsWith('.qlen')).map((x) => `${x.severity} ${x.anchor.split('|')[2]}`))
      .toEqual(['information audit_retry_queue.qlen', 'information audit_hold_queue.qlen']);
  });

  it('gives every pinned finding a reason', () => {
    for (const [k, why] of [...V4_12, ...V5_10]) expect(why.length, k).toBeGreaterThan(10);
  });
});
