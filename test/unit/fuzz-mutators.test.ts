/**
 * The fuzz harness's inputs (scripts/fuzz/mutators.ts, run by `npm run fuzz`): the same seed
 * gives the same cases byte for byte, every family and every mutation is produced, and the
 * shapes are what their names say; and a child's result is classed by the CLI's contract.
 * The harness itself is not run here (it is not a test: `npm run fuzz`).
 */
import { describe, expect, it } from 'vitest';
import { withEndings, cliCase, lspCase, LADDERS, scheduleCli, SMOKE_CASES, C_OPS, PATCH_OPS, KCSAN_OPS, INPUT, SECOND, type Seeds, type CliCase } from '../../scripts/fuzz/mutators';
import { Rng } from '../../scripts/fuzz/rng';
import { checkSummary, classifyCli, compareSummaries, type ChildRun } from '../../scripts/fuzz/run';
import { fixture } from '../shared';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const example = (name: string) => ({ name: `project/examples/${name}`, text: readFileSync(resolve(__dirname, '..', '..', 'examples', name), 'utf8') });
const fx = (name: string) => ({ name: `project/test/fixtures/${name}`, text: fixture(name) });

const SEEDS: Seeds = {
  c: [example('kauditd-demo.c'), fx('lsp/mini_audit.c'), fx('patch/apply-base.c')],
  patch: [example('unbounded-retry.patch'), fx('patch/series.mbox'), fx('patch/format-patch-v2.patch')],
  kcsan: [fx('kcsan/harmful-sock.txt'), fx('kcsan/console-two-races.log')],
  bases: [example('kauditd-demo.c')],
  shared: false,
};

const smoke = (i: number) => cliCase(SEEDS, 1, 'smoke', i)!;
const smokeOp = (family: string, op: string): CliCase => smoke(SMOKE_CASES.findIndex((c) => c.family === family && c.op === op));
const text = (c: CliCase) => c.input.toString('utf8');

