/**
 * Quick fixes for findings, as plain text edits (no LSP types): mark racy
 * accesses with READ_ONCE()/WRITE_ONCE() (AL206), insert the backlog-limit
 * guard before an unbounded enqueue (AQ101), requeue at the tail of the queue
 * (AQ102/AQ103). A fix is offered only if the edited text,
 * analysed again, no longer has the finding and has no new warning: a fix the
 * tool cannot vouch for is not offered.
 */
import { Analyser, FileAnalysis } from '../analyser';
import type { Finding } from '../rules/finding';
import { SEVERITY_RANK } from '../rules/finding';

export interface FixEdit {
  start: number;
  end: number;
  newText: string;
}

export interface QuickFix {
  title: string;
  rule: string;
  edits: FixEdit[];
}

type Builder = (a: FileAnalysis, f: Finding) => QuickFix[];

const BUILDERS: Record<string, Builder> = {
  AL206: markAccesses,
  AQ101: insertBacklogGuard,
  AQ102: moveRequeue,
  AQ103: moveRequeue,
};

const cache = new WeakMap<FileAnalysis, Map<string, QuickFix[]>>();

/** quickFixes(), computed once per analysis and finding (the editor asks on every light bulb and report keystroke). */
export function cachedQuickFixes(analysis: FileAnalysis, f: Finding): QuickFix[] {
  let perAnalysis = cache.get(analysis);
  if (!perAnalysis) cache.set(analysis, (perAnalysis = new Map()));
  let fixes = perAnalysis.get(f.anchor);
  if (!fixes) perAnalysis.set(f.anchor, (fixes = quickFixes(analysis, f)));
  return fixes;
}

/** The fixes that re-analyse clean, for one finding. */
export function quickFixes(analysis: FileAnalysis, finding: Finding): QuickFix[] {
  const build = BUILDERS[finding.rule];
  if (!build) return [];
  const out: QuickFix[] = [];
  for (const fix of build(analysis, finding)) {
    if (fix.edits.length && verifies(analysis, finding, fix)) out.push(fix);
  }
  return out;
}

export function applyEdits(text: string, edits: FixEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

/** Same cause: same rule and anchor, whichever end of the queue a requeue now uses. */
function sameCause(a: Finding, b: Finding): boolean {
  const subject = (f: Finding) => f.anchor.replace(/:(head|tail)\b/, '');
  return a.rule === b.rule && subject(a) === subject(b);
}

function verifies(analysis: FileAnalysis, finding: Finding, fix: QuickFix): boolean {
  const after = new Analyser().analyseText(applyEdits(analysis.parsed.text, fix.edits));
  if (after.parsed.problems.length > analysis.parsed.problems.length) return false;
  const findings = after.findings;
  if (findings.some((f) => sameCause(f, finding))) return false;
  const serious = (list: Finding[]) => list.filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK.warning).length;
  return serious(findings) <= serious(analysis.findings) - (SEVERITY_RANK[finding.severity] >= SEVERITY_RANK.warning ? 1 : 0);
}

/** AL206: READ_ONCE() each plain read, WRITE_ONCE() each plain store of the variable; a queue's length read with skb_queue_len_lockless(). */
function markAccesses(a: FileAnalysis, f: Finding): QuickFix[] {
  const text = a.parsed.text;
  const variable = f.anchor.split('|').pop()!;
  if (variable.endsWith('.qlen')) return lockless(a, f, variable.slice(0, -'.qlen'.length));
  const spans = [f.span, ...f.related.map((r) => r.span)];
  const edits: FixEdit[] = [];
  for (const s of spans) {
    if (text.slice(s.start, s.end) !== variable) continue;
    if (text[s.start - 1] === '&') continue; // passed by address to a setter: not an access to mark
    const after = /^\s*=(?!=)/.exec(text.slice(s.end));
    if (after) {
      const semi = text.indexOf(';', s.end);
      if (semi < 0) continue;
      const value = text.slice(s.end + after[0].length, semi).trim();
      edits.push({ start: s.start, end: semi, newText: `WRITE_ONCE(${variable}, ${value})` });
    } else if (/^\s*([-+*/|&^]|<<|>>)=|^\s*(\+\+|--)/.test(text.slice(s.end)) || /(\+\+|--)\s*$/.test(text.slice(0, s.start))) {
      return []; // a read-modify-write needs a lock or an atomic, not a marking
    } else {
      edits.push({ start: s.start, end: s.end, newText: `READ_ONCE(${variable})` });
    }
  }
  return [{ title: `Mark the accesses to ${variable} with READ_ONCE()/WRITE_ONCE()`, rule: f.rule, edits: dedupe(edits) }];
}

