/**
 * `auditlens check --format sarif` against the official SARIF 2.1.0 schema
 * (vendored in test/schemas, no network), plus what GitHub code scanning
 * needs: a driver name, and per result a ruleId, a level and a location with
 * an artifact URI and a start line.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { version } from '../../package.json';
import type { FileReport, FindingReport } from '../../server/src/report/checkReport';
import { FINGERPRINT_KEY, SRCROOT, type SarifLog, sarifLog } from '../../server/src/cli/sarif';
import { RULES } from '../../server/src/rules/catalogue';
import { auditlens, ensureBuilt, EXAMPLE, ROOT } from './cliProcess';

const schema = JSON.parse(readFileSync(resolve(__dirname, '..', 'schemas', 'sarif-schema-2.1.0.json'), 'utf8'));
const ajv = new Ajv({ allErrors: true });
addFormats(ajv);
const validateSchema = ajv.compile(schema);

/** Schema-valid, and what GitHub code scanning requires of an upload. */
function expectValidSarif(log: unknown): asserts log is SarifLog {
  const ok = validateSchema(log);
  expect(ok, JSON.stringify(validateSchema.errors, null, 2)).toBe(true);
  const run = (log as SarifLog).runs[0];
  expect(run.tool.driver.name).toBe('AuditLens');
  for (const r of run.results) {
    expect(r.ruleId).toMatch(/^A[QLC]\d{3}$/);
    expect(['error', 'warning', 'note']).toContain(r.level);
    expect(r.locations.length).toBeGreaterThan(0);
    expect(r.locations[0].physicalLocation.artifactLocation.uri).not.toBe('');
    expect(r.locations[0].physicalLocation.region.startLine).toBeGreaterThanOrEqual(1);
  }
}

function checkSarif(args: string[]): { status: number | null; log: SarifLog; stderr: string } {
  const r = auditlens(['check', '--format', 'sarif', ...args]);
  return { status: r.status, log: JSON.parse(r.stdout) as SarifLog, stderr: r.stderr };
}

let tmp = '';
beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'auditlens-sarif-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the SARIF schema itself', () => {
  it('rejects what is not SARIF (the validator is not vacuous)', () => {
    expect(validateSchema({ version: '2.1.0' })).toBe(false);
    expect(validateSchema({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ ruleId: 'X', message: { text: 'm' }, level: 'information' }] }] })).toBe(false);
  });
});

