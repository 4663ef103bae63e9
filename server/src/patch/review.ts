/**
 * Patch review: the code before and after a patch, analysed with the model and
 * the rules, and what the patch introduces, fixes and changes in the model.
 * With a base file the hunks are applied to it (forward, or in reverse when it
 * already contains the patch); without one the touched functions are rebuilt
 * from the hunks. Plain data in, plain data out: the CLI, the language server
 * and the reply drafter all present this.
 */
import { Analyser, FileAnalysis } from '../analyser';
import type { RuleOptions } from '../rules';
import { functionLabel, someOf } from '../report/checkReport';
import type { Finding } from '../rules/finding';
import { applyFilePatch } from './apply';
import { ASSUMED_CONSUMER, ASSUMED_DRAIN, assumedConsumer } from './assumedBindings';
import { fragmentImages } from './fragments';
import { modelChanges, ModelChange } from './modelDiff';
import { parsePatch } from './parse';
import type { FilePatch, Hunk, PatchMessage, PatchSet } from './types';

export type FindingStatus = 'introduced' | 'fixed' | 'unchanged';

export interface ReviewedFinding {
  finding: Finding;
  status: FindingStatus;
  /** The image the finding was found in: post for introduced/unchanged, pre for fixed. */
  image: 'pre' | 'post';
  file: string;
  /** 0-based line of the patch document it maps to (a +/- line, else its hunk header), if any. */
  docLine?: number;
  /** Findings that depend on call sites assumed from the hooks' shapes (review without a base). */
  assumed: boolean;
  /** Found in functions rebuilt from hunks that did not fit the base. */
  rebuilt?: boolean;
}

/** How one hunk was read: applied to the base (exactly, moved or with fuzz), reversed, or rebuilt from the hunk alone. */
export type HunkMode = 'applied' | 'offset' | 'fuzz' | 'reversed' | 'rebuilt';

export interface HunkReading {
  file: string;
  /** 1-based line of the hunk header in the patch document. */
  line: number;
  header: string;
  mode: HunkMode;
  /** Functions of the file the hunk touches. */
  functions: string[];
  /** For a hunk that did not apply to the base: why. */
  reason?: string;
}

export interface ImagePair {
  file: string;
  mode: 'base' | 'fragments';
  /** For a base: whether the base already contained the patch (applied in reverse). */
  reversed?: boolean;
  pre: FileAnalysis;
  post: FileAnalysis;
  /** image line (0-based) -> patch document line */
  preOrigin: (number | undefined)[];
  postOrigin: (number | undefined)[];
  assumptions: string[];
  problems: string[];
  /** Functions only partly in view (review without a base): record ownership is not judged there. */
  partial: Set<string>;
  /** Image lines a lossy hunk could only guess (base mode). */
  uncertain?: { pre: Set<number>; post: Set<number> };
  /** How each hunk of this file was read. */
  readings: HunkReading[];
  /** Hunks that did not fit the base, reviewed from the hunks alone (base mode). */
  rebuilt?: ImagePair;
}

export interface ReviewResult {
  patch: PatchSet;
  message?: PatchMessage;
  files: string[];
  hunks: Hunk[];
  lossyHunks: Hunk[];
  images: ImagePair[];
  findings: ReviewedFinding[];
  changes: ModelChange[];
  problems: string[];
  /** Per hunk: how it was read. */
  readings: HunkReading[];
  /** Hunks that do not fit the base they were reviewed against (reviewed from the hunks instead). */
  baseMismatch: HunkReading[];
  /** Files the patch touches that were not reviewed (not C, or not the base's file). */
  unreviewed: string[];
}

export interface ReviewOptions {
  /** Text of the base file (the workspace's kernel/audit.c, or --base). */
  base?: string;
  /** Path of the base, to pick the file patch it belongs to. */
  basePath?: string;
  rules?: RuleOptions['rules'];
}

const C_FILE = /\.(c|h)$/;
/** C files of one patch reviewed (an audit patch touches one or two). */
export const MAX_REVIEWED_FILES = 200;

/** Messages of one mbox reviewed (a series is a few dozen; an archive of thousands is not one patch). */
export const MAX_REVIEWED_MESSAGES = 100;

