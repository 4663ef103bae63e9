/**
 * Each invariant on the project's example and on variants of it, each with one
 * defect put in by a text edit the test checks it made: the clean example is
 * the twin of every trigger. The simulation runs the file's code, so the
 * defect is found where the code has it, whatever the functions are called.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyser } from '../../server/src/analyser';
import { applyFilePatch } from '../../server/src/patch/apply';
import { parsePatch } from '../../server/src/patch/parse';
import { simulate, SCENARIOS } from '../../server/src/simulate';
import type { SimulationOptions, SimulationResult } from '../../server/src/simulate/types';

const ROOT = resolve(__dirname, '..', '..');
const DEMO = readFileSync(resolve(ROOT, 'examples', 'kauditd-demo.c'), 'utf8');

function run(text: string, options: SimulationOptions): SimulationResult {
  return simulate(new Analyser().analyseText(text), options);
}

/** The example with one edit; fails the test if the edit did not apply. */
function variant(from: string | RegExp, to: string): string {
  const out = DEMO.replace(from, to);
  expect(out, `the edit ${String(from)} applies to the example`).not.toBe(DEMO);
  return out;
}

function invariants(r: SimulationResult): string[] {
  return r.violations.map((v) => v.invariant);
}

function balanced(r: SimulationResult): void {
  const c = r.records;
  expect(c.delivered + c.queued + c.lost + c.dropped).toBe(c.produced);
}

describe('the example is clean under every scenario', () => {
  for (const scenario of SCENARIOS) {
    it(scenario, () => {
      const r = run(DEMO, { scenario, records: 600 });
      expect(r.error).toBeUndefined();
      expect(r.violations).toEqual([]);
      expect(r.records.dropped).toBe(0);
      expect(r.records.queued).toBe(0);
      expect(r.records.produced).toBeGreaterThanOrEqual(600);
      balanced(r);
      for (const q of Object.values(r.queues)) expect(q.max).toBeLessThanOrEqual(64);
      if (scenario === 'steady') expect(r.records.delivered).toBe(r.records.produced);
      // a long outage costs records, counted lost; brief bursts of -EAGAIN need not
      else if (scenario !== 'eagain-burst') expect(r.records.lost).toBeGreaterThan(0);
    });
  }
});

