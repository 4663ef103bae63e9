/**
 * Applies a file's hunks to a base text by context, as GNU `patch` does:
 * each hunk is looked for near its header line (plus the offset the previous
 * hunks were found at), nearest match first, then with fuzz (ignoring up to
 * `maxFuzz` leading and trailing context lines), then ignoring whitespace.
 *
 * Mailing-list archives drop blank lines, lone braces and comment punctuation
 * (`/**`, ` *`, ` *\/`) from hunks. When a hunk does not match as it is (or is
 * marked lossy by the parser), it is matched allowing the base to hold a few
 * such extra lines between hunk lines; they are kept as context in both
 * images ("recovered"), except where the header's counts show the hunk lost
 * that many more lines of the matched side than of the other side: blank or
 * brace lines between two changed lines are then taken as changed lines. A
 * hunk the parser marked lossy may, as a last resort, also skip up to two
 * other base lines (archives sometimes lose a code line too).
 *
 * `fuzz` is the larger number of context lines ignored at either end, plus 1
 * for a match that only holds ignoring whitespace, plus 1 per code line
 * skipped. Context ignored by fuzz is mapped to where it really is when it is
 * found a few lines away, else where the hunk puts it (as patch assumes).
 *
 * `reverse` treats the base as the post-image: the hunk's `+` side is looked
 * for and removed, its `-` lines are re-inserted. `pre` is then the rebuilt
 * old text and `post` the base.
 *
 * Never throws: a hunk that cannot be placed goes to `failed` with a reason a
 * reviewer can act on; the other hunks still apply.
 */
import type { ApplyResult, FilePatch, Hunk, HunkPlacement, PatchLineKind } from './types';

export interface ApplyOptions {
  /** The base is the post-image: find the `+` side, rebuild the `-` side. */
  reverse?: boolean;
  /** Context lines that may be ignored at each end of a hunk (default 2, as `patch`). */
  maxFuzz?: number;
}

/** How a hunk's matched side was found in the base. */
export type MatchMethod = 'exact' | 'whitespace' | 'lossy' | 'lossy-whitespace';

/** A base line kept as context inside a hunk although the hunk does not contain it. */
export interface RecoveredLine {
  /** 0-based line in the pre-image and in the post-image. */
  pre: number;
  post: number;
  text: string;
  /** False for a code line (the archive dropped it, or the base gained it since); see the notes. */
  trivial: boolean;
}

export interface AppliedHunk extends HunkPlacement {
  method: MatchMethod;
  /** Context lines ignored at the start and at the end of the hunk. */
  fuzzLeading: number;
  fuzzTrailing: number;
  /** Base lines kept as context inside the hunk (lines the archive dropped). */
  recovered: RecoveredLine[];
  /** One sentence per thing a reviewer may want to know about this placement. */
  notes: string[];
}

export interface ApplyReport extends ApplyResult {
  placed: AppliedHunk[];
}

/** Extra base lines allowed in a row between two hunk lines in a lossy match. */
const MAX_GAP_RUN = 4;
/** Non-trivial base lines a lossy hunk may skip in all (last resort). */
const MAX_ANY_SKIPS = 2;

type Norm = 'trim' | 'ws';
type Gaps = 'none' | 'trivial' | 'any';
type Role = 'ctx' | 'remove' | 'insert';

/** A blank line, a lone brace (`{`, `}`, `};`, `},`) or comment punctuation (`/*`, `/**`, `*`, `*\/`). */
const TRIVIAL = /^\s*(?:[{}][;,]?|\/\*+|\*+\/?|)\s*$/;

export function isTrivialLine(text: string): boolean {
  return TRIVIAL.test(text);
}

const trimEnd = (s: string): string => s.replace(/\s+$/, '');
const noSpace = (s: string): string => s.replace(/\s+/g, '');

class BaseLines {
  readonly trim: string[];
  readonly trivial: boolean[];
  private wsCache?: string[];
  private readonly index = new Map<Norm, Map<string, number[]>>();

  constructor(readonly lines: string[]) {
    this.trim = lines.map(trimEnd);
    this.trivial = lines.map(isTrivialLine);
  }

  get length(): number {
    return this.lines.length;
  }

