/**
 * Liveness (issue 16): a task that sleeps for ever breaks `progress`, one that
 * spins or recurses without end breaks `termination`, and each report names
 * the function the loop (or the cycle) is really in and the task that ran it.
 * The fixtures (test/fixtures/simulate/liveness/) are our own small backlog,
 * each changed in one place; the clean twins sleep, spin or recurse too, but
 * are woken or bounded, and must stay clean. Renaming every function must not
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
import { HungTaskError, MAX_CALL_DEPTH, StackOverflowError } from '../../server/src/simulate/lockup';
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

describe('clean twins: sleeping, spinning and recursing that ends stays clean', () => {
  for (const name of ['base', 'clean-woken-at-top', 'clean-woken-helper', 'clean-producer-end-waits', 'clean-bounded-spin', 'clean-bounded-recursion']) {
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

describe('progress: a consumer that sleeps for ever', () => {
  const cases: [string, string, RegExp][] = [
    ['consumer-sleeps-at-top', 'lq_kthread', /in a loop it can never leave/],
    ['consumer-sleeps-in-helper', 'lq_idle', /in a loop it can never leave/],
    ['consumer-waits-on-flag', 'lq_throttle', /going round a loop that sleeps and never gets on/],
    ['consumer-waits-for-ever', 'lq_kthread', /waiting for a condition nothing made true/],
    ['consumer-stalls-after-sending', 'lq_kthread', /in a loop it can never leave/],
  ];
  for (const [name, fn, how] of cases) {
    it(`${name}: progress, naming ${fn}() and how it sleeps, with the loop in the trace`, () => {
      const source = text(name);
      const r = run(source);
      const v = only(r, 'progress');
      expect(v.message).toMatch(/^lq_kthread\(\) delivered no record in 120 s \(12000 ticks\) of healthy auditd \(connected and reading\) while \d+ records waited on the queues/);
      expect(v.message).toMatch(new RegExp(`: it sleeps at line \\d+ in ${fn}\\(\\)`));
      expect(v.message).toMatch(how);
      const end = v.trace.filter((s) => /^(runs|sleeps): /.test(s.event));
      expect(end.length).toBeGreaterThan(0);
      expect(end.every((s) => s.fn === fn)).toBe(true);
      expect(end.some((s) => /schedule|msleep|wait_event/.test(s.event))).toBe(true);
      quotesItsLines(source, v);
      expect(r.records.queued).toBeGreaterThan(0);
      if (name === 'consumer-stalls-after-sending') expect(r.records.delivered).toBeGreaterThan(100);
      else {
        expect(r.records.delivered).toBe(0);
        expect(v.message).toMatch(/it has delivered none since the run began/);
      }
    });
  }

  it('consumer-sleeps-in-hook: a hook called through a pointer that sleeps for ever stops the kthread, named with its calls', () => {
    const source = text('consumer-sleeps-in-hook');
    const v = only(run(source), 'progress');
    expect(v.message).toBe(`the lq_kthread() kthread never gets past lq_sent_hook() (called as lq_kthread() → lq_send_queue() → lq_sent_hook()): it sleeps at line ${source.split('\n').findIndex((l) => l.includes('schedule();')) + 1} in lq_sent_hook(), in a loop it can never leave: every wake-up goes round to sleep again`);
    expect(v.trace.filter((s) => s.event.startsWith('runs: ')).map((s) => s.event)).toEqual(['runs: while (1)', 'runs: schedule();']);
    quotesItsLines(source, v);
  });

  it('stops the run once the consumer is hung, not after 100,000 ticks', () => {
    const r = run(text('consumer-sleeps-at-top'));
    expect(r.stats.ticks).toBeLessThan(13_000);
  });
});

describe('progress: a producer path that sleeps for ever', () => {
  const cases: [string, string, RegExp][] = [
    ['producer-sleeps-at-end', 'lq_log_end', /in a loop it can never leave/],
    ['producer-sleeps-in-wait', 'lq_log_start', /going round a loop that sleeps and never gets on/],
    ['producer-waits-in-enqueue', 'lq_enqueue', /waiting for a condition nothing made true/],
  ];
  for (const [name, fn, how] of cases) {
    it(`${name}: progress, naming ${fn}()`, () => {
      const source = text(name);
      const r = run(source);
      const v = only(r, 'progress');
      expect(v.message).toMatch(new RegExp(`^the producer path has not finished a record for 120 s \\(12000 ticks\\) while auditd was connected and reading and lq_queue had room: it sleeps at line \\d+ in ${fn}\\(\\)`));
      expect(v.message).toMatch(how);
      expect(v.trace.filter((s) => /^(runs|sleeps): /.test(s.event)).every((s) => s.fn === fn)).toBe(true);
      quotesItsLines(source, v);
      // the record the producer holds is not leaked: it never finished with it
      expect(r.records.dropped).toBe(0);
    });
  }
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

  it('a wait that cannot end where no other task runs is a hung task, not a hang of the simulator', () => {
    const model = new Analyser().analyseText('static int ready;\n\nstatic int stuck(void)\n{\n\twait_event(wq, ready);\n\treturn 1;\n}\n').model;
    const world = new World({ limit: 64, send: { outcome: () => 0 }, traceSize: 16, drains: new Map(), sendTimeout: 0 }, model.file.constants);
    expect(() => new Machine(model, world, 10_000).call('stuck', [])).toThrow(HungTaskError);
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
  for (const name of ['consumer-sleeps-in-helper', 'producer-sleeps-at-end', 'spin-in-enqueue', 'recursion-mutual', 'clean-woken-helper']) {
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
    ['consumer-sleeps-at-top', 'progress', /it sleeps at line \d+ in lq_kthread\(\), in a loop it can never leave/],
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

  it('kauditd_thread() asleep for ever at its top: progress, with the loop', () => {
    const v = only(run(edit('\tset_freezable();\n', '\tset_freezable();\n\twhile (1)\n\t\tschedule();\n')), 'progress');
    expect(v.message).toMatch(/^kauditd_thread\(\) delivered no record .* it sleeps at line \d+ in kauditd_thread\(\), in a loop it can never leave/);
    expect(v.trace.at(-1)!.event).toBe('runs: schedule();');
  });

  it('a spin in audit_log_end() is named audit_log_end(), not kauditd_thread()', () => {
    const v = only(run(edit(endOf, `${endOf}\tint spins = 0;\n\n\twhile (1)\n\t\tspins++;\n`)), 'termination');
    expect(v.message).toMatch(/^more than 200000 steps inside one call of audit_log_end\(\) without sleeping/);
    expect(v.message).not.toMatch(/kauditd_thread/);
    expect(v.trace.filter((s) => s.event.startsWith('runs: ')).every((s) => s.fn === 'audit_log_end')).toBe(true);
  });

  it('audit_log_end() asleep for ever: progress naming audit_log_end() (audit_init() logs at boot, so boot never gets past it)', () => {
    const v = only(run(edit(endOf, `${endOf}\twhile (1)\n\t\tschedule();\n`)), 'progress');
    expect(v.message).toMatch(/audit_log_end\(\)/);
    expect(v.message).toMatch(/it sleeps at line \d+ in audit_log_end\(\), in a loop it can never leave/);
  });

  it('a recursive hook in kauditd_send_queue()\'s path is a termination violation', () => {
    const v = only(run(edit('static void kauditd_send_multicast_skb(struct sk_buff *skb)\n{\n', 'static void kauditd_send_multicast_skb(struct sk_buff *skb)\n{\n\tkauditd_send_multicast_skb(skb);\n')), 'termination');
    expect(v.message).toMatch(/^kauditd_send_multicast_skb\(\) calls itself without end: \d+ nested calls in the kauditd_thread\(\) kthread/);
  });
});