export function reviewPatch(text: string, options: ReviewOptions = {}): ReviewResult {
  const patch = parsePatch(text);
  const withDiffs = patch.messages.filter((m) => m.files.length);
  const messages = withDiffs.slice(0, MAX_REVIEWED_MESSAGES);
  const files = messages.flatMap((m) => m.files);
  const hunks = files.flatMap((f) => f.hunks);
  const problems = patch.problems.map((p) => `line ${p.docLine + 1}: ${p.message}`);
  const result: ReviewResult = {
    patch, message: messages[0] ?? patch.messages[0], files: [...new Set(files.map((f) => f.newPath || f.oldPath))],
    hunks, lossyHunks: hunks.filter((h) => h.lossy), images: [], findings: [], changes: [], problems,
    readings: [], baseMismatch: [], unreviewed: [],
  };
  if (withDiffs.length > messages.length) {
    const first = withDiffs[messages.length];
    result.problems.push(`${(withDiffs.length - messages.length).toLocaleString('en')} more messages with a diff not reviewed (from line ${first.startLine + 1}, "${first.subject.slice(0, 60)}"): the mbox has ${withDiffs.length.toLocaleString('en')} and a review reads the first ${MAX_REVIEWED_MESSAGES}`);
  }
  const cFiles = mergeByPath(files.filter((f) => C_FILE.test(f.newPath || f.oldPath)));
  const analyser = new Analyser();
  analyser.options = { rules: options.rules };
  result.unreviewed = result.files.filter((f) => !C_FILE.test(f));
  // a patch touching hundreds of C files is a tree-wide change, not an audit patch: the first
  // ones are reviewed and the rest named as not reviewed, so time and memory stay bounded
  if (cFiles.length > MAX_REVIEWED_FILES) {
    const rest = cFiles.splice(MAX_REVIEWED_FILES).map((f) => f.newPath || f.oldPath);
    result.unreviewed.push(...rest);
    result.problems.push(`${rest.length.toLocaleString('en')} more C files not reviewed (${rest.slice(0, 3).join(', ')}, …): the patch touches ${(rest.length + MAX_REVIEWED_FILES).toLocaleString('en')} and a review reads the first ${MAX_REVIEWED_FILES}`);
  }
  for (const file of cFiles) {
    const path = file.newPath || file.oldPath;
    // one file of a series the review cannot take costs that file, not the series
    try {
      reviewFile(result, analyser, file, path, cFiles.length, options);
    } catch (err) {
      result.unreviewed.push(path);
      result.problems.push(`${path}: not reviewed: AuditLens failed on it (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); the other files were`);
    }
  }
  return result;
}

function reviewFile(result: ReviewResult, analyser: Analyser, file: FilePatch, path: string, cFileCount: number, options: ReviewOptions): void {
  const useBase = options.base !== undefined && (cFileCount === 1 || !options.basePath || baseName(options.basePath) === baseName(path));
  const pair = useBase ? baseImages(analyser, file, options.base!) : fragmentPair(analyser, file);
  result.images.push(pair);
  result.problems.push(...pair.problems.map((p) => `${path}: ${p}`));
  // functions an image's analysis left out: what the review says is not about them
  const skipped = new Map<string, string[]>();
  for (const [image, side] of [[pair.pre, 'before'], [pair.post, 'after']] as const) {
    for (const n of image.model.file.notAnalysed) {
      const key = `${functionLabel(n.name)} was not analysed: ${n.reason}`;
      skipped.set(key, [...(skipped.get(key) ?? []), side]);
    }
  }
  for (const [what, sides] of skipped) result.problems.push(`${path}: ${what} (${sides.join(' and ')} the patch)`);
  const found = classify(pair);
  // hunks that did not fit the base: their functions reviewed from the hunks, merged in
  if (pair.rebuilt) {
    const keys = new Set(found.map((r) => `${r.status}|${findingKey(r.finding)}`));
    for (const r of classify(pair.rebuilt)) if (!keys.has(`${r.status}|${findingKey(r.finding)}`)) found.push({ ...r, rebuilt: true });
    result.changes.push(...modelChanges(pair.rebuilt.pre.model, pair.rebuilt.post.model, path));
  }
  result.findings.push(...found);
  result.changes.push(...modelChanges(pair.pre.model, pair.post.model, path));
  for (const fp of [pair, ...(pair.rebuilt ? [pair.rebuilt] : [])]) if (fp.mode === 'fragments') result.changes.push(...unboundDrainChanges(fp, path));
  result.readings.push(...pair.readings);
  result.baseMismatch.push(...pair.readings.filter((r) => r.reason));
}

