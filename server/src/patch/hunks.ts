/**
 * Files and hunks of a diff, read from a message view. Well-formed hunks end
 * when their counts are met; lossy ones (archives drop blank lines and lone
 * braces, strip context markers, or carry a reviewer's comment inline) run to
 * the next header or the end of the patch, and say what was recovered.
 * Nothing here throws: what cannot be read is reported and skipped.
 */
import { classifyRun, endsPatch, SNIP, wrappedSection } from './lossy';
import type { ProblemLog } from './problems';
import type { FilePatch, Hunk, PatchLine } from './types';
import type { CommentCollector, ViewLine } from './view';

export interface DiffContext {
  problems: ProblemLog;
  comments: CommentCollector;
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/;
const EXTENDED = /^(?:index |(?:new|deleted) file mode |old mode |new mode |(?:dis)?similarity index |rename (?:from|to) |copy (?:from|to) )/;
const BINARY = /^(?:Binary files .{0,2000} differ|GIT binary patch)$/;

function nextOwn(view: readonly ViewLine[], i: number): number {
  let k = i + 1;
  while (k < view.length && view[k].foreign) k++;
  return k;
}

/** `diff --git`, or a `---` line followed by `+++`: a file starts here. */
function startsFile(view: readonly ViewLine[], i: number): boolean {
  const t = view[i].text;
  if (t.startsWith('diff --git ')) return true;
  if (!t.startsWith('--- ')) return false;
  const k = nextOwn(view, i);
  return k < view.length && view[k].text.startsWith('+++ ');
}

function boundary(view: readonly ViewLine[], i: number): boolean {
  return view[i].text.startsWith('@@') || startsFile(view, i) || endsPatch(view, i);
}

/** Index of the first diff line after `from` (or the view's length): commit message lines never start a diff. */
export function findDiffStart(view: readonly ViewLine[], from: number): number {
  for (let i = from; i < view.length; i++) {
    if (!view[i].foreign && (startsFile(view, i) || view[i].text.startsWith('@@ -'))) return i;
  }
  return view.length;
}

function unquotePath(p: string): string {
  const m = /^"((?:[^"\\]|\\.)*)"$/.exec(p);
  return m ? m[1].replace(/\\(.)/g, '$1') : p;
}

