/**
 * textDocument/codeAction: the verified quick fixes of the findings under the
 * requested range, as workspace edits. Fixes are computed per document version
 * and finding, once.
 */
import { CodeAction, CodeActionKind, Range, TextEdit } from 'vscode-languageserver';
import type { FileAnalysis } from '../analyser';
import { toOffset, toRange } from './convert';
import { REPRODUCTION, showable } from '../simulate/findingPlans';
import { cachedQuickFixes } from './quickFixes';

export function codeActions(analysis: FileAnalysis, uri: string, range: Range): CodeAction[] {
  const lines = analysis.parsed.lines;
  const start = toOffset(lines, range.start);
  const end = toOffset(lines, range.end);
  const out: CodeAction[] = [];
  for (const f of analysis.findings) {
    const touches = f.span.start <= end && f.span.end >= start ||
      f.span.line <= range.end.line && f.span.endLine >= range.start.line;
    if (!touches) continue;
    for (const fix of cachedQuickFixes(analysis, f)) {
      out.push({
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        isPreferred: true,
        diagnostics: [{ range: toRange(lines, f.span), message: f.message, code: f.rule, source: 'auditlens' }],
        edit: {
          changes: {
            [uri]: fix.edits.map((e): TextEdit => ({ range: { start: lines.positionAt(e.start), end: lines.positionAt(e.end) }, newText: e.newText })),
          },
        },
      });
    }
    // a queue finding offers the run that shows it: its scenarios explored for its invariant
    const plan = REPRODUCTION[f.rule];
    if (plan && showable(f) && f.function) {
      const spec = `${f.rule}@${f.function}`;
      out.push({
        title: `▶ Show in simulation: find a run that breaks ${plan.invariant} (${f.rule})`,
        kind: CodeActionKind.Empty,
        diagnostics: [{ range: toRange(lines, f.span), message: f.message, code: f.rule, source: 'auditlens' }],
        command: { title: 'Show Finding in Simulation', command: 'auditlens.showFinding', arguments: [uri, spec, plan.scenarios[0]] },
      });
    }
  }
  return out;
}
