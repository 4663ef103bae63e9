/**
 * Reads a patch as reviewers receive it: a unified diff, a git format-patch
 * email, an mbox series, a reply quoting a patch with `> `, or a lossy
 * mailing-list archive page. Pure and linear in the input; never throws for bad
 * input: what cannot be read becomes a problem, and one bad hunk never costs
 * the rest of the patch.
 */
import { isMboxFrom } from './mail';
import { readMessage } from './message';
import { ProblemLog } from './problems';
import type { PatchMessage, PatchSet } from './types';

/** Bytes sampled to tell text from binary data. */
const SAMPLE = 65536;

function looksBinary(text: string): boolean {
  const n = Math.min(text.length, SAMPLE);
  let odd = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return true;
    // control characters other than tab, newline, form feed, carriage return; U+FFFD from undecodable bytes
    if ((c < 32 && c !== 9 && c !== 10 && c !== 12 && c !== 13) || c === 0x7f || c === 0xfffd) odd++;
  }
  return odd > n / 10;
}

/** [start, end) of each message: mbox `From ` separators split a series; otherwise the whole text is one. */
function messageRanges(lines: readonly string[]): [number, number][] {
  const starts: number[] = [];
  for (let i = 0; i < lines.length; i++) if (isMboxFrom(lines[i])) starts.push(i);
  if (starts[0] !== 0) starts.unshift(0);
  return starts.map((s, k) => [s, k + 1 < starts.length ? starts[k + 1] : lines.length]);
}

export function parsePatch(text: string): PatchSet {
  if (text.trim() === '') return { messages: [], problems: [{ docLine: 0, message: 'empty input: no patch, email or diff to read' }] };
  if (looksBinary(text)) return { messages: [], problems: [{ docLine: 0, message: 'binary data, not a patch, email or diff' }] };
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const messages: PatchMessage[] = [];
  const problems = new ProblemLog();
  for (const [start, end] of messageRanges(lines)) {
    const message = readMessage(lines, start, end, problems);
    if (message) messages.push(message);
    else {
      const first = lines.slice(start, end).findIndex((l) => l.trim() !== '');
      if (first >= 0) problems.add(start + first, `lines ${start + first + 1}-${end}: no patch, email or diff found; skipped`);
    }
  }
  if (messages.length > 0 && messages.every((m) => m.files.length === 0)) problems.add(0, 'no diff found: the input has no files or hunks');
  return { messages, problems: problems.done() };
}