  norm(n: Norm): string[] {
    if (n === 'trim') return this.trim;
    return (this.wsCache ??= this.lines.map(noSpace));
  }

  /** Ascending base positions of each normalised line. */
  positions(n: Norm, text: string): number[] {
    let map = this.index.get(n);
    if (!map) {
      map = new Map();
      const arr = this.norm(n);
      for (let i = 0; i < arr.length; i++) {
        const key = arr[i]!;
        const list = map.get(key);
        if (list) list.push(i);
        else map.set(key, [i]);
      }
      this.index.set(n, map);
    }
    return map.get(text) ?? [];
  }
}

/** Positions in `sorted` that are ≥ min, nearest to `target` first (later before earlier on ties, like patch). */
function* nearestFirst(sorted: number[], target: number, min: number): Generator<number> {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  let up = lo;
  let down = lo - 1;
  while (up < sorted.length || (down >= 0 && sorted[down]! >= min)) {
    const u = up < sorted.length ? sorted[up]! - target : Infinity;
    const d = down >= 0 && sorted[down]! >= min ? target - sorted[down]! : Infinity;
    if (u <= d) {
      yield sorted[up++]!;
    } else {
      yield sorted[down--]!;
    }
  }
}

interface Side {
  /** Hunk line indices of this side, in order. */
  idx: number[];
  /** Their text, normalised both ways. */
  trim: string[];
  ws: string[];
  /** True when the side differs from pure context (holds at least one changed line). */
  hasChange: boolean;
}

interface Prepared {
  hunk: Hunk;
  roles: Role[];
  match: Side;
  other: Side;
  /** Context lines before the first change and after the last one. */
  lead: number;
  trail: number;
  /** 0-based base line where the header says the matched side starts (without offset). */
  headerPos: number;
}

interface Spec {
  norm: Norm;
  gaps: Gaps;
  fuzz: number;
}

interface Found {
  /** Base position per entry of the side (undefined: ignored by fuzz and outside the base). */
  pos: (number | undefined)[];
  lf: number;
  tf: number;
  spec: Spec;
  /** Non-trivial base lines skipped. */
  anySkips: number;
  /** Start of the hunk as placed (may be before the base when leading lines were ignored). */
  start: number;
}

function prepare(hunk: Hunk, reverse: boolean): Prepared {
  const lines = hunk.lines;
  const roles: Role[] = lines.map((l) =>
    l.kind === 'context' ? 'ctx' : (l.kind === 'del') !== reverse ? 'remove' : 'insert',
  );
  const side = (keep: Role): Side => {
    const idx: number[] = [];
    for (let i = 0; i < roles.length; i++) if (roles[i] === 'ctx' || roles[i] === keep) idx.push(i);
    const text = idx.map((i) => lines[i]!.text);
    return { idx, trim: text.map(trimEnd), ws: text.map(noSpace), hasChange: idx.some((i) => roles[i] !== 'ctx') };
  };
  let lead = 0;
  while (lead < lines.length && lines[lead]!.kind === 'context') lead++;
  let trail = 0;
  while (trail < lines.length - lead && lines[lines.length - 1 - trail]!.kind === 'context') trail++;
  const start = reverse ? hunk.newStart : hunk.oldStart;
  const count = reverse ? hunk.newLines : hunk.oldLines;
  const hasMatch = roles.some((r) => r !== 'insert');
  // A side of 0 lines is "after line N"; otherwise N is 1-based.
  const headerPos = Math.max(0, count === 0 && !hasMatch ? start : start - 1);
  return { hunk, roles, match: side('remove'), other: side('insert'), lead, trail, headerPos };
}

/**
 * Matches `core` (normalised side lines) starting exactly at base line `p`:
 * consecutive, or allowing up to MAX_GAP_RUN extra base lines between two
 * lines (trivial ones; with `gaps: 'any'`, also up to MAX_ANY_SKIPS others).
 */
