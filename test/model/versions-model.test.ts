/**
 * The model maps every kauditd design since v4.9 (fixtures written from the
 * seeds' shapes, see test/fixtures/versions/README.md), and does so by
 * behaviour: a copy with every audit function renamed maps the same way.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../shared';
import { drainSites, enqueueTable, modelOfText, routeOf, versionFixture } from './helpers';

describe('v4.9: one backlog queue and a hold queue', () => {
  const m = modelOfText(versionFixture('v4_9'));
  it('maps consumer, drains, requeue, producer and backlog wait', () => {
    expect(m.consumer).toBe('kauditd_thread');
    expect(m.roles.get('kauditd_thread')).toEqual(['consumer', 'drain']);
    expect(m.roles.get('flush_hold_queue')).toEqual(['drain']);
    expect(m.roles.get('audit_hold_skb')).toContain('requeue');
    expect(m.roles.get('audit_log_end')).toContain('producer');
    expect(m.roles.get('audit_log_start')).toContain('backlog-wait');
    expect(m.roles.get('kauditd_send_unicast_skb')).toEqual(['sender', 'connection']);
    expect(m.roles.get('audit_receive')).toContain('control');
    expect([...m.queues.keys()]).toEqual(['audit_queue', 'audit_hold_queue']);
    expect(enqueueTable(m)).toEqual({ audit_queue: { audit_log_end: ['tail:admission'] }, audit_hold_queue: { audit_hold_skb: ['tail:limit'] } });
  });
  it('treats audit_pid/audit_sock as the connection state', () => {
    expect([...m.connection].sort()).toEqual(['audit_nlk_portid', 'audit_pid', 'audit_sock']);
  });
});

describe('v4.10: three queues, inline drains in the consumer', () => {
  const m = modelOfText(versionFixture('v4_10'));
  it('finds the three inline drains, including the goto quick_loop one', () => {
    const drains = m.drains.filter((d) => d.fn === 'kauditd_thread').map((d) => `${d.queue}:${d.loop.kind}`);
    expect(drains).toEqual(['audit_hold_queue:while', 'audit_retry_queue:while', 'audit_queue:goto']);
    expect(m.drains.every((d) => !d.singlePass)).toBe(true);
  });
  it('sees the unbounded retry queue and the head requeues of records just dequeued', () => {
    expect(enqueueTable(m)).toEqual({
      audit_queue: { audit_log_end: ['tail:admission'] },
      audit_retry_queue: { kauditd_retry_skb: ['tail:none'], kauditd_thread: ['head:same-queue'] },
      audit_hold_queue: { kauditd_hold_skb: ['tail:limit'], kauditd_thread: ['head:same-queue'] },
    });
    for (const fn of ['kauditd_hold_skb', 'kauditd_retry_skb']) expect(m.roles.get(fn)).toContain('requeue');
    expect(m.roles.get('auditd_reset')).toContain('connection');
    expect(m.summaries.get('auditd_reset')!.enqueues.map((e) => e.queue)).toEqual(['audit_hold_queue']);
  });
});

describe('v4.11 until late 2021: auditd_conn under RCU, drain leaves the loop on a fatal error', () => {
  const m = modelOfText(versionFixture('v4_11'));
  it('binds the hooks and leaves the loop on failure where no skb hook is bound', () => {
    expect(drainSites(m, 'kauditd_send_queue')).toEqual([
      { queue: 'audit_hold_queue', hooks: { skb_hook: [], err_hook: ['kauditd_rehold_skb'] }, exitsOnFailure: true },
      { queue: 'audit_retry_queue', hooks: { skb_hook: [], err_hook: ['kauditd_hold_skb'] }, exitsOnFailure: true },
      { queue: 'audit_queue', hooks: { skb_hook: ['kauditd_send_multicast_skb'], err_hook: ['kauditd_retry_skb', 'kauditd_hold_skb'] }, exitsOnFailure: false },
    ]);
    expect(m.drains.find((d) => d.fn === 'kauditd_send_queue')!.singlePass).toBe(false);
  });
  it('routes every failure of one-argument hooks alike: -EAGAIN from the retry queue goes to hold', () => {
    expect(routeOf(m, 'kauditd_send_queue', 'audit_retry_queue', '-EAGAIN')).toEqual(['kauditd_hold_skb>audit_hold_queue']);
    expect(enqueueTable(m).audit_hold_queue).toEqual({ kauditd_rehold_skb: ['head:same-queue'], kauditd_hold_skb: ['tail:limit'] });
    expect(enqueueTable(m).audit_retry_queue).toEqual({ kauditd_retry_skb: ['tail:none'] });
  });
});

describe('late 2021: the drain keeps going after a failure', () => {
  const m = modelOfText(versionFixture('late2021'));
  it('no site leaves the loop, and the loop has no single-pass bound', () => {
    expect(drainSites(m, 'kauditd_send_queue').map((s) => s.exitsOnFailure)).toEqual([false, false, false]);
    expect(m.drains.find((d) => d.fn === 'kauditd_send_queue')!.singlePass).toBe(false);
    expect(m.roles.get('kauditd_rehold_skb')).toContain('requeue');
    expect(enqueueTable(m).audit_hold_queue.kauditd_rehold_skb).toEqual(['head:same-queue']);
  });
});

describe('2022 design and a copy with every audit function renamed', () => {
  const original = modelOfText(versionFixture('v2022'));
  const renamed = modelOfText(versionFixture('renamed'));
  const map: Record<string, string> = JSON.parse(readFileSync(resolve(FIXTURES, 'versions', 'renamed.map.json'), 'utf8'));
  const rename = (fn: string) => map[fn] ?? fn;

  it('has today\'s shape: single pass, -EAGAIN to retry, everything bounded', () => {
    expect(original.drains.find((d) => d.fn === 'kauditd_send_queue')!.singlePass).toBe(true);
    expect(routeOf(original, 'kauditd_send_queue', 'audit_queue', '-EAGAIN')).toEqual(['kauditd_retry_skb>audit_retry_queue']);
    for (const q of original.queues.values()) for (const s of q.enqueues) expect(s.bound, `${s.fn} -> ${q.name}`).not.toBe('none');
  });

  it('gives every renamed function the roles of its original', () => {
    const expected = new Map([...original.roles].map(([fn, r]) => [rename(fn), r]));
    expect(new Map(renamed.roles)).toEqual(expected);
    expect(renamed.consumer).toBe(rename(original.consumer!));
  });

  it('keeps queues, bounds, bindings and routes under the new names', () => {
    const table = (m: typeof original, f: (s: string) => string) => JSON.stringify(enqueueTable(m), (k, v) => v) .replace(/"(\w+)":\[/g, (_x, fn) => `"${f(fn)}":[`);
    expect(table(renamed, (s) => s)).toEqual(table(original, rename));
    const sites = drainSites(original, 'kauditd_send_queue').map((s) => ({ ...s, hooks: Object.fromEntries(Object.entries(s.hooks).map(([p, fns]) => [p, fns.map(rename)])) }));
    expect(drainSites(renamed, rename('kauditd_send_queue'))).toEqual(sites);
    expect(routeOf(renamed, rename('kauditd_send_queue'), 'audit_queue', '-EAGAIN')).toEqual([`${rename('kauditd_retry_skb')}>audit_retry_queue`]);
  });
});
