/**
 * Inputs at the edge of what the tools accept, for `npm run bench -- --only limits`: each
 * family of shapes that once cost seconds or a gigabyte (a long line, many functions, deep
 * nesting, unclosed braces, a patch of many files, a patch adding one huge line, a long mbox)
 * at 1x, 4x and 16x of its size, the largest being the size the issue names. Each run is the
 * real CLI in its own process; its time and peak resident memory (the process's own maxRSS,
 * reported at exit by a preloaded hook) show whether growth is linear. No case under the
 * default size limit may take more than 20 s or 400 MB.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface LimitRow {
  family: string;
  scale: number;
  /** What the input is at this scale. */
  size: string;
  bytes: number;
  ms: number;
  peakMb: number;
  exit: number | null;
  /** The command's last line of stderr when it failed or said something. */
  note: string;
}

interface Family {
  name: string;
  /** The command, given the input's path. */
  command: (file: string) => string[];
  /** The input at scale `k` (1, 4 or 16), and what it is. */
  make: (k: number) => { text: string; size: string; ext: string };
}

const ROOT = resolve(__dirname, '..');
const EXAMPLE = readFileSync(resolve(ROOT, 'examples', 'kauditd-demo.c'), 'utf8');
const MiB = 1024 * 1024;

function fn(i: number): string {
  return `static int gen_fn_${i}(int x)\n{\n\treturn x + ${i};\n}\n`;
}

function mail(i: number): string {
  return [
    `From ${(0x1000 + i).toString(16)} Mon Sep 17 00:00:00 2001`,
    `From: Gen Author <gen${i}@example.org>`,
    `Date: Mon, 2 Mar 2026 10:${String(i % 60).padStart(2, '0')}:00 +0000`,
    `Subject: [PATCH ${i}] audit demo: comment ${i}`,
    `Message-Id: <gen-${i}@example.org>`,
    '',
    `A generated patch, number ${i}.`,
    '',
    '---',
    'diff --git a/kernel/audit.c b/kernel/audit.c',
    '--- a/kernel/audit.c',
    '+++ b/kernel/audit.c',
    '@@ -1,3 +1,4 @@',
    ` ${EXAMPLE.split('\n')[0]}`,
    `+/* comment ${i} */`,
    ` ${EXAMPLE.split('\n')[1]}`,
    ` ${EXAMPLE.split('\n')[2]}`,
    '',
  ].join('\n');
}

export const FAMILIES: Family[] = [
  {
    name: 'one long line of code (4 MiB at 16x)',
    command: (f) => ['check', f],
    make: (k) => {
      const n = Math.round((k * MiB) / 4 / 3);
      return { text: `${EXAMPLE}\nstatic const int gen_table[] = {${'1, '.repeat(n)}0};\n`, size: `${n.toLocaleString('en')} initialisers on one line`, ext: 'c' };
    },
  },
  {
    name: 'many functions (100,000 at 16x)',
    command: (f) => ['check', f],
    make: (k) => {
      const n = (100_000 * k) / 16;
      return { text: Array.from({ length: n }, (_, i) => fn(i)).join(''), size: `${n.toLocaleString('en')} functions`, ext: 'c' };
    },
  },
  {
    name: 'nesting (10,000 deep at 16x)',
    command: (f) => ['check', f],
    make: (k) => {
      const n = (10_000 * k) / 16;
      return { text: `${EXAMPLE}\nint gen_deep(int x)\n{\n${'if (x) {\n'.repeat(n)}x++;\n${'}\n'.repeat(n)}return x;\n}\n`, size: `${n.toLocaleString('en')} nested ifs`, ext: 'c' };
    },
  },
  {
    name: 'unclosed braces (100,000 at 16x)',
    command: (f) => ['check', f],
    make: (k) => {
      const n = (100_000 * k) / 16;
      return { text: `${EXAMPLE}\n${'{\n'.repeat(n)}`, size: `${n.toLocaleString('en')} open braces`, ext: 'c' };
    },
  },
  {
    name: 'patch touching many files (100,000 at 16x)',
    command: (f) => ['review', '--exit-zero', f],
    make: (k) => {
      const n = (100_000 * k) / 16;
      const parts: string[] = ['From: Gen Author <gen@example.org>', 'Subject: [PATCH] many files', '', '---'];
      // about 48 bytes a file: 100,000 files are 4.8 MB, under the default 8 MiB limit
      for (let i = 0; i < n; i++) parts.push(`--- a/f${i}.c`, `+++ b/f${i}.c`, '@@ -1 +1,2 @@', ' a;', `+b${i};`);
      return { text: `${parts.join('\n')}\n`, size: `${n.toLocaleString('en')} files`, ext: 'patch' };
    },
  },
  {
    name: 'patch adding one huge line (2 MiB at 16x)',
    command: (f) => ['review', '--exit-zero', '--base', resolve(ROOT, 'examples', 'kauditd-demo.c'), f],
    make: (k) => {
      const n = Math.round((k * 2 * MiB) / 16);
      const first = EXAMPLE.split('\n').slice(0, 3);
      const text = ['From: Gen Author <gen@example.org>', 'Subject: [PATCH] one long line', '', '---', 'diff --git a/kernel/audit.c b/kernel/audit.c', '--- a/kernel/audit.c', '+++ b/kernel/audit.c', '@@ -1,3 +1,4 @@', ` ${first[0]}`, `+/* ${'x'.repeat(n)} */`, ` ${first[1]}`, ` ${first[2]}`, ''].join('\n');
      return { text, size: `a ${(n / 1024).toLocaleString('en')} KiB line`, ext: 'patch' };
    },
  },
  {
    name: 'mbox of many mails (3,000 at 16x, --max-size 100M)',
    command: (f) => ['review', '--exit-zero', '--max-size', '100M', f],
    make: (k) => {
      const n = Math.round((3000 * k) / 16);
      return { text: Array.from({ length: n }, (_, i) => mail(i)).join('\n'), size: `${n.toLocaleString('en')} mails`, ext: 'mbox' };
    },
  },
];

