/**
 * Native and WebAssembly tree-sitter must give the same answers: every C file we
 * have (fixtures, the example, and the real kernel files when ../shared is here)
 * is checked with each engine by the real CLI, and the findings, roles, queue
 * operations, reviews and simulations must be equal, byte for byte, once timings
 * are taken out. Native needs its binding: where it does not load (no prebuild for
 * this libc and no compiled build: `npm run build:native`), the test says so and skips.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt, ROOT } from '../cli/cliProcess';
import { CORPUS, hasShared, SHARED, sharedSkipReason } from '../shared';

function cli(engine: 'native' | 'wasm', args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, AUDITLENS_PARSER: engine },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Timings differ from run to run; everything else must not. */
function stable(json: string): unknown {
  return JSON.parse(json, (key, value) => (/^ms$|Ms$|PerSecond$/.test(key) ? 0 : value));
}

function nativeLoads(): string | undefined {
  ensureBuilt();
  const r = cli('native', ['--version']);
  return r.status === 0 ? undefined : r.stderr.trim();
}

const cFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.c')).map((f) => join(dir, f)) : []);
const FIXTURE_C = ['rules', 'versions', 'simulate', 'lsp', 'patch'].flatMap((d) => cFiles(resolve(ROOT, 'test', 'fixtures', d)));
const EXAMPLE = resolve(ROOT, 'examples', 'kauditd-demo.c');

let nativeProblem: string | undefined;
beforeAll(() => {
  nativeProblem = nativeLoads();
  if (nativeProblem) console.warn(`[engines] native tree-sitter does not load here, so there is nothing to compare: ${nativeProblem}`);
});

function same(args: readonly string[]): void {
  const n = cli('native', args);
  const w = cli('wasm', args);
  expect(w.status, w.stderr).toBe(n.status);
  expect(w.stderr).toBe(n.stderr);
  expect(stable(w.stdout)).toEqual(stable(n.stdout));
}

describe('native and WebAssembly engines agree', () => {
  it('wasm is what --version reports when forced', () => {
    const r = cli('wasm', ['--version']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/parser: WebAssembly tree-sitter/);
  });

  it('on every fixture and the example: parse, functions, roles, queues and findings', (ctx) => {
    if (nativeProblem) ctx.skip();
    expect(FIXTURE_C.length).toBeGreaterThan(40);
    same(['check', '--format', 'json', '--verbose', '--exit-zero', EXAMPLE, ...FIXTURE_C]);
  });

  it('on the example patch review and a simulation of the example', (ctx) => {
    if (nativeProblem) ctx.skip();
    same(['review', '--format', 'json', '--exit-zero', resolve(ROOT, 'examples', 'unbounded-retry.patch'), '--base', EXAMPLE]);
    same(['simulate', EXAMPLE, '--scenario', 'auditd-stopped', '--records', '300', '--format', 'json']);
  });

  describe.skipIf(!hasShared)(`on the real kernel files${hasShared ? '' : ` (skipped: ${sharedSkipReason})`}`, () => {
    const history = () => cFiles(join(SHARED, 'corpus', 'history'));

    it('today\'s audit.c and every file under corpus/history: check', (ctx) => {
      if (nativeProblem) ctx.skip();
      same(['check', '--format', 'json', '--verbose', '--exit-zero', CORPUS, ...history()]);
    });

    it('simulations of each of them', (ctx) => {
      if (nativeProblem) ctx.skip();
      for (const file of [CORPUS, ...history()]) {
        for (const scenario of ['steady', 'auditd-stopped']) same(['simulate', file, '--scenario', scenario, '--records', '400', '--format', 'json']);
      }
    });

    it('the seed patches reviewed with and without a base', (ctx) => {
      if (nativeProblem) ctx.skip();
      const seeds = readdirSync(join(SHARED, 'seeds')).filter((f) => /^00[13]_/.test(f)).map((f) => join(SHARED, 'seeds', f));
      for (const seed of seeds) {
        same(['review', '--format', 'json', '--exit-zero', seed]);
        same(['review', '--format', 'json', '--exit-zero', seed, '--base', CORPUS]);
      }
    });
  });
});
