/**
 * The simulation on today's kernel/audit.c, on the code just before the 2022
 * fix (made here by reverse-applying seed 001 with our own patch engine), on
 * the same file with every function renamed, and on our v4.10 and v4.9
 * fixtures. What each run reports was checked by hand against the code; the
 * notes say what the code does.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Analyser } from '../../server/src/analyser';
import { applyFilePatch } from '../../server/src/patch/apply';
import { parsePatch } from '../../server/src/patch/parse';
import { simulate, SCENARIOS } from '../../server/src/simulate';
import type { SimulationOptions, SimulationResult, TraceStep } from '../../server/src/simulate/types';
import { CORPUS, fixture, hasShared, needsShared, readShared, SEED_001 } from '../shared';

function run(text: string, options: SimulationOptions): SimulationResult {
  return simulate(new Analyser().analyseText(text), options);
}

function balanced(r: SimulationResult): void {
  const c = r.records;
  expect(c.delivered + c.queued + c.lost + c.dropped).toBe(c.produced);
}

/** The function a 1-based line of `text` belongs to, by the analyser's own outline. */
function functionAt(text: string, line: number): string | undefined {
  const a = new Analyser().analyseText(text);
  for (const [name, e] of a.model.file.functions) if (line - 1 >= e.symbol.span.line && line - 1 <= e.symbol.span.endLine) return name;
  return undefined;
}

