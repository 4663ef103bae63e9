/** `auditlens kcsan` as a process: the JSON contract, the exit codes, and the base found from the working directory. */
import { mkdirSync, mkdtempSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../shared';
import { auditlens, ensureBuilt, expectBadInput } from './cliProcess';

const K = (name: string) => join(FIXTURES, 'kcsan', name);
const V2022 = join(FIXTURES, 'versions', 'v2022.c');

describe('auditlens kcsan', () => {
  beforeAll(() => ensureBuilt());

  it('prints the contract: races with variable, accesses, verdict and reason; exit 0 when every race is benign', () => {
    const r = auditlens(['kcsan', K('console-two-races.log'), '--base', V2022, '--format', 'json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.version).toBe(1);
    expect(out.races.map((x: { variable: string; verdict: string }) => `${x.variable}:${x.verdict}`)).toEqual(['audit_cmd_mutex.owner:benign', 'audit_queue.qlen:benign']);
    expect(out.races[0].accesses[0]).toMatchObject({ kind: 'write', function: 'audit_ctl_lock', line: 73 });
    expect(typeof out.races[0].reason).toBe('string');
  });

  it('links a race to check\'s AL206 finding and names the verified fix', () => {
    const out = JSON.parse(auditlens(['kcsan', K('console-two-races.log'), '--base', V2022, '--format', 'json']).stdout);
    expect(out.races[0]).toMatchObject({ check: { rule: 'AL206', line: 84 }, fix: 'Mark the accesses to audit_cmd_mutex.owner with READ_ONCE()/WRITE_ONCE()' });
    expect(out.races[1]).toMatchObject({ check: { rule: 'AL206' }, fix: 'Read audit_queue\'s length with skb_queue_len_lockless() (READ_ONCE)' });
  });

  it('writes schema-valid SARIF 2.1.0: one result per race at the base\'s line, notes for the rest', () => {
    const ajv = new Ajv({ allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(resolve(__dirname, '..', 'schemas', 'sarif-schema-2.1.0.json'), 'utf8')));
    const r = auditlens(['kcsan', K('console-two-races.log'), '--base', V2022, '--format', 'sarif']);
    expect(r.status, r.stderr).toBe(0);
    const log = JSON.parse(r.stdout);
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    const results = log.runs[0].results;
    expect(results.map((x: { level: string; locations: { physicalLocation: { region: { startLine: number } } }[] }) => [x.level, x.locations[0].physicalLocation.region.startLine])).toEqual([['note', 73], ['note', 444]]);
    const harmful = JSON.parse(auditlens(['kcsan', K('harmful-sock.txt'), '--base', join(FIXTURES, 'rules', 'AL206-harmful-trigger.c'), '--format', 'sarif']).stdout);
    expect(validate(harmful)).toBe(true);
    expect(harmful.runs[0].results[0].level).toBe('warning');
  });

  it('exits 1 on a harmful race, and on one it cannot judge', () => {
    expect(auditlens(['kcsan', K('harmful-sock.txt'), '--base', join(FIXTURES, 'rules', 'AL206-harmful-trigger.c')]).status).toBe(1);
    const r = auditlens(['kcsan', K('outside-audit.txt'), '--base', V2022]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^race on \?: unknown/m);
  });

  it('exits 0 on reports that are not races, saying what each is in one line', () => {
    const r = auditlens(['kcsan', K('not-races.log'), '--base', V2022]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^an RCU stall, not a data race: .*kauditd_thread\(\) \(the consumer/m);
    expect(r.stdout.split('\n').filter((l) => /not a data race/.test(l))).toHaveLength(5);
  });

  it('finds kernel/audit.c from the working directory, else says it has no base', () => {
    const tree = mkdtempSync(join(tmpdir(), 'auditlens-kcsan-'));
    mkdirSync(join(tree, 'kernel', 'sub'), { recursive: true });
    copyFileSync(V2022, join(tree, 'kernel', 'audit.c'));
    const found = auditlens(['kcsan', K('offsets-only.txt')], join(tree, 'kernel', 'sub'));
    expect(found.status, found.stderr).toBe(0);
    expect(found.stdout.split('\n')[0]).toMatch(/against .*kernel\/audit\.c$/);
    const none = auditlens(['kcsan', K('offsets-only.txt')], mkdtempSync(join(tmpdir(), 'auditlens-kcsan-none-')));
    expect(none.status).toBe(1);
    expect(none.stdout).toMatch(/note: no kernel\/audit.c to map the report to/);
  });

  it('exits 2 with one line on junk, an empty file, prose, or a missing file', () => {
    expectBadInput(auditlens(['kcsan', K('junk.bin')]), /binary/);
    expectBadInput(auditlens(['kcsan', K('empty.txt')]), /empty/);
    expectBadInput(auditlens(['kcsan', K('missing.txt')]), /no such file/);
    expectBadInput(auditlens(['kcsan', V2022]), /no kernel report found/);
  });
});