describe('auditlens check --format sarif on a clean file', () => {
  it('is valid SARIF 2.1.0 with no results and all 17 rules', () => {
    const path = join(tmp, 'clean.c');
    writeFileSync(path, 'static int answer(void)\n{\n\treturn 42;\n}\n');
    const { status, log, stderr } = checkSarif([path]);
    expect(status, stderr).toBe(0);
    expect(stderr).toBe('');
    expectValidSarif(log);
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    const [run] = log.runs;
    expect(run.results).toEqual([]);
    expect(run.invocations).toEqual([{ executionSuccessful: true }]);
    const { driver } = run.tool;
    expect(driver.version).toBe(version);
    expect(driver.informationUri).toMatch(/^https:\/\//);
    expect(driver.rules.map((r) => r.id)).toEqual(RULES.map((r) => r.id));
    expect(driver.rules).toHaveLength(17);
    for (const [i, rule] of driver.rules.entries()) {
      expect(rule.name).toBe(RULES[i].name);
      expect(rule.shortDescription.text).toBe(RULES[i].summary);
      expect(rule.fullDescription.text.length).toBeGreaterThan(40);
      expect(rule.helpUri).toBe(`https://github.com/auditlens/auditlens/blob/main/docs/rules/${rule.id}.md`);
      expect(rule.defaultConfiguration.level).toBe(RULES[i].severity === 'information' ? 'note' : RULES[i].severity);
    }
  });
});

describe('the rule pages that helpUri points at', () => {
  it('exist in docs/rules for every rule, with its name, default severity and the four sections', () => {
    for (const rule of RULES) {
      const page = resolve(ROOT, 'docs', 'rules', `${rule.id}.md`);
      expect(existsSync(page), page).toBe(true);
      const text = readFileSync(page, 'utf8');
      expect(text.split('\n')[0]).toBe(`# ${rule.id} ${rule.name}`);
      expect(text).toContain(`Default severity: **${rule.severity}**`);
      for (const section of ['## What it flags', '## Why it matters', '## Example', '## The fix']) expect(text, `${rule.id}: ${section}`).toContain(section);
      expect(text).toMatch(/```c\n/);
    }
  });
});

describe('sarifLog on synthetic findings', () => {
  const finding = (over: Partial<FindingReport>): FindingReport => ({
    rule: 'AQ103',
    severity: 'error',
    message: 'kauditd_send_queue keeps draining audit_hold_queue after a failure while kauditd_rehold_skb puts the record back at its head.',
    function: 'kauditd_send_queue',
    line: 40,
    column: 9,
    endLine: 40,
    endColumn: 38,
    related: [
      { line: 12, message: 'kauditd_rehold_skb puts the record back at the head of audit_hold_queue' },
      { line: 70, message: 'kauditd_thread binds kauditd_rehold_skb as the error hook here' },
    ],
    anchor: 'AQ103|kauditd_send_queue|audit_hold_queue',
    ...over,
  });
  const files: FileReport[] = [
    {
      path: 'kernel/audit.c',
      parse: { errors: 0, functions: 3, ms: 1 },
      functions: [],
      findings: [
        finding({}),
        finding({
          rule: 'AL206', severity: 'information', function: 'audit_ctl_owner_current', line: 5, column: 2, endLine: 5, endColumn: 30,
          message: 'Plain read of audit_cmd_mutex.owner races with audit_ctl_lock; benign.', related: [{ line: 3, message: 'the write in audit_ctl_lock' }],
          anchor: 'AL206||audit_cmd_mutex.owner',
        }),
        finding({ rule: 'AQ101', severity: 'warning', function: '', related: [], anchor: undefined, line: 1, column: 1, endLine: 1, endColumn: 2 }),
      ],
    },
    { path: '/elsewhere/other tree/audit.c', parse: { errors: 0, functions: 0, ms: 1 }, functions: [], findings: [finding({ line: 2, endLine: 2 })] },
  ];
  const log = sarifLog(files, { srcRoot: '/src/linux', unusable: ['missing.c: no such file'] });
  const [run] = log.runs;

  it('is valid SARIF 2.1.0', () => {
    expectValidSarif(log);
    expect(run.results).toHaveLength(4);
  });

  it('carries rule, level, message and the primary location', () => {
    const [r] = run.results;
    expect(r.ruleId).toBe('AQ103');
    expect(r.ruleIndex).toBe(RULES.findIndex((x) => x.id === 'AQ103'));
    expect(run.tool.driver.rules[r.ruleIndex!].id).toBe('AQ103');
    expect(r.level).toBe('error');
    expect(r.message.text).toBe(files[0].findings[0].message);
    expect(r.locations).toEqual([{
      physicalLocation: {
        artifactLocation: { uri: 'kernel/audit.c', uriBaseId: SRCROOT },
        region: { startLine: 40, startColumn: 9, endLine: 40, endColumn: 38 },
      },
      logicalLocations: [{ name: 'kauditd_send_queue', kind: 'function' }],
    }]);
    expect(run.originalUriBaseIds[SRCROOT].uri).toBe('file:///src/linux/');
    expect(run.results[1].level).toBe('note');
    expect(run.results[2].level).toBe('warning');
    expect(run.results[2].locations[0].logicalLocations).toBeUndefined();
  });

  it('carries related locations with ids, lines and messages', () => {
    expect(run.results[0].relatedLocations).toEqual([
      { id: 1, physicalLocation: { artifactLocation: { uri: 'kernel/audit.c', uriBaseId: SRCROOT }, region: { startLine: 12 } }, message: { text: files[0].findings[0].related[0].message } },
      { id: 2, physicalLocation: { artifactLocation: { uri: 'kernel/audit.c', uriBaseId: SRCROOT }, region: { startLine: 70 } }, message: { text: files[0].findings[0].related[1].message } },
    ]);
    expect(run.results[2].relatedLocations).toBeUndefined();
  });

  it('fingerprints by anchor, not by position', () => {
    const fp = (log: SarifLog, i: number) => log.runs[0].results[i].partialFingerprints?.[FINGERPRINT_KEY];
    expect(fp(log, 0)).toMatch(/^[0-9a-f]{32}$/);
    const moved = sarifLog([{ ...files[0], findings: [finding({ line: 90, endLine: 91, message: 'reworded' })] }], { srcRoot: '/src/linux' });
    expect(fp(moved, 0)).toBe(fp(log, 0));
    expect(fp(log, 1)).not.toBe(fp(log, 0));
    expect(fp(log, 2)).toBeUndefined(); // no anchor: left to the consumer
    expect(fp(log, 3)).not.toBe(fp(log, 0)); // same anchor, other file
  });

  it('gives a file outside the source root an absolute file URI', () => {
    expect(run.results[3].locations[0].physicalLocation.artifactLocation).toEqual({ uri: 'file:///elsewhere/other%20tree/audit.c' });
  });

  it('reports files that could not be checked as tool notifications', () => {
    expect(run.invocations).toEqual([{ executionSuccessful: false, toolExecutionNotifications: [{ level: 'error', message: { text: 'missing.c: no such file' } }] }]);
  });
});

describe('auditlens check --format sarif exit status', () => {
  it('exits 0 on the clean example, with paths relative to the working directory', () => {
    const { status, log, stderr } = checkSarif(['examples/kauditd-demo.c']);
    expect(status, stderr).toBe(0);
    expectValidSarif(log);
    expect(log.runs[0].results).toEqual([]);
    expect(log.runs[0].originalUriBaseIds[SRCROOT].uri).toBe(`file://${ROOT}/`);
    expect(auditlens(['check', '--format=sarif', EXAMPLE]).status).toBe(0);
  });

  it('exits 2 on unusable input and still prints a valid log', () => {
    const { status, log, stderr } = checkSarif([EXAMPLE, join(tmp, 'gone.c')]);
    expect(status).toBe(2);
    expect(stderr).toMatch(/gone\.c: no such file/);
    expectValidSarif(log);
    expect(log.runs[0].invocations[0].executionSuccessful).toBe(false);
  });
});
