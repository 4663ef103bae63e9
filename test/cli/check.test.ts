import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS, hasShared, needsShared, readShared } from '../shared';
import { auditlens, ensureBuilt, EXAMPLE, EXAMPLE_PATCH } from './cliProcess';
import type { CheckReport } from '../../server/src/report/checkReport';
import { applyFilePatch } from '../../server/src/patch/apply';
import { parsePatch } from '../../server/src/patch/parse';

interface QueueUse {
  queue: string;
  op: string;
  end: string | null;
  bounded: boolean;
}

interface CheckJson {
  version: number;
  files: {
    path: string;
    parse: { errors: number; functions: number; ms: number };
    functions: { name: string; roles: string[]; line: number; endLine: number; queues: QueueUse[] }[];
    findings: unknown[];
  }[];
}

function checkJson(...args: string[]): CheckJson {
  const r = auditlens(['check', '--format', 'json', ...args]);
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as CheckJson;
}

let tmp = '';
beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'auditlens-check-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('auditlens check on the example', () => {
  const text = readFileSync(EXAMPLE, 'utf8');
  const lines = text.split('\n');

  it('exits 0 and prints a summary line', () => {
    const r = auditlens(['check', 'examples/kauditd-demo.c']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('checked 1 file (15 functions), no findings\n');
  });

  it('lists each function with its 1-based lines under --verbose', () => {
    const r = auditlens(['check', '--verbose', 'examples/kauditd-demo.c']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^examples\/kauditd-demo\.c: 15 functions, 0 syntax errors, parsed in [\d.]+ ms$/m);
    const thread = lines.findIndex((l) => l.startsWith('static int demo_kauditd_thread(')) + 1;
    expect(r.stdout).toMatch(new RegExp(`^  ${thread}-\\d+ +demo_kauditd_thread +roles: `, 'm'));
  });

  it('reports the JSON contract: version 1, parse block, functions with 1-based lines', () => {
    const report = checkJson('examples/kauditd-demo.c');
    expect(report.version).toBe(1);
    expect(report.files).toHaveLength(1);
    const [file] = report.files;
    expect(Object.keys(file)).toEqual(['path', 'parse', 'functions', 'findings']);
    expect(file.path).toBe('examples/kauditd-demo.c');
    expect(file.parse.errors).toBe(0);
    expect(file.parse.functions).toBe(15);
    expect(file.parse.ms).toBeGreaterThan(0);
    expect(file.findings).toBeInstanceOf(Array);
    expect(file.functions.map((f) => f.name)).toContain('demo_send_queue');
    for (const f of file.functions) {
      expect(Object.keys(f)).toEqual(['name', 'roles', 'line', 'endLine', 'queues']);
      expect(f.roles).toBeInstanceOf(Array);
      expect(f.queues).toBeInstanceOf(Array);
      // 1-based: the name is on line `line` and the closing brace on `endLine`
      expect(lines[f.line - 1]).toMatch(new RegExp(`\\b${f.name}\\(`));
      expect(lines[f.endLine - 1]).toBe('}');
    }
  });

  it('accepts --exit-zero, which never hides bad input', () => {
    expect(auditlens(['check', '--exit-zero', EXAMPLE]).status).toBe(0);
    const r = auditlens(['check', '--exit-zero', EXAMPLE, join(tmp, 'missing.c')]);
    expect(r.status).toBe(2);
  });

  it('accepts a larger --max-size with a unit', () => {
    expect(auditlens(['check', '--max-size', '16M', EXAMPLE]).status).toBe(0);
  });
});

