/**
 * One message of a patch document: headers (RFC 822, in-body, or an archive
 * page's subject/author/date lines), the commit message and its trailers, the
 * diff, and the reviewer's comments, in document order.
 */
import { findDiffStart, readDiff } from './hunks';
import { SIGNATURE_SEPARATOR } from './lossy';
import { decodeWords, isDiffstat, isMboxFrom, looksLikeSubject, parseSubject, readHeaders, splitTrailers } from './mail';
import type { ProblemLog } from './problems';
import type { PatchMessage } from './types';
import { ATTRIBUTION, buildView, CommentCollector, ViewLine } from './view';

const IN_BODY = /^(From|Subject|Date|Author|AuthorDate):[ \t]*(.*)$/;
const GIT_SHOW_COMMIT = /^commit [0-9a-f]{7,40}\b/;
/** Pipermail pages: "Paul Moore paul at paul-moore.com", then "Wed Jan 19 01:26:28 UTC 2022". */
const ARCHIVE_AUTHOR = /^\S.{0,100} \S+ at [\w.-]+\.[A-Za-z]{2,}$/;
const ARCHIVE_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b.{0,40}\d{1,2}:\d\d/;

interface Preamble {
  next: number;
  /** From in-body `Subject:` (overrides the mail header, as `git am` does). */
  inBodySubject?: string;
  /** From the first line of a header-less message ("[RFC PATCH] audit: ..."). */
  lineSubject?: string;
  from?: string;
  date?: string;
  /** The date in a reply's attribution line, when the patch is quoted. */
  quotedDate?: string;
  /** `git show`/`git log -p` output: the commit message is indented by four spaces. */
  gitShow: boolean;
}

/** Attribution lines, in-body `From:`/`Subject:`/`Date:`, `git show`'s header, or an archive page's subject/author/date. */
function readPreamble(view: readonly ViewLine[], comments: CommentCollector, haveSubject: boolean): Preamble {
  const out: Preamble = { next: 0, gitShow: false };
  let fields = false;
  let last = '';
  let i = 0;
  for (; i < view.length; i++) {
    const vl = view[i];
    if (vl.foreign) {
      comments.foreign(vl);
      continue;
    }
    const t = vl.text;
    if (t.trim() === '') {
      if (fields) {
        i++;
        break;
      }
      continue;
    }
    if (last === 'subject' && /^[ \t]/.test(t)) {
      out.inBodySubject = `${out.inBodySubject} ${t.trim()}`;
      continue;
    }
    if (t.length < 300 && ATTRIBUTION.test(t.trim())) {
      // a reply quoting the patch: "On 2016-11-23 20:41, Paul Moore wrote:" dates the patch when nothing else does
      out.quotedDate ??= /^On (.{6,60}?), .{1,120} (?:wrote|writes):\s*$/.exec(t.trim())?.[1];
      continue;
    }
    const m = IN_BODY.exec(t);
    if (GIT_SHOW_COMMIT.test(t)) out.gitShow = true;
    else if (!m) break;
    else {
      last = m[1].toLowerCase();
      if (last === 'subject') out.inBodySubject = m[2].trim();
      else if (last === 'from' || last === 'author') out.from = decodeWords(m[2].trim());
      else out.date = m[2].trim();
    }
    fields = true;
  }
  if (!haveSubject && out.inBodySubject === undefined) i = archiveHeader(view, i, out);
  out.next = i;
  return out;
}

function archiveHeader(view: readonly ViewLine[], i: number, out: Preamble): number {
  let k = i;
  while (k < view.length && (view[k].foreign || view[k].text.trim() === '')) k++;
  if (k >= view.length || !looksLikeSubject(view[k].text)) return i;
  out.lineSubject = view[k].text.trim();
  k++;
  let n = k;
  while (n < view.length && !view[n].foreign && view[n].text.trim() === '') n++;
  if (n < view.length && ARCHIVE_AUTHOR.test(view[n].text)) {
    out.from ??= view[n].text.trim();
    k = ++n;
    if (n < view.length && ARCHIVE_DATE.test(view[n].text)) {
      out.date ??= view[n].text.trim();
      k = n + 1;
    }
  }
  return k;
}

/** Commit message lines: up to `---`, a diffstat or a signature; the replier's lines go to the comments. */
function commitMessage(view: readonly ViewLine[], from: number, to: number, comments: CommentCollector, gitShow: boolean): ViewLine[] {
  const out: ViewLine[] = [];
  let ended = false;
  for (let i = from; i < to; i++) {
    const vl = view[i];
    if (vl.foreign) {
      comments.foreign(vl);
      continue;
    }
    const t = vl.text;
    if (t.trim() !== '') comments.close();
    if (ended) continue;
    if (t.trimEnd() === '---' || SIGNATURE_SEPARATOR.test(t) || isDiffstat(t)) ended = true;
    else out.push(gitShow ? { ...vl, text: t.replace(/^ {4}/, '') } : vl);
  }
  return out;
}

function trimBlank(lines: ViewLine[]): ViewLine[] {
  let a = 0;
  let b = lines.length;
  while (a < b && lines[a].text.trim() === '') a++;
  while (b > a && lines[b - 1].text.trim() === '') b--;
  return lines.slice(a, b);
}

const ENCODED_BODY = /^(quoted-printable|base64)$/i;

export function readMessage(lines: readonly string[], start: number, end: number, problems: ProblemLog): PatchMessage | undefined {
  const first = start < end && isMboxFrom(lines[start]) ? start + 1 : start;
  const { fields, next } = readHeaders(lines, first, end);
  const { lines: view, quoted } = buildView(lines, next, end, first > start);
  const comments = new CommentCollector();
  const header = (name: string) => fields.get(name);
  const pre = readPreamble(view, comments, header('subject') !== undefined);
  const diffStart = findDiffStart(view, pre.next);
  const { bodyLines, trailers } = splitTrailers(commitMessage(view, pre.next, diffStart, comments, pre.gitShow));
  const files = readDiff(view, diffStart, { problems, comments });
  const body = trimBlank(bodyLines);

  let rawSubject = pre.inBodySubject ?? header('subject') ?? pre.lineSubject;
  // No subject anywhere (an archive that lost the headers): the commit message's first line is the best name.
  const subjectGuessed = rawSubject === undefined && files.length > 0 && body.length > 0;
  if (subjectGuessed) rawSubject = body[0].text.trim();
  if (rawSubject === undefined && fields.size === 0 && files.length === 0 && trailers.length === 0 && comments.comments.length === 0) return undefined;

  const encoding = header('content-transfer-encoding');
  if (encoding && ENCODED_BODY.test(encoding)) problems.add(first, `the body is ${encoding.toLowerCase()}-encoded and was read as it is, not decoded`);
  const subject = parseSubject(decodeWords(rawSubject ?? ''));
  const from = pre.from ?? header('from');
  return {
    ...subject,
    from: from === undefined ? undefined : decodeWords(from),
    date: pre.date ?? header('date') ?? pre.quotedDate,
    messageId: header('message-id'),
    inReplyTo: header('in-reply-to'),
    ...(subjectGuessed ? { subjectGuessed: true } : {}),
    to: header('to'),
    cc: header('cc'),
    references: header('references'),
    body: body.map((l) => l.text).join('\n'),
    trailers,
    files,
    comments: comments.comments,
    quoted,
    startLine: start,
    endLine: end - 1,
  };
}
