/**
 * A KCSAN report opened in the editor: triaged against the workspace's
 * kernel/audit.c (found as a patch's base is), with a diagnostic per race
 * carrying its verdict, a code lens with the verdict and reason, links from
 * each audit.c frame to its line in the base, and a hover on a frame with the
 * model's view of that function. Built from kcsan/parse and kcsan/triage, the
 * same core as `auditlens kcsan`.
 */
import { pathToFileURL } from 'node:url';
import { CodeAction, CodeActionKind, CodeLens, Diagnostic, DiagnosticSeverity, DocumentLink, Hover, MarkupKind, Position, Range } from 'vscode-languageserver';
import type { FileAnalysis } from '../analyser';
import { Frame, parseReports, ParsedInput, Report } from '../kcsan/parse';
import { checkFinding, isAuditFile, lineInFunction, Race, triage, Triage } from '../kcsan/triage';
import { DIAGNOSTIC_SOURCE } from './diagnostics';
import { explainSymbol } from './explain';
import { cachedQuickFixes } from './quickFixes';

export interface ReportBase {
  analysis: FileAnalysis;
  path: string;
  /** How it was found: the setting, an open document, the workspace folder. */
  origin?: string;
}

export interface KcsanReview {
  parsed: ParsedInput;
  triage?: Triage;
  base?: ReportBase;
  /** Why the base could not be used, when one was asked for. */
  baseProblem?: string;
}

export function reviewReport(text: string, base?: ReportBase, baseProblem?: string): KcsanReview {
  const parsed = parseReports(text);
  if (parsed.unusable) return { parsed, base, baseProblem };
  return { parsed, triage: triage(parsed, base?.analysis, (a, f) => cachedQuickFixes(a, f)[0]?.title), base, baseProblem };
}

const lineRange = (line1: number, length = 0) => ({ start: { line: line1 - 1, character: 0 }, end: { line: line1 - 1, character: length } });

function baseUri(review: KcsanReview): string | undefined {
  const p = review.base?.path;
  if (!p) return undefined;
  return /^[a-z][\w+.-]*:/i.test(p) && !/^[a-z]:[\\/]/i.test(p) ? p : pathToFileURL(p).href;
}

function verdictText(r: Race): string {
  return r.fixedInBase ? 'already fixed in the base' : r.verdict;
}

export function kcsanDiagnostics(review: KcsanReview, lineLength: (line: number) => number): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (review.parsed.unusable) {
    return [{ range: lineRange(1, lineLength(0)), severity: DiagnosticSeverity.Information, source: DIAGNOSTIC_SOURCE, code: 'kcsan-unreadable', message: `AuditLens could not triage this document: ${review.parsed.unusable}.` }];
  }
  const t = review.triage!;
  const target = baseUri(review);
  for (const r of t.races) {
    const related = target
      ? r.accesses.filter((a) => a.mapped && a.line !== undefined).map((a) => ({ location: { uri: target, range: lineRange(a.line!) }, message: `${a.kind} in ${a.function}()${a.locks.length ? ` holding ${a.locks.join(', ')}` : a.rcu ? ' under rcu_read_lock()' : ', no lock'}` }))
      : [];
    out.push({
      range: lineRange(r.reportLine, lineLength(r.reportLine - 1)),
      severity: r.verdict === 'benign' ? DiagnosticSeverity.Information : DiagnosticSeverity.Warning,
      source: DIAGNOSTIC_SOURCE,
      code: `kcsan-${r.fixedInBase ? 'fixed' : r.verdict}`,
      message: `Data race on ${r.variable}: ${verdictText(r)}. ${r.reason}.`,
      ...(related.length ? { relatedInformation: related } : {}),
    });
  }
  for (const o of t.others) {
    out.push({
      range: lineRange(o.reportLine, lineLength(o.reportLine - 1)),
      severity: DiagnosticSeverity.Information,
      source: DIAGNOSTIC_SOURCE,
      code: 'kcsan-not-a-race',
      message: `Not a data race (${o.kind}): no race is claimed.${o.frames.length ? ` audit.c frames: ${o.frames.map((f) => `${f.function}() - ${f.role}`).join('; ')}.` : ' No frame in kernel/audit.c.'}`,
    });
  }
  if (!review.base) {
    out.push({
      range: lineRange(1, lineLength(0)),
      severity: DiagnosticSeverity.Information,
      source: DIAGNOSTIC_SOURCE,
      code: 'kcsan-no-base',
      message: review.baseProblem ?? 'No kernel/audit.c to triage against: open one, keep one in the workspace folder, or set auditlens.patch.baseFile. Variables and verdicts are unknown until then.',
    });
  }
  return out;
}