const PEAK_HOOK = `process.on('exit', () => { try { require('fs').writeSync(2, '\\npeak-rss-kb ' + process.resourceUsage().maxRSS + '\\n'); } catch {} });\n`;

export function measureLimits(scales: number[] = [1, 4, 16], only?: RegExp): LimitRow[] {
  const dir = mkdtempSync(join(tmpdir(), 'auditlens-limits-'));
  const hook = join(dir, 'peak.cjs');
  writeFileSync(hook, PEAK_HOOK);
  const rows: LimitRow[] = [];
  try {
    for (const family of FAMILIES) {
      if (only && !only.test(family.name)) continue;
      for (const k of scales) {
        const { text, size, ext } = family.make(k);
        const file = join(dir, `input.${ext}`);
        writeFileSync(file, text);
        const t0 = performance.now();
        const r = spawnSync(process.execPath, ['-r', hook, resolve(ROOT, 'bin', 'auditlens.js'), ...family.command(file)], { encoding: 'utf8', timeout: 120_000, maxBuffer: 256 * MiB, env: { ...process.env, AUDITLENS_COMPILE_CACHE: '0' } });
        const ms = performance.now() - t0;
        const peak = /peak-rss-kb (\d+)/.exec(r.stderr ?? '');
        const said = (r.stderr ?? '').split('\n').filter((l) => l && !l.startsWith('peak-rss-kb'));
        rows.push({ family: family.name, scale: k, size, bytes: Buffer.byteLength(text), ms, peakMb: peak ? Number(peak[1]) / 1024 : NaN, exit: r.status, note: r.error ? String(r.error.message) : (said[said.length - 1] ?? '').slice(0, 120) });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export function limitsTable(rows: readonly LimitRow[]): string {
  const out = ['input limits (whole CLI process; growth from 1x to 16x should be about 16x or less; none over 20 s or 400 MB)'];
  for (const r of rows) {
    const over = r.ms > 20_000 || r.peakMb > 400 ? '  OVER' : '';
    out.push(`  ${r.family.padEnd(52)} ${String(r.scale).padStart(2)}x ${r.size.padEnd(32)} ${(r.bytes / MiB).toFixed(2).padStart(6)} MiB ${r.ms.toFixed(0).padStart(7)} ms ${r.peakMb.toFixed(0).padStart(5)} MB  exit ${r.exit}${over}${r.note ? `  (${r.note})` : ''}`);
  }
  return out.join('\n');
}
