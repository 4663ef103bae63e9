/**
 * Patch documents in the editor: the review mapped onto the patch text.
 * Diagnostics on the `+`/`-` lines, hover on patch lines answered from the
 * image the line belongs to, a code lens on each hunk header with what the
 * hunk does to the model, and the drafted reply. Plain functions of a review.
 */
import { CodeLens, Diagnostic, DiagnosticSeverity, Hover, MarkupKind, Position } from 'vscode-languageserver';
import type { FileAnalysis } from '../analyser';
import { draftReply } from '../patch/reply';
import { ImagePair, readingSummary, reviewPatch, ReviewResult } from '../patch/review';
import type { RuleOptions } from '../rules';
import { explainAt } from './explain';

const SEVERITY: Record<string, DiagnosticSeverity> = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, information: DiagnosticSeverity.Information };

/** The file a patch was applied to, and how it was found (features/patchBase.ts). */
export interface PatchBaseFile {
  text: string;
  path: string;
  origin?: 'setting' | 'open document' | 'workspace';
}

export interface PatchReview {
  review: ReviewResult;
  /** patch document line -> where it is in each image */
  toImage: Map<number, { pair: ImagePair; image: 'pre' | 'post'; line: number }>;
  /** The base the hunks were applied to; absent when reviewed from the hunks alone. */
  base?: { path: string; origin?: PatchBaseFile['origin'] };
  /** Why the configured base (auditlens.patch.baseFile) could not be used. */
  baseProblem?: string;
}

export function reviewDocument(text: string, base?: PatchBaseFile, rules?: RuleOptions['rules'], baseProblem?: string): PatchReview {
  const review = reviewPatch(text, { base: base?.text, basePath: base?.path, rules });
  const toImage = new Map<number, { pair: ImagePair; image: 'pre' | 'post'; line: number }>();
  // hunks rebuilt because they did not fit the base map onto their own images
  for (const pair of [...review.images, ...review.images.flatMap((i) => (i.rebuilt ? [i.rebuilt] : []))]) {
    pair.postOrigin.forEach((doc, line) => { if (doc !== undefined) toImage.set(doc, { pair, image: 'post', line }); });
    // removed lines only exist in the pre-image
    pair.preOrigin.forEach((doc, line) => { if (doc !== undefined && !toImage.has(doc)) toImage.set(doc, { pair, image: 'pre', line }); });
  }
  return { review, toImage, base: base && { path: base.path, origin: base.origin }, baseProblem };
}

export function patchDiagnostics(p: PatchReview, lineLength: (line: number) => number, rulesDocDir?: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const r of p.review.findings) {
    if (r.docLine === undefined || r.status === 'unchanged') continue;
    const f = r.finding;
    const fixed = r.status === 'fixed';
    out.push({
      range: { start: { line: r.docLine, character: 0 }, end: { line: r.docLine, character: lineLength(r.docLine) } },
      severity: fixed ? DiagnosticSeverity.Information : SEVERITY[f.severity],
      code: f.rule,
      source: 'auditlens',
      message: `${fixed ? 'Fixed by this patch: ' : 'Introduced by this patch: '}${f.message}${r.assumed ? ' (assumes the usual hook bindings: the call sites are outside the patch)' : ''}`,
      ...(rulesDocDir ? { codeDescription: { href: `file://${rulesDocDir}/${f.rule}.md` } } : {}),
    });
  }
  if (p.base && p.review.baseMismatch.length) {
    // A patch that does not fit the file it was reviewed against: say so where the patch starts.
    const at = p.review.patch.messages.flatMap((m) => m.files)[0]?.headerLine ?? 0;
    out.push({
      range: { start: { line: at, character: 0 }, end: { line: at, character: lineLength(at) } },
      severity: DiagnosticSeverity.Warning,
      source: 'auditlens',
      code: 'base-mismatch',
      message: `This patch does not fit ${p.base.path}: ${readingSummary(p.review)}`,
    });
  }
  if (p.baseProblem) {
    // The reviewer asked for a base and did not get it: say so where the patch starts.
    out.push({
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: lineLength(0) } },
      severity: DiagnosticSeverity.Warning,
      source: 'auditlens',
      code: 'base-file',
      message: p.baseProblem,
    });
  }
  for (const h of p.review.lossyHunks) {
    out.push({
      range: { start: { line: h.headerLine, character: 0 }, end: { line: h.headerLine, character: lineLength(h.headerLine) } },
      severity: DiagnosticSeverity.Information,
      source: 'auditlens',
      code: 'lossy-hunk',
      message: `This hunk came through damaged: ${h.problems.join('; ') || 'its line counts do not add up'}. Reviewed from what survived.`,
    });
  }
  return out;
}

