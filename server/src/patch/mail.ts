/**
 * The mail side of a patch: mbox separators, RFC 822 headers, the subject's
 * `[PATCH v2 3/7]` tag, and the trailers (`Fixes:`, `Signed-off-by:` ...)
 * closing a commit message.
 */
import type { SubjectParts, Trailer } from './types';
import type { ViewLine } from './view';

/** "From 0123abc... Mon Sep 17 00:00:00 2001" (git format-patch) and mbox/mboxrd "From addr date" lines. */
const MBOX_FROM = /^From \S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{1,2}:\d{2}/;

export function isMboxFrom(line: string): boolean {
  return line.startsWith('From ') && MBOX_FROM.test(line);
}

export interface Headers {
  /** Lower-cased field name -> unfolded value (first occurrence wins). */
  fields: Map<string, string>;
  /** First line after the header block. */
  next: number;
}

const FIELD = /^([A-Za-z][A-Za-z0-9-]*):[ \t]*(.*)$/;
const CORE_FIELDS = new Set(['from', 'subject', 'date', 'message-id', 'to']);

/**
 * An RFC 822 header block at `start`: fields, folded continuation lines, up to
 * a blank line (or the end). Anything else at the start means no block, so a
 * commit message starting "audit: fix ..." is never taken for headers.
 */
export function readHeaders(lines: readonly string[], start: number, end: number): Headers {
  const fields = new Map<string, string>();
  let last: string | undefined;
  let core = false;
  let i = start;
  for (; i < end; i++) {
    const line = lines[i];
    if (line.trim() === '') {
      i++;
      break;
    }
    if ((line[0] === ' ' || line[0] === '\t') && last !== undefined) {
      fields.set(last, `${fields.get(last)} ${line.trim()}`.trim());
      continue;
    }
    const m = FIELD.exec(line);
    if (!m) return { fields: new Map(), next: start };
    last = m[1].toLowerCase();
    core ||= CORE_FIELDS.has(last);
    if (!fields.has(last)) fields.set(last, m[2].trim());
    else last = undefined; // a repeated field (Received:...) is not unfolded into the first
  }
  return core ? { fields, next: i } : { fields: new Map(), next: start };
}

/** RFC 2047 encoded words ("=?UTF-8?q?Micka=C3=ABl?="), as mailers write non-ASCII names and subjects. */
export function decodeWords(value: string): string {
  if (!value.includes('=?')) return value;
  return value
    .replace(/\?=\s+=\?/g, '?==?') // whitespace between encoded words is not part of the text
    .replace(/=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g, (whole, charset: string, enc: string, data: string) => {
      try {
        const bytes = enc.toUpperCase() === 'B'
          ? Uint8Array.from(atob(data), (c) => c.charCodeAt(0))
          : Uint8Array.from(data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), (c) => c.charCodeAt(0));
        return new TextDecoder(charset.toLowerCase()).decode(bytes);
      } catch {
        return whole;
      }
    });
}

const REPLY_PREFIX = /^(?:re|fwd?|aw|sv)\s*:\s*/i;
const BRACKET = /^\[([^\]]{0,200})\]\s*/;

/** "Re: [RFC PATCH v2 3/7] audit: fix ..." -> subject, tag and its parts; list tags like "[linux-audit]" are dropped. */
export function parseSubject(raw: string): SubjectParts {
  let s = raw.trim();
  for (let guard = 0; guard < 20; guard++) {
    const re = REPLY_PREFIX.exec(s);
    if (re) {
      s = s.slice(re[0].length);
      continue;
    }
    const b = BRACKET.exec(s);
    if (!b) break;
    s = s.slice(b[0].length);
    if (/\b(?:PATCH|RFC)/i.test(b[1])) return { ...tagParts(b[1]), tag: `[${b[1]}]`, subject: s.replace(REPLY_PREFIX, '').trim() };
  }
  return { subject: s };
}

function tagParts(inner: string): Omit<SubjectParts, 'subject' | 'tag'> {
  const out: Omit<SubjectParts, 'subject' | 'tag'> = { rfc: false };
  for (const tok of inner.split(/[\s,]+/)) {
    let m: RegExpExecArray | null;
    if (/^RFC$/i.test(tok)) out.rfc = true;
    else if ((m = /^(?:PATCH)?v(\d+)$/i.exec(tok))) out.version = Number(m[1]);
    else if ((m = /^(\d+)\/(\d+)$/.exec(tok))) {
      out.index = Number(m[1]);
      out.total = Number(m[2]);
    }
  }
  return out;
}

/** "audit: fix ..." or a tagged "[PATCH] ..." line: what a kernel subject looks like. */
export function looksLikeSubject(line: string): boolean {
  const t = line.trim();
  if (t.length > 300) return false;
  if (/^\[[^\]]{0,200}\b(?:PATCH|RFC)\b/i.test(t)) return true;
  return /^[a-z0-9][\w./,-]{0,60}(?: [\w./,-]{1,40})?: \S/.test(t) && !TRAILER_KEY.test(t.slice(0, t.indexOf(':')));
}

const TRAILER = /^([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*):[ \t]+(\S.*)$/;
const TRAILER_KEY = /^(?:fixes|cc|link|closes|[a-z-]+-by)$/i;
/** "[PM: tweaked the subject]": a maintainer's note among the trailers. */
const TRAILER_NOTE = /^\[.*\]$/;

/**
 * Splits the trailer block off the end of a commit message: the contiguous
 * `Key: value` lines (and maintainer notes) at its end, if one of them is a
 * trailer git knows (Signed-off-by, Fixes, Cc, Link, any `*-by`).
 */
export function splitTrailers(lines: readonly ViewLine[]): { bodyLines: ViewLine[]; trailers: Trailer[] } {
  let end = lines.length;
  while (end > 0 && lines[end - 1].text.trim() === '') end--;
  let first = end;
  let known = false;
  for (let k = end - 1; k >= 0; k--) {
    const t = lines[k].text.trim();
    const m = t.length <= 1000 ? TRAILER.exec(t) : null;
    if (m) known ||= TRAILER_KEY.test(m[1]);
    else if (!TRAILER_NOTE.test(t)) break;
    first = k;
  }
  if (!known) return { bodyLines: lines.slice(0, end), trailers: [] };
  const trailers: Trailer[] = [];
  for (const l of lines.slice(first, end)) {
    const m = TRAILER.exec(l.text.trim());
    if (m) trailers.push({ key: m[1], value: m[2].trim(), docLine: l.docLine });
  }
  return { bodyLines: lines.slice(0, first), trailers };
}

const DIFFSTAT = /^\s*\S[^|]{0,300}\|\s+(?:\d+ ?[-+]*|Bin\b.*)\s*$/;
const DIFFSTAT_SUMMARY = /^\s*\d+ files? changed\b/;
const DIFFSTAT_MODE = /^ (?:create|delete) mode \d+ |^ (?:rename|copy|mode change) /;

/** ` kernel/audit.c | 60 +++---` and its summary: after the commit message, never part of it. */
export function isDiffstat(line: string): boolean {
  return line.length < 400 && (DIFFSTAT.test(line) || DIFFSTAT_SUMMARY.test(line) || DIFFSTAT_MODE.test(line));
}
