/**
 * The command line as a user meets it, for `npm run bench`: whole-process wall time of
 * `auditlens check` on the corpus and `auditlens review` of seed 001, each beside
 * `checkpatch.pl` on the same input, run pair by pair (A B A B: this machine's speed drifts,
 * so a ratio is only fair between neighbours), and where a check's time goes
 * (AUDITLENS_TIMINGS=1, cli/timings.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export interface PairRow {
  name: string;
  pairs: number;
  auditlensMs: { median: number; p95: number };
  checkpatchMs?: { median: number; p95: number };
  /** Median over the pairs of checkpatch's time / auditlens's. */
  ratio?: number;
}

/** checkpatch.pl from CHECKPATCH, or scripts/checkpatch.pl under KERNEL_SRC, with a perl to run it; else why not. */
export function findCheckpatch(): { path: string } | { missing: string } {
  const candidates = [process.env.CHECKPATCH, process.env.KERNEL_SRC && resolve(process.env.KERNEL_SRC, 'scripts', 'checkpatch.pl')].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) return { missing: 'no checkpatch.pl: set CHECKPATCH=path or KERNEL_SRC=<kernel tree> (Debian: apt-get install linux-source-6.1, then unpack scripts/ from /usr/src/linux-source-6.1.tar.xz)' };
  if (spawnSync('perl', ['-v'], { stdio: 'ignore' }).status !== 0) return { missing: 'checkpatch.pl needs perl, which is not on PATH' };
  return { path: found };
}

function wall(cmd: string, args: string[], env?: NodeJS.ProcessEnv): { ms: number; stderr: string } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], env: env ?? process.env, maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.error) throw r.error;
  return { ms, stderr: r.stderr ?? '' };
}

function stats(samples: number[]): { median: number; p95: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { median: s[Math.floor((s.length - 1) / 2)], p95: s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)] };
}

/** One comparison: `pairs` alternations of our command and checkpatch's (after one untimed run of each). */
export function comparePair(name: string, ours: string[], theirs: string[] | undefined, pairs: number): PairRow {
  wall(process.execPath, ours);
  if (theirs) wall('perl', theirs);
  const a: number[] = [];
  const b: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const x = wall(process.execPath, ours).ms;
    a.push(x);
    if (theirs) {
      const y = wall('perl', theirs).ms;
      b.push(y);
      ratios.push(y / x);
    }
  }
  return { name, pairs, auditlensMs: stats(a), checkpatchMs: theirs ? stats(b) : undefined, ratio: theirs ? stats(ratios).median : undefined };
}

/** Median of each phase of `auditlens check` over `runs` runs (AUDITLENS_TIMINGS=1). */
export function checkBreakdown(bin: string, file: string, runs: number): Record<string, number> {
  const samples = new Map<string, number[]>();
  for (let i = 0; i < runs; i++) {
    const { stderr } = wall(process.execPath, [bin, 'check', file], { ...process.env, AUDITLENS_TIMINGS: '1' });
    const line = stderr.split('\n').find((l) => l.startsWith('auditlens timings: '));
    if (!line) throw new Error(`auditlens check printed no timings: ${stderr.slice(0, 200)}`);
    for (const [k, v] of Object.entries(JSON.parse(line.slice('auditlens timings: '.length)) as Record<string, number>)) {
      samples.set(k, [...(samples.get(k) ?? []), v]);
    }
  }
  return Object.fromEntries([...samples].map(([k, v]) => [k, stats(v).median]));
}

export function cliRows(root: string, corpus: string | undefined, runs: number): { rows: PairRow[]; breakdown?: Record<string, number>; checkpatch: string } {
  const bin = resolve(root, 'bin', 'auditlens.js');
  const cp = findCheckpatch();
  const checkpatch = 'path' in cp ? cp.path : cp.missing;
  const pairs = Math.max(3, Math.min(runs, 15));
  const rows: PairRow[] = [];
  const target = corpus ?? resolve(root, 'examples', 'kauditd-demo.c');
  rows.push(comparePair(`check ${target.split('/').pop()}`, [bin, 'check', target], 'path' in cp ? [cp.path, '--no-tree', '--file', target] : undefined, pairs));
  const seed = resolve(root, '..', 'shared', 'seeds', '001_31317e1318af443a.txt');
  const mail = existsSync(seed) ? seed : resolve(root, 'examples', 'unbounded-retry.patch');
  rows.push(comparePair(`review ${existsSync(seed) ? 'seed 001' : 'unbounded-retry.patch'}`, [bin, 'review', mail], 'path' in cp ? [cp.path, '--no-tree', mail] : undefined, pairs));
  // --explore to its first counterexample on the late-2021 code (5.10.89: the head rehold's livelock era)
  const late2021 = resolve(root, '..', 'shared', 'corpus', 'history', 'v5.10.89.c');
  if (existsSync(late2021)) {
    rows.push(comparePair('explore 5.10.89 stopped', [bin, 'simulate', late2021, '--scenario', 'auditd-stopped', '--explore'], undefined, Math.min(pairs, 5)));
    rows.push(comparePair('finding AQ103 5.10.89', [bin, 'simulate', late2021, '--finding', 'AQ103@kauditd_rehold_skb'], undefined, Math.min(pairs, 5)));
  }
  return { rows, breakdown: checkBreakdown(bin, target, pairs), checkpatch };
}
