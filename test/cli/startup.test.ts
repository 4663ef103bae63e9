/**
 * How the command starts: bin/auditlens.js loads the bundle through a V8 code cache in the
 * temporary directory (a second run uses what the first compiled, with the same output), and
 * AUDITLENS_TIMINGS=1 reports where a run's time went. No timing is asserted: only that the
 * phases are there and add up (npm run bench prints the figures).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BIN, EXAMPLE, ensureBuilt } from './cliProcess';

let tmp = '';
beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'auditlens-startup-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, TMPDIR: tmp, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the compile cache', () => {
  test('the first run writes it, the second uses it, and both print the same', () => {
    const debug = { AUDITLENS_COMPILE_CACHE_DEBUG: '1' };
    const first = run(['check', '--format', 'json', EXAMPLE], debug);
    expect(first.stderr).toContain('compile cache: absent');
    const dirs = readdirSync(tmp).filter((d) => d.startsWith('auditlens-compile-cache-'));
    expect(dirs).toHaveLength(1);
    expect(readdirSync(join(tmp, dirs[0])).filter((f) => f.endsWith('.bin'))).toHaveLength(1);
    const second = run(['check', '--format', 'json', EXAMPLE], debug);
    expect(second.stderr).toContain('compile cache: used');
    const plain = run(['check', '--format', 'json', EXAMPLE], { AUDITLENS_COMPILE_CACHE: '0' });
    // the report carries the parse's own milliseconds; everything else must be the same
    const same = (out: string) => out.replace(/"ms": [\d.]+/g, '"ms": 0');
    expect(same(second.stdout)).toBe(same(first.stdout));
    expect(same(plain.stdout)).toBe(same(first.stdout));
    expect([first.status, second.status, plain.status]).toEqual([plain.status, plain.status, plain.status]);
  });

  test('a damaged cache is rejected and rewritten, not trusted', () => {
    const dir = readdirSync(tmp).find((d) => d.startsWith('auditlens-compile-cache-'))!;
    const file = readdirSync(join(tmp, dir)).find((f) => f.endsWith('.bin'))!;
    writeFileSync(join(tmp, dir, file), Buffer.from('not a code cache'));
    const r = run(['check', EXAMPLE], { AUDITLENS_COMPILE_CACHE_DEBUG: '1' });
    expect(r.stderr).toContain('compile cache: rejected');
    expect(r.stdout).toContain('checked 1 file');
    expect(run(['check', EXAMPLE], { AUDITLENS_COMPILE_CACHE_DEBUG: '1' }).stderr).toContain('compile cache: used');
  });
});

test.skipIf(typeof process.getuid !== 'function')('a cache directory others can write is not used: a planted cache is code', () => {
  const shared = mkdtempSync(join(tmpdir(), 'auditlens-shared-tmp-'));
  try {
    const dir = join(shared, `auditlens-compile-cache-${process.getuid!()}`);
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const r = spawnSync(process.execPath, [BIN, 'check', EXAMPLE], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, TMPDIR: shared, AUDITLENS_COMPILE_CACHE_DEBUG: '1' } });
    expect(r.stdout).toContain('checked 1 file');
    expect(r.stderr).not.toContain('compile cache:');
    expect(readdirSync(dir)).toEqual([]);
  } finally {
    rmSync(shared, { recursive: true, force: true });
  }
});

test('AUDITLENS_TIMINGS=1 reports each phase of a check, and they add up to the total', () => {
  const r = run(['check', EXAMPLE], { AUDITLENS_TIMINGS: '1' });
  const line = r.stderr.split('\n').find((l) => l.startsWith('auditlens timings: '));
  expect(line, r.stderr).toBeDefined();
  const t = JSON.parse(line!.slice('auditlens timings: '.length)) as Record<string, number>;
  for (const phase of ['node', 'load', 'parser engine', 'read', 'parse', 'analysis', 'output', 'gc', 'total']) expect(t[phase], phase).toBeGreaterThanOrEqual(0);
  const { gc, total, ...phases } = t;
  const sum = Object.values(phases).reduce((a, b) => a + b, 0);
  expect(Math.abs(sum - total)).toBeLessThan(1); // rounding only
  expect(gc).toBeLessThanOrEqual(total);
  expect(run(['check', EXAMPLE], {}).stderr).not.toContain('auditlens timings');
});
