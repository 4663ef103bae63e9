/**
 * Liveness (issue 16): a task that spins or recurses without end breaks
 * `termination`, and each report names the function the loop (or the cycle)
 * is really in and the task that ran it.
 * The fixtures (test/fixtures/simulate/liveness/) are our own small backlog,
 * each changed in one place; the clean twins spin or recurse too, but are
 * bounded, and must stay clean. Renaming every function must not
 * change an answer: the simulator goes by what the code does.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyser } from '../../server/src/analyser';
import { simulate, SCENARIOS } from '../../server/src/simulate';
import { World } from '../../server/src/simulate/kernel';
import { MAX_CALL_DEPTH, StackOverflowError } from '../../server/src/simulate/lockup';
import { Machine } from '../../server/src/simulate/machine';
import type { SimulationResult, Violation } from '../../server/src/simulate/types';
import { CORPUS, fixture, hasShared, needsShared, readShared } from '../shared';

const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'auditlens.js');
const text = (name: string) => fixture(`simulate/liveness/${name}.c`);
const run = (source: string, scenario: SimulationResult['scenario'] = 'steady', records = 300) => simulate(new Analyser().analyseText(source), { scenario, records });

function only(r: SimulationResult, invariant: Violation['invariant']): Violation {
  expect(r.error).toBeUndefined();
  expect(r.violations.map((v) => v.invariant), JSON.stringify(r.violations.map((v) => v.message))).toEqual([invariant]);
  return r.violations[0];
}

/** The trace's `runs:` steps quote the file's own lines. */
function quotesItsLines(source: string, v: Violation): void {
  const lines = source.split('\n');
  for (const s of v.trace) {
    const m = /^(runs|sleeps): (.*)$/.exec(s.event);
    if (m) expect(lines[s.line - 1].trim().startsWith(m[2].replace(/\.\.\.$/, ''))).toBe(true);
  }
}

describe('clean twins: spinning and recursing that ends stays clean', () => {
  for (const name of ['base', 'clean-bounded-spin', 'clean-bounded-recursion']) {
    it(name, () => {
      const r = run(text(name));
      expect(r.error).toBeUndefined();
      expect(r.violations).toEqual([]);
      expect(r.records.delivered).toBe(r.records.produced);
    });
  }

  it('the base is clean under every scenario', () => {
    for (const scenario of SCENARIOS) {
      const r = run(text('base'), scenario);
      expect(r.violations, scenario).toEqual([]);
      expect(r.records.queued, scenario).toBe(0);
    }
  });
});

describe('termination: a spin is named by the function its loop is in, and the task that ran it', () => {
  const cases: [string, string, string, string][] = [
    ['spin-in-record-end', 'lq_log_end', 'a producer task', ''],
    ['spin-in-enqueue', 'lq_enqueue', 'a producer task', 'lq_log_end() → lq_enqueue()'],
    ['spin-in-drain-helper', 'lq_unicast', 'the lq_kthread() kthread', 'lq_kthread() → lq_send_queue() → lq_unicast()'],
    ['spin-in-sent-hook', 'lq_sent_hook', 'the lq_kthread() kthread', 'lq_kthread() → lq_send_queue() → lq_sent_hook()'],
    // the helper is entered afresh each trip: the loop is the drain's
    ['spin-calls-helper', 'lq_send_queue', 'the lq_kthread() kthread', 'lq_kthread() → lq_send_queue()'],
  ];
  for (const [name, fn, task, chain] of cases) {
    it(`${name}: ${fn}(), in ${task}`, () => {
      const source = text(name);
      const v = only(run(source), 'termination');
      expect(v.message).toMatch(new RegExp(`^more than 200000 steps inside one call of ${fn}\\(\\) without sleeping, in ${task.replace(/[()]/g, '\\$&')}`));
      if (chain) expect(v.message).toContain(`, called as ${chain}:`);
      else expect(v.message).not.toContain('called as');
      expect(v.message).toMatch(/a livelock; the soft-lockup detector fires/);
      const loop = v.trace.filter((s) => s.event.startsWith('runs: '));
      expect(loop.length).toBeGreaterThan(1);
      expect(loop.some((s) => s.fn === fn)).toBe(true);
      quotesItsLines(source, v);
      if (task === 'a producer task') expect(v.message).not.toMatch(/lq_kthread/);
    });
  }
});

