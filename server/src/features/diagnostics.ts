/**
 * textDocument/publishDiagnostics content: the syntax problems that survive
 * kernel-idiom normalisation (real syntax errors) and the rule findings.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Diagnostic, DiagnosticSeverity } from 'vscode-languageserver';
import type { FileAnalysis } from '../analyser';
import type { Finding, Severity } from '../rules/finding';
import { toRange } from './convert';
import type { NotAnalysed } from '../facts/fileFacts';
import { functionLabel } from '../report/checkReport';

export const DIAGNOSTIC_SOURCE = 'auditlens';

export interface DiagnosticsOptions {
  /** Folder holding docs/rules/<RULE>.md; the server passes the one next to its bundle. */
  rulesDocDir?: string;
  /** A file in a state tree-sitter cannot read yields one error per fragment: keep the first few. */
  maxSyntaxProblems?: number;
  /** Called when the findings could not be computed; syntax diagnostics are still returned. */
  onError?: (what: string, err: unknown) => void;
  /** Findings the uncommitted change introduced (working-tree mode): their message says so. */
  introduced?: (findings: Finding[]) => Set<Finding>;
  /** What a "Show in simulation" run found for a finding of this analysis, when one was made. */
  simulated?: (f: Finding) => string | undefined;
  /** The open KCSAN reports that report this finding's race (AL206), as one line. */
  reportedBy?: (f: Finding) => string | undefined;
}

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
};

/** One per function left out of the analysis, on its name: what was not looked at, and why. */
export function notAnalysedDiagnostics(analysis: Pick<FileAnalysis, 'parsed'> & Partial<Pick<FileAnalysis, 'model'>>): Diagnostic[] {
  let list: NotAnalysed[] = [];
  try {
    list = analysis.model?.file.notAnalysed ?? [];
  } catch {
    return []; // the whole file failed: said above
  }
  return list.map((n) => ({
    // the definition's first line, not the whole body
    range: toRange(analysis.parsed.lines, { start: n.span.start, end: firstLineEnd(analysis.parsed.text, n.span.start, n.span.end) }),
    severity: DiagnosticSeverity.Warning,
    source: DIAGNOSTIC_SOURCE,
    code: 'not-analysed',
    message: `${functionLabel(n.name)} was not analysed: ${n.reason}. No finding is reported in it, and callers see it as a call the model does not know; the rest of the file is analysed.`,
  }));
}

function firstLineEnd(text: string, start: number, end: number): number {
  const nl = text.indexOf('\n', start);
  return nl < 0 || nl > end ? end : text[nl - 1] === '\r' ? nl - 1 : nl;
}

export function analysisDiagnostics(
  uri: string,
  analysis: Pick<FileAnalysis, 'parsed' | 'findings'> & Partial<Pick<FileAnalysis, 'model'>>,
  options: DiagnosticsOptions = {},
): Diagnostic[] {
  const lines = analysis.parsed.lines;
  const max = options.maxSyntaxProblems ?? 100;
  const problems = analysis.parsed.problems;
  const out: Diagnostic[] = problems.slice(0, max).map((p) => ({
    range: toRange(lines, p.kind === 'skipped' ? { start: p.start, end: p.start } : p),
    severity: p.kind === 'skipped' ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error,
    source: DIAGNOSTIC_SOURCE,
    code: p.kind === 'skipped' ? 'not-analysed' : 'syntax',
    message: p.message,
  }));
  if (problems.length > max) {
    out.push({
      range: toRange(lines, problems[max]),
      severity: DiagnosticSeverity.Error,
      source: DIAGNOSTIC_SOURCE,
      code: 'syntax',
      message: `${problems.length - max} more syntax errors not shown`,
    });
  }
  let findings: Finding[] = [];
  try {
    findings = analysis.findings;
  } catch (err) {
    options.onError?.('computing findings', err);
    // never a silent "no findings": say the file was not analysed
    out.push({
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      severity: DiagnosticSeverity.Warning,
      source: DIAGNOSTIC_SOURCE,
      code: 'not-analysed',
      message: `AuditLens could not analyse this file (${err instanceof Error ? err.message.split('\n')[0] : String(err)}): no finding is reported for it. Please report this.`,
    });
  }
  out.push(...notAnalysedDiagnostics(analysis));
  let introduced = new Set<Finding>();
  try {
    introduced = options.introduced?.(findings) ?? introduced;
  } catch (err) {
    options.onError?.('comparing with the committed version', err);
  }
  for (const f of findings) {
    const d = findingDiagnostic(uri, analysis, f, options.rulesDocDir);
    if (introduced.has(f)) d.message = `Introduced by your uncommitted change: ${d.message}`;
    const simulated = options.simulated?.(f);
    if (simulated) d.message = `${d.message}\nSimulation: ${simulated}`;
    const reported = options.reportedBy?.(f);
    if (reported) d.message = `${d.message}\nKCSAN: ${reported}`;
    out.push(d);
  }
  return out;
}

function findingDiagnostic(
  uri: string,
  analysis: Pick<FileAnalysis, 'parsed'>,
  f: Finding,
  rulesDocDir: string | undefined,
): Diagnostic {
  const lines = analysis.parsed.lines;
  const d: Diagnostic = {
    range: toRange(lines, f.span),
    severity: SEVERITY[f.severity] ?? DiagnosticSeverity.Warning,
    source: DIAGNOSTIC_SOURCE,
    code: f.rule,
    message: f.message,
  };
  if (rulesDocDir) d.codeDescription = { href: ruleDocUri(rulesDocDir, f.rule) };
  if (f.related.length) {
    d.relatedInformation = f.related.map((r) => ({ location: { uri, range: toRange(lines, r.span) }, message: r.message }));
  }
  return d;
}

/** `rulesDocDir` is a folder on disk, or (in the browser) a URL ending in `/`. */
export function ruleDocUri(rulesDocDir: string, rule: string): string {
  if (/^[a-z][\w+.-]*:\/\//i.test(rulesDocDir)) return new URL(`${rule}.md`, rulesDocDir).href;
  return pathToFileURL(path.join(rulesDocDir, `${rule}.md`)).href;
}

/** The one diagnostic of a document too large to parse: say that it was skipped and why. */
export function skippedDiagnostic(bytes: number, limit: number): Diagnostic {
  const mib = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: DiagnosticSeverity.Information,
    source: DIAGNOSTIC_SOURCE,
    code: 'too-large',
    message: `AuditLens did not analyse this file: it is ${mib(bytes)} (${bytes} bytes), above auditlens.maxFileSize (${limit} bytes).`,
  };
}
