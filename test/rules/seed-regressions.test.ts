/**
 * The real regressions of the seed patches, reproduced as our own fixtures
 * (test/fixtures/versions): each fires its rule at the right function and
 * line, and the fixed side does not.
 */
import { describe, expect, it } from 'vitest';
import { versionFixture } from '../model/helpers';
import { findingsOf, keys, lineOf } from './helpers';

describe('seed 001, "-" side (late 2021): the stopped-auditd soft lockup', () => {
  const text = versionFixture('late2021');
  const f = findingsOf(text);
  it('fires AQ103 at the head requeue of the hold-queue hook, relating the drain loop and the binding', () => {
    const aq103 = f.filter((x) => x.rule === 'AQ103');
    expect(keys(aq103)).toEqual([`AQ103:kauditd_rehold_skb:${lineOf(text, 'skb_queue_head(&audit_hold_queue, skb);')}`]);
    expect(aq103[0].severity).toBe('error');
    const related = aq103[0].related.map((r) => r.span.line + 1);
    expect(related).toContain(lineOf(text, 'while ((skb = skb_dequeue(queue)))'));
    expect(related).toContain(lineOf(text, 'kauditd_send_queue(sk, portid, &audit_hold_queue,'));
  });
  it('fires AQ101 on the unbounded retry queue and AQ104 on -EAGAIN going to hold', () => {
    expect(keys(f, 'warning')).toEqual([
      `AQ103:kauditd_rehold_skb:${lineOf(text, 'skb_queue_head(&audit_hold_queue, skb);')}`,
      `AQ104:kauditd_hold_skb:${lineOf(text, 'skb_queue_tail(&audit_hold_queue, skb);')}`,
      `AQ101:kauditd_retry_skb:${lineOf(text, 'skb_queue_tail(&audit_retry_queue, skb);')}`,
    ]);
  });
});

describe('seed 001, "+" side (2022): the fix', () => {
  it('has nothing at warning or above, with or without the renaming', () => {
    expect(keys(findingsOf(versionFixture('v2022')), 'warning')).toEqual([]);
    expect(keys(findingsOf(versionFixture('renamed')), 'warning')).toEqual([]);
  });
});

describe('v4.11 until Dec 2021: the drain leaves the loop on a fatal error', () => {
  const text = versionFixture('v4_11');
  it('the head requeue of the hold queue keeps order: AQ102 as information, not AQ103', () => {
    const f = findingsOf(text);
    const aq102 = f.filter((x) => x.rule === 'AQ102');
    expect(keys(aq102)).toEqual([`AQ102:kauditd_rehold_skb:${lineOf(text, 'skb_queue_head(&audit_hold_queue, skb);')}`]);
    expect(aq102[0].severity).toBe('information');
    expect(f.some((x) => x.rule === 'AQ103')).toBe(false);
  });
  it('warns only on the unbounded retry queue: with sk_sndtimeo = MAX_SCHEDULE_TIMEOUT no send fails with -EAGAIN, so AQ104 does not apply', () => {
    expect(keys(findingsOf(text), 'warning')).toEqual([
      `AQ101:kauditd_retry_skb:${lineOf(text, 'skb_queue_tail(&audit_retry_queue, skb);')}`,
    ]);
  });
});

describe('seed 003, "-" side (v4.9) and the prose of seed 000', () => {
  const text = versionFixture('v4_9');
  const f = findingsOf(text);
  it('finds the silent drops of the old hold queue', () => {
    expect(keys(f.filter((x) => x.rule === 'AQ105'))).toEqual([
      `AQ105:audit_hold_skb:${lineOf(text, 'kfree_skb(skb);')}`,
      `AQ105:flush_hold_queue:${lineOf(text, 'consume_skb(skb);', 1)}`,
    ]);
  });
  it('finds the unlocked connection state that seed 000 replaced with auditd_conn', () => {
    expect(keys(f.filter((x) => x.rule === 'AL203'))).toEqual([
      `AL203:kauditd_send_unicast_skb:${lineOf(text, 'audit_pid = 0;')}`,
      `AL203:kauditd_send_unicast_skb:${lineOf(text, 'audit_sock = NULL;')}`,
      `AL203:audit_net_exit:${lineOf(text, 'audit_pid = 0;', 1)}`,
      `AL203:audit_net_exit:${lineOf(text, 'audit_sock = NULL;', 1)}`,
    ]);
    // the connection is sent to without the lock (harmful); audit_pid is only compared and logged
    // once its unlocked stores (AL203 above, the same cause) are set aside
    const races = (severity: string) => f.filter((x) => x.rule === 'AL206' && x.severity === severity).map((x) => x.message.split(' ')[3]).sort();
    expect(races('warning')).toEqual(['audit_nlk_portid', 'audit_sock']);
    expect(races('information')).toContain('audit_pid');
  });
  it('finds the backlog wait that does not exempt the control-mutex holder (seed 000)', () => {
    expect(keys(f.filter((x) => x.rule === 'AL207'))).toEqual([`AL207:audit_log_start:${lineOf(text, 'while (audit_backlog_limit')}`]);
  });
});

describe('seed 003, "+" side (v4.10): the three-queue rework', () => {
  const text = versionFixture('v4_10');
  const f = findingsOf(text);
  it('introduces the unbounded retry queue that 2022 fixed', () => {
    expect(keys(f.filter((x) => x.rule === 'AQ101'))).toEqual([`AQ101:kauditd_retry_skb:${lineOf(text, 'skb_queue_tail(&audit_retry_queue, skb);')}`]);
  });
  it('puts failed records back at the head of the queue being flushed, safe only while the loop stops', () => {
    expect(keys(f.filter((x) => x.rule === 'AQ102'))).toEqual([
      `AQ102:kauditd_thread:${lineOf(text, 'skb_queue_head(&audit_hold_queue, skb);')}`,
      `AQ102:kauditd_thread:${lineOf(text, 'skb_queue_head(&audit_retry_queue, skb);')}`,
    ]);
    expect(f.some((x) => x.rule === 'AQ103')).toBe(false);
  });
});

describe('v4.11 fixed what seed 000 describes', () => {
  it('has no connection-state race and exempts the mutex owner', () => {
    const f = findingsOf(versionFixture('v4_11'));
    expect(f.filter((x) => ['AL203', 'AL207', 'AL201', 'AL202'].includes(x.rule))).toEqual([]);
    expect(f.filter((x) => x.rule === 'AL206' && x.severity !== 'information')).toEqual([]);
  });
});