describe.skipIf(!hasShared)(needsShared('today\'s kernel/audit.c'), () => {
  let text: string;
  beforeAll(() => {
    text = readShared(CORPUS);
  });

  it('steady: every record reaches auditd, in order, with no violation', () => {
    const r = run(text, { scenario: 'steady', records: 2000 });
    expect(r.error).toBeUndefined();
    expect(r.violations).toEqual([]);
    // 2000 records from the producers, and the one audit_init() logs at boot
    expect(r.records).toEqual({ produced: 2001, delivered: 2001, queued: 0, lost: 0, dropped: 0 });
  });

  it('auditd-stopped, limit 64: bounded, every freed record counted lost, no livelock - and a real reordering', () => {
    const r = run(text, { scenario: 'auditd-stopped', records: 2000, backlogLimit: 64 });
    // sends to the stopped daemon block for the file's own sk_sndtimeo (HZ / 10) before -EAGAIN
    expect(r.parameters.sendTimeout).toBe(10);
    expect(r.queues.audit_retry_queue.max).toBe(64);
    expect(r.queues.audit_hold_queue.max).toBeLessThanOrEqual(64);
    // audit_log_start() waits only while the queue is longer than the limit (>): one more gets in
    expect(r.queues.audit_queue.max).toBe(65);
    expect(r.notes.some((n) => n.startsWith('audit_queue reached 65 with audit_backlog_limit 64: its bound is the backlog wait'))).toBe(true);
    expect(r.records.dropped).toBe(0);
    expect(r.records.lost).toBeGreaterThan(0);
    expect(Object.keys(r.lostByReason).sort()).toEqual(Object.keys(r.lostByReason).filter((k) => /^kauditd (retry|hold) queue overflow$/.test(k)).sort());
    balanced(r);
    expect(r.violations.map((v) => v.invariant)).toEqual(['ordering']);

    // Checked by hand against the code: in a retry pass of kauditd_send_queue() the first record
    // (#first) fails UNICAST_RETRIES times with -EAGAIN, sk becomes NULL and
    // kauditd_hold_skb(skb, -EAGAIN) puts it back on the *retry* queue; every later record of that
    // pass (#later among them) meets !sk and goes through kauditd_hold_skb(skb, -ECONNREFUSED) to the
    // *hold* queue. kauditd_thread() flushes hold before retry, so when auditd reads again the later
    // records overtake the first one.
    const v = r.violations[0];
    const [, first, later] = /^record #(\d+) reached auditd after record #(\d+), which was produced later$/.exec(v.message)!.map(Number);
    const at = (fn: string, event: string) => v.trace.findIndex((s) => s.fn === fn && s.event === event);
    const backToRetry = at('kauditd_hold_skb', `skb_queue_tail(&audit_retry_queue, #${first})`);
    expect(backToRetry).toBeGreaterThan(0);
    expect(v.trace[backToRetry - 1]).toMatchObject({ fn: 'kauditd_send_queue', event: `netlink_unicast(#${first}) failed -EAGAIN` });
    const toHold = at('kauditd_hold_skb', `skb_queue_tail(&audit_hold_queue, #${later})`);
    expect(toHold).toBeGreaterThan(backToRetry);
    expect(v.trace[toHold - 1]).toMatchObject({ fn: 'kauditd_send_queue', event: `skb_dequeue(&audit_retry_queue) -> #${later}` });
    const laterSent = at('kauditd_send_queue', `netlink_unicast(#${later}) delivered`);
    expect(v.trace[laterSent - 1]).toMatchObject({ event: `skb_dequeue(&audit_hold_queue) -> #${later}` });
    expect(v.trace.slice(-2)).toMatchObject([
      { fn: 'kauditd_send_queue', event: `skb_dequeue(&audit_retry_queue) -> #${first}` },
      { fn: 'kauditd_send_queue', event: `netlink_unicast(#${first}) delivered` },
    ]);
    // each step names the line it ran: the requeue to retry sits in kauditd_hold_skb()'s -EAGAIN branch
    const requeue = v.trace[backToRetry];
    expect(functionAt(text, requeue.line)).toBe('kauditd_hold_skb');
    expect(text.split('\n')[requeue.line - 1]).toContain('skb_queue_tail(&audit_retry_queue, skb);');
  });

  it('exploring auditd-stopped shrinks the reordering to a handful of records', () => {
    const r = run(text, { scenario: 'auditd-stopped', records: 2000, backlogLimit: 64, explore: true });
    expect(r.violations.map((v) => v.invariant)).toEqual(['ordering']);
    expect(r.parameters.records).toBeLessThanOrEqual(16);
    expect(r.records.produced).toBeLessThanOrEqual(17);
  });

  it('the same answers when every function of the file is renamed', () => {
    const a = new Analyser().analyseText(text);
    const names = [...a.model.file.functions.keys()].filter((n) => n !== 'audit_log_lost');
    const renamed = names.reduce((t, n, i) => t.replace(new RegExp(`\\b${n}\\b`, 'g'), `fn_${i}_x`), text);
    for (const scenario of ['steady', 'auditd-stopped'] as const) {
      const before = run(text, { scenario, records: 600, backlogLimit: 64 });
      const after = run(renamed, { scenario, records: 600, backlogLimit: 64 });
      expect(after.records, scenario).toEqual(before.records);
      expect(after.queues, scenario).toEqual(before.queues);
      expect(after.violations.map((v) => v.message), scenario).toEqual(before.violations.map((v) => v.message));
      expect(after.series, scenario).toEqual(before.series);
    }
  });

  it('the code just before the 2022 fix grows the retry queue without bound and livelocks in kauditd_rehold_skb() while auditd is stopped', () => {
    const seed = parsePatch(readShared(SEED_001)).messages[0].files[0];
    const back = applyFilePatch(text, seed, { reverse: true });
    expect(back.failed).toEqual([]);
    const late2021 = back.pre;
    const r = run(late2021, { scenario: 'auditd-stopped', records: 2000, backlogLimit: 64 });
    expect(r.violations.map((v) => v.invariant)).toEqual(['bounded', 'termination']);

    // the retry hook had no limit: every failed send of a stopped auditd lands there
    const bounded = r.violations[0];
    expect(bounded.message).toBe('audit_retry_queue holds 65 records, over audit_backlog_limit 64');
    expect(bounded.trace[bounded.trace.length - 1]).toMatchObject({ fn: 'kauditd_retry_skb', event: expect.stringMatching(/^skb_queue_tail\(&audit_retry_queue, #\d+\)$/) });
    expect(bounded.trace.some((s) => s.fn === 'kauditd_send_queue')).toBe(true);

    // and the hold pass took back what kauditd_rehold_skb() put at the head of the queue it drains
    const loop = r.violations[1];
    expect(loop.message).toMatch(/^kauditd_send_queue\(\) took record #\d+ off audit_hold_queue twice in one pass/);
    const [put, took] = loop.trace.slice(-2);
    const id = /#(\d+)\)$/.exec(put.event)?.[1];
    expect(put).toMatchObject({ fn: 'kauditd_rehold_skb', event: `skb_queue_head(&audit_hold_queue, #${id})` });
    expect(took).toMatchObject({ fn: 'kauditd_send_queue', event: `skb_dequeue(&audit_hold_queue) -> #${id}` });

    // today's code does neither
    const today = run(text, { scenario: 'auditd-stopped', records: 600, backlogLimit: 64 }).violations.map((x) => x.invariant);
    expect(today).not.toContain('termination');
    expect(today).not.toContain('bounded');
  });
});

describe('the v4.10 and v4.9 fixtures', () => {
  const v410 = fixture('versions/v4_10.c');
  const v49 = fixture('versions/v4_9.c');

  it('run every scenario to the end, balanced and bounded', () => {
    for (const [name, text] of [['v4.10', v410], ['v4.9', v49]] as const) {
      for (const scenario of SCENARIOS) {
        const r = run(text, { scenario, records: 800, backlogLimit: 64 });
        expect(r.error, `${name} ${scenario}`).toBeUndefined();
        expect(r.records.queued, `${name} ${scenario}`).toBe(0);
        balanced(r);
        // the main queue's bound is the backlog wait: one record past the limit gets in (see the notes)
        for (const [q, m] of Object.entries(r.queues)) expect(m.max, `${name} ${scenario} ${q}`).toBeLessThanOrEqual(q === 'audit_queue' ? 65 : 64);
        expect(r.violations.map((v) => v.invariant), `${name} ${scenario}`).not.toContain('termination');
        if (scenario === 'steady') expect(r.violations, `${name} steady`).toEqual([]);
      }
    }
  });

  it('v4.10: kauditd_thread() jumps back to quick_loop, and records follow hold, then main', () => {
    const r = run(v410, { scenario: 'auditd-down', records: 800, backlogLimit: 64 });
    expect(r.violations).toEqual([]);
    expect(r.lostByReason).toEqual({ 'hold queue full': r.records.lost });
    expect(r.records.dropped).toBe(0);
  });

  it('v4.9: audit_hold_skb() frees what does not fit without counting it - the silent drop v4.10 fixed', () => {
    const r = run(v49, { scenario: 'auditd-down', records: 800, backlogLimit: 64 });
    expect(r.records.dropped).toBeGreaterThan(0);
    const v = r.violations.find((x) => x.invariant === 'accounting')!;
    expect(v.message).toMatch(/^record #\d+ was freed by kfree_skb\(\) in audit_hold_skb\(\) without audit_log_lost\(\)/);
    expect(v.trace[v.trace.length - 1].fn).toBe('audit_hold_skb');
  });

  it('v4.9: the kernel forgets a dead auditd, with the reason the code writes', () => {
    const r = run(v49, { scenario: 'auditd-restart', records: 800, backlogLimit: 64 });
    expect(r.lostByReason['auditd pid %d gone']).toBe(1);
  });

  it('v4.10 and v4.9 block in netlink_unicast() while auditd is stopped (MAX_SCHEDULE_TIMEOUT): producers wait, nothing is lost', () => {
    for (const text of [v410, v49]) {
      const r = run(text, { scenario: 'auditd-stopped', records: 800, backlogLimit: 64 });
      expect(r.parameters.sendTimeout).toBeNull();
      expect(r.records).toMatchObject({ delivered: r.records.produced, lost: 0, dropped: 0 });
      expect(r.queues.audit_queue.max).toBe(65);
    }
  });
});