describe('fuzz mutators', () => {
  it('are deterministic: the same seed and case number give the same input and command', () => {
    for (const mode of ['smoke', 'full'] as const) {
      for (let i = 0; i < 40; i++) {
        const a = cliCase(SEEDS, 42, mode, i);
        const b = cliCase(SEEDS, 42, mode, i);
        if (!a) continue;
        expect(b!.input.equals(a.input), `${mode} case ${i}`).toBe(true);
        expect(b!.args).toEqual(a.args);
        expect(b!.note).toBe(a.note);
      }
    }
    expect(JSON.stringify(lspCase(SEEDS, 42, 'full', 3))).toBe(JSON.stringify(lspCase(SEEDS, 42, 'full', 3)));
  });

  it('depend on the seed', () => {
    const differs = Array.from({ length: 20 }, (_, i) => i).filter((i) => !cliCase(SEEDS, 1, 'full', i)!.input.equals(cliCase(SEEDS, 2, 'full', i)!.input));
    expect(differs.length).toBeGreaterThan(10);
    expect(JSON.stringify(lspCase(SEEDS, 1, 'smoke', 0).actions)).not.toBe(JSON.stringify(lspCase(SEEDS, 2, 'smoke', 0).actions));
  });

  it('the random generator repeats and spreads', () => {
    const a = new Rng(5);
    const b = new Rng(5);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.next()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(new Set(xs.map((x) => Math.floor(x * 10))).size).toBe(10);
  });

  it('the smoke run has every mutation of every CLI family once, each a runnable command', () => {
    const ops = (family: 'c' | 'patch' | 'kcsan', all: object) => expect(SMOKE_CASES.filter((c) => c.family === family).map((c) => c.op)).toEqual(Object.keys(all));
    ops('c', C_OPS);
    ops('patch', PATCH_OPS);
    ops('kcsan', KCSAN_OPS);
    for (let i = 0; i < SMOKE_CASES.length; i++) {
      const c = smoke(i);
      expect(c.family).toBe(SMOKE_CASES[i].family);
      expect(c.args, c.note).toContain(INPUT);
      expect(['check', 'explain', 'simulate', 'review', 'kcsan']).toContain(c.args[0]);
      expect(c.args.includes(SECOND)).toBe(!!c.second);
    }
    expect(cliCase(SEEDS, 1, 'smoke', SMOKE_CASES.length)).toBeUndefined();
  });

  it('a full run cycles through the families and every mutation, climbing the size ladders', () => {
    const seen = new Set<string>();
    const depths: number[] = [];
    for (let i = 0; i < 400; i++) {
      const s = scheduleCli('full', i)!;
      seen.add(`${s.family}/${s.op}`);
      if (s.family === 'c' && s.op === 'deep-if' && depths.length < 3) depths.push((text(cliCase(SEEDS, 1, 'full', i)!).match(/if \(x\) \{/g) ?? []).length);
    }
    expect(seen.size).toBe(SMOKE_CASES.length);
    expect(depths).toEqual(LADDERS.nesting.slice(0, 3));
  });

  it('C: nameless function, line endings with their LF reference, invalid UTF-8, nesting, many functions, a long line, open braces', () => {
    expect(text(smokeOp('c', 'nameless-function'))).toContain('static void {\n}\n');

    const cr = smokeOp('c', 'line-endings');
    expect(text(cr)).not.toContain('\n');
    expect(text(cr)).toContain('\r');
    expect(cr.reference!.toString()).toBe(text(cr).replace(/\r/g, '\n'));
    expect(cr.args).toEqual(['check', '--no-config', '--format', 'json', INPUT]);

    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(smokeOp('c', 'invalid-utf8').input)).toThrow();

    expect(text(smokeOp('c', 'deep-braces')).split('\t{\n').length - 1).toBeGreaterThanOrEqual(2000);
    expect(text(smokeOp('c', 'deep-parens'))).toContain(`${'('.repeat(2000)}x${')'.repeat(2000)}`);
    expect(text(smokeOp('c', 'else-if-chain')).match(/else if/g)).toHaveLength(2000);
    expect(text(smokeOp('c', 'long-expression')).split('\n').some((l) => l.length > 5000)).toBe(true);
    expect(text(smokeOp('c', 'many-functions')).match(/^static \w+ fuzz_[fq]\d+\(/gm)).toHaveLength(2000);
    expect(Math.max(...text(smokeOp('c', 'long-line')).split('\n').map((l) => l.length))).toBeGreaterThanOrEqual(262_144);
    expect(text(smokeOp('c', 'unclosed-braces')).split('{').length - 1).toBeGreaterThanOrEqual(2000);
    expect(text(smokeOp('c', 'many-statements')).split(';').length - 1).toBeGreaterThanOrEqual(10_000);
  });

  it('CR, CRLF and mixed line endings keep every line (a CR before an empty line is not turned into a CRLF)', () => {
    const lf = 'a\n\n\nb\n\nc\n\n';
    for (let seed = 0; seed < 50; seed++) {
      for (const ending of ['cr', 'crlf', 'mixed'] as const) {
        const out = withEndings(lf, ending, new Rng(seed));
        expect(out.split(/\r\n|\r|\n/)).toEqual(lf.split('\n'));
      }
    }
  });

  it('patches: corrupt hunk headers, many files, a huge added line, an mbox of many mails', () => {
    const headers = (t: string) => t.split('\n').filter((l) => l.startsWith('@@'));
    const hh = smokeOp('patch', 'hunk-header');
    const original = SEEDS.patch.find((s) => s.name === hh.seedName)!.text;
    expect(headers(text(hh))).not.toEqual(headers(original));
    expect(text(smokeOp('patch', 'many-files')).match(/^diff --git /gm)!.length).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...text(smokeOp('patch', 'huge-added-line')).split('\n').map((l) => l.length))).toBeGreaterThan(262_144);
    const mbox = smokeOp('patch', 'many-mails');
    expect(mbox.ext).toBe('.mbox');
    expect(text(mbox).match(/^From [0-9a-f]{40} /gm)).toHaveLength(100);
    const truncated = smokeOp('patch', 'truncate');
    expect(SEEDS.patch.find((s) => s.name === truncated.seedName)!.text.startsWith(text(truncated))).toBe(true);
  });

  it('KCSAN reports: many reports, corrupted frames', () => {
    expect(text(smokeOp('kcsan', 'many-reports')).match(/BUG: KCSAN/g)!.length).toBeGreaterThanOrEqual(100);
    const frames = smokeOp('kcsan', 'frames');
    expect(text(frames)).not.toBe(SEEDS.kcsan.find((s) => s.name === frames.seedName)!.text);
  });

  it('LSP sessions: edits, hovers, other requests, bad params, bad JSON and one broken frame', () => {
    for (const index of [0, 1]) {
      const s = lspCase(SEEDS, 1, 'smoke', index);
      const kinds = new Set(s.actions.map((a) => a.kind));
      for (const k of ['edit', 'hover', 'request', 'badParams', 'badJson', 'badFrame']) expect(kinds, `session ${index}`).toContain(k);
      expect(s.actions.filter((a) => a.kind === 'badFrame')).toHaveLength(1);
      expect(s.actions[s.actions.length - 1].kind).toBe('hover');
    }
    expect(lspCase(SEEDS, 1, 'smoke', 0).languageId).toBe('c');
    expect(lspCase(SEEDS, 1, 'smoke', 1).languageId).toBe('auditlens-patch');
  });
});

