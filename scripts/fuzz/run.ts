/**
 * Runs one child process for the fuzz harness with a time limit, measures its peak
 * resident memory, and sorts the result into the harness's outcome classes.
 *
 * Peak RSS: the child is started with a tiny preload (`node -r peak.js ...`) that writes
 * process.resourceUsage().maxRSS to fd 3 as it exits; /proc/<pid>/status (VmHWM, VmRSS)
 * is polled meanwhile, which covers a child that dies without exiting normally and lets
 * the harness stop one that runs away with the machine's memory.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Worst first: a case's outcome is the worst thing it showed. */
export const OUTCOMES = ['hang', 'crash', 'internal', 'wrong', 'memory', 'slow', 'unusable', 'ok'] as const;
export type Outcome = (typeof OUTCOMES)[number];
/** Outcomes that fail the run (exit status 1). */
export const FATAL: ReadonlySet<Outcome> = new Set(['hang', 'crash', 'internal', 'wrong']);

export function worst(a: Outcome, b: Outcome): Outcome {
  return OUTCOMES.indexOf(a) <= OUTCOMES.indexOf(b) ? a : b;
}

export interface Limits {
  /** A child still running after this is a hang (it is killed). */
  timeoutMs: number;
  /** A child that took longer than this is slow. */
  slowMs: number;
  /** Peak RSS above this is a memory finding. */
  memoryMb: number;
  /** A child whose RSS passes this is killed at once (a memory finding): the machine is shared. */
  killMb: number;
}

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Bytes written to stdout in all (stdout above is cut). */
  stdoutBytes: number;
  ms: number;
  /** Peak resident set, KiB (0 when it could not be measured). */
  peakKb: number;
  timedOut: boolean;
  killedForMemory: boolean;
}

const KEEP = 256 * 1024;

/** Writes the preload that reports the child's peak RSS; returns its path. */
export function writePeakPreload(dir: string): string {
  const path = join(dir, 'peak-rss-preload.cjs');
  writeFileSync(
    path,
    "'use strict';\n// written by the AuditLens fuzz harness: reports this process's peak RSS (KiB) on fd 3 at exit\n" +
      "process.on('exit', () => { try { require('fs').writeSync(3, String(process.resourceUsage().maxRSS)); } catch {} });\n",
  );
  return path;
}

/** VmHWM and VmRSS of a live process, KiB; undefined when it is gone (or there is no /proc). */
export function procMemory(pid: number): { hwm: number; rss: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /^VmHWM:\s+(\d+)/m.exec(status);
    const rss = /^VmRSS:\s+(\d+)/m.exec(status);
    return hwm && rss ? { hwm: Number(hwm[1]), rss: Number(rss[1]) } : undefined;
  } catch {
    return undefined;
  }
}

/** Polls a process's memory until stopped; calls `onTooBig` once when its RSS passes `killKb`. */
export function watchMemory(pid: number, killKb: number, onTooBig: () => void): { peakKb: () => number; stop: () => void } {
  let peak = 0;
  let fired = false;
  const poll = () => {
    const m = procMemory(pid);
    if (!m) return;
    peak = Math.max(peak, m.hwm, m.rss);
    if (!fired && m.rss > killKb) {
      fired = true;
      onTooBig();
    }
  };
  poll();
  const timer = setInterval(poll, 25);
  return {
    peakKb: () => peak,
    stop: () => {
      poll();
      clearInterval(timer);
    },
  };
}

export function runChild(args: string[], opts: { cwd: string; limits: Limits; preload?: string }): Promise<ChildRun> {
  return new Promise((done) => {
    const t0 = performance.now();
    const nodeArgs = opts.preload ? ['-r', opts.preload, ...args] : args;
    const env = { ...process.env };
    delete env.AUDITLENS_DEBUG; // the contract is checked as users see it
    const child = spawn(process.execPath, nodeArgs, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let stdoutBytes = 0;
    let reported = '';
    let timedOut = false;
    let killedForMemory = false;
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (s: string) => {
      stdoutBytes += Buffer.byteLength(s);
      if (stdout.length < KEEP) stdout += s.slice(0, KEEP - stdout.length);
    });
    child.stderr!.on('data', (s: string) => {
      if (stderr.length < KEEP) stderr += s.slice(0, KEEP - stderr.length);
    });
    (child.stdio[3] as NodeJS.ReadableStream | null)?.on('data', (b: Buffer) => (reported += b.toString()));
    (child.stdio[3] as NodeJS.ReadableStream | null)?.on('error', () => undefined);
    const mem = watchMemory(child.pid ?? -1, opts.limits.killMb * 1024, () => {
      killedForMemory = true;
      child.kill('SIGKILL');
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.limits.timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      mem.stop();
      const ms = performance.now() - t0;
      const fromChild = Number(reported) || 0;
      done({ code, signal, stdout, stderr, stdoutBytes, ms, peakKb: Math.max(mem.peakKb(), fromChild), timedOut, killedForMemory });
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      mem.stop();
      done({ code: null, signal: null, stdout, stderr: `${stderr}spawn failed: ${err.message}\n`, stdoutBytes, ms: performance.now() - t0, peakKb: 0, timedOut, killedForMemory });
    });
  });
}

