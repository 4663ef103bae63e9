/**
 * `auditlens review PATCH [--base FILE.c]`: what a patch, patch email or mbox
 * series introduces, fixes and changes in the queue model (DESIGN.md's review
 * contract), or a drafted reply with `--reply`.
 */
import { draftReply } from '../patch/reply';
import { readingSummary, reviewPatch, ReviewResult } from '../patch/review';
import { SEVERITY_RANK } from '../rules/finding';
import { byteSize, choice, parseArgs } from './args';
import { REVIEW_USAGE } from './commands';
import { EXIT_CLEAN, EXIT_FINDINGS, InputError, UsageError, withInputPrefix } from './errors';
import { DEFAULT_MAX_SIZE, readPatch, readSource } from '../input/read';
import type { CliIO } from './io';
import { someOf, type FindingReport } from '../report/checkReport';
import { CliConfig, CONFIG_FLAGS } from './config';
import { reviewerIdentity } from './identity';
import { writeFileSync } from 'node:fs';

const FLAGS = {
  base: { takesValue: true },
  format: { takesValue: true },
  reply: { takesValue: false },
  eml: { takesValue: true },
  from: { takesValue: true },
  'reviewed-by': { takesValue: false },
  'no-footnote': { takesValue: false },
  ...CONFIG_FLAGS,
  'max-size': { takesValue: true },
  'exit-zero': { takesValue: false },
  help: { takesValue: false, short: 'h' },
};

/** A FINDING of DESIGN.md, its line and column in the patch document when it maps onto it, else in the image. */
export interface ReviewFindingReport extends Omit<FindingReport, 'anchor'> {
  status: 'introduced' | 'fixed' | 'unchanged';
  file: string;
  /** Which code the finding is in: before (fixed) or after (introduced, unchanged) the patch. */
  image: 'pre' | 'post';
  /** 1-based line in that image. */
  imageLine: number;
  /** True when the line is a line of the patch document. */
  inPatch: boolean;
  /** Depends on call sites outside the patch, assumed from the hooks' shapes. */
  assumed: boolean;
  /** Found in a function rebuilt from a hunk that did not fit the base. */
  rebuilt?: boolean;
}

export interface ReviewReport {
  version: 1;
  patch: {
    subject: string;
    files: string[];
    hunks: number;
    lossyHunks: number;
    lossy: { hunk: number; line: number; problems: string[] }[];
    mode: 'base' | 'fragments' | 'none';
    messages: number;
  };
  findings: ReviewFindingReport[];
  changes: { file: string; function?: string; message: string }[];
  assumptions: string[];
  problems: string[];
  /** How the patch was read, in one sentence (also the second line of the text output). */
  reading: string;
  /** Per hunk: how it was read (applied, offset, fuzz, reversed, rebuilt) and the functions it touches. */
  readings: { file: string; line: number; mode: string; functions: string[]; reason?: string }[];
  /** Per function the patch touches: how it was reviewed. */
  functions: { file: string; name: string; mode: string }[];
  /** Hunks that did not apply to the base (reviewed from the hunks alone instead). */
  baseMismatch: { file: string; line: number; reason: string }[];
  /** Files the patch touches that were not reviewed. */
  unreviewed: string[];
}

export function buildReviewReport(review: ReviewResult): ReviewReport {
  const m = review.message;
  const mode = review.images[0]?.mode ?? 'none';
  return {
    version: 1,
    patch: {
      subject: m ? m.subject : '',
      files: review.files,
      hunks: review.hunks.length,
      lossyHunks: review.lossyHunks.length,
      lossy: review.lossyHunks.map((h) => ({ hunk: review.hunks.indexOf(h) + 1, line: h.headerLine + 1, problems: h.problems })),
      mode,
      messages: review.patch.messages.length,
    },
    findings: review.findings.map((r) => {
      const f = r.finding;
      const inPatch = r.docLine !== undefined;
      return {
        rule: f.rule, severity: f.severity, message: f.message, function: f.function,
        line: inPatch ? r.docLine! + 1 : f.span.line + 1,
        column: inPatch ? 1 : f.span.column + 1,
        endLine: inPatch ? r.docLine! + 1 : f.span.endLine + 1,
        endColumn: inPatch ? 1 : f.span.endColumn + 1,
        related: f.related.map((x) => ({ line: x.span.line + 1, message: x.message })),
        status: r.status, file: r.file, image: r.image, imageLine: f.span.line + 1, inPatch, assumed: r.assumed,
        ...(r.rebuilt ? { rebuilt: true } : {}),
      };
    }).sort((a, b) => order(a.status) - order(b.status) || a.line - b.line),
    changes: review.changes.map((c) => ({ file: c.file, function: c.fn, message: c.message })),
    assumptions: [...new Set(review.images.flatMap((i) => i.assumptions))],
    problems: review.problems,
    reading: readingSummary(review),
    readings: review.readings.map((r) => ({ file: r.file, line: r.line, mode: r.mode, functions: r.functions, ...(r.reason ? { reason: r.reason } : {}) })),
    functions: functionModes(review),
    baseMismatch: review.baseMismatch.map((r) => ({ file: r.file, line: r.line, reason: r.reason ?? '' })),
    unreviewed: review.unreviewed,
  };
}

