/**
 * Human-readable `check` output: findings in compiler style
 * (`path:line:col: severity: message [RULE]`) so editors and terminals link
 * them, per-function lines only with --verbose, and one summary line.
 */
import type { SyntaxProblem } from '../parse/cParser';
import { functionLabel, type FileReport, type FunctionReport } from '../report/checkReport';

/** Syntax problems listed per file before the rest is summarised in a count. */
const MAX_SYNTAX_LINES = 10;

export function formatFileText(report: FileReport, problems: readonly SyntaxProblem[], verbose: boolean): string {
  const out: string[] = [];
  const { path } = report;
  if (verbose) {
    out.push(`${path}: ${plural(report.parse.functions, 'function')}, ${plural(report.parse.errors, 'syntax error')}, parsed in ${report.parse.ms.toFixed(1)} ms`);
    const width = Math.max(0, ...report.functions.map((f) => f.name.length));
    for (const fn of report.functions) out.push(`  ${`${fn.line}-${fn.endLine}`.padEnd(9)} ${fn.name.padEnd(width)}  ${describeModel(fn)}`);
  }
  for (const p of problems.filter((x) => x.kind === 'skipped')) out.push(`${path}:${p.line + 1}:1: note: ${p.message} [not-read]`);
  const syntax = problems.filter((x) => x.kind !== 'skipped');
  for (const p of syntax.slice(0, MAX_SYNTAX_LINES)) {
    out.push(`${path}:${p.line + 1}:${p.column + 1}: note: ${p.message} [syntax]`);
  }
  if (syntax.length > MAX_SYNTAX_LINES) out.push(`${path}: note: ${syntax.length - MAX_SYNTAX_LINES} more syntax errors`);
  // said, so that "no findings" is only ever about what was analysed
  for (const n of report.notAnalysed ?? []) out.push(`${path}:${n.line}:1: note: ${functionLabel(n.function)} was not analysed: ${n.reason}; the rest of the file was [not-analysed]`);
  // with a baseline, the accepted findings are counted in the summary, not listed
  for (const f of report.findings) {
    if (f.baselineState === 'unchanged') continue;
    out.push(`${path}:${f.line}:${f.column}: ${f.severity}: ${f.message} [${f.rule}]`);
    for (const r of f.related) out.push(`${path}:${r.line}: note: ${r.message}`);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

function describeModel(fn: FunctionReport): string {
  const roles = `roles: ${fn.roles.length ? fn.roles.join(', ') : '-'}`;
  if (!fn.queues.length) return roles;
  // only an enqueue can be unbounded: say so for enqueues alone
  const queues = fn.queues.map((q) => `${q.op}${q.end ? ` ${q.end}` : ''} ${q.queue}${q.op !== 'enqueue' ? '' : q.bounded ? ' (bounded)' : ' (UNBOUNDED)'}`);
  return `${roles}; queues: ${queues.join(', ')}`;
}

export function formatSummary(files: readonly FileReport[], unusable: number, baseline?: { path: string; unchanged: number; absent: readonly unknown[] }): string {
  const functions = files.reduce((n, f) => n + f.parse.functions, 0);
  const syntax = files.reduce((n, f) => n + f.parse.errors, 0);
  const findings = files.flatMap((f) => f.findings).filter((f) => f.baselineState !== 'unchanged');
  const bySeverity = (['error', 'warning', 'information'] as const)
    .map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => (s === 'information' ? `${n} information` : plural(n, s)));
  const skipped = files.reduce((n, f) => n + (f.notAnalysed?.length ?? 0), 0);
  const unread = files.reduce((n, f) => n + (f.notRead?.length ?? 0), 0);
  const parts = [`checked ${plural(files.length, 'file')} (${plural(functions, 'function')}${skipped ? `, ${skipped} not analysed` : ''}${unread ? `, ${plural(unread, 'part')} not read` : ''})`];
  const fresh = baseline ? ' new' : '';
  parts.push(findings.length ? `${plural(findings.length, 'finding')}${fresh} (${bySeverity.join(', ')})` : `no${fresh} findings`);
  if (baseline) {
    parts.push(`${baseline.unchanged} accepted in ${baseline.path} (not shown)`);
    if (baseline.absent.length) parts.push(`${baseline.absent.length} accepted finding${baseline.absent.length === 1 ? '' : 's'} no longer found`);
  }
  if (syntax) parts.push(plural(syntax, 'syntax error'));
  if (unusable) parts.push(`${plural(unusable, 'file')} could not be checked`);
  return `${parts.join(', ')}\n`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
