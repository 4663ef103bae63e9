import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS, FIXTURES, hasShared, needsShared } from '../shared';
import { auditlens, ensureBuilt, EXAMPLE, EXAMPLE_PATCH, expectBadInput } from './cliProcess';

const RENAMED = join(FIXTURES, 'versions', 'renamed.c');

let tmp = '';
beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'auditlens-explain-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('auditlens explain', () => {
  it('prints the hover Markdown of a function (exit 0)', () => {
    const r = auditlens(['explain', RENAMED, 'park_rec']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    // the model first, the signature after a rule
    expect(r.stdout).toMatch(/^\*\*`park_rec`\*\* — requeue {2}\n\*\*Queues\*\*\n/);
    expect(r.stdout).toMatch(/\n\n---\n\n```c\nstatic void park_rec\(/);
    // no URI on the command line: line references are plain
    expect(r.stdout).toMatch(/· L\d+\n/);
    expect(r.stdout).not.toContain('](');
  });

  it('prints { version, symbol, markdown } with --format json', () => {
    const r = auditlens(['explain', '--format', 'json', RENAMED, 'audit_cmd_mutex.owner']);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { version: number; symbol: string; markdown: string };
    expect(Object.keys(report)).toEqual(['version', 'symbol', 'markdown']);
    expect(report.version).toBe(1);
    expect(report.symbol).toBe('audit_cmd_mutex.owner');
    expect(report.markdown).toMatch(/^\*\*`audit_cmd_mutex\.owner`\*\* — field guarded by `audit_cmd_mutex\.lock`/);
  });

  it('exits 2 with one line on an unknown symbol', () => {
    expectBadInput(auditlens(['explain', RENAMED, 'no_such_symbol']), /^auditlens explain: .*renamed\.c has no function, global, field or routed error code 'no_such_symbol'/);
    // a local variable is not a file-level symbol either
    expectBadInput(auditlens(['explain', RENAMED, 'skb']), /has no function, global/);
  });

  it('exits 2 with one line on unusable input or usage', () => {
    expectBadInput(auditlens(['explain', join(tmp, 'missing.c'), 'park_rec']), /^auditlens: .*missing\.c: no such file$/m);
    expectBadInput(auditlens(['explain', EXAMPLE_PATCH, 'demo']), /looks like a patch/);
    const prose = join(tmp, 'prose.c');
    writeFileSync(prose, 'The backlog is a queue of records waiting for the audit daemon.\nWhen it is slow, producers wait; when it is gone, records are held.\n');
    expectBadInput(auditlens(['explain', prose, 'audit_queue']), /does not look like C source/);
    expectBadInput(auditlens(['explain', EXAMPLE]), /needs a C file and a symbol/);
    expectBadInput(auditlens(['explain', '--format', 'sarif', EXAMPLE, 'x']), /--format must be one of text, json/);
  });

  it('has help', () => {
    for (const args of [['explain', '--help'], ['help', 'explain']]) {
      const r = auditlens(args);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('Usage: auditlens explain [options] FILE.c SYMBOL');
    }
  });
});

describe.skipIf(!hasShared)(needsShared('auditlens explain on kernel/audit.c (2026)'), () => {
  it('explains the drain with its routing table', () => {
    const r = auditlens(['explain', CORPUS, 'kauditd_send_queue']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('| call site | error | outcome |');
    expect(r.stdout).toMatch(/single pass/);
  });
});
