/**
 * Patch documents in the editor: the review mapped onto the patch text.
 * Diagnostics on the `+`/`-` lines, hover on patch lines answered from the
 * image the line belongs to, a code lens on each hunk header with what the
 * hunk does to the model, and the drafted reply. Plain functions of a review.
 */
import { CodeLens, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Hover, MarkupKind, Position } from 'vscode-languageserver';
import type { FileAnalysis } from '../analyser';
import { draftReply, type ReplyOptions } from '../patch/reply';
import { ImagePair, readingSummary, reviewPatch, ReviewResult } from '../patch/review';
import type { Hunk, PatchMessage } from '../patch/types';
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
  /** Per message with hunks: the document line of its subject (`Subject:`, or the archive's title line). */
  subjectLines: Map<PatchMessage, number>;
}

const SUBJECT_HEADER = /^Subject:/i;

/**
 * Where a message's subject is written: its `Subject:` line, else the line that carries the
 * subject text (an archive page's title, a header-less mail's first line), else where it starts.
 */
function subjectLine(m: PatchMessage, lines: readonly string[]): number {
  const end = Math.min(lines.length, m.files[0]?.headerLine ?? m.endLine + 1);
  for (let i = m.startLine; i < end; i++) if (SUBJECT_HEADER.test(lines[i])) return i;
  const subject = m.subject.trim();
  if (subject) for (let i = m.startLine; i < end; i++) if (lines[i].includes(subject)) return i;
  return m.startLine;
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
  const lines = text.split('\n');
  const subjectLines = new Map(review.patch.messages.filter((m) => m.files.length).map((m) => [m, subjectLine(m, lines)] as const));
  return { review, toImage, base: base && { path: base.path, origin: base.origin }, baseProblem, subjectLines };
}

/** A damaged hunk's problems, or why it counts as damaged when none was named. */
function damageOf(h: Hunk): string[] {
  return h.problems.length ? h.problems : ['its line counts do not add up'];
}

/** What kinds of damage the hunks show, in a few words each (hunks.ts's problems say them in full). */
const DAMAGE_KINDS: readonly [RegExp, string][] = [
  [/archives drop blank lines/, 'blank lines and lone braces lost'],
  [/reply trimmed/, 'quoted lines trimmed by the reply'],
  [/lost the leading space/, "context lines' leading space lost"],
  [/wrapped the hunk header/, 'a hunk header wrapped by the mailer'],
  [/reviewer's comment/, 'comments pasted in without a quote mark'],
  [/header undercounts|more than the header says|line counts do not add up/, 'line counts that do not add up'],
];

function damageKinds(hunks: readonly Hunk[]): string[] {
  const all = hunks.flatMap(damageOf);
  const kinds = DAMAGE_KINDS.filter(([re]) => all.some((p) => re.test(p))).map(([, words]) => words);
  return kinds.length ? kinds : ['line counts that do not add up'];
}

function hunkName(h: Hunk): string {
  return `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@${h.section ? ` ${h.section}` : ''}`;
}

/**
 * One diagnostic per message on its subject line for the hunks the archive damaged: a patch
 * from a list archive has most hunks damaged, and one notice each buried the findings in the
 * Problems view. Each hunk's own damage is in its lens and hover, and in the related lines here.
 */
function damageDiagnostics(p: PatchReview, lineLength: (line: number) => number, uri?: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [message, at] of p.subjectLines) {
    const hunks = message.files.flatMap((f) => f.hunks);
    const damaged = hunks.filter((h) => h.lossy);
    if (!damaged.length) continue;
    const via = message.quoted ? 'in the quoted reply' : 'through the archive';
    const related: DiagnosticRelatedInformation[] = uri
      ? damaged.map((h) => ({
        location: { uri, range: { start: { line: h.headerLine, character: 0 }, end: { line: h.headerLine, character: lineLength(h.headerLine) } } },
        message: `hunk ${hunks.indexOf(h) + 1} (${hunkName(h)}): ${damageOf(h).join('; ')}`,
      }))
      : [];
    out.push({
      range: { start: { line: at, character: 0 }, end: { line: at, character: lineLength(at) } },
      severity: DiagnosticSeverity.Information,
      source: 'auditlens',
      code: 'lossy-hunks',
      message: `${damaged.length} of ${hunks.length} hunks came ${via} damaged (${damageKinds(damaged).join('; ')}); `
        + `${damaged.length === 1 ? 'it was' : 'each was'} read from what survived — see the hunk ${damaged.length === 1 ? 'lens' : 'lenses'}`,
      ...(related.length ? { relatedInformation: related } : {}),
    });
  }
  return out;
}

/** `uri` is the patch document's, for the related lines of the damage summary. */
export function patchDiagnostics(p: PatchReview, lineLength: (line: number) => number, rulesDocDir?: string, uri?: string): Diagnostic[] {
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
  out.push(...damageDiagnostics(p, lineLength, uri));
  return out;
}

/** On a damaged hunk's header: what the archive did to it and how it was read. */
function damagedHunkHover(p: PatchReview, line: number): Hover | null {
  const h = p.review.lossyHunks.find((x) => x.headerLine === line);
  if (!h) return null;
  const problems = damageOf(h).map((d) => `- ${d}`).join('\n');
  const fitted = p.base && p.review.readings.find((r) => r.line === h.headerLine + 1)?.mode !== 'rebuilt';
  const how = fitted
    ? 'Read from what survived, fitted to the base: the lines the hunk lacks were taken from the base, and a finding that rests on a code line taken that way is not claimed as the patch\'s.'
    : 'Read from what survived: the lines the hunk lacks are missing from the before and after code too.';
  return { contents: { kind: MarkupKind.Markdown, value: `**This hunk came through damaged**\n\n${problems}\n\n${how}` } };
}

export function patchHover(p: PatchReview, position: Position, docColumn: (line: number) => number): Hover | null {
  const damaged = damagedHunkHover(p, position.line);
  if (damaged) return damaged;
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
    // the damage qualifies all the rest: first, in full in the header's hover
    if (h.lossy) {
      const damage = damageOf(h);
      parts.unshift(`damaged: ${damage[0]}${damage.length > 1 ? ` (+${damage.length - 1} more, hover the header)` : ''}`);
    }
    out.push({
      range: { start: { line: h.headerLine, character: 0 }, end: { line: h.headerLine, character: 0 } },
      command: { title: `AuditLens: ${parts.join(' · ')}`, command: '' },
    });
  }
  return out;
}

/** The drafted reply's text; `footnote` from the project configuration (`reply.footnote`). */
export function patchReply(p: PatchReview, options: ReplyOptions = {}): string {
  return draftReply(p.review, options).text;
}