/** One line that says how the patch was read, for the top of every output. */
export function readingSummary(r: ReviewResult): string {
  const modes = new Map<HunkMode, number>();
  for (const x of r.readings) modes.set(x.mode, (modes.get(x.mode) ?? 0) + 1);
  const n = (m: HunkMode) => modes.get(m) ?? 0;
  const parts: string[] = [];
  const applied = n('applied') + n('offset') + n('fuzz');
  if (applied) parts.push(`${applied} applied to the base${n('offset') || n('fuzz') ? ` (${[n('offset') ? `${n('offset')} moved` : '', n('fuzz') ? `${n('fuzz')} with fuzz` : ''].filter(Boolean).join(', ')})` : ''}`);
  if (n('reversed')) parts.push(`${n('reversed')} reversed (the base already contains them)`);
  if (n('rebuilt')) parts.push(`${n('rebuilt')} rebuilt from the hunk alone`);
  const total = r.readings.length;
  let line = `${total} hunk${total === 1 ? '' : 's'}: ${parts.join(', ') || 'none read'}`;
  if (r.baseMismatch.length && r.images.some((i) => i.mode === 'base')) {
    line += `. The patch does not fit the base: ${r.baseMismatch.length} of ${total} hunk${total === 1 ? '' : 's'} did not apply (${r.baseMismatch.slice(0, 3).map((h) => `line ${h.line}`).join(', ')}${r.baseMismatch.length > 3 ? ', …' : ''}), so ${[...new Set(r.baseMismatch.flatMap((h) => h.functions))].map((f) => `${f}()`).join(', ') || 'what they touch'} ${r.baseMismatch.length === 1 ? 'was' : 'were'} reviewed from the hunks alone; is the patch against another tree?`;
  }
  const blind = r.readings.filter((x) => x.mode === 'rebuilt' && !x.functions.length);
  if (blind.length) line += `. ${blind.length} rebuilt hunk${blind.length === 1 ? '' : 's'} (${blind.slice(0, 3).map((x) => `line ${x.line}`).join(', ')}) show${blind.length === 1 ? 's' : ''} no function AuditLens could rebuild (no signature in view): nothing there was analysed`;
  // functions the hunks show only in part: what needs the whole function is not judged there
  const partial = [...new Set(r.images.flatMap((i) => [...i.partial, ...(i.rebuilt ? [...i.rebuilt.partial] : [])]))].filter((f) => f !== ASSUMED_CONSUMER);
  if (partial.length) line += `. Shown only in part: ${partial.map((f) => `${f}()`).join(', ')} (record ownership, drain loops and hook bindings outside the hunks are not judged there; review against the tree with --base for those)`;
  if (r.unreviewed.length) line += `. Not reviewed: ${someOf(r.unreviewed, 5)}`;
  return line;
}

