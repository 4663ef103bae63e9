/**
 * The `check` report as DESIGN.md's CLI contract defines it: 1-based lines and
 * columns, stable key order. Formatters (text, JSON) only present this.
 */
import type { FileAnalysis } from '../analyser';
import type { QueueModel } from '../model';
import type { Finding, Severity } from '../rules/finding';
import { SEVERITY_RANK } from '../rules/finding';
import type { BaselineEntry } from './baseline';

/** One queue operation of a function, as the queue model sees it. */
export interface QueueUseReport {
  queue: string;
  /** `enqueue`, `dequeue`, `peek`, `len`, `purge`... as the model names it. */
  op: string;
  /** `head` or `tail` where the operation has an end, else null. */
  end: string | null;
  /** For enqueues, whether the model found a bound (limit, admission, same queue); true for other operations. */
  bounded: boolean;
}

export interface FunctionReport {
  name: string;
  roles: string[];
  line: number;
  endLine: number;
  queues: QueueUseReport[];
}

export interface FindingReport {
  rule: string;
  severity: Severity;
  message: string;
  function: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  related: { line: number; message: string }[];
  /** Position-independent key of the finding (rule, function, cause): SARIF fingerprints and patch review. */
  anchor?: string;
  /** With `check --baseline`: whether the baseline already had it. */
  baselineState?: 'new' | 'unchanged';
}

export interface FileReport {
  path: string;
  parse: { errors: number; functions: number; ms: number };
  functions: FunctionReport[];
  findings: FindingReport[];
  /** Functions left out of the analysis, and why (present only when there are some). */
  notAnalysed?: NotAnalysedReport[];
  /** Lines not read at all (a line over 64 KiB, the part of a file past 2 MiB), and why. */
  notRead?: { line: number; endLine: number; reason: string }[];
}

export interface NotAnalysedReport {
  function: string;
  line: number;
  endLine: number;
  /** Why, as a clause: `<function> was not analysed: <reason>`. */
  reason: string;
}

/** Up to `max` items, then `and N more`: how outputs name a long list (files of a tree-wide patch). */
export function someOf(items: readonly string[], max: number): string {
  return items.length > max ? `${items.slice(0, max).join(', ')} and ${(items.length - max).toLocaleString('en')} more` : items.join(', ');
}

/** How outputs name a function that may have no name yet (`static void {` being typed). */
export function functionLabel(name: string): string {
  return name ? `${name}()` : 'the function without a name';
}

export interface CheckReport {
  version: 1;
  files: FileReport[];
  /** With `check --baseline`: the counts, and the accepted findings no longer found. */
  baseline?: { path: string; new: number; unchanged: number; absent: BaselineEntry[] };
}

/**
 * Roles and queue operations per function. This is the one place the queue
 * state model plugs into the CLI.
 */
export function describeFunctions(analysis: FileAnalysis): FunctionReport[] {
  const model = analysis.model;
  return analysis.outline.functions.map((fn) => ({
    name: fn.name,
    roles: [...(model.roles.get(fn.name) ?? [])],
    line: fn.span.line + 1,
    endLine: fn.span.endLine + 1,
    queues: queueUses(model, fn.name),
  }));
}

/**
 * One entry per operation on a backlog queue, in source order: a global queue
 * by name, a queue parameter (a drain's) as `param:<name>`. Local lists
 * (`ab->skb_list`) are not backlog queues. Only enqueues can be unbounded;
 * an enqueue counts as bounded when the model found any bound for it
 * (the limit, admission control, or returning a record to its own queue).
 */
function queueUses(model: QueueModel, fn: string): QueueUseReport[] {
  const entry = model.file.functions.get(fn);
  if (!entry) return [];
  const out: QueueUseReport[] = [];
  for (const op of entry.facts.queueOps) {
    const site = entry.base + op.at.start;
    let queue: string;
    let bounded = true;
    if (op.queue.kind === 'global') {
      const q = model.queues.get(op.queue.name);
      if (!q) continue;
      queue = q.name;
      if (op.op === 'enqueue') bounded = (q.enqueues.find((s) => s.site === site)?.bound ?? 'none') !== 'none';
    } else if (op.queue.kind === 'param') {
      queue = `param:${op.queue.name}`;
      if (op.op === 'enqueue') bounded = model.summaries.get(fn)?.enqueues.find((e) => e.site === site)?.limitGuarded ?? false;
    } else continue;
    out.push({ queue, op: op.op, end: op.end ?? null, bounded });
  }
  return out;
}

export function fileReport(path: string, analysis: FileAnalysis): FileReport {
  const functions = describeFunctions(analysis);
  return {
    path,
    parse: {
      errors: analysis.parsed.problems.filter((p) => p.kind !== 'skipped').length,
      functions: functions.length,
      ms: Math.round(analysis.parsed.ms * 100) / 100,
    },
    functions,
    findings: [...analysis.findings].sort(byPosition).map(findingReport),
    ...notAnalysedOf(analysis),
    ...notReadOf(analysis),
  };
}

function notReadOf(analysis: FileAnalysis): { notRead?: FileReport['notRead'] } {
  const skipped = analysis.parsed.problems.filter((p) => p.kind === 'skipped');
  return skipped.length ? { notRead: skipped.map((p) => ({ line: p.line + 1, endLine: p.endLine + 1, reason: p.message })) } : {};
}

function notAnalysedOf(analysis: FileAnalysis): { notAnalysed?: NotAnalysedReport[] } {
  const list = analysis.model.file.notAnalysed;
  if (!list.length) return {};
  return { notAnalysed: list.map((n) => ({ function: n.name, line: n.span.line + 1, endLine: n.span.endLine + 1, reason: n.reason })) };
}

/** Finding spans are 0-based with an exclusive end; the contract is 1-based (end column exclusive, as in SARIF). */
export function findingReport(f: Finding): FindingReport {
  return {
    rule: f.rule,
    severity: f.severity,
    message: f.message,
    function: f.function,
    line: f.span.line + 1,
    column: f.span.column + 1,
    endLine: f.span.endLine + 1,
    endColumn: f.span.endColumn + 1,
    related: f.related.map((r) => ({ line: r.span.line + 1, message: r.message })),
    anchor: f.anchor,
  };
}

function byPosition(a: Finding, b: Finding): number {
  return a.span.start - b.span.start || a.rule.localeCompare(b.rule);
}

/** True when a finding at `warning` or above exists that a baseline did not accept: the CLI then exits 1. */
export function hasWarnings(files: readonly FileReport[]): boolean {
  return files.some((f) => f.findings.some((x) => x.baselineState !== 'unchanged' && SEVERITY_RANK[x.severity] >= SEVERITY_RANK.warning));
}
