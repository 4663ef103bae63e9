/**
 * Runs the real `auditlens` command (bin/auditlens.js → dist/cli.js) as a
 * child process, as users and CI scripts do, and captures what it prints.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect } from 'vitest';

export const ROOT = resolve(__dirname, '..', '..');
export const BIN = resolve(ROOT, 'bin', 'auditlens.js');
export const EXAMPLE = resolve(ROOT, 'examples', 'kauditd-demo.c');
export const EXAMPLE_PATCH = resolve(ROOT, 'examples', 'unbounded-retry.patch');
const CLI_BUNDLE = resolve(ROOT, 'dist', 'cli.js');

/**
 * `npm test` builds first; a bare `npx vitest run` may not have. Test files run
 * in parallel, so one of them builds under a lock and the others wait for it.
 */
export function ensureBuilt(): void {
  if (existsSync(CLI_BUNDLE)) return;
  mkdirSync(resolve(ROOT, 'dist'), { recursive: true });
  const lock = resolve(ROOT, 'dist', '.cli-build.lock');
  try {
    mkdirSync(lock);
  } catch {
    const until = Date.now() + 60_000;
    while (existsSync(lock) && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    return;
  }
  try {
    if (!existsSync(CLI_BUNDLE)) execFileSync('node', ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  } finally {
    rmdirSync(lock);
  }
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function auditlens(args: readonly string[], cwd = ROOT): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The bad-input contract: exit 2 and exactly one line on stderr, no stack trace. */
export function expectBadInput(r: CliResult, message: RegExp): void {
  expect(r.status, r.stderr).toBe(2);
  const lines = r.stderr.split('\n');
  expect(lines, r.stderr).toHaveLength(2); // the line and its terminating newline
  expect(lines[1]).toBe('');
  expect(r.stderr).not.toContain('    at ');
  expect(r.stderr).toMatch(message);
}
