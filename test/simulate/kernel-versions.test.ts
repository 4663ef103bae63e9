/**
 * The simulation on today's kernel/audit.c, on the code just before the 2022
 * fix (made here by reverse-applying seed 001 with our own patch engine), on
 * the same file with every function renamed, and on our v4.10 and v4.9
 * fixtures. What each run reports was checked by hand against the code; the
 * notes say what the code does.
 */
import { describe, expect, it } from 'vitest';
import { Analyser } from '../../server/src/analyser';
import { applyFilePatch } from '../../server/src/patch/apply';
import { parsePatch } from '../../server/src/patch/parse';
import { simulate, SCENARIOS } from '../../server/src/simulate';
import type { SimulationOptions, SimulationResult, TraceStep } from '../../server/src/simulate/types';
import { CORPUS, fixture, hasShared, readShared, SEED_001, sharedSkipReason } from '../shared';

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

describe.skipIf(!hasShared)('today\'s kernel/audit.c', () => {
  if (!hasShared) it.skip(sharedSkipReason, () => undefined);
  const text = hasShared ? readShared(CORPUS) : '';

  it('steady: every record reaches auditd, in order, with no violation', () => {
    const r = run(text, { scenario: 'steady', records: 2000 });
    expect(r.error).toBeUndefined();
    expect(r.violations).toEqual([]);
    // 2000 records from the producers, and the one audit_init() logs at boot
    expect(r.records).toEqual({ produced: 2001, delivered: 2001, queued: 0, lost: 0, dropped: 0 });
  });

  it('auditd-stopped, limit 64: bounded, every freed record counted lost, no livelock - and a real reordering', () => {
    const r = run(text, { scenario: 'auditd-stopped', records: 2000, backlogLimit: 64 });
    for (const [name, q] of Object.entries(r.queues)) expect(q.max, name).toBeLessThanOrEqual(64);
    expect(r.queues.audit_hold_queue.max).toBe(64);
    expect(r.records.dropped).toBe(0);
    expect(r.records.lost).toBeGreaterThan(1000);
    expect(r.lostByReason).toEqual({ 'kauditd hold queue overflow': r.records.lost });
    balanced(r);
    expect(r.violations.map((v) => v.invariant)).toEqual(['ordering']);

    // Checked by hand against the code: in the retry pass of kauditd_send_queue() the first record
    // fails UNICAST_RETRIES times with -EAGAIN, sk becomes NULL and kauditd_hold_skb(skb, -EAGAIN)
    // puts it back on the *retry* queue; every later record of that pass meets !sk and goes through
    // kauditd_hold_skb(skb, -ECONNREFUSED) to the *hold* queue. kauditd_thread() flushes hold before
    // retry, so when auditd reads again the later records overtake the first one.
    const v = r.violations[0];
    const [, first, later] = /^record #(\d+) reached auditd after record #(\d+), which was produced later$/.exec(v.message)!.map(Number);
    const about = (id: number) => v.trace.filter((s) => new RegExp(`#${id}\\b`).test(s.event));
    const step = (steps: TraceStep[], fn: string, event: string) => steps.find((s) => s.fn === fn && s.event === event);
    expect(step(about(first), 'kauditd_hold_skb', `skb_queue_tail(&audit_retry_queue, #${first})`)).toBeDefined();
    expect(about(first).filter((s) => s.event === `netlink_unicast(#${first}) failed -EAGAIN`).length).toBeGreaterThanOrEqual(5);
    expect(step(about(later), 'kauditd_hold_skb', `skb_queue_tail(&audit_hold_queue, #${later})`)).toBeDefined();
    const delivered = v.trace.filter((s) => s.event.endsWith(' delivered')).map((s) => s.event);
    expect(delivered.indexOf(`netlink_unicast(#${later}) delivered`)).toBeLessThan(delivered.indexOf(`netlink_unicast(#${first}) delivered`));
    expect(v.trace[v.trace.length - 1]).toMatchObject({ fn: 'kauditd_send_queue', event: `netlink_unicast(#${first}) delivered` });
    // each step names the line it ran: the retry requeue sits in kauditd_hold_skb()
    const requeue = step(about(first), 'kauditd_hold_skb', `skb_queue_tail(&audit_retry_queue, #${first})`)!;
    expect(functionAt(text, requeue.line)).toBe('kauditd_hold_skb');
    expect(text.split('\n')[requeue.line - 1]).toContain('skb_queue_tail(&audit_retry_queue, skb);');
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

  it('the code just before the 2022 fix livelocks while auditd is stopped, in kauditd_send_queue() and kauditd_rehold_skb()', () => {
    const seed = parsePatch(readShared(SEED_001)).messages[0].files[0];
    const back = applyFilePatch(text, seed, { reverse: true });
    expect(back.failed).toEqual([]);
    const late2021 = back.pre;
    const r = run(late2021, { scenario: 'auditd-stopped', records: 2000, backlogLimit: 64 });
    const v = r.violations.find((x) => x.invariant === 'termination' || x.invariant === 'bounded')!;
    expect(v.invariant).toBe('termination');
    expect(v.message).toMatch(/^kauditd_send_queue\(\) has taken \d+ records off audit_hold_queue, which held \d+ when the pass began/);
    const fns = new Set(v.trace.map((s) => s.fn));
    expect(fns).toContain('kauditd_send_queue');
    expect(fns).toContain('kauditd_rehold_skb');
    // the rehold puts the record back at the head of the queue being drained, and the pass takes it again
    const [put, took] = v.trace.slice(-2);
    const id = /#(\d+)\)$/.exec(put.event)?.[1];
    expect(put).toMatchObject({ fn: 'kauditd_rehold_skb', event: `skb_queue_head(&audit_hold_queue, #${id})` });
    expect(took).toMatchObject({ fn: 'kauditd_send_queue', event: `skb_dequeue(&audit_hold_queue) -> #${id}` });
    expect(v.trace.some((s) => s.fn === 'kauditd_rehold_skb' && /^skb_queue_head\(&audit_hold_queue, #\d+\)$/.test(s.event))).toBe(true);
    // today's code does not: same scenario, no termination violation
    expect(run(text, { scenario: 'auditd-stopped', records: 300, backlogLimit: 64 }).violations.map((x) => x.invariant)).not.toContain('termination');
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
        for (const q of Object.values(r.queues)) expect(q.max, `${name} ${scenario}`).toBeLessThanOrEqual(64);
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

  it('v4.9: the kernel drops a stuck auditd after its retries, with the reason the code writes', () => {
    const r = run(v49, { scenario: 'auditd-stopped', records: 800, backlogLimit: 64 });
    expect(r.lostByReason['auditd pid %d gone']).toBeGreaterThan(0);
  });
});