/** Hunks of one file spread over several messages of a series are reviewed together. */
function mergeByPath(files: FilePatch[]): FilePatch[] {
  const by = new Map<string, FilePatch>();
  for (const f of files) {
    const key = f.newPath || f.oldPath;
    const prev = by.get(key);
    if (prev) by.set(key, { ...prev, hunks: [...prev.hunks, ...f.hunks] });
    else by.set(key, f);
  }
  return [...by.values()];
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function baseImages(analyser: Analyser, file: FilePatch, base: string): ImagePair {
  const path = file.newPath || file.oldPath;
  let applied = applyFilePatch(base, file);
  let reversed = false;
  // a base that already contains the patch (reviewing a merged fix against today's file): only
  // when every hunk reverse-applies; a partial reverse fit is a mismatch, not a merged patch
  if (applied.placed.length < file.hunks.length) {
    const back = applyFilePatch(base, file, { reverse: true });
    if (back.placed.length === file.hunks.length) {
      applied = back;
      reversed = true;
    }
  }
  const preOrigin: (number | undefined)[] = [];
  const postOrigin: (number | undefined)[] = [];
  for (const p of applied.placed) {
    p.hunk.lines.forEach((l, i) => {
      const pre = p.preLine[i];
      const post = p.postLine[i];
      if (pre !== undefined) preOrigin[pre] = l.docLine;
      if (post !== undefined) postOrigin[post] = l.docLine;
    });
  }
  const problems = applied.failed.map((f) => `hunk @@ -${f.hunk.oldStart},${f.hunk.oldLines} +${f.hunk.newStart},${f.hunk.newLines} @@ (line ${f.hunk.headerLine + 1}) not applied: ${f.reason}; reviewed from the hunk alone`);
  if (reversed) problems.unshift('the base already contains this patch (every hunk applies in reverse); reviewed by applying it in reverse');
  // Code lines the base has but a lossy hunk lacks (dropped by the archive, or added since) are
  // guesses in the rebuilt image: a finding that rests on one is not claimed as the patch's.
  const uncertain = { pre: new Set<number>(), post: new Set<number>() };
  for (const p of applied.placed) for (const r of p.recovered) if (!r.trivial) { uncertain.pre.add(r.pre); uncertain.post.add(r.post); }
  const pre = analyser.analyseText(applied.pre);
  const post = analyser.analyseText(applied.post);
  const readings: HunkReading[] = applied.placed.map((p) => {
    const lines = p.postLine.filter((x): x is number => x !== undefined);
    return {
      file: path, line: p.hunk.headerLine + 1, header: headerOf(p.hunk),
      mode: reversed ? 'reversed' : p.fuzz > 0 ? 'fuzz' : p.offset !== 0 ? 'offset' : 'applied',
      functions: functionsOver(post, Math.min(...lines), Math.max(...lines)),
    };
  });
  // hunks that did not fit: reviewed from the hunks alone, as a review without a base would
  let rebuilt: ImagePair | undefined;
  if (applied.failed.length) {
    rebuilt = fragmentPair(analyser, { ...file, hunks: applied.failed.map((f) => f.hunk) });
    // the rebuilt pair read each of those hunks already; add why it did not fit the base
    for (const f of applied.failed) {
      const r = rebuilt.readings.find((x) => x.line === f.hunk.headerLine + 1);
      if (r) readings.push({ ...r, reason: f.reason });
    }
    readings.sort((a, b) => a.line - b.line);
  }
  return {
    file: path, mode: 'base', reversed, pre, post,
    preOrigin, postOrigin, assumptions: rebuilt?.assumptions ?? [], problems, partial: new Set(), uncertain, readings, rebuilt,
  };
}

function headerOf(h: Hunk): string {
  return `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@${h.section ? ` ${h.section}` : ''}`;
}

/** Functions of an analysed image that overlap lines [from, to] (0-based). */
function functionsOver(a: FileAnalysis, from: number, to: number): string[] {
  if (!Number.isFinite(from)) return [];
  return a.outline.functions.filter((f) => f.span.line <= to && f.span.endLine >= from).map((f) => f.name);
}

function fragmentPair(analyser: Analyser, file: FilePatch): ImagePair {
  const path = file.newPath || file.oldPath;
  const images = fragmentImages(file);
  const assumptions: string[] = [];
  const withConsumer = (text: string): string => {
    const c = assumedConsumer(text);
    if (!c) return text;
    for (const b of c.bindings) if (!assumptions.includes(b)) assumptions.push(b);
    return text + c.source;
  };
  const preText = withConsumer(images.pre.text);
  const postText = withConsumer(images.post.text);
  const problems = [...new Set([...images.pre.repairs, ...images.post.repairs])].map((r) => `rebuilt without a base: ${r}`);
  const pre = analyser.analyseText(preText);
  const post = analyser.analyseText(postText);
  // a hunk touches the rebuilt functions it names, in its lines or its section header
  const names = [...new Set([...post.outline.functions, ...pre.outline.functions].map((f) => f.name))].filter((n) => n !== ASSUMED_CONSUMER && n !== ASSUMED_DRAIN)
    .map((n) => ({ n, word: new RegExp(`\\b${n}\\b`) }));
  const readings: HunkReading[] = file.hunks.map((h) => ({
    file: path, line: h.headerLine + 1, header: headerOf(h), mode: 'rebuilt',
    functions: names.filter(({ n, word }) => h.lines.some((l) => word.test(l.text)) || (h.section ?? '').includes(`${n}(`)).map(({ n }) => n),
  }));
  return {
    file: path, mode: 'fragments', pre, post,
    preOrigin: images.pre.origin, postOrigin: images.post.origin, assumptions, problems,
    partial: new Set([...images.pre.partial, ...images.post.partial]), readings,
  };
}

/**
 * A drain loop the patch changes, whose hooks are all outside the patch: without them nothing
 * says where a failed record goes, so whether the change can make the drain spin (AQ103) or
 * break order (AQ102) is unknown. Said as a model change, never as a clean bill.
 */
function unboundDrainChanges(pair: ImagePair, path: string): ModelChange[] {
  const out: ModelChange[] = [];
  for (const d of pair.post.model.drains) {
    if (d.queueParam === undefined || d.sites.length || !d.hookCalls.length) continue;
    const before = pair.pre.model.drains.find((x) => x.fn === d.fn);
    const text = (a: FileAnalysis, at: { start: number; end: number }, base: number) => a.parsed.text.slice(base + at.start, base + at.end);
    const post = text(pair.post, d.loop.at, pair.post.model.file.functions.get(d.fn)!.base);
    const pre = before ? text(pair.pre, before.loop.at, pair.pre.model.file.functions.get(d.fn)!.base) : '';
    if (pre === post) continue;
    out.push({
      file: path, fn: d.fn,
      message: `${d.fn}(): the drain loop changes, and the hooks it calls on a failed send are outside the patch: whether a failed record can come back to the queue being drained (a spin, AQ103, if the loop now keeps going) is not known from the hunks; review against the tree (--base) to check`,
    });
  }
  return out;
}

/** Position-independent identity of a finding: rule, what it is about, and where (function). */
export function findingKey(f: Finding): string {
  // which end of a queue a requeue uses is what changed, not which finding it is
  const [rule, fn, ...subject] = f.anchor.replace(/:(head|tail)\b/, '').split('|');
  // a race is about its variable wherever its first access moves
  return rule === 'AL206' ? `${rule}|${subject.join('|')}` : `${rule}|${fn}|${subject.join('|')}`;
}

/** Record ownership (AQ105, AQ107, AQ108) cannot be judged in a function the patch shows only in part. */
const OWNERSHIP_RULES = new Set(['AQ105', 'AQ107', 'AQ108']);

function classify(pair: ImagePair): ReviewedFinding[] {
  const out: ReviewedFinding[] = [];
  const judged = (f: Finding) => !(OWNERSHIP_RULES.has(f.rule) && pair.partial.has(f.function));
  const pre = new Map(pair.pre.findings.filter(judged).map((f) => [findingKey(f), f]));
  const post = new Map(pair.post.findings.filter(judged).map((f) => [findingKey(f), f]));
  const assumed = (f: Finding) => f.function === ASSUMED_CONSUMER || f.function === ASSUMED_DRAIN || f.related.some((r) => r.message.includes(ASSUMED_CONSUMER) || r.message.includes(ASSUMED_DRAIN)) ||
    (pair.assumptions.length > 0 && /^AQ10[234]$/.test(f.rule));
  const guessed = (f: Finding, image: 'pre' | 'post') => !!pair.uncertain?.[image].has(f.span.line);
  for (const [k, f] of post) {
    if (!pre.has(k) && guessed(f, 'post')) continue;
    out.push({ finding: f, status: pre.has(k) ? 'unchanged' : 'introduced', image: 'post', file: pair.file, docLine: docLineOf(f, pair.postOrigin, pair, 'post'), assumed: assumed(f) });
  }
  // a requeue that got worse (AQ102 -> AQ103 on the same hook and queue end) is the introduced
  // finding, not also a fix of the milder one; and the other way round
  const family = (rule: string) => (/^AQ10[23]$/.test(rule) ? 'requeue' : rule);
  const subject = (f: Finding) => f.anchor.split('|').slice(1).join('|');
  const renamed = (f: Finding, other: Map<string, Finding>) => [...other.values()].some((o) => o.rule !== f.rule && family(o.rule) === family(f.rule) && subject(o) === subject(f));
  for (const [k, f] of pre) {
    if (!post.has(k) && !guessed(f, 'pre') && !renamed(f, post)) out.push({ finding: f, status: 'fixed', image: 'pre', file: pair.file, docLine: docLineOf(f, pair.preOrigin, pair, 'pre'), assumed: assumed(f) });
  }
  return out.filter((r) => r.finding.function !== ASSUMED_CONSUMER && r.finding.function !== ASSUMED_DRAIN).map(unsynthesised);
}

/** A finding about code the review synthesised names it in words, not by its internal name. */
function unsynthesised(r: ReviewedFinding): ReviewedFinding {
  const words = (t: string) => t.split(`${ASSUMED_DRAIN}()`).join('the drain (outside the patch, assumed)');
  if (!r.finding.message.includes(ASSUMED_DRAIN) && !r.finding.related.some((x) => x.message.includes(ASSUMED_DRAIN))) return r;
  return { ...r, finding: { ...r.finding, message: words(r.finding.message), related: r.finding.related.map((x) => ({ ...x, message: words(x.message) })) } };
}

/** The patch line a finding sits on, or the nearest line of the same hunk region. */
function docLineOf(f: Finding, origin: (number | undefined)[], pair: ImagePair, image: 'pre' | 'post'): number | undefined {
  const exact = origin[f.span.line];
  if (exact !== undefined) return exact;
  // nearest mapped line within a few lines (the finding is in code the patch shows as context)
  for (let d = 1; d <= 3; d++) {
    const up = origin[f.span.line - d];
    if (up !== undefined) return up;
    const down = origin[f.span.line + d];
    if (down !== undefined) return down;
  }
  void pair;
  void image;
  return undefined;
}
