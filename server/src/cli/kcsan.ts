/**
 * `auditlens kcsan REPORT [--base FILE.c]`: triage of KCSAN reports (and a
 * one-line answer for other kernel reports) against kernel/audit.c. The base
 * is --base, else a kernel/audit.c found from the working directory upward,
 * else the report alone (variables and verdicts then unknown). Exit 0 when
 * every race is benign or already fixed (or there is no race), 1 when one is
 * harmful or unknown, 2 on unusable input.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Analyser } from '../analyser';
import { quickFixes } from '../features/quickFixes';
import { parseReports } from '../kcsan/parse';
import { Race, triage, Triage } from '../kcsan/triage';
import { byteSize, choice, parseArgs } from './args';
import { KCSAN_USAGE } from './commands';
import { kcsanSarif } from './kcsanSarif';
import { EXIT_CLEAN, EXIT_FINDINGS, InputError, UsageError, withInputPrefix } from './errors';
import { DEFAULT_MAX_SIZE, notCReason, readReport, readSource } from '../input/read';
import type { CliIO } from './io';

const FLAGS = {
  base: { takesValue: true },
  format: { takesValue: true },
  'max-size': { takesValue: true },
  help: { takesValue: false, short: 'h' },
};

export interface KcsanJson {
  version: 1;
  base?: string;
  races: Race[];
  others: Triage['others'];
  notes: string[];
}

/** kernel/audit.c in the working directory or one of its parents (a kernel tree). */
function findBase(cwd: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, 'kernel', 'audit.c');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

export function runKcsan(args: readonly string[], io: CliIO): number {
  const parsed = parseArgs('kcsan', args, FLAGS);
  if (parsed.flags.has('help')) {
    io.stdout(KCSAN_USAGE);
    return EXIT_CLEAN;
  }
  const format = choice('kcsan', parsed, 'format', ['text', 'json', 'sarif'] as const, 'text');
  const maxSize = byteSize('kcsan', parsed, 'max-size', DEFAULT_MAX_SIZE);
  if (parsed.positionals.length !== 1) throw new UsageError('auditlens kcsan: needs one report file (or - for standard input); try `auditlens kcsan --help`');
  const [path] = parsed.positionals;
  const baseFlag = parsed.flags.get('base');
  if (baseFlag !== undefined && typeof baseFlag !== 'string') throw new UsageError('auditlens kcsan: --base needs a C file');

  const text = withInputPrefix(() => readReport(path, maxSize));
  const reports = parseReports(text);
  if (reports.unusable) throw new InputError(`auditlens kcsan: ${path}: ${reports.unusable}`);
  const basePath = typeof baseFlag === 'string' ? baseFlag : findBase(process.cwd());
  let analysis;
  if (basePath !== undefined) {
    analysis = new Analyser().analyseText(withInputPrefix(() => readSource(basePath, maxSize)));
    const notC = notCReason(basePath, analysis);
    if (notC) throw new InputError(`auditlens: ${notC}`);
  }
  const t = triage(reports, analysis, (a, f) => quickFixes(a, f)[0]?.title);
  if (format === 'sarif') {
    io.stdout(`${JSON.stringify(kcsanSarif(t, path, basePath), null, 2)}\n`);
  } else if (format === 'json') {
    const out: KcsanJson = { version: 1, ...(basePath ? { base: basePath } : {}), races: t.races, others: t.others, notes: t.notes };
    io.stdout(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    io.stdout(formatTriage(path === '-' ? 'standard input' : path, basePath, t));
  }
  return t.races.some((r) => r.verdict !== 'benign') ? EXIT_FINDINGS : EXIT_CLEAN;
}

const KIND_WORDS: Record<string, string> = {
  'rcu-stall': 'an RCU stall', 'null-deref': 'a NULL pointer dereference', lockdep: 'a lockdep report', kmsan: 'a KMSAN report',
  kasan: 'a KASAN report', warning: 'a WARNING', 'general-protection': 'a general protection fault', panic: 'a kernel panic', 'hung-task': 'a hung task',
};

export function formatTriage(path: string, basePath: string | undefined, t: Triage): string {
  const out: string[] = [];
  const races = t.races.length;
  out.push(`${path}: ${races} data race${races === 1 ? '' : 's'}${t.others.length ? `, ${t.others.length} other report${t.others.length === 1 ? '' : 's'}` : ''}, against ${basePath ?? 'no base file (the report alone)'}`);
  for (const r of t.races) {
    out.push(`race on ${r.variable}: ${r.verdict}${r.fixedInBase ? ' (already fixed in the base)' : ''} (report line ${r.reportLine})`);
    for (const a of r.accesses) {
      const where = a.line !== undefined ? `line ${a.line}${a.lineInferred ? ' (inferred: the report gives no line in this file that the base agrees with)' : ''}` : 'no line';
      const held = !a.mapped ? 'not found in the base' : a.locks.length ? `holding ${a.locks.join(', ')}` : a.rcu ? 'under rcu_read_lock() only' : 'no lock';
      const ctx = a.contexts.length ? `; runs in ${a.contexts.slice(0, 3).join(', ')}` : '';
      const away = a.outside.length ? `; via ${a.outside.slice(0, 2).join(' <- ')}` : '';
      const how = a.inBase && a.inBase !== (a.marked ? 'marked' : 'plain') ? ` (${a.inBase} in the base)` : '';
      out.push(`  ${a.kind.padEnd(5)} ${a.function}() ${where}, ${a.marked ? 'marked' : 'plain'}${how}, ${held}${ctx}${away}`);
    }
    out.push(`  why: ${r.reason}`);
    if (r.check) out.push(`  check reports it too: ${r.check.rule} (${r.check.severity}) at line ${r.check.line}`);
    if (r.fix) out.push(`  fix: ${r.fix}`);
  }
  for (const o of t.others) {
    const frames = o.frames.length ? `; audit.c frames: ${o.frames.map((f) => `${f.function}() (${f.role})`).join(', ')}` : '; no frame in kernel/audit.c';
    out.push(`${KIND_WORDS[o.kind] ?? o.kind}, not a data race: ${o.title} (report line ${o.reportLine})${frames}`);
  }
  for (const n of t.notes) out.push(`note: ${n}`);
  return `${out.join('\n')}\n`;
}