describe('bounded', () => {
  it('the example patch (retry hook without its limit) lets audit_retry_queue grow past the limit while auditd is stopped', () => {
    const file = parsePatch(readFileSync(resolve(ROOT, 'examples', 'unbounded-retry.patch'), 'utf8')).messages[0].files[0];
    const patched = applyFilePatch(DEMO, file);
    expect(patched.failed).toEqual([]);
    const r = run(patched.post, { scenario: 'auditd-stopped', backlogLimit: 64 });
    expect(invariants(r)).toContain('bounded');
    const v = r.violations.find((x) => x.invariant === 'bounded')!;
    expect(v.message).toBe('audit_retry_queue holds 65 records, over audit_backlog_limit 64');
    const last = v.trace[v.trace.length - 1];
    expect(last.fn).toBe('demo_retry_skb');
    expect(last.event).toMatch(/^skb_queue_tail\(&audit_retry_queue, #\d+\)$/);
    expect(last.queues.audit_retry_queue).toBe(65);
    expect(r.queues.audit_retry_queue.max).toBeGreaterThan(64);
    expect(r.records.lost).toBe(0); // nothing is dropped any more: it all piles up
  });
});

describe('termination', () => {
  it('a drain without its tail bound takes back what its hook requeued, in the same pass', () => {
    const text = variant('while (!last && stop && (skb = skb_dequeue(queue))) {', 'while ((skb = skb_dequeue(queue))) {');
    const r = run(text, { scenario: 'auditd-stopped', records: 300 });
    const v = r.violations.find((x) => x.invariant === 'termination')!;
    expect(v.message).toMatch(/^demo_send_queue\(\) took record #\d+ off audit_retry_queue twice in one pass/);
    const fns = new Set(v.trace.map((s) => s.fn));
    expect(fns).toContain('demo_send_queue');
    expect(fns).toContain('demo_retry_skb');
  });

  it('a consumer that neither drains nor sleeps while auditd is away spins, and the trace is the loop it goes round', () => {
    const text = variant(/\t\tif \(rc\)\n\t\t\tdemo_park_main\(rc\);\n/, '');
    const r = run(text, { scenario: 'auditd-down', records: 300 });
    const v = r.violations.find((x) => x.invariant === 'termination')!;
    expect(v.message).toMatch(/inside one call of demo_kauditd_thread\(\) without sleeping/);
    const loop = v.trace.filter((s) => s.event.startsWith('runs: '));
    expect(loop.length).toBeGreaterThan(3);
    expect(loop.map((s) => s.event)).toContain('runs: while (!kthread_should_stop()) {');
    expect(loop.some((s) => s.event.startsWith('runs: wait_event_freezable('))).toBe(true);
    // the lines are the file's own: each step's source line is what the event quotes
    const lines = text.split('\n');
    for (const s of loop) expect(lines[s.line - 1].trim()).toBe(s.event.slice('runs: '.length).replace(/\.\.\.$/, '').trim().slice(0, lines[s.line - 1].trim().length));
  });
});

describe('accounting', () => {
  it('a hold hook that frees without audit_log_lost() drops records, and says which and where', () => {
    const text = variant('\t\tdemo_count_lost("hold queue overflow");\n', '');
    const r = run(text, { scenario: 'auditd-down', records: 400 });
    expect(r.records.dropped).toBeGreaterThan(0);
    balanced(r);
    const v = r.violations.find((x) => x.invariant === 'accounting')!;
    expect(v.message).toMatch(/^record #(\d+) was freed by kfree_skb\(\) in demo_hold_skb\(\) without audit_log_lost\(\)/);
    const id = /#(\d+)/.exec(v.message)![1];
    // the focused re-run keeps that record's whole story: produced, queued, freed
    const story = v.trace.filter((s) => s.event.includes(`#${id}`)).map((s) => s.event);
    expect(story[0]).toBe(`skb_queue_tail(&audit_queue, #${id})`);
    expect(story[story.length - 1]).toBe(`record #${id} freed by kfree_skb() without audit_log_lost()`);
  });
});

describe('ordering', () => {
  it('a hold hook that puts records at the head hands them to the next auditd in reverse', () => {
    const text = variant('\tskb_queue_tail(&audit_hold_queue, skb);\n}', '\tskb_queue_head(&audit_hold_queue, skb);\n}');
    const r = run(text, { scenario: 'auditd-down', records: 400 });
    expect(invariants(r)).toEqual(['ordering']);
    const v = r.violations[0];
    const [, late, early] = /^record #(\d+) reached auditd after record #(\d+), which was produced later$/.exec(v.message)!;
    expect(Number(late)).toBeLessThan(Number(early));
    expect(v.trace.some((s) => s.fn === 'demo_hold_skb' && s.event === `skb_queue_head(&audit_hold_queue, #${late})`)).toBe(true);
    expect(v.trace[v.trace.length - 1].event).toBe(`netlink_unicast(#${late}) delivered`);
  });

  it('requeueing at the head of the queue being drained is a livelock, not a reordering', () => {
    const text = variant('\tskb_queue_tail(&audit_retry_queue, skb);\n}', '\tskb_queue_head(&audit_retry_queue, skb);\n}');
    const r = run(text, { scenario: 'auditd-stopped', records: 400 });
    expect(invariants(r)).toContain('termination');
  });
});

describe('atomic context', () => {
  it('notes a send that blocks inside rcu_read_lock(), once, with its place', () => {
    const text = variant(
      '\trcu_read_unlock();\n\tif (!sk)\n\t\treturn -ECONNREFUSED;\n\n\tskb_get(skb);\n\trc = netlink_unicast(sk, skb, portid, 0);\n',
      '\tif (!sk) {\n\t\trcu_read_unlock();\n\t\treturn -ECONNREFUSED;\n\t}\n\n\tskb_get(skb);\n\trc = netlink_unicast(sk, skb, portid, 0);\n\trcu_read_unlock();\n',
    );
    const line = text.split('\n').findIndex((l) => l.includes('rc = netlink_unicast(sk, skb, portid, 0);')) + 1;
    const r = run(text, { scenario: 'auditd-stopped', records: 300 });
    expect(r.notes.filter((n) => n.includes('scheduling while atomic'))).toEqual([
      `demo_unicast() sleeps at line ${line} while inside rcu_read_lock(): scheduling while atomic ("BUG: sleeping function called from invalid context")`,
    ]);
    // the example itself drops the RCU read lock before it sends
    expect(run(DEMO, { scenario: 'auditd-stopped', records: 300 }).notes.some((n) => n.includes('scheduling while atomic'))).toBe(false);
  });
});

describe('the run itself', () => {
  it('is deterministic for a seed, and the seed changes eagain-burst', () => {
    const a = run(DEMO, { scenario: 'eagain-burst', records: 500, seed: 7 });
    const b = run(DEMO, { scenario: 'eagain-burst', records: 500, seed: 7 });
    const c = run(DEMO, { scenario: 'eagain-burst', records: 500, seed: 8, failureRate: 0.4 });
    expect(b.records).toEqual(a.records);
    expect(b.series).toEqual(a.series);
    expect(c.series).not.toEqual(a.series);
  });

  it('takes the trouble duration and the failure rate as parameters', () => {
    const short = run(DEMO, { scenario: 'auditd-down', records: 500, troubleTicks: 5 });
    const long = run(DEMO, { scenario: 'auditd-down', records: 500, troubleTicks: 100 });
    expect(short.parameters.troubleTicks).toBe(5);
    expect(long.records.lost).toBeGreaterThan(short.records.lost);
  });

  it('lists the calls it ran as no-ops and the names it could not resolve', () => {
    const text = variant('\tskb_queue_tail(&audit_hold_queue, skb);\n}', '\tmystery_hook(skb, MYSTERY_FLAG + 1);\n\tskb_queue_tail(&audit_hold_queue, skb);\n}');
    const r = run(text, { scenario: 'auditd-down', records: 200 });
    expect(r.abstracted.mystery_hook).toBeGreaterThan(0);
    expect(r.unknownValues).toContain('MYSTERY_FLAG');
  });

  it('explores smaller runs and returns the smallest counterexample it finds', () => {
    const text = variant('\tskb_queue_tail(&audit_hold_queue, skb);\n}', '\tskb_queue_head(&audit_hold_queue, skb);\n}');
    const r = run(text, { scenario: 'auditd-down', records: 2000, explore: true });
    expect(invariants(r)).toContain('ordering');
    expect(r.parameters.records).toBeLessThan(2000);
    expect(r.notes.find((n) => n.startsWith('explored'))).toMatch(/^explored \d+ variants, smallest first: this is the first that violates an invariant \(records \d+, trouble \d+ ticks, seed 1\)$/);
    // the rules also report AQ103 on that rehold; this run broke ordering, not termination, and says so
    expect(r.notes.at(-1)).toMatch(/^the rules report AQ103 in demo_hold_skb\(\) \(termination\), which this run did not show; `auditlens simulate --finding AQ103@demo_hold_skb`/);
  });

  it('explores the example\'s bursts of failed sends and says when no variant breaks it', () => {
    const r = run(DEMO, { scenario: 'eagain-burst', records: 300, explore: true });
    expect(r.violations).toEqual([]);
    expect(r.notes.find((n) => n.startsWith('explored'))).toMatch(/^explored \d+ variants \(records up to 300, trouble up to \d+ ticks, seeds 1, 2, 3\): none violates an invariant$/);
  });

  it('stops when cancelled and reports progress on the way', () => {
    const seen: number[] = [];
    let calls = 0;
    const r = run(DEMO, { scenario: 'steady', records: 50_000, progress: (f) => seen.push(f), cancelled: () => ++calls > 3 });
    expect(r.error).toBe('cancelled');
    expect(r.records.produced).toBeLessThan(50_000);
    expect(seen.length).toBeGreaterThan(0);
  });

  it('says why when the file has no consumer or no producer, without throwing', () => {
    expect(run('static int f(void)\n{\n\treturn 0;\n}\n', { scenario: 'steady' }).error).toMatch(/^no consumer thread/);
    expect(run('\u0000\u0001binary\u00ff junk {{{', { scenario: 'steady' }).error).toBeDefined();
  });
});