describe('the example patch', () => {
  it('applies to the example and removes the retry bound; the result still parses cleanly', () => {
    const work = join(tmp, 'patched');
    mkdirSync(join(work, 'examples'), { recursive: true });
    copyFileSync(EXAMPLE, join(work, 'examples', 'kauditd-demo.c'));
    // GNU patch where the machine has it (a user's `patch -p1`); a Node-only machine has only ours
    if (!spawnSync('patch', ['--version']).error) execFileSync('patch', ['-p1', '--quiet', '-i', EXAMPLE_PATCH], { cwd: work });
    else {
      const file = parsePatch(readFileSync(EXAMPLE_PATCH, 'utf8')).messages.flatMap((m) => m.files)[0];
      const applied = applyFilePatch(readFileSync(EXAMPLE, 'utf8'), file);
      expect(applied.failed).toEqual([]);
      writeFileSync(join(work, 'examples', 'kauditd-demo.c'), applied.post);
    }
    const patched = readFileSync(join(work, 'examples', 'kauditd-demo.c'), 'utf8');
    const retryHook = patched.slice(patched.indexOf('static void demo_retry_skb('), patched.indexOf('static void demo_requeue_failed('));
    expect(retryHook).toContain('skb_queue_tail(&audit_retry_queue, skb);');
    expect(retryHook).not.toContain('audit_backlog_limit');
    const [file] = checkJson('--exit-zero', join(work, 'examples', 'kauditd-demo.c')).files;
    expect(file.parse.errors).toBe(0);
    expect(file.parse.functions).toBe(15);
    // the unbounded retry queue is a warning: exit 1, one finding at the retry hook
    const r = auditlens(['check', '--format', 'json', join(work, 'examples', 'kauditd-demo.c')]);
    expect(r.status, r.stderr).toBe(1);
    const findings = (JSON.parse(r.stdout) as CheckReport).files[0].findings;
    expect(findings.map((f) => `${f.rule}:${f.function}:${f.severity}`)).toEqual(['AQ101:demo_retry_skb:warning']);
    expect(patched.split('\n')[findings[0].line - 1]).toContain('skb_queue_tail(&audit_retry_queue, skb);');
  });
});

describe('auditlens check on imperfect but usable C', () => {
  it('reports syntax errors as notes and still checks the file', () => {
    const path = join(tmp, 'broken.c');
    writeFileSync(path, 'static int f(void)\n{\n\treturn 1 +;\n}\n\nint g(void)\n{\n\treturn 2;\n}\n');
    const r = auditlens(['check', path]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/broken\.c:3:\d+: note: syntax error.*\[syntax\]/);
    const [file] = checkJson(path).files;
    expect(file.parse.errors).toBeGreaterThan(0);
    expect(file.functions.map((f) => f.name)).toEqual(['f', 'g']);
  });

  it('checks an empty file as C with no functions', () => {
    const path = join(tmp, 'empty.c');
    writeFileSync(path, '');
    const [file] = checkJson(path).files;
    expect(file.parse).toMatchObject({ errors: 0, functions: 0 });
  });
});

describe.skipIf(!hasShared)(needsShared('auditlens check on kernel/audit.c (2026)'), () => {
  it('parses without errors and finds all 85 functions at their lines', () => {
    const report = checkJson('--exit-zero', CORPUS);
    const [file] = report.files;
    expect(file.parse.errors).toBe(0);
    expect(file.parse.functions).toBe(85);
    expect(file.functions).toHaveLength(85);
    const lines = readShared(CORPUS).split('\n');
    const thread = file.functions.find((f) => f.name === 'kauditd_thread')!;
    expect(lines[thread.line - 1]).toMatch(/^static int kauditd_thread\(/);
    expect(lines[thread.endLine - 1]).toBe('}');
  });

  it('fills roles and backlog-queue operations from the queue model', () => {
    // --exit-zero: this is about roles and queues, whatever the findings
    const [file] = checkJson('--exit-zero', CORPUS).files;
    const fn = (name: string) => file.functions.find((f) => f.name === name)!;
    expect(fn('kauditd_thread').roles).toEqual(['consumer']);
    expect(fn('kauditd_send_queue').roles).toContain('drain');
    expect(fn('__audit_log_end').roles).toContain('producer');
    expect(fn('__audit_log_end').queues).toEqual([{ queue: 'audit_queue', op: 'enqueue', end: 'tail', bounded: true }]);
    // a drain of a queue parameter names the parameter
    expect(fn('kauditd_send_queue').queues).toContainEqual({ queue: 'param:queue', op: 'dequeue', end: 'head', bounded: true });
    expect(fn('kauditd_hold_skb').queues.filter((q) => q.op === 'enqueue')).toEqual([
      { queue: 'audit_retry_queue', op: 'enqueue', end: 'tail', bounded: true },
      { queue: 'audit_hold_queue', op: 'enqueue', end: 'tail', bounded: true },
    ]);
    // local lists (ab->skb_list) are not backlog queues
    expect(file.functions.flatMap((f) => f.queues.map((q) => q.queue)).every((q) => /^(audit_(hold_|retry_)?queue|param:\w+)$/.test(q))).toBe(true);
  });

  it('shows roles and queue operations under --verbose', () => {
    const r = auditlens(['check', '--verbose', '--exit-zero', CORPUS]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^  \d+-\d+ +kauditd_thread +roles: consumer;/m);
    expect(r.stdout).toMatch(/^  \d+-\d+ +__audit_log_end +roles: producer; queues: enqueue tail audit_queue \(bounded\)$/m);
  });
});