export function patchHover(p: PatchReview, position: Position, docColumn: (line: number) => number): Hover | null {
  const at = p.toImage.get(position.line);
  if (!at) return null;
  const analysis: FileAnalysis = at.image === 'pre' ? at.pair.pre : at.pair.post;
  const lines = analysis.parsed.lines;
  const character = Math.max(0, position.character - docColumn(position.line));
  const offset = lines.offsetAt({ line: at.line, character });
  const value = explainAt(analysis, offset);
  if (!value) return null;
  const label = at.image === 'pre' ? '*Before the patch*' : '*After the patch*';
  return { contents: { kind: MarkupKind.Markdown, value: `${label}\n\n${value}` } };
}

const READING_WORDS: Record<string, string> = {
  offset: 'applied to the base, moved',
  fuzz: 'applied to the base with fuzz',
  reversed: 'already in the base (applied in reverse)',
  rebuilt: 'does not fit the base: read from the hunk alone',
};

/** One lens per hunk header: what the hunk changes in the model and which findings it fixes or introduces. */
export function patchCodeLenses(p: PatchReview): CodeLens[] {
  const out: CodeLens[] = [];
  for (const h of p.review.hunks) {
    const lines = new Set(h.lines.map((l) => l.docLine));
    const fixes = p.review.findings.filter((r) => r.status === 'fixed' && r.docLine !== undefined && lines.has(r.docLine)).map((r) => r.finding.rule);
    const introduces = p.review.findings.filter((r) => r.status === 'introduced' && r.finding.severity !== 'information' && r.docLine !== undefined && lines.has(r.docLine)).map((r) => r.finding.rule);
    const touched = new Set<string>();
    for (const l of h.lines) {
      const at = p.toImage.get(l.docLine);
      const fn = at && (at.image === 'pre' ? at.pair.pre : at.pair.post).outline.functionAt((at.image === 'pre' ? at.pair.pre : at.pair.post).parsed.lines.offsetAt({ line: at.line, character: 0 }));
      if (fn) touched.add(fn.name);
    }
    const changes = p.review.changes.filter((c) => c.fn && touched.has(c.fn)).map((c) => c.message);
    const parts: string[] = [];
    if (fixes.length) parts.push(`fixes ${[...new Set(fixes)].join(', ')}`);
    if (introduces.length) parts.push(`introduces ${[...new Set(introduces)].join(', ')}`);
    if (changes.length) parts.push(changes[0] + (changes.length > 1 ? ` (+${changes.length - 1} more)` : ''));
    if (!parts.length) parts.push(touched.size ? `no change to the queue model in ${[...touched].join(', ')}` : 'outside the functions AuditLens models');
    const reading = p.review.readings.find((r) => r.line === h.headerLine + 1);
    if (reading && reading.mode !== 'applied' && (reading.mode !== 'rebuilt' || p.base)) parts.unshift(READING_WORDS[reading.mode]);
    out.push({
      range: { start: { line: h.headerLine, character: 0 }, end: { line: h.headerLine, character: 0 } },
      command: { title: `AuditLens: ${parts.join(' · ')}`, command: '' },
    });
  }
  return out;
}

export function patchReply(p: PatchReview): string {
  return draftReply(p.review);
}