/** AL206 on a queue's length: each racing skb_queue_len(&Q) becomes skb_queue_len_lockless(&Q) (READ_ONCE), as upstream did in 2026. */
function lockless(a: FileAnalysis, f: Finding, queue: string): QuickFix[] {
  const text = a.parsed.text;
  const edits: FixEdit[] = [];
  const reads = [f.span, ...f.related.filter((r) => /skb_queue_len\(\)/.test(r.message)).map((r) => r.span)];
  for (const s of reads) {
    // the access span covers the call or its argument: find the call around it
    const from = text.lastIndexOf('skb_queue_len', s.end);
    if (from < 0 || from < s.start - 40) continue;
    const call = /^skb_queue_len\s*\(\s*&\s*(\w+)\s*\)/.exec(text.slice(from));
    if (!call || call[1] !== queue) continue;
    edits.push({ start: from, end: from + 'skb_queue_len'.length, newText: 'skb_queue_len_lockless' });
  }
  return [{ title: `Read ${queue}'s length with skb_queue_len_lockless() (READ_ONCE)`, rule: f.rule, edits: dedupe(edits) }];
}

/**
 * How this file counts a lost record: the function its own code calls most for that (a file's
 * audit_log_lost, or a wrapper such as `demo_count_lost(const char *why)`), else audit_log_lost.
 */
function lossCall(m: FileAnalysis['model']): string {
  const counts = new Map<string, number>();
  for (const e of m.file.functions.values()) {
    for (const c of e.facts.calls) {
      const callee = c.callee;
      if (!callee) continue;
      const target = m.file.functions.get(callee);
      const s = m.summaries.get(callee);
      const counts1 = callee === m.lossCounter || (!!s?.countsLost && target?.facts.params.length === 1 && /char\s*\*/.test(target.facts.params[0].type));
      if (counts1) counts.set(callee, (counts.get(callee) ?? 0) + 1);
    }
  }
  const best = [...counts].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))[0];
  return best?.[0] ?? m.lossCounter ?? 'audit_log_lost';
}

/** AQ101: the 2022 shape: check the limit, count the loss, free, and leave. */
function insertBacklogGuard(a: FileAnalysis, f: Finding): QuickFix[] {
  const text = a.parsed.text;
  const m = a.model;
  const line = a.parsed.lines.lineText(f.span.line);
  const call = /^(\s*)(__)?skb_queue_(tail|head)\s*\(\s*&\s*(\w+)\s*,\s*([^)]+?)\s*\)\s*;/.exec(line);
  if (!call) return [];
  const [, indent, , , queue, record] = call;
  const limit = [...m.file.functions.values()].flatMap((e) => e.facts.limits)[0] ?? [...m.file.globals.keys()].find((g) => /backlog_limit$/.test(g));
  if (!limit) return [];
  const lost = lossCall(m);
  const fn = m.file.functions.get(f.function);
  const isVoid = !fn || /^(static\s+)?(inline\s+)?void$/.test(fn.facts.returnType.trim());
  const lineStart = text.lastIndexOf('\n', f.span.start) + 1;
  const guard = [
    `${indent}if (${limit} &&`,
    `${indent}    skb_queue_len_lockless(&${queue}) >= ${limit}) {`,
    `${indent}\t${lost}("${queue.replace(/^audit_/, '').replace(/_/g, ' ')} overflow");`,
    `${indent}\tkfree_skb(${record});`,
    `${indent}\treturn${isVoid ? '' : ' -ENOSPC'};`,
    `${indent}}`,
    '',
  ].join('\n');
  return [{ title: `Bound ${queue} by ${limit} (count the loss and free the record when full)`, rule: f.rule, edits: [{ start: lineStart, end: lineStart, newText: guard }] }];
}

/**
 * AQ102/AQ103: requeue at the tail. Right where the drain keeps going in a single pass (the
 * 2022 fix); where the loop stops after a failure the head is the right end, and the
 * verification refuses the move.
 */
function moveRequeue(a: FileAnalysis, f: Finding): QuickFix[] {
  const text = a.parsed.text;
  const lineStart = text.lastIndexOf('\n', f.span.start) + 1;
  const line = a.parsed.lines.lineText(f.span.line);
  const m = /\b(__)?skb_queue_head\b/.exec(line);
  if (!m) return [];
  const start = lineStart + m.index;
  return [{
    title: 'Requeue the failed record at the tail (one pass rotates the queue in order)',
    rule: f.rule,
    edits: [{ start, end: start + m[0].length, newText: `${m[1] ?? ''}skb_queue_tail` }],
  }];
}

function dedupe(edits: FixEdit[]): FixEdit[] {
  const seen = new Set<number>();
  return edits.filter((e) => (seen.has(e.start) ? false : (seen.add(e.start), true)));
}