export function kcsanCodeLenses(review: KcsanReview): CodeLens[] {
  const t = review.triage;
  if (!t) return [];
  const target = baseUri(review);
  if (!target) return [];
  return t.races.flatMap((r) => {
    const first = r.accesses.find((a) => a.mapped && a.line !== undefined);
    if (!first) return [];
    const reason = r.reason.length > 90 ? `${r.reason.slice(0, 87)}...` : r.reason;
    // the lens opens the base at the first access KCSAN reported
    return [{ range: lineRange(r.reportLine), command: { title: `Triage: ${verdictText(r)} (${r.variable}) - ${reason}`, command: 'auditlens.openBaseLine', arguments: [target, first.line! - 1] } }];
  });
}

/** Each frame of the report, with the report it belongs to. */
function framesOf(reports: Report[]): Frame[] {
  return reports.flatMap((r) => [...r.accesses.flatMap((a) => a.frames), ...r.frames]);
}

/** Where a frame's function sits in the base: the frame's line when the base has the function there, else the function's first line (1-based). */
function baseLineOf(analysis: FileAnalysis, f: Frame): number | undefined {
  const span = analysis.model.file.functions.get(f.fn)?.symbol.span;
  if (!span) return undefined;
  return lineInFunction(analysis, f.fn, f.line) ? f.line : span.line + 1;
}

/** Links from the report's audit.c frames to their lines in the base. */
export function kcsanLinks(review: KcsanReview, lineText: (line: number) => string): DocumentLink[] {
  const target = baseUri(review);
  if (!target || !review.base) return [];
  const out: DocumentLink[] = [];
  for (const f of framesOf(review.parsed.reports)) {
    const line = baseLineOf(review.base.analysis, f);
    if (line === undefined || !isAuditFile(f.file)) continue;
    const text = lineText(f.at - 1);
    const anchor = f.file ? text.indexOf(f.file) : text.indexOf(f.fn);
    if (anchor < 0) continue;
    const length = f.file ? text.indexOf(' ', anchor) < 0 ? text.length - anchor : text.indexOf(' ', anchor) - anchor : f.fn.length;
    out.push({ range: { start: { line: f.at - 1, character: anchor }, end: { line: f.at - 1, character: anchor + length } }, target: `${target}#L${line}`, tooltip: `${f.fn}() at line ${line} of ${review.base.path}` });
  }
  return out;
}

/** Hover on a frame's function: what the queue model says of it in the base. */
export function kcsanHover(review: KcsanReview, position: Position, lineText: (line: number) => string): Hover | null {
  if (!review.base) return null;
  const frame = framesOf(review.parsed.reports).find((f) => f.at - 1 === position.line);
  if (!frame) return null;
  const text = lineText(position.line);
  const start = text.indexOf(frame.fn);
  if (start < 0 || position.character < start || position.character > start + frame.fn.length) return null;
  const markdown = explainSymbol(review.base.analysis, frame.fn);
  if (!markdown) return null;
  const line = baseLineOf(review.base.analysis, frame);
  const where = line !== undefined ? `*${frame.fn}() at line ${line} of ${review.base.path}*\n\n` : '';
  return { contents: { kind: MarkupKind.Markdown, value: `${where}${markdown}` }, range: { start: { line: position.line, character: start }, end: { line: position.line, character: start + frame.fn.length } } };
}

/**
 * The conventional fix of a race, as a quick fix on the report that edits the base: the same
 * verified edit as AL206's quick fix (READ_ONCE()/WRITE_ONCE(), skb_queue_len_lockless()).
 */
export function kcsanCodeActions(review: KcsanReview, range: Range): CodeAction[] {
  const target = baseUri(review);
  const base = review.base;
  if (!target || !base || !review.triage) return [];
  const out: CodeAction[] = [];
  for (const r of review.triage.races) {
    if (!r.check || r.reportLine - 1 < range.start.line || r.reportLine - 1 > range.end.line) continue;
    const finding = checkFinding(base.analysis, r.variable);
    const fix = finding ? cachedQuickFixes(base.analysis, finding)[0] : undefined;
    if (!fix) continue;
    const lines = base.analysis.parsed.lines;
    out.push({
      title: `${fix.title} (in ${base.path.split(/[\\/]/).pop()})`,
      kind: CodeActionKind.QuickFix,
      edit: { changes: { [target]: fix.edits.map((e) => ({ range: { start: lines.positionAt(e.start), end: lines.positionAt(e.end) }, newText: e.newText })) } },
    });
  }
  return out;
}