/** A function touched by hunks read in several ways is as good as its worst reading. */
function functionModes(review: ReviewResult): { file: string; name: string; mode: string }[] {
  const rank = ['applied', 'offset', 'fuzz', 'reversed', 'rebuilt'];
  const by = new Map<string, { file: string; name: string; mode: string }>();
  for (const r of review.readings) {
    for (const name of r.functions) {
      const k = `${r.file}|${name}`;
      const prev = by.get(k);
      if (!prev || rank.indexOf(r.mode) > rank.indexOf(prev.mode)) by.set(k, { file: r.file, name, mode: r.mode });
    }
  }
  return [...by.values()];
}

function order(s: string): number {
  return s === 'introduced' ? 0 : s === 'fixed' ? 1 : 2;
}

export function runReview(args: readonly string[], io: CliIO): number {
  const parsed = parseArgs('review', args, FLAGS);
  if (parsed.flags.has('help')) {
    io.stdout(REVIEW_USAGE);
    return EXIT_CLEAN;
  }
  const format = choice('review', parsed, 'format', ['text', 'json'] as const, 'text');
  const maxSize = byteSize('review', parsed, 'max-size', DEFAULT_MAX_SIZE);
  if (parsed.positionals.length !== 1) throw new UsageError('auditlens review: needs one patch, patch email or mbox; try `auditlens review --help`');
  const [path] = parsed.positionals;
  const text = withInputPrefix(() => readPatch(path, maxSize));
  // the patch's directory's configuration, else the working directory's (a patch in /tmp reviewed in a tree)
  const config = new CliConfig('review', parsed, io);
  const project = config.for(path).path ? config.for(path) : config.for('-');
  const baseFlag = parsed.flags.get('base');
  const basePath = typeof baseFlag === 'string' ? baseFlag : project.patchBase;
  const base = basePath !== undefined ? withInputPrefix(() => readSource(basePath, maxSize)) : undefined;

  const rules = config.rules(project.path ? project.path : path);
  const review = reviewPatch(text, { base, basePath, rules });
  if (!review.hunks.length) throw new InputError(`auditlens: ${path}: no hunk could be read${review.problems.length ? ` (${review.problems[0]})` : ''}`);
  for (const p of review.problems) io.stderr(`auditlens: ${path}: ${p}\n`);

  const eml = parsed.flags.get('eml');
  if (parsed.flags.has('reply') || typeof eml === 'string') {
    const fromFlag = parsed.flags.get('from');
    const reply = draftReply(review, {
      footnote: project.replyFootnote && !parsed.flags.has('no-footnote'),
      from: typeof fromFlag === 'string' ? fromFlag : reviewerIdentity(),
      reviewedBy: parsed.flags.has('reviewed-by'),
    });
    for (const n of reply.notes) io.stderr(`auditlens: reply: ${n}\n`);
    if (typeof eml === 'string') {
      try {
        writeFileSync(eml, reply.text);
      } catch (err) {
        throw new InputError(`auditlens: ${eml}: cannot write the reply: ${(err as Error).message}`);
      }
      io.stderr(`auditlens: wrote the reply to ${eml} (send it with \`git send-email ${eml}\`)\n`);
    } else io.stdout(reply.text);
  } else {
    const report = buildReviewReport(review);
    if (format === 'json') io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    else io.stdout(textReport(path, report));
  }
  const serious = review.findings.some((r) => r.status === 'introduced' && SEVERITY_RANK[r.finding.severity] >= SEVERITY_RANK.warning);
  return serious && !parsed.flags.has('exit-zero') ? EXIT_FINDINGS : EXIT_CLEAN;
}

function textReport(path: string, r: ReviewReport): string {
  const hunks = `${r.patch.hunks} hunk${r.patch.hunks === 1 ? '' : 's'}`;
  const out: string[] = [
    `${r.patch.subject || path}: ${someOf(r.patch.files, 10)}, ${hunks}${r.patch.lossyHunks ? ` (${r.patch.lossyHunks} lossy)` : ''}, reviewed ${r.patch.mode === 'base' ? (r.baseMismatch.length ? 'against the base where it applies, from the hunks elsewhere' : 'against the base') : 'from the hunks alone'}`,
    `read: ${r.reading}`,
  ];
  for (const f of r.findings) {
    if (f.status === 'unchanged' && f.severity === 'information') continue;
    const where = f.inPatch ? `${path}:${f.line}` : `${f.file}:${f.imageLine} (${f.image === 'pre' ? 'before' : 'after'} the patch)`;
    out.push(`${where}: ${f.status}: ${f.severity}: ${f.message} [${f.rule}]${f.assumed ? ' (assumes the usual hook bindings)' : ''}${f.rebuilt ? ' (from a hunk that does not fit the base)' : ''}`);
  }
  if (r.changes.length) {
    out.push('model changes:');
    for (const c of r.changes) out.push(`  ${c.message}`);
  }
  for (const a of r.assumptions) out.push(`assumed binding: ${a}`);
  const count = (s: string) => r.findings.filter((f) => f.status === s && f.severity !== 'information').length;
  out.push(`${count('introduced')} introduced, ${count('fixed')} fixed, ${count('unchanged')} unchanged at warning or above`);
  return `${out.join('\n')}\n`;
}