describe('fuzz outcome classes', () => {
  const limits = { timeoutMs: 60_000, slowMs: 20_000, memoryMb: 400, killMb: 1500 };
  const run = (over: Partial<ChildRun>): ChildRun => ({ code: 0, signal: null, stdout: '', stderr: '', stdoutBytes: 0, ms: 100, peakKb: 50_000, timedOut: false, killedForMemory: false, ...over });
  const outcome = (over: Partial<ChildRun>) => classifyCli(run(over), limits).outcome;

  it('follow the CLI contract: 0/1 results, 2 with one line, anything else a failure', () => {
    expect(outcome({ code: 0 })).toBe('ok');
    expect(outcome({ code: 1, stdout: 'x.c:1:1: warning: ...\n' })).toBe('ok');
    expect(outcome({ code: 2, stderr: 'auditlens: x.c: looks like a binary file\n' })).toBe('unusable');
    expect(outcome({ code: 2, stderr: 'auditlens: internal error: Maximum call stack size exceeded (AUDITLENS_DEBUG=1 shows details)\n' })).toBe('internal');
    expect(outcome({ code: 2, stderr: 'auditlens: x.c: internal error while analysing (please report it): boom\n' })).toBe('internal');
    expect(outcome({ code: 2, stderr: 'one\ntwo\n' })).toBe('crash');
    expect(outcome({ code: 2, stderr: '' })).toBe('crash');
    expect(outcome({ code: 1, stderr: 'TypeError: x\n    at f (/a/b.js:1:2)\n' })).toBe('crash');
    expect(outcome({ code: 134, signal: null })).toBe('crash');
    expect(outcome({ code: null, signal: 'SIGSEGV' })).toBe('crash');
    expect(outcome({ code: null, signal: 'SIGKILL', timedOut: true })).toBe('hang');
    expect(outcome({ code: null, signal: 'SIGKILL', killedForMemory: true })).toBe('memory');
    expect(outcome({ code: 0, peakKb: 500 * 1024 })).toBe('memory');
    expect(outcome({ code: 0, ms: 25_000 })).toBe('slow');
    expect(outcome({ code: 0, stdout: 'hunk 2: could not be applied: internal error (x)\n' })).toBe('internal');
  });

  it('a line-ending case is wrong when its functions or findings differ from the LF file', () => {
    const json = (fns: [string, number, number][], findings: [string, number][] = []) => JSON.stringify({ version: 1, files: [{ functions: fns.map(([name, line, endLine]) => ({ name, line, endLine })), findings: findings.map(([rule, line]) => ({ rule, line, column: 1, endLine: line })) }] });
    const lf = checkSummary(json([['f', 1, 3], ['g', 5, 9]], [['AQ101', 6]]));
    expect(compareSummaries(checkSummary(json([['f', 1, 3], ['g', 5, 9]], [['AQ101', 6]])), lf)).toBeUndefined();
    expect(compareSummaries(checkSummary(json([])), lf)).toMatch(/0 functions, the LF file has 2/);
    expect(compareSummaries(checkSummary(json([['f', 1, 3], ['g', 5, 10]], [['AQ101', 6]])), lf)).toMatch(/g@5-10/);
    expect(compareSummaries(checkSummary(json([['f', 1, 3], ['g', 5, 9]], [['AQ101', 7]])), lf)).toMatch(/findings/);
  });
});
