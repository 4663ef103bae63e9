/**
 * The queue model of today's kernel/audit.c (the "done when" list).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { QueueModel } from '../../server/src/model';
import { CORPUS, hasShared, needsShared, readShared } from '../shared';
import { drainSites, enqueueTable, modelOfText, routeOf } from './helpers';

describe.skipIf(!hasShared)(needsShared('queue model of kernel/audit.c (2026)'), () => {
  let m: QueueModel;
  beforeAll(() => {
    m = modelOfText(readShared(CORPUS));
  });
  const roles = (fn: string) => m.roles.get(fn) ?? [];

  it('finds the consumer, the drain and its three bindings', () => {
    expect(m.consumer).toBe('kauditd_thread');
    expect(roles('kauditd_thread')).toEqual(['consumer']);
    expect(roles('kauditd_send_queue')).toContain('drain');
    expect(drainSites(m, 'kauditd_send_queue')).toEqual([
      { queue: 'audit_hold_queue', hooks: { skb_hook: [], err_hook: ['kauditd_rehold_skb'] }, exitsOnFailure: false },
      { queue: 'audit_retry_queue', hooks: { skb_hook: [], err_hook: ['kauditd_hold_skb'] }, exitsOnFailure: false },
      { queue: 'audit_queue', hooks: { skb_hook: ['kauditd_send_multicast_skb'], err_hook: ['kauditd_retry_skb', 'kauditd_hold_skb'] }, exitsOnFailure: false },
    ]);
    const drain = m.drains.find((d) => d.fn === 'kauditd_send_queue')!;
    expect(drain.singlePass).toBe(true);
    expect(drain.singlePassWhy).toMatch(/skb_peek_tail/);
  });

  it('maps the requeue hooks to their target queues, all bounded', () => {
    for (const fn of ['kauditd_retry_skb', 'kauditd_hold_skb', 'kauditd_rehold_skb']) expect(roles(fn)).toContain('requeue');
    const t = enqueueTable(m);
    expect(t.audit_retry_queue).toEqual({ kauditd_hold_skb: ['tail:limit'], kauditd_retry_skb: ['tail:limit'] });
    expect(t.audit_hold_queue).toEqual({ kauditd_rehold_skb: ['tail:same-queue'], kauditd_hold_skb: ['tail:limit'] });
  });

  it('bounds the main queue by admission control in the backlog wait', () => {
    expect(roles('audit_log_start')).toContain('backlog-wait');
    expect(roles('__audit_log_end')).toContain('producer');
    expect(enqueueTable(m).audit_queue).toEqual({ __audit_log_end: ['tail:admission'] });
    const q = m.queues.get('audit_queue')!;
    expect(q.role).toBe('main');
    expect(q.admission?.fn).toBe('audit_log_start');
    expect(m.queues.get('audit_retry_queue')!.role).toBe('retry');
    expect(m.queues.get('audit_hold_queue')!.role).toBe('hold');
  });

  it('knows the connection and control functions', () => {
    for (const fn of ['auditd_set', 'auditd_reset', 'auditd_test_task']) expect(roles(fn)).toContain('connection');
    expect(roles('audit_receive')).toContain('control');
    expect(roles('kauditd_send_multicast_skb')).toContain('multicast');
    expect(roles('auditd_send_unicast_skb')).toContain('sender');
  });

  it('knows auditd_reset moves the retry queue into the hold queue through kauditd_hold_skb', () => {
    const s = m.summaries.get('auditd_reset')!;
    expect(s.dequeues).toContain('audit_retry_queue');
    expect(s.enqueues.map((e) => `${e.queue}:${e.path.join('>')}`)).toEqual(['audit_hold_queue:auditd_reset>kauditd_hold_skb']);
  });

  it('routes send errors of each drain site to the queue its bound hook enqueues to', () => {
    expect(routeOf(m, 'kauditd_send_queue', 'audit_queue', '-EAGAIN')).toEqual(['kauditd_retry_skb>audit_retry_queue']);
    // without a socket the hook is the one chosen at the call (hold), or, once a failure in this pass
    // cleared the socket, the retry hook chosen while it was set
    expect(routeOf(m, 'kauditd_send_queue', 'audit_queue', '-ECONNREFUSED (no socket)').sort()).toEqual(['kauditd_hold_skb>audit_hold_queue', 'kauditd_retry_skb>audit_retry_queue']);
    expect(routeOf(m, 'kauditd_send_queue', 'audit_retry_queue', '-EAGAIN')).toEqual(['kauditd_hold_skb>audit_retry_queue']);
    expect(routeOf(m, 'kauditd_send_queue', 'audit_retry_queue', '-ECONNREFUSED')).toEqual(['kauditd_hold_skb>audit_hold_queue']);
    expect(routeOf(m, 'kauditd_send_queue', 'audit_hold_queue', '-EPERM')).toEqual(['kauditd_rehold_skb>audit_hold_queue']);
  });

  it('derives concurrency contexts from registrations', () => {
    const ctx = (fn: string) => [...(m.contexts.of.get(fn) ?? [])];
    expect(ctx('kauditd_thread')).toEqual(['kthread:kauditd_thread']);
    expect(ctx('kauditd_send_queue')).toEqual(['kthread:kauditd_thread']);
    expect(ctx('audit_receive')).toContain('netlink-input:audit_receive');
    expect(ctx('auditd_conn_free')).toEqual(['rcu-callback:auditd_conn_free']);
    expect(ctx('audit_log_start')).toContain('exported:audit_log_start');
    expect(m.contexts.initOnly.has('audit_init')).toBe(true);
  });

  it('infers guards: RCU for auditd_conn, the control mutex for owner and config words', () => {
    const conn = m.guards.get('auditd_conn')!;
    expect(conn.discipline).toBe('rcu');
    expect(conn.locks).toEqual(['auditd_conn_lock']);
    expect(conn.exceptions).toEqual([]);
    const owner = m.guards.get('audit_cmd_mutex.owner')!;
    expect(owner.discipline).toBe('lock');
    expect(owner.locks).toEqual(['audit_cmd_mutex.lock']);
    expect(owner.exceptions.map((e) => `${e.fn}:${e.write ? 'W' : 'R'}`)).toEqual(['audit_ctl_owner_current:R']);
    const limit = m.guards.get('audit_backlog_limit')!;
    expect(limit.discipline).toBe('lock');
    expect(limit.locks).toEqual(['audit_cmd_mutex.lock']);
    expect(limit.accesses.some((a) => a.write && a.through === 'audit_do_config_change' && a.fn === 'audit_set_backlog_limit')).toBe(true);
    expect([...m.entryLocks.get('audit_set_backlog_limit')!]).toEqual(['audit_cmd_mutex.lock']);
  });

  it('recognises the lock wrappers and the loss counter by their bodies', () => {
    expect(m.summaries.get('audit_ctl_lock')!.locks).toEqual({ acquires: ['audit_cmd_mutex.lock'], releases: [] });
    expect(m.summaries.get('audit_ctl_unlock')!.locks).toEqual({ acquires: [], releases: ['audit_cmd_mutex.lock'] });
    expect(m.lossCounter).toBe('audit_log_lost');
  });
});