const STACK_LINE = /^\s+at .+(?:\(.*:\d+:\d+\)|:\d+:\d+|\(native\)|\(<anonymous>\))\s*$/m;

const firstLine = (s: string) => s.split('\n').find((l) => l.trim()) ?? '';
const cut = (s: string, n = 240) => (s.length > n ? `${s.slice(0, n)}...` : s);

/** The class of a CLI run, by the exit-status contract: 0/1 results, 2 with one line on stderr, nothing else. */
export function classifyCli(r: ChildRun, limits: Limits): { outcome: Outcome; detail: string } {
  const mb = Math.round(r.peakKb / 1024);
  if (r.timedOut) return { outcome: 'hang', detail: `still running after ${Math.round(limits.timeoutMs / 1000)} s (killed)` };
  if (r.killedForMemory) return { outcome: 'memory', detail: `RSS passed ${limits.killMb} MB (killed after ${(r.ms / 1000).toFixed(1)} s)` };
  if (r.signal) return { outcome: 'crash', detail: `killed by ${r.signal}: ${cut(firstLine(r.stderr))}` };
  if (r.code !== 0 && r.code !== 1 && r.code !== 2) return { outcome: 'crash', detail: `exit ${r.code}: ${cut(firstLine(r.stderr))}` };
  if (/internal error/i.test(r.stderr)) return { outcome: 'internal', detail: cut(r.stderr.split('\n').find((l) => /internal error/i.test(l)) ?? '') };
  if (STACK_LINE.test(r.stderr)) return { outcome: 'crash', detail: `stack trace on stderr: ${cut(firstLine(r.stderr))}` };
  if (r.code === 2) {
    const ls = r.stderr.split('\n');
    if (ls[ls.length - 1] === '') ls.pop();
    if (ls.length !== 1 || !ls[0].trim()) return { outcome: 'crash', detail: `exit 2 with ${ls.length} lines on stderr (the contract is one): ${cut(ls.slice(0, 3).join(' | '))}` };
  }
  if (/internal error/i.test(r.stdout)) return { outcome: 'internal', detail: `in the output: ${cut(r.stdout.split('\n').find((l) => /internal error/i.test(l)) ?? '')}` };
  if (mb > limits.memoryMb) return { outcome: 'memory', detail: `peak RSS ${mb} MB > ${limits.memoryMb} MB${r.ms > limits.slowMs ? `, and ${(r.ms / 1000).toFixed(1)} s > ${limits.slowMs / 1000} s` : ''}` };
  if (r.ms > limits.slowMs) return { outcome: 'slow', detail: `${(r.ms / 1000).toFixed(1)} s > ${limits.slowMs / 1000} s` };
  if (r.code === 2) return { outcome: 'unusable', detail: cut(r.stderr.trim()) };
  return { outcome: 'ok', detail: '' };
}

/** What a `check --format json` (or `review --format json`) run says, reduced to what must not depend on line endings. */
export function checkSummary(stdout: string): { functions: string[]; findings: string[] } | undefined {
  try {
    if (/^\{\s*"version": 1,\s*"patch"/.test(stdout)) return reviewSummary(stdout);
    const j = JSON.parse(stdout) as { files: { functions: { name: string; line: number; endLine: number }[]; findings: { rule: string; line: number; column: number; endLine: number; function?: string }[] }[] };
    const f = j.files[0];
    return {
      functions: f.functions.map((x) => `${x.name}@${x.line}-${x.endLine}`),
      findings: f.findings.map((x) => `${x.rule}@${x.line}:${x.column}-${x.endLine}${x.function ? ` in ${x.function}` : ''}`).sort(),
    };
  } catch {
    return undefined;
  }
}

function reviewSummary(stdout: string): { functions: string[]; findings: string[] } | undefined {
  const j = JSON.parse(stdout) as { patch: { files: string[]; hunks: number }; findings: { rule: string; status: string; file?: string; line: number; function?: string }[] };
  return {
    functions: [`${j.patch.hunks} hunks in ${j.patch.files.join(', ')}`],
    findings: j.findings.map((x) => `${x.rule} ${x.status}@${x.file ?? ''}:${x.line}${x.function ? ` in ${x.function}` : ''}`).sort(),
  };
}

/** The first difference between two check summaries, or undefined when they agree. */
export function compareSummaries(got: ReturnType<typeof checkSummary>, want: ReturnType<typeof checkSummary>): string | undefined {
  if (!got || !want) return got === want ? undefined : `the output is ${got ? '' : 'not '}JSON, the LF file's is ${want ? '' : 'not '}`;
  for (const key of ['functions', 'findings'] as const) {
    const a = got[key];
    const b = want[key];
    if (a.length !== b.length) return `${a.length} ${key}, the LF file has ${b.length}${key === 'functions' && !a.length ? '' : ` (first difference: ${a.find((x) => !b.includes(x)) ?? '-'} vs ${b.find((x) => !a.includes(x)) ?? '-'})`}`;
    const i = a.findIndex((x, k) => x !== b[k]);
    if (i >= 0) return `${key} differ: ${a[i]} where the LF file has ${b[i]}`;
  }
  return undefined;
}