function matchAt(
  base: BaseLines,
  arr: string[],
  core: string[],
  p: number,
  gaps: Gaps,
): { pos: number[]; anySkips: number } | undefined {
  const n = arr.length;
  if (gaps === 'none') {
    if (p + core.length > n) return undefined;
    for (let k = 0; k < core.length; k++) if (arr[p + k] !== core[k]) return undefined;
    return { pos: core.map((_, k) => p + k), anySkips: 0 };
  }
  if (arr[p] !== core[0]) return undefined;
  const pos: number[] = new Array(core.length);
  pos[0] = p;
  const budgetMax = gaps === 'any' ? MAX_ANY_SKIPS : 0;
  const dead = new Set<number>();
  const key = (k: number, j: number, b: number): number => (k * (n + 1) + j) * (MAX_ANY_SKIPS + 1) + b;
  // Depth-first, fewest skipped lines first; `dead` remembers states that cannot finish.
  const go = (k: number, j: number, budget: number): number | undefined => {
    if (k === core.length) return budgetMax - budget;
    const id = key(k, j, budget);
    if (dead.has(id)) return undefined;
    let b = budget;
    for (let r = 0; r <= MAX_GAP_RUN && j + r < n; r++) {
      const at = j + r;
      if (arr[at] === core[k]) {
        pos[k] = at;
        const done = go(k + 1, at + 1, b);
        if (done !== undefined) return done;
      }
      // Extend the gap over `at`.
      if (!base.trivial[at]) {
        if (b === 0) break;
        b--;
      }
    }
    dead.add(id);
    return undefined;
  };
  const used = go(1, p + 1, budgetMax);
  return used === undefined ? undefined : { pos, anySkips: used };
}

/** Looks for `side` nearest to `expected` (0-based start of the whole side), not before `minStart`. */
function find(base: BaseLines, side: Side, lead: number, trail: number, expected: number, minStart: number, spec: Spec): Found | undefined {
  const m = side.idx.length;
  let lf = Math.min(spec.fuzz, lead);
  let tf = Math.min(spec.fuzz, trail);
  while (lf + tf >= m && (lf > 0 || tf > 0)) {
    if (lf >= tf && lf > 0) lf--;
    else tf--;
  }
  if (m === 0) return undefined;
  const src = spec.norm === 'trim' ? side.trim : side.ws;
  const core = src.slice(lf, m - tf);
  const arr = base.norm(spec.norm);
  const target = expected + lf;
  for (const p of nearestFirst(base.positions(spec.norm, core[0]!), target, minStart)) {
    const hit = matchAt(base, arr, core, p, spec.gaps);
    if (!hit) continue;
    const pos: (number | undefined)[] = new Array(m).fill(undefined);
    hit.pos.forEach((at, k) => (pos[lf + k] = at));
    // Lines ignored by fuzz sit where the hunk puts them (as patch assumes), unless
    // they are found a few lines away across blank/brace lines (lines an archive
    // drops; with `gaps: 'any'`, across any lines).
    const skippable = (at: number): boolean => spec.gaps === 'any' || base.trivial[at]!;
    let j = p - 1;
    for (let k = lf - 1; k >= 0; k--) {
      let at = j;
      for (let r = 0; r <= 2 * MAX_GAP_RUN && j - r >= minStart; r++) {
        if (arr[j - r] === src[k]) {
          at = j - r;
          break;
        }
        if (!skippable(j - r)) break;
      }
      if (at < minStart) break;
      pos[k] = at;
      j = at - 1;
    }
    j = hit.pos[hit.pos.length - 1]! + 1;
    for (let k = m - tf; k < m; k++) {
      let at = j;
      for (let r = 0; r <= 2 * MAX_GAP_RUN && j + r < arr.length; r++) {
        if (arr[j + r] === src[k]) {
          at = j + r;
          break;
        }
        if (!skippable(j + r)) break;
      }
      if (at >= arr.length) break;
      pos[k] = at;
      j = at + 1;
    }
    const start = pos[0] ?? p - lf;
    return { pos, lf, tf, spec, anySkips: hit.anySkips, start };
  }
  return undefined;
}

/** Search levels, cheapest first: per normalisation, per gap mode, fuzz 0..maxFuzz. */
/** A placement that ignored context lines still matched at least two distinctive lines of the hunk. */
function trusted(found: Found, prep: Prepared): boolean {
  if (found.lf + found.tf === 0) return true;
  const kept = prep.match.idx.slice(found.lf, prep.match.idx.length - found.tf);
  return kept.filter((i) => !TRIVIAL.test(prep.hunk.lines[i]?.text ?? '')).length >= 2;
}

