/**
 * A message as the patch reader sees it: one entry per document line, with the
 * `> ` quote prefix of a reply removed and the replier's own lines marked, so
 * the readers of headers, commit message and hunks never deal with quoting.
 */
import { SIGNATURE_SEPARATOR } from './lossy';
import type { ReviewComment } from './types';

export interface ViewLine {
  /** The line without its quote prefix (and without a trailing `\r`). */
  text: string;
  docLine: number;
  /** Column of `text` in the document line. */
  col: number;
  /** Written by the replier, not part of the quoted patch (only in a reply quoting with `> `). */
  foreign: boolean;
}

export interface MessageView {
  lines: ViewLine[];
  /** The patch is quoted with `> ` (one or more levels). */
  quoted: boolean;
}

/** Strips up to `max` quote levels (`>` with an optional space each); linear in the prefix. */
function unquote(line: string, max: number): { depth: number; col: number } {
  let depth = 0;
  let i = 0;
  while (depth < max && line[i] === '>') {
    depth++;
    i++;
    if (line[i] === ' ') i++;
  }
  return { depth, col: i };
}

const QUOTED_DIFF = /^(?:diff --git |@@ -\d)/;
const MBOXRD_FROM = /^>+From /;

/**
 * `mboxrd` is set for a message that came out of an mbox: there a body line
 * ">From ..." is an escaped "From ..." and loses one `>`.
 */
export function buildView(lines: readonly string[], start: number, end: number, mboxrd = false): MessageView {
  // The patch sits at the quote depth of its first quoted diff header; shallower lines are the replies.
  let patchDepth = 0;
  for (let i = start; i < end && patchDepth === 0; i++) {
    if (lines[i][0] !== '>') continue;
    const q = unquote(lines[i], Infinity);
    if (QUOTED_DIFF.test(lines[i].slice(q.col))) patchDepth = q.depth;
  }
  const view: ViewLine[] = [];
  for (let i = start; i < end; i++) {
    const line = lines[i];
    if (patchDepth === 0) {
      const escaped = mboxrd && line[0] === '>' && MBOXRD_FROM.test(line);
      view.push({ text: escaped ? line.slice(1) : line, docLine: i, col: escaped ? 1 : 0, foreign: false });
      continue;
    }
    const q = unquote(line, patchDepth);
    if (q.depth === patchDepth) view.push({ text: line.slice(q.col), docLine: i, col: q.col, foreign: false });
    else {
      const all = unquote(line, Infinity);
      view.push({ text: line.slice(all.col), docLine: i, col: all.col, foreign: true });
    }
  }
  return { lines: view, quoted: patchDepth > 0 };
}

/** "On Tue, 23 Nov 2016, Paul Moore wrote:" and its variants introduce a quote; they are not comments. */
export const ATTRIBUTION = /^(?:On\b.{0,200}\b(?:wrote|writes)|.{1,120}\b(?:wrote|writes)):\s*$/;

/**
 * Groups the replier's lines (and prose recovered inside unquoted hunks) into
 * comments: a block runs until a patch line intervenes; blank lines inside it
 * separate paragraphs. Attributions and the replier's signature are dropped.
 */
export class CommentCollector {
  readonly comments: ReviewComment[] = [];
  private open: { docLine: number; endLine: number; paragraphs: string[][] } | undefined;
  private gap = false;
  private signed = false;

  /** A line of the reply (quoted mode). */
  foreign(line: ViewLine): void {
    const t = line.text.trim();
    if (this.signed) return;
    if (SIGNATURE_SEPARATOR.test(line.text)) {
      this.signed = true;
      this.close();
    } else if (t === '') this.gap = this.open !== undefined;
    else if (!ATTRIBUTION.test(t)) this.add(line);
  }

  add(line: ViewLine): void {
    const t = line.text.trim();
    if (!this.open) this.open = { docLine: line.docLine, endLine: line.docLine, paragraphs: [[t]] };
    else {
      if (this.gap) this.open.paragraphs.push([t]);
      else this.open.paragraphs[this.open.paragraphs.length - 1].push(t);
      this.open.endLine = line.docLine;
    }
    this.gap = false;
  }

  /** A patch line intervened: the open comment (if any) is complete. */
  close(): void {
    if (this.open) {
      const { docLine, endLine, paragraphs } = this.open;
      this.comments.push({ docLine, endLine, text: paragraphs.map((p) => p.join(' ')).join('\n\n') });
    }
    this.open = undefined;
    this.gap = false;
  }
}
