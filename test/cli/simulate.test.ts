/**
 * `auditlens simulate` as users and CI run it. These cases run the real
 * engine (server/src/simulate) through the bundled CLI.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../shared';
import { auditlens, BIN, ensureBuilt, EXAMPLE, EXAMPLE_PATCH, expectBadInput, ROOT } from './cliProcess';

const V2022 = join(FIXTURES, 'versions', 'v2022.c');

beforeAll(ensureBuilt);

describe('auditlens simulate', () => {
  it('runs steady on the demo: every record produced is delivered (exit 0)', () => {
    const r = auditlens(['simulate', EXAMPLE, '--scenario', 'steady', '--records', '200', '--format', 'json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const result = JSON.parse(r.stdout);
    expect(result.version).toBe(1);
    expect(result.scenario).toBe('steady');
    expect(result.violations).toEqual([]);
    expect(result.records.produced).toBeGreaterThan(0);
    expect(result.records.produced).toBe(result.records.delivered);
  });

  it('prints DESIGN.md\'s JSON contract with --format json', () => {
    const r = auditlens(['simulate', V2022, '--scenario', 'auditd-stopped', '--records', '200', '--seed', '3', '--backlog-limit', '32', '--format', 'json']);
    expect([0, 1]).toContain(r.status);
    const result = JSON.parse(r.stdout);
    expect(Object.keys(result).slice(0, 6)).toEqual(['version', 'scenario', 'records', 'lostByReason', 'queues', 'violations']);
    expect(Object.keys(result.records).sort()).toEqual(['delivered', 'dropped', 'lost', 'produced', 'queued']);
    for (const q of Object.values(result.queues) as { max: number }[]) expect(Object.keys(q)).toEqual(['max']);
    expect(result.parameters).toMatchObject({ records: 200, seed: 3, backlogLimit: 32 });
    for (const v of result.violations) {
      expect(['ordering', 'bounded', 'termination', 'accounting']).toContain(v.invariant);
      expect(typeof v.message).toBe('string');
      expect(Array.isArray(v.trace)).toBe(true);
    }
    // exit 1 exactly when an invariant is violated
    expect(r.status).toBe(result.violations.length ? 1 : 0);
    // the series' samples stay one per line
    expect(r.stdout).toMatch(/^ {6}\[0, \d+, \d+, \d+\],?$/m);
  });

  it('prints a compact summary with the end of each violation\'s trace', () => {
    const r = auditlens(['simulate', V2022, '--scenario', 'auditd-stopped', '--records', '200']);
    expect([0, 1]).toContain(r.status);
    expect(r.stdout).toMatch(/^.*v2022\.c: scenario auditd-stopped \(records 200, backlog limit \d+, seed 1\)$/m);
    expect(r.stdout).toMatch(/^records: produced \d+, delivered \d+, queued \d+, lost \d+, dropped \d+$/m);
    expect(r.stdout).toMatch(/^invariants: ordering (ok|VIOLATED), bounded (ok|VIOLATED), termination (ok|VIOLATED), accounting (ok|VIOLATED), progress (ok|VIOLATED)$/m);
    if (r.status === 1) {
      expect(r.stdout).toMatch(/^violation: (ordering|bounded|termination|accounting): /m);
      const steps = r.stdout.split('\n').filter((l) => /^ {2}L\d+ \w+: .*\[\w+=\d+/.test(l));
      expect(steps.length).toBeGreaterThan(0);
      expect(steps.length).toBeLessThanOrEqual(15 * 4);
    } else {
      expect(r.stdout).toMatch(/no invariant violated\n$/);
    }
  });

  it('reads the source from standard input with -, and reports progress on stderr with --progress', () => {
    const r = spawnSync(process.execPath, [BIN, 'simulate', '-', '--scenario', 'steady', '--records', '100', '--progress', '--format', 'json'], { cwd: ROOT, input: readFileSync(EXAMPLE), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).version).toBe(1);
    for (const line of r.stderr.split('\n').filter(Boolean)) expect(line).toMatch(/^progress (0|1)\.\d{3}$/);
  });

  it('exits 2 with one line on an unknown scenario, listing the scenarios', () => {
    expectBadInput(auditlens(['simulate', EXAMPLE, '--scenario', 'auditd-sleepy']), /^auditlens simulate: unknown scenario 'auditd-sleepy'; scenarios: steady, auditd-down, auditd-restart, auditd-stopped, eagain-burst$/m);
    expectBadInput(auditlens(['simulate', EXAMPLE]), /--scenario is required/);
  });

  it('exits 2 with one line on bad numbers and other usage errors', () => {
    expectBadInput(auditlens(['simulate', EXAMPLE, '--scenario', 'steady', '--records', 'many']), /^auditlens simulate: --records must be a whole number from 1 to 1000000 \(got 'many'\)$/m);
    expectBadInput(auditlens(['simulate', EXAMPLE, '--scenario', 'steady', '--records', '0']), /--records must be a whole number/);
    expectBadInput(auditlens(['simulate', EXAMPLE, '--scenario', 'steady', '--backlog-limit', '1.5']), /--backlog-limit must be a whole number/);
    expectBadInput(auditlens(['simulate', EXAMPLE, '--scenario', 'steady', '--seed', '-1']), /--seed must be a whole number/);
    expectBadInput(auditlens(['simulate', EXAMPLE, '--scenario', 'steady', '--format', 'sarif']), /--format must be one of text, json/);
    expectBadInput(auditlens(['simulate', '--scenario', 'steady']), /needs one C file/);
    expectBadInput(auditlens(['simulate', EXAMPLE, EXAMPLE, '--scenario', 'steady']), /needs one C file/);
  });

  it('exits 2 with one line on unusable input', () => {
    expectBadInput(auditlens(['simulate', join(ROOT, 'no-such.c'), '--scenario', 'steady']), /^auditlens: .*no-such\.c: no such file$/m);
    expectBadInput(auditlens(['simulate', EXAMPLE_PATCH, '--scenario', 'steady']), /looks like a patch/);
    // no consumer thread: nothing to simulate
    expectBadInput(auditlens(['simulate', join(FIXTURES, 'lsp', 'mini_audit.c'), '--scenario', 'steady']), /^auditlens simulate: .*mini_audit\.c: /m);
  });

  it('has help', () => {
    for (const args of [['simulate', '--help'], ['help', 'simulate']]) {
      const r = auditlens(args);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('Usage: auditlens simulate [options] FILE.c --scenario NAME');
      expect(r.stdout).toContain('Scenarios: steady, auditd-down, auditd-restart, auditd-stopped, eagain-burst');
    }
  });
});

describe('auditlens simulate --finding', () => {
  beforeAll(() => ensureBuilt());
  const rules = (name: string) => join(FIXTURES, 'rules', name);

  it('shows a finding the simulator can reach, with the run that breaks its invariant (exit 1)', () => {
    const r = auditlens(['simulate', rules('AQ103-trigger.c'), '--finding', 'AQ103@kauditd_rehold_skb']);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout.split('\n')[0]).toMatch(/^AQ103 in kauditd_rehold_skb\(\) breaks termination: shown by [a-z-]+ \(explored \d+ variants/);
    expect(r.stdout).toMatch(/^invariants: .*termination VIOLATED/m);
  });

  it('says so, and what it tried, when it cannot show a finding (exit 0, never a silent pass)', () => {
    // with no backlog limit there is no bound for the unbounded retry queue to pass
    const r = auditlens(['simulate', rules('AQ101-trigger.c'), '--finding', 'AQ101@kauditd_retry_skb', '--backlog-limit', '0', '--format', 'json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { reproduced: boolean; invariant: string; summary: string; tried: { scenario: string; bypass: boolean }[] };
    expect(out).toMatchObject({ reproduced: false, invariant: 'bounded' });
    // each scenario, then each again with producers that bypass the backlog wait
    expect(out.tried.map((t) => `${t.scenario}${t.bypass ? '+bypass' : ''}`)).toEqual(['auditd-stopped', 'eagain-burst', 'auditd-restart', 'auditd-stopped+bypass', 'eagain-burst+bypass', 'auditd-restart+bypass']);
    expect(out.summary).toMatch(/the simulator could not show it/);
  });

  it('exits 2 with one line on a finding the file does not have, or a malformed one', () => {
    for (const spec of ['AQ103@no_such_function', 'AQ103', 'AL206@kauditd_thread']) {
      const r = auditlens(['simulate', rules('AQ103-trigger.c'), '--finding', spec]);
      expect(r.status, spec).toBe(2);
      expect(r.stderr.trim().split('\n'), spec).toHaveLength(1);
    }
  });
});