/** a/ b/ (and git's mnemonic i/ w/ c/ o/) prefixes go; /dev/null stays. */
function stripPrefix(p: string): string {
  return p === '/dev/null' ? p : p.replace(/^[abciwo]\//, '');
}

/** The path of a `---`/`+++` line, without a timestamp (`diff -u`) or a tab suffix. */
function headerPath(rest: string): string {
  let p = rest;
  const tab = p.indexOf('\t');
  if (tab >= 0) p = p.slice(0, tab);
  p = p.trimEnd().replace(/ +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? [-+]\d{4}$/, '');
  return stripPrefix(unquotePath(p));
}

/** "a/X b/Y" of a `diff --git` line; equal halves first, so paths with spaces work when unchanged. */
function gitPaths(rest: string): [string, string] {
  const q = /^("(?:[^"\\]|\\.)*") ("(?:[^"\\]|\\.)*"|\S.*)$/.exec(rest);
  if (q) return [stripPrefix(unquotePath(q[1])), stripPrefix(unquotePath(q[2]))];
  const n = rest.length;
  if (n % 2 === 1 && rest[(n - 1) / 2] === ' ') {
    const a = rest.slice(0, (n - 1) / 2);
    const b = rest.slice((n + 1) / 2);
    if (a.slice(2) === b.slice(2)) return [stripPrefix(a), stripPrefix(b)];
  }
  const k = rest.indexOf(' b/');
  const sp = k >= 0 ? k : rest.indexOf(' ');
  return sp < 0 ? [stripPrefix(rest), stripPrefix(rest)] : [stripPrefix(rest.slice(0, sp)), stripPrefix(rest.slice(sp + 1))];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function readDiff(view: readonly ViewLine[], from: number, ctx: DiffContext): FilePatch[] {
  const files: FilePatch[] = [];
  let file: FilePatch | undefined;
  let pairSeen = false; // the current file already had its ---/+++ pair
  let i = from;
  while (i < view.length) {
    const vl = view[i];
    if (vl.foreign) {
      ctx.comments.foreign(vl);
      i++;
      continue;
    }
    const t = vl.text;
    if (endsPatch(view, i)) break;
    if (t.trim() === '') {
      i++;
      continue;
    }
    ctx.comments.close();
    if (t.startsWith('diff --git ')) {
      const [oldPath, newPath] = gitPaths(t.slice(11));
      files.push((file = { oldPath, newPath, headerLine: vl.docLine, hunks: [] }));
      pairSeen = false;
      i++;
    } else if (startsFile(view, i)) {
      const plus = nextOwn(view, i);
      if (!file || pairSeen || file.hunks.length > 0) files.push((file = { oldPath: '', newPath: '', headerLine: vl.docLine, hunks: [] }));
      file.oldPath = headerPath(t.slice(4));
      file.newPath = headerPath(view[plus].text.slice(4));
      pairSeen = true;
      i = plus + 1;
    } else if (t.startsWith('@@')) {
      const m = HUNK_HEADER.exec(t);
      if (!m) {
        i = skipBadHunk(view, i, ctx);
        continue;
      }
      if (!file) {
        files.push((file = { oldPath: '', newPath: '', headerLine: vl.docLine, hunks: [] }));
        ctx.problems.add(vl.docLine, 'a hunk without a file header; its file is unknown');
      }
      const r = readHunk(view, i, m, ctx.comments);
      file.hunks.push(r.hunk);
      i = r.next;
    } else if (EXTENDED.test(t)) {
      if (file) extendedHeader(file, t);
      i++;
    } else if (BINARY.test(t)) {
      ctx.problems.add(vl.docLine, `binary patch${file ? ` for ${file.newPath || file.oldPath}` : ''} skipped`);
      i = skipBinary(view, i);
    } else {
      i = readStray(view, i, ctx);
    }
  }
  // After the end of the patch a reply may still comment.
  for (; i < view.length; i++) if (view[i].foreign) ctx.comments.foreign(view[i]);
  ctx.comments.close();
  return files;
}

function extendedHeader(file: FilePatch, t: string): void {
  if (t.startsWith('new file mode ')) file.oldPath = '/dev/null';
  else if (t.startsWith('deleted file mode ')) file.newPath = '/dev/null';
  else if (t.startsWith('rename from ') || t.startsWith('copy from ')) file.oldPath = unquotePath(t.slice(t.indexOf(' from ') + 6));
  else if (t.startsWith('rename to ') || t.startsWith('copy to ')) file.newPath = unquotePath(t.slice(t.indexOf(' to ') + 4));
}

/** A `@@` line that does not parse: report it and skip its lines up to the next header. */
function skipBadHunk(view: readonly ViewLine[], i: number, ctx: DiffContext): number {
  let k = i + 1;
  for (; k < view.length && (view[k].foreign || !boundary(view, k)); k++) if (view[k].foreign) ctx.comments.foreign(view[k]);
  const shown = view[i].text.length > 80 ? `${view[i].text.slice(0, 80)}…` : view[i].text;
  ctx.problems.add(view[i].docLine, `unreadable hunk header "${shown}": it and ${plural(k - i - 1, 'line')} after it were skipped`);
  return k;
}

/** `GIT binary patch` data (forward and reverse literals) runs to the next header; `Binary files ... differ` is one line. */
function skipBinary(view: readonly ViewLine[], i: number): number {
  if (!view[i].text.startsWith('GIT binary patch')) return i + 1;
  let k = i + 1;
  while (k < view.length && !boundary(view, k)) k++;
  return k;
}

/**
 * Lines outside any hunk that are no header: a reviewer's prose (unquoted
 * mode) becomes a comment, anything else is reported and skipped.
 */
function readStray(view: readonly ViewLine[], i: number, ctx: DiffContext): number {
  let k = i;
  while (k < view.length && !view[k].foreign && view[k].text.trim() !== '' && !boundary(view, k) && !EXTENDED.test(view[k].text) && !BINARY.test(view[k].text)) k++;
  const run = view.slice(i, k);
  const labels = classifyRun(run.map((l) => l.text));
  let skipped = 0;
  let first = -1;
  run.forEach((l, n) => {
    if (SNIP.test(l.text)) return;
    if (labels[n] === 'comment') ctx.comments.add(l);
    else {
      ctx.comments.close();
      if (first < 0) first = l.docLine;
      skipped++;
    }
  });
  if (skipped) ctx.problems.add(first, `${plural(skipped, 'line')} outside any hunk skipped (not a diff header, hunk line or comment)`);
  return Math.max(k, i + 1);
}

type Label = 'comment' | 'context';

/** Unmarked lines inside a hunk: context that lost its leading space, or prose. */
function unmarked(view: readonly ViewLine[], k: number): boolean {
  const l = view[k];
  return !l.foreign && l.text !== '' && !'+- \\'.includes(l.text[0]) && !boundary(view, k) && !SNIP.test(l.text);
}

interface Tally {
  old: number;
  new: number;
  unmarked: number;
  comment: number;
  snips: number;
  extra: number;
}

function readHunk(view: readonly ViewLine[], i: number, m: RegExpExecArray, comments: CommentCollector): { hunk: Hunk; next: number } {
  const hunk: Hunk = {
    oldStart: Number(m[1]), oldLines: m[2] === undefined ? 1 : Number(m[2]),
    newStart: Number(m[3]), newLines: m[4] === undefined ? 1 : Number(m[4]),
    section: m[5].trim(), headerLine: view[i].docLine, lines: [], lossy: false, problems: [],
  };
  let j = i + 1;
  if (j < view.length && wrappedSection(hunk.section, view[j])) {
    hunk.section = `${hunk.section} ${view[j].text.trim()}`;
    hunk.problems.push('the mailer wrapped the hunk header; its section was rejoined from the next line');
    j++;
  }
  const tally: Tally = { old: 0, new: 0, unmarked: 0, comment: 0, snips: 0, extra: 0 };
  let trailingBlanks = 0;
  let run: { start: number; labels: Label[] } | undefined;
  const full = () => tally.old >= hunk.oldLines && tally.new >= hunk.newLines;
  for (; j < view.length; j++) {
    const vl = view[j];
    if (vl.foreign) {
      comments.foreign(vl);
      continue;
    }
    if (full()) break;
    const t = vl.text;
    if (boundary(view, j) || t.startsWith('--- a/')) break;
    if (t[0] === '\\') continue; // "\ No newline at end of file"
    if (SNIP.test(t)) {
      tally.snips++;
      continue;
    }
    if (unmarked(view, j)) {
      if (!run || j >= run.start + run.labels.length) run = unmarkedRun(view, j);
      if (run.labels[j - run.start] === 'comment') {
        comments.add(vl);
        tally.comment++;
        continue;
      }
      tally.unmarked++;
      push(hunk, tally, 'context', t, vl, 0);
    } else if (t === '') push(hunk, tally, 'context', '', vl, 0);
    else push(hunk, tally, t[0] === '+' ? 'add' : t[0] === '-' ? 'del' : 'context', t.slice(1), vl, 1);
    comments.close();
    trailingBlanks = t === '' ? trailingBlanks + 1 : 0;
  }
  if (!full()) {
    // In a hunk that came up short, blank lines just before a header or a footer separate; they are not context.
    for (; trailingBlanks > 0; trailingBlanks--) {
      hunk.lines.pop();
      tally.old--;
      tally.new--;
    }
  } else j = overflow(view, j, hunk, tally);
  hunk.problems.push(...problemsOf(hunk, tally));
  hunk.lossy = hunk.problems.length > 0;
  return { hunk, next: j };
}

function push(hunk: Hunk, tally: Tally, kind: PatchLine['kind'], text: string, vl: ViewLine, marker: number): void {
  hunk.lines.push({ kind, text, docLine: vl.docLine, docColumn: vl.col + marker });
  if (kind !== 'add') tally.old++;
  if (kind !== 'del') tally.new++;
}

function unmarkedRun(view: readonly ViewLine[], j: number): { start: number; labels: Label[] } {
  let k = j;
  while (k < view.length && unmarked(view, k)) k++;
  return { start: j, labels: classifyRun(view.slice(j, k).map((l) => l.text)) };
}

/** A header that undercounts: diff lines run on past the counts right up to the next header. Keep them. */
function overflow(view: readonly ViewLine[], j: number, hunk: Hunk, tally: Tally): number {
  let k = j;
  while (k < view.length && !view[k].foreign && /^[-+ ]/.test(view[k].text) && !boundary(view, k)) k++;
  const next = view[k];
  if (k === j || !next || next.foreign || !(next.text.startsWith('@@') || next.text.startsWith('diff --git '))) return j;
  for (; j < k; j++) {
    const t = view[j].text;
    push(hunk, tally, t[0] === '+' ? 'add' : t[0] === '-' ? 'del' : 'context', t.slice(1), view[j], 1);
    tally.extra++;
  }
  return k;
}

function problemsOf(hunk: Hunk, tally: Tally): string[] {
  const out: string[] = [];
  const why = tally.snips ? 'the reply trimmed the quoted hunk' : 'archives drop blank lines and lone braces';
  const missOld = hunk.oldLines - tally.old;
  const missNew = hunk.newLines - tally.new;
  if (missOld > 0 && missNew > 0) out.push(`${missOld} old-side and ${plural(missNew, 'new-side line')} missing (${why})`);
  else if (missOld > 0) out.push(`${plural(missOld, 'old-side line')} missing (${why})`);
  else if (missNew > 0) out.push(`${plural(missNew, 'new-side line')} missing (${why})`);
  if (tally.extra) out.push(`${plural(tally.extra, 'line')} past the header's counts kept (the header undercounts)`);
  else {
    if (missOld < 0) out.push(`${plural(-missOld, 'old-side line')} more than the header says`);
    if (missNew < 0) out.push(`${plural(-missNew, 'new-side line')} more than the header says`);
  }
  if (tally.unmarked) out.push(`${plural(tally.unmarked, 'context line')} had lost the leading space; read as context`);
  if (tally.comment) out.push(`${plural(tally.comment, 'line')} of prose without a diff marker (a reviewer's comment) kept as a comment, not code`);
  if (tally.snips) out.push('the reply trimmed the quoted hunk ([...]); the lines it left out are missing');
  return out;
}
