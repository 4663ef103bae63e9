/**
 * The project configuration (`.auditlens.json`, `--config`, `--rule`) and the
 * CI baseline (`--write-baseline`, `--baseline`, SARIF baselineState), through
 * the real command, on the project's own rule fixtures.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditlens, ensureBuilt, expectBadInput, ROOT } from './cliProcess';
import type { CheckReport } from '../../server/src/report/checkReport';

const RULES = resolve(ROOT, 'test', 'fixtures', 'rules');
let tmp = '';

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'auditlens-config-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A kernel-tree-like directory: `kernel/audit.c` from a fixture, a config at the top when given. */
function tree(name: string, fixture: string, config?: object): string {
  const dir = join(tmp, name);
  mkdirSync(join(dir, 'kernel'), { recursive: true });
  copyFileSync(join(RULES, fixture), join(dir, 'kernel', 'audit.c'));
  if (config) writeFileSync(join(dir, '.auditlens.json'), JSON.stringify(config));
  return dir;
}

function rulesOf(stdout: string): string[] {
  return (JSON.parse(stdout) as CheckReport).files.flatMap((f) => f.findings.map((x) => `${x.rule}:${x.severity}`));
}

describe('project configuration', () => {
  it('a rule turned off in .auditlens.json above the file is not reported, and the exit status follows', () => {
    const plain = tree('plain', 'AC301-trigger.c');
    expect(auditlens(['check', 'kernel/audit.c'], plain).status).toBe(1);
    const off = tree('off', 'AC301-trigger.c', { rules: { AC301: 'off' } });
    const r = auditlens(['check', '--format', 'json', 'kernel/audit.c'], off);
    expect(r.status, r.stderr).toBe(0);
    expect(rulesOf(r.stdout)).not.toContain('AC301:warning');
    // found by walking up from the file, not from the working directory
    const fromElsewhere = auditlens(['check', join(off, 'kernel', 'audit.c')], tmp);
    expect(fromElsewhere.status, fromElsewhere.stdout).toBe(0);
  });

  it('auditlens.config.json is found too, and a severity can be changed', () => {
    const dir = tree('named', 'AC301-trigger.c');
    writeFileSync(join(dir, 'auditlens.config.json'), JSON.stringify({ rules: { AC301: 'information' } }));
    const r = auditlens(['check', '--format', 'json', 'kernel/audit.c'], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(rulesOf(r.stdout)).toContain('AC301:information');
  });

  it('--rule overrides the file, --config names one, --no-config ignores it', () => {
    const dir = tree('flags', 'AC301-trigger.c', { rules: { AC301: 'off' } });
    expect(rulesOf(auditlens(['check', '--format', 'json', '--exit-zero', '--rule', 'AC301=error', 'kernel/audit.c'], dir).stdout)).toContain('AC301:error');
    expect(rulesOf(auditlens(['check', '--format', 'json', '--exit-zero', '--rule', 'AC301=default', 'kernel/audit.c'], dir).stdout)).toContain('AC301:warning');
    expect(rulesOf(auditlens(['check', '--format', 'json', '--exit-zero', '--no-config', 'kernel/audit.c'], dir).stdout)).toContain('AC301:warning');
    const other = join(tmp, 'other.json');
    writeFileSync(other, JSON.stringify({ rules: { AC301: 'information' } }));
    expect(rulesOf(auditlens(['check', '--format', 'json', '--config', other, 'kernel/audit.c'], dir).stdout)).toContain('AC301:information');
  });

  it('unknown keys and rules are warned about on stderr, not silently taken', () => {
    const dir = tree('typo', 'AC301-trigger.c', { rulez: {}, rules: { AC999: 'off', AC301: 'of' } });
    const r = auditlens(['check', 'kernel/audit.c'], dir);
    expect(r.status).toBe(1); // AC301 still on: "of" is not a setting
    expect(r.stderr).toMatch(/warning: .*unknown key "rulez"/);
    expect(r.stderr).toMatch(/rules\.AC999: no rule AC999/);
    expect(r.stderr).toMatch(/rules\.AC301: must be off, error/);
  });

  it('a configuration that is not JSON, or a bad --rule, is unusable input: exit 2, one line', () => {
    const dir = tree('broken', 'AC301-trigger.c');
    writeFileSync(join(dir, '.auditlens.json'), '{ "rules": ');
    expectBadInput(auditlens(['check', 'kernel/audit.c'], dir), /\.auditlens\.json: not valid JSON/);
    expectBadInput(auditlens(['check', '--rule', 'AC301', 'kernel/audit.c'], dir), /--rule takes RULE=SETTING/);
    expectBadInput(auditlens(['check', '--rule', 'XX1=off', 'kernel/audit.c'], dir), /no rule XX1/);
    expectBadInput(auditlens(['check', '--config', join(dir, 'absent.json'), 'kernel/audit.c'], dir), /configuration file not found/);
  });
});

describe('baseline', () => {
  it('round-trips: written, re-run reports 0 new; an edited-in bug is exactly 1 new; moved code stays known', () => {
    const dir = tree('baseline', 'AQ103-clean.c');
    const write = auditlens(['check', '--write-baseline', '.auditlens-baseline.json', 'kernel/audit.c'], dir);
    expect(write.status, write.stderr).toBe(0);
    expect(write.stderr).toMatch(/wrote 1 finding to the baseline/);
    const baseline = JSON.parse(readFileSync(join(dir, '.auditlens-baseline.json'), 'utf8'));
    expect(baseline).toMatchObject({ version: 1, tool: 'auditlens' });
    expect(baseline.findings[0]).toMatchObject({ rule: 'AQ109', file: 'kernel/audit.c' });

    const again = auditlens(['check', '--format', 'json', '--baseline', '.auditlens-baseline.json', 'kernel/audit.c'], dir);
    expect(again.status).toBe(0);
    expect((JSON.parse(again.stdout) as CheckReport).baseline).toMatchObject({ new: 0, unchanged: 1, absent: [] });

    // lines added above move every finding: fingerprints do not depend on positions
    const source = readFileSync(join(RULES, 'AQ103-clean.c'), 'utf8');
    writeFileSync(join(dir, 'kernel', 'audit.c'), `/* moved */\n\n\n${source}`);
    expect(auditlens(['check', '--baseline', '.auditlens-baseline.json', 'kernel/audit.c'], dir).stdout).toMatch(/no new findings, 1 accepted/);

    // the bug: one new finding, exit 1; the text lists only it
    copyFileSync(join(RULES, 'AQ103-trigger.c'), join(dir, 'kernel', 'audit.c'));
    const bug = auditlens(['check', '--baseline', '.auditlens-baseline.json', 'kernel/audit.c'], dir);
    expect(bug.status).toBe(1);
    expect(bug.stdout).toMatch(/\[AQ103\]/);
    expect(bug.stdout).not.toMatch(/\[AQ109\]/);
    expect(bug.stdout).toMatch(/1 finding new \(1 error\), 1 accepted in \.auditlens-baseline\.json/);
    const json = JSON.parse(auditlens(['check', '--format', 'json', '--baseline', '.auditlens-baseline.json', 'kernel/audit.c'], dir).stdout) as CheckReport;
    expect(json.baseline).toMatchObject({ new: 1, unchanged: 1 });
    expect(json.files[0].findings.map((f) => `${f.rule}:${f.baselineState}`).sort()).toEqual(['AQ103:new', 'AQ109:unchanged']);
  });

  it('the same baseline works from another working directory', () => {
    const dir = tree('cwd', 'AQ103-clean.c');
    auditlens(['check', '--write-baseline', '.auditlens-baseline.json', 'kernel/audit.c'], dir);
    const r = auditlens(['check', '--baseline', join(dir, '.auditlens-baseline.json'), 'audit.c'], join(dir, 'kernel'));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/no new findings, 1 accepted/);
  });

  it('SARIF marks results new, unchanged and absent', () => {
    const dir = tree('sarif', 'AQ103-trigger.c');
    auditlens(['check', '--write-baseline', 'b.json', 'kernel/audit.c'], dir);
    copyFileSync(join(RULES, 'AQ103-clean.c'), join(dir, 'kernel', 'audit.c'));
    const fixed = JSON.parse(auditlens(['check', '--format', 'sarif', '--baseline', 'b.json', 'kernel/audit.c'], dir).stdout);
    const states = fixed.runs[0].results.map((r: { ruleId: string; baselineState: string }) => `${r.ruleId}:${r.baselineState}`).sort();
    expect(states).toEqual(['AQ103:absent', 'AQ109:unchanged']);
    const absent = fixed.runs[0].results.find((r: { baselineState: string }) => r.baselineState === 'absent');
    expect(absent.locations[0].physicalLocation.artifactLocation).toEqual({ uri: 'kernel/audit.c', uriBaseId: '%SRCROOT%' });
    copyFileSync(join(RULES, 'AQ103-trigger.c'), join(dir, 'kernel', 'audit.c'));
    writeFileSync(join(dir, 'empty.json'), JSON.stringify({ version: 1, tool: 'auditlens', note: '', findings: [] }));
    const fresh = JSON.parse(auditlens(['check', '--format', 'sarif', '--baseline', 'empty.json', 'kernel/audit.c'], dir).stdout);
    expect(new Set(fresh.runs[0].results.map((r: { baselineState: string }) => r.baselineState))).toEqual(new Set(['new']));
  });

  it('a missing or foreign baseline is unusable input', () => {
    const dir = tree('bad-baseline', 'AQ103-clean.c');
    expectBadInput(auditlens(['check', '--baseline', 'none.json', 'kernel/audit.c'], dir), /baseline not found/);
    writeFileSync(join(dir, 'foreign.json'), JSON.stringify({ results: [] }));
    expectBadInput(auditlens(['check', '--baseline', 'foreign.json', 'kernel/audit.c'], dir), /not an AuditLens baseline/);
    expectBadInput(auditlens(['check', '--baseline', 'foreign.json', '--write-baseline', 'x.json', 'kernel/audit.c'], dir), /cannot be combined/);
  });
});

describe('simulation defaults from the configuration', () => {
  it('"simulate" gives the scenario and records when the flags do not', () => {
    const dir = tree('simulate', 'AQ103-clean.c', { simulate: { scenario: 'auditd-stopped', records: 300 } });
    const r = auditlens(['simulate', '--format', 'json', 'kernel/audit.c'], dir);
    expect(r.status, r.stderr).toBeLessThan(2);
    const result = JSON.parse(r.stdout);
    expect(result.scenario).toBe('auditd-stopped');
    expect(result.records.produced).toBe(300);
    // a flag wins over the file
    expect(JSON.parse(auditlens(['simulate', '--format', 'json', '--scenario', 'steady', 'kernel/audit.c'], dir).stdout).scenario).toBe('steady');
    // without either, the scenario is still asked for
    expect(auditlens(['simulate', '--no-config', 'kernel/audit.c'], dir).stderr).toMatch(/--scenario is required/);
  });
});