function specs(norms: Norm[], gaps: Gaps[], maxFuzz: number): Spec[] {
  const out: Spec[] = [];
  for (const norm of norms) for (const g of gaps) for (let fuzz = 0; fuzz <= maxFuzz; fuzz++) out.push({ norm, gaps: g, fuzz });
  return out;
}

function search(base: BaseLines, prep: Prepared, side: Side, expected: number, minStart: number, list: Spec[]): Found | undefined {
  let prevKey = '';
  for (const spec of list) {
    // Skip fuzz levels that cannot ignore more than the previous one did.
    const lf = Math.min(spec.fuzz, prep.lead);
    const tf = Math.min(spec.fuzz, prep.trail);
    const k = `${spec.norm}/${spec.gaps}/${lf}/${tf}`;
    if (k === prevKey) continue;
    prevKey = k;
    const hit = find(base, side, prep.lead, prep.trail, expected, minStart, spec);
    if (hit) return hit;
  }
  return undefined;
}

const show = (s: string, max = 70): string => {
  const t = s.trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

/** Why `side` was not found: the best partial alignment and its first differing line. */
function explain(base: BaseLines, prep: Prepared, side: Side, expected: number, minStart: number): string {
  const arr = base.trim;
  const n = arr.length;
  const m = side.trim.length;
  let best: { score: number; p: number; k: number; j: number } | undefined;
  for (let p = minStart; p < n; p++) {
    let j = p;
    let score = 0;
    let firstK = -1;
    let firstJ = -1;
    let run = 0;
    for (let k = 0; k < m; ) {
      if (j < n && arr[j] === side.trim[k]) {
        score++;
        j++;
        k++;
        run = 0;
      } else if (score > 0 && j < n && base.trivial[j] && run < MAX_GAP_RUN) {
        j++;
        run++;
      } else {
        if (firstK < 0) {
          firstK = k;
          firstJ = j;
        }
        j++;
        k++;
        run = 0;
      }
    }
    if (score === 0) continue;
    const dist = Math.abs(p - expected);
    if (!best || score > best.score || (score === best.score && dist < Math.abs(best.p - expected))) {
      best = { score, p, k: firstK, j: firstJ };
    }
  }
  const near = `near line ${Math.min(expected, n) + 1}`;
  const after = minStart > 0 && expected < minStart ? ` (it must come after the previous hunk, which ends at line ${minStart})` : '';
  if (!best || best.k < 0) {
    return `context not found ${near}${after}: the base differs (none of the hunk's ${side.idx.length} lines is in the base after line ${minStart})`;
  }
  const hl = prep.hunk.lines[side.idx[best.k]!]!;
  const got = best.j < n ? `line ${best.j + 1} has "${show(base.lines[best.j]!)}"` : `the base ends at line ${n}`;
  return (
    `context not found ${near}${after}: the base differs (best match at line ${best.p + 1} agrees on ` +
    `${best.score} of ${m} lines; the hunk expects "${show(hl.text)}" (patch line ${hl.docLine + 1}) where ${got})`
  );
}

interface Plan {
  prep: Prepared;
  found: Found;
  /** Base line per hunk line (ctx/remove); undefined for insert lines or lines ignored outside the base. */
  basePos: (number | undefined)[];
  regionStart: number;
  regionEnd: number;
  /** Gaps of base lines inside the region, each with the hunk line index it is emitted before. */
  gaps: { before: number; from: number; to: number }[];
  /** Gap lines judged to be changed lines the archive lost (kept in the base image only). */
  lostChanged: Set<number>;
  /** Lines of the side to insert that the header counts but the hunk lacks (cannot be rebuilt). */
  lostInserts: number;
  /** Changed lines of the matched side that the header counts but the hunk lacks. */
  lostMatched: number;
  offset: number;
}

function commonPrefix(a: string, b: string): number {
  let k = 0;
  while (k < a.length && k < b.length && a[k] === b[k]) k++;
  return k;
}

function plan(prep: Prepared, found: Found, base: BaseLines, reverse: boolean): Plan {
  const { hunk, match, roles } = prep;
  const lines = hunk.lines;
  const basePos: (number | undefined)[] = new Array(lines.length).fill(undefined);
  match.idx.forEach((h, k) => (basePos[h] = found.pos[k]));
  const mapped = match.idx.filter((h) => basePos[h] !== undefined);
  const gaps: Plan['gaps'] = [];
  const kinds = lines.map((l) => l.kind);
  // Candidates for lost changed lines: gaps between two changed lines of the matched side.
  const sandwiched: number[] = [];
  for (let t = 1; t < mapped.length; t++) {
    const i = mapped[t - 1]!;
    const j = mapped[t]!;
    const from = basePos[i]! + 1;
    const to = basePos[j]!;
    if (to <= from) continue;
    // Where did the archive lose these context lines? Diffs order a change block
    // as `-` lines then `+` lines, so a `+` followed by a `-` had context between
    // them; otherwise next to a context line, choosing the side the inserted
    // lines resemble less (they stay next to the line they look like).
    let before = -1;
    for (let h = i + 1; h <= j; h++) {
      if (kinds[h - 1] === 'add' && kinds[h] === 'del') {
        before = h;
        break;
      }
    }
    if (before < 0) {
      if (kinds[i] === 'context' && kinds[j] === 'context' && j > i + 1) {
        const toI = commonPrefix(trimEnd(lines[i]!.text), trimEnd(lines[i + 1]!.text));
        const toJ = commonPrefix(trimEnd(lines[j - 1]!.text), trimEnd(lines[j]!.text));
        before = toI > toJ ? j : i + 1;
      } else {
        before = kinds[i] === 'context' ? i + 1 : kinds[j] === 'context' ? j : i + 1;
      }
    }
    gaps.push({ before, from, to });
    if (j === i + 1 && roles[i] === 'remove' && roles[j] === 'remove') {
      for (let b = from; b < to; b++) sandwiched.push(b);
    }
  }
  // The header's counts tell how many lines of each side the hunk lost; lines
  // lost from both sides were context. More lost on the matched side than on
  // the other means that many lost lines were changed lines: take them from the
  // gaps between two changed lines.
  const count = (k: PatchLineKind): number => lines.filter((l) => l.kind === k).length;
  const lostOld = Math.max(0, hunk.oldLines - count('context') - count('del'));
  const lostNew = Math.max(0, hunk.newLines - count('context') - count('add'));
  const lostMatched = reverse ? lostNew - lostOld : lostOld - lostNew;
  const lostChanged = new Set<number>();
  if (lostMatched > 0) {
    // Only blank/brace/punctuation lines: a code line could as well be one added since.
    for (const b of sandwiched.filter((x) => base.trivial[x]).slice(0, lostMatched)) lostChanged.add(b);
  }
  const first = mapped.length ? basePos[mapped[0]!]! : Math.max(found.start, 0);
  const last = mapped.length ? basePos[mapped[mapped.length - 1]!]! + 1 : first;
  return {
    prep,
    found,
    basePos,
    regionStart: first,
    regionEnd: last,
    gaps,
    lostChanged,
    lostInserts: Math.max(0, -lostMatched),
    lostMatched: Math.max(0, lostMatched),
    offset: found.start - prep.headerPos,
  };
}

function splitLines(text: string): { lines: string[]; eol: boolean } {
  if (text === '') return { lines: [], eol: true };
  const eol = text.endsWith('\n');
  const body = eol ? text.slice(0, -1) : text;
  return { lines: body.split('\n'), eol };
}

function describeFuzz(found: Found): string[] {
  const notes: string[] = [];
  if (found.lf || found.tf) {
    const parts: string[] = [];
    if (found.lf) parts.push(`${found.lf} leading`);
    if (found.tf) parts.push(`${found.tf} trailing`);
    notes.push(`ignored ${parts.join(' and ')} context line${found.lf + found.tf > 1 ? 's' : ''} to make it fit (fuzz)`);
  }
  if (found.spec.norm === 'ws') notes.push(`matched only when ignoring whitespace differences`);
  return notes;
}

/** Applies `file`'s hunks to `base` (forward, or in reverse when `options.reverse`). Never throws. */
export function applyFilePatch(base: string, file: FilePatch, options: ApplyOptions = {}): ApplyReport {
  const reverse = options.reverse === true;
  const maxFuzz = Math.max(0, Math.min(10, Math.floor(options.maxFuzz ?? 2)));
  const { lines, eol } = splitLines(base);
  const bl = new BaseLines(lines);
  const plans: Plan[] = [];
  const failed: ApplyResult['failed'] = [];

  // Like patch: exact, then fuzz, then ignoring whitespace; then across lines
  // an archive drops; for hunks known to be lossy, across a few code lines too.
  const strict = specs(['trim', 'ws'], ['none'], maxFuzz);
  const trivialGaps = specs(['trim', 'ws'], ['trivial'], maxFuzz);
  const anyGaps = specs(['trim', 'ws'], ['any'], maxFuzz);
  // Inserted lines follow the base's line endings.
  const crlf = lines.length > 0 && lines.filter((l) => l.endsWith('\r')).length * 2 > lines.length;

  let minStart = 0;
  let offset = 0;
  for (const hunk of file.hunks ?? []) {
    try {
      const prep = prepare(hunk, reverse);
      const expected = Math.min(Math.max(prep.headerPos + offset, 0), bl.length);
      if (prep.match.idx.length === 0) {
        // Pure insertion with no context (a new file, or an archive that lost it all).
        const at = Math.max(expected, minStart);
        const found: Found = { pos: [], lf: 0, tf: 0, spec: { norm: 'trim', gaps: 'none', fuzz: 0 }, anySkips: 0, start: at };
        const p = plan(prep, found, bl, reverse);
        plans.push(p);
        minStart = at;
        offset = p.offset;
        continue;
      }
      // Lossy hunks: a gap-tolerant match at fuzz 0 beats ignoring context lines
      // (fuzz would misplace the lines around a dropped blank).
      let found = hunk.lossy
        ? search(bl, prep, prep.match, expected, minStart, trivialGaps)
        : search(bl, prep, prep.match, expected, minStart, strict) ??
          search(bl, prep, prep.match, expected, minStart, trivialGaps);
      if (!found) {
        const otherSide = prep.other.hasChange || prep.match.hasChange;
        const sameSides = prep.other.idx.length === prep.match.idx.length && prep.other.idx.every((h, k) => h === prep.match.idx[k]);
        if (otherSide && !sameSides && prep.other.idx.length) {
          const list = prep.other.hasChange ? [...strict, ...trivialGaps] : specs(['trim'], ['none', 'trivial'], 0);
          const there = search(bl, prep, prep.other, expected, minStart, list);
          if (there) {
            const at = there.start + 1;
            failed.push({
              hunk,
              reason: reverse
                ? `not applied (reversed): the base has this hunk's old (-) side at line ${at}, not its new (+) side, so there is nothing to reverse`
                : `already applied: the base already has this hunk's new (+) side at line ${at}`,
            });
            continue;
          }
        }
        if (hunk.lossy) found = search(bl, prep, prep.match, expected, minStart, anyGaps);
      }
      if (!found) {
        failed.push({ hunk, reason: explain(bl, prep, prep.match, expected, minStart) });
        continue;
      }
      // Ignoring context must leave something distinctive to place the hunk by: a lone
      // `return 0;` between braces matches half the functions of a file. Else try the
      // gap-tolerant matches, which keep all the context.
      if (!trusted(found, prep)) {
        const weak = found;
        found = [search(bl, prep, prep.match, expected, minStart, trivialGaps), hunk.lossy ? search(bl, prep, prep.match, expected, minStart, anyGaps) : undefined]
          .find((f): f is Found => !!f && trusted(f, prep));
        if (!found) {
          const n = weak.lf + weak.tf;
          failed.push({ hunk, reason: `context not found: only with ${n} context line${n > 1 ? 's' : ''} ignored (fuzz), which leaves too little of the hunk to place it by` });
          continue;
        }
      }
      const p = plan(prep, found, bl, reverse);
      plans.push(p);
      minStart = p.regionEnd;
      offset = p.offset;
    } catch (err) {
      failed.push({ hunk, reason: `could not be applied: internal error (${err instanceof Error ? err.message : String(err)})` });
    }
  }

  // Build the other image: unchanged base lines, then each hunk's context,
  // inserted lines and recovered gaps in hunk order.
  const other: string[] = [];
  const placed: AppliedHunk[] = [];
  let cursor = 0;
  for (const p of plans) {
    const { prep, found } = p;
    const { hunk, roles } = prep;
    while (cursor < p.regionStart) other.push(lines[cursor++]!);
    const otherStart = other.length;
    const otherPos: (number | undefined)[] = new Array(hunk.lines.length).fill(undefined);
    const recovered: RecoveredLine[] = [];
    const emitGaps = (before: number): void => {
      for (const g of p.gaps) {
        if (g.before !== before) continue;
        for (let b = g.from; b < g.to; b++) {
          if (p.lostChanged.has(b)) continue;
          other.push(lines[b]!);
          const o = other.length - 1;
          recovered.push({ pre: reverse ? o : b, post: reverse ? b : o, text: lines[b]!, trivial: bl.trivial[b]! });
        }
      }
    };
    for (let h = 0; h < hunk.lines.length; h++) {
      emitGaps(h);
      const role = roles[h]!;
      if (role === 'ctx') {
        const b = p.basePos[h];
        if (b === undefined) continue;
        other.push(lines[b]!);
        otherPos[h] = other.length - 1;
      } else if (role === 'insert') {
        const text = hunk.lines[h]!.text;
        other.push(crlf && !text.endsWith('\r') ? `${text}\r` : text);
        otherPos[h] = other.length - 1;
      }
    }
    emitGaps(hunk.lines.length);
    cursor = Math.max(cursor, p.regionEnd);
    recovered.sort((a, b) => a.post - b.post);

    const trivialCount = recovered.filter((r) => r.trivial).length;
    const codeCount = recovered.length - trivialCount;
    const notes = describeFuzz(found);
    const sign = reverse ? '+' : '-';
    const otherSign = reverse ? '-' : '+';
    if (p.lostChanged.size) {
      const n = p.lostChanged.size;
      notes.push(
        `took ${n} base line${n > 1 ? 's' : ''} inside the hunk as ${n > 1 ? '' : 'a '}\`${sign}\` line${n > 1 ? 's' : ''} the archive dropped (by the header's counts the hunk lacks ${p.lostMatched} more \`${sign}\` than \`${otherSign}\` lines)`,
      );
    }
    if (p.lostInserts) {
      const n = p.lostInserts;
      notes.push(
        `the header counts ${n} \`${otherSign}\` line${n > 1 ? 's' : ''} the hunk lacks; the ${reverse ? 'pre' : 'post'}-image cannot have ${n > 1 ? 'them' : 'it'}`,
      );
    }
    if (codeCount) {
      notes.push(
        `kept ${codeCount} code line${codeCount > 1 ? 's' : ''} of the base inside the hunk as context although the hunk lacks ${codeCount > 1 ? 'them' : 'it'} (dropped by the archive, or changed since)`,
      );
    }
    if (trivialCount) {
      notes.push(
        `recovered ${trivialCount} blank, brace or comment-punctuation line${trivialCount > 1 ? 's' : ''} from the base that the hunk lacks (kept as context)`,
      );
    }
    const fuzz = Math.max(found.lf, found.tf) + (found.spec.norm === 'ws' ? 1 : 0) + found.anySkips;
    const method: MatchMethod =
      recovered.length > 0 ? (found.spec.norm === 'ws' ? 'lossy-whitespace' : 'lossy') : found.spec.norm === 'ws' ? 'whitespace' : 'exact';
    placed.push({
      hunk,
      preStart: reverse ? otherStart : p.regionStart,
      postStart: reverse ? p.regionStart : otherStart,
      preLine: reverse ? otherPos.map((o, h) => (roles[h] === 'remove' ? undefined : o)) : p.basePos.slice(),
      postLine: reverse ? p.basePos.slice() : otherPos.map((o, h) => (roles[h] === 'remove' ? undefined : o)),
      offset: p.offset,
      fuzz,
      method,
      fuzzLeading: found.lf,
      fuzzTrailing: found.tf,
      recovered,
      notes,
    });
  }
  while (cursor < lines.length) other.push(lines[cursor++]!);

  const join = (arr: string[]): string => (arr.length === 0 ? '' : arr.join('\n') + (eol ? '\n' : ''));
  const built = join(other);
  return {
    pre: reverse ? built : base,
    post: reverse ? base : built,
    placed,
    failed,
  };
}