describe('termination: recursion without end is a stack overflow with its call chain, not an internal error', () => {
  it('a hook that calls itself', () => {
    const source = text('recursion-self-hook');
    const v = only(run(source), 'termination');
    expect(v.message).toMatch(/^lq_sent_hook\(\) calls itself without end: \d+ nested calls in the lq_kthread\(\) kthread, entered from lq_kthread\(\) → lq_send_queue\(\)/);
    const calls = v.trace.filter((s) => s.event.startsWith('calls '));
    expect(calls.map((s) => `${s.fn}>${/^calls (\w+)/.exec(s.event)![1]}`)).toEqual(['lq_kthread>lq_send_queue', 'lq_send_queue>lq_sent_hook', 'lq_sent_hook>lq_sent_hook', 'lq_sent_hook>lq_sent_hook']);
    expect(v.trace.at(-1)!.event).toMatch(/^… \d+ more nested calls round the same cycle …$/);
    // each call step quotes the line that makes the call
    const lines = source.split('\n');
    for (const s of calls) expect(lines[s.line - 1]).toContain(`${/: (.*)$/.exec(s.event)![1]}`);
  });

  it('two functions that call each other, in the producer path', () => {
    const v = only(run(text('recursion-mutual')), 'termination');
    expect(v.message).toMatch(/^lq_enqueue\(\) and lq_requeue\(\) call each other without end: \d+ nested calls in a producer task, entered from lq_log_end\(\)/);
  });

  it('three functions that call round', () => {
    const v = only(run(text('recursion-three')), 'termination');
    expect(v.message).toMatch(/^lq_sent_hook\(\) → lq_account\(\) → lq_note\(\) → lq_sent_hook\(\) call round without end/);
  });

  it('the interpreter stops a recursion at its depth limit, with the frames it unwound', () => {
    const model = new Analyser().analyseText('static int down(int n)\n{\n\treturn down(n + 1);\n}\n').model;
    const world = new World({ limit: 64, send: { outcome: () => 0 }, traceSize: 16, drains: new Map(), sendTimeout: 0 }, model.file.constants);
    const m = new Machine(model, world, 10_000);
    let err: unknown;
    try {
      m.call('down', [0]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StackOverflowError);
    expect((err as StackOverflowError).frames).toHaveLength(MAX_CALL_DEPTH);
    expect((err as StackOverflowError).cycle()).toMatchObject({ entry: [], cycle: [{ fn: 'down', line: 3 }], calls: MAX_CALL_DEPTH });
  });
});

describe('the same answers when every function is renamed', () => {
  // each function gets a name that says nothing of what it does
  const rename = (source: string) => {
    const names = [...new Set(source.match(/\blq_[a-z_]+(?=\()/g) ?? [])];
    let out = source;
    names.forEach((n, i) => { out = out.replace(new RegExp(`\\b${n}\\b`, 'g'), `fn${i}_x`); });
    return { out, map: new Map(names.map((n, i) => [n, `fn${i}_x`])) };
  };
  for (const name of ['spin-in-enqueue', 'spin-calls-helper', 'recursion-mutual', 'clean-bounded-recursion']) {
    it(name, () => {
      const source = text(name);
      const { out, map } = rename(source);
      expect(out).not.toBe(source);
      const a = run(source);
      const b = run(out);
      const renamed = (s: string) => s.replace(/\blq_[a-z_]+(?=\(\))/g, (n) => map.get(n) ?? n);
      expect(b.violations.map((v) => v.message)).toEqual(a.violations.map((v) => renamed(v.message)));
      expect(b.records).toEqual(a.records);
    });
  }
});

describe('the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'auditlens-liveness-'));
  for (const [name, invariant, what] of [
    ['spin-in-record-end', 'termination', /inside one call of lq_log_end\(\) without sleeping, in a producer task/],
    ['recursion-self-hook', 'termination', /lq_sent_hook\(\) calls itself without end/],
  ] as const) {
    it(`simulate --scenario steady on ${name}: exit 1, ${invariant} VIOLATED and why`, () => {
      const file = join(dir, `${name}.c`);
      writeFileSync(file, text(name));
      const r = spawnSync(process.execPath, [BIN, 'simulate', file, '--scenario', 'steady'], { encoding: 'utf8' });
      expect(r.status, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toContain(`${invariant} VIOLATED`);
      expect(r.stdout).toMatch(new RegExp(`violation: ${invariant}: `));
      expect(r.stdout).toMatch(what);
      expect(r.stdout).not.toMatch(/no invariant violated|internal error/);
      expect(r.stderr).toBe('');
    });
  }
});

describe.skipIf(!hasShared)(needsShared('liveness on the real kernel/audit.c'), () => {
  const corpus = () => readShared(CORPUS);
  const edit = (from: string, to: string) => {
    const src = corpus();
    expect(src.includes(from), `the corpus has ${JSON.stringify(from)}`).toBe(true);
    return src.replace(from, to);
  };
  const endOf = 'void audit_log_end(struct audit_buffer *ab)\n{\n';

  it('a spin in audit_log_end() is named audit_log_end(), not kauditd_thread()', () => {
    const v = only(run(edit(endOf, `${endOf}\tint spins = 0;\n\n\twhile (1)\n\t\tspins++;\n`)), 'termination');
    expect(v.message).toMatch(/^more than 200000 steps inside one call of audit_log_end\(\) without sleeping/);
    expect(v.message).not.toMatch(/kauditd_thread/);
    expect(v.trace.filter((s) => s.event.startsWith('runs: ')).every((s) => s.fn === 'audit_log_end')).toBe(true);
  });

  it('a recursive hook in kauditd_send_queue()\'s path is a termination violation', () => {
    const v = only(run(edit('static void kauditd_send_multicast_skb(struct sk_buff *skb)\n{\n', 'static void kauditd_send_multicast_skb(struct sk_buff *skb)\n{\n\tkauditd_send_multicast_skb(skb);\n')), 'termination');
    expect(v.message).toMatch(/^kauditd_send_multicast_skb\(\) calls itself without end: \d+ nested calls in the kauditd_thread\(\) kthread/);
  });
});
