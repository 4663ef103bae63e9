/**
 * A drafted review reply, as a kernel reviewer writes one: a mail addressed to
 * the author and everyone the patch went to, threaded under it, with the
 * mailer's attribution line; the patch quoted with `> ` and trimmed to the
 * lines commented on; each comment under its line, saying in sentences what
 * the change does to the queues and what follows in the kernel. Rule ids stay
 * out of the prose: at most a trailing "AuditLens:" footnote, which can be
 * turned off. Plain text, 72 columns. What the tool could not do (a damaged
 * archive, a missing Message-ID) goes to `notes`, for the reviewer, not into
 * the mail.
 */
import type { ReviewResult, ReviewedFinding } from './review';
import type { Hunk, PatchLine } from './types';
import { someOf } from '../report/checkReport';
import { Address, attributionLine, displayName, formatAddress, listsFor, messageIds, parseAddress, parseAddressList, replySubject } from './replyMail';

const CONTEXT_BEFORE = 3;
export const REPLY_WIDTH = 72;

export interface ReplyOptions {
  /** End with "AuditLens: fixes AQ103 ..." naming the rules (default true). */
  footnote?: boolean;
  /** The reviewer (`Name <addr>`): the From header, and left out of Cc. */
  from?: string;
  /** Add `Reviewed-by:` when the review is clean: the patch applied to the base, nothing introduced, nothing damaged. */
  reviewedBy?: boolean;
}

export interface DraftedReply {
  /** The whole message: headers, a blank line, the body. */
  text: string;
  /** What the reviewer should know before sending, one line each. */
  notes: string[];
}

function quoteLine(l: PatchLine): string {
  const marker = l.kind === 'add' ? '+' : l.kind === 'del' ? '-' : ' ';
  return `> ${marker}${l.text}`.trimEnd();
}

/** A finding's message as a reviewer's sentences: the rule's words, the consequence kept. */
function comment(r: ReviewedFinding): string[] {
  const f = r.finding;
  const message = f.message.trim().replace(/([^.!?])$/, '$1.');
  const assumed = r.assumed ? ' (The callers are outside the patch; I am assuming the usual hook bindings.)' : '';
  const text = r.status === 'fixed'
    ? `Good. Without this, ${lowerFirst(message)}`
    : `I think this is a problem: ${lowerFirst(message)}`;
  return wrap(`${text}${assumed}`, REPLY_WIDTH);
}

/** Lower-cases a leading ordinary word; names (`kauditd_...`, `AUDIT_TRIM`, `-EAGAIN`) keep their case. */
function lowerFirst(s: string): string {
  return /^[A-Z][a-z]+\b/.test(s) && !/^[A-Z][a-z]+[A-Z_]/.test(s) ? s[0].toLowerCase() + s.slice(1) : s;
}

export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) { out.push(line); line = word; } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

export function draftReply(review: ReviewResult, options: ReplyOptions = {}): DraftedReply {
  const notes: string[] = [];
  const m = review.message;
  const author = m?.from ? parseAddress(m.from) : undefined;
  const reviewer = options.from ? parseAddress(options.from) : undefined;

  // Comments go under the patch line they concern: introduced and fixed findings that map onto it.
  const byLine = new Map<number, ReviewedFinding[]>();
  for (const r of review.findings) {
    if (r.docLine === undefined || r.status === 'unchanged') continue;
    if (r.status === 'introduced' && r.finding.severity === 'information') continue;
    (byLine.get(r.docLine) ?? byLine.set(r.docLine, []).get(r.docLine)!).push(r);
  }
  const body: string[] = [attributionLine(author, m?.date)];
  const hunks = review.hunks.filter((h) => h.lines.some((l) => byLine.has(l.docLine)));
  for (const h of hunks) body.push(...quoteHunk(h, byLine));
  if (!hunks.length) body.push('> [...]', '');

  const fixed = review.findings.filter((r) => r.status === 'fixed');
  const introduced = review.findings.filter((r) => r.status === 'introduced' && r.finding.severity !== 'information');
  // a patch that does not fit the tree it was reviewed against is not a clean review: ask
  const mismatch = review.baseMismatch.length > 0 && review.images.some((i) => i.mode === 'base');
  if (mismatch) {
    const fns = [...new Set(review.baseMismatch.flatMap((h) => h.functions))].map((f) => `${f}()`);
    body.push('', ...wrap(`Which tree is this against? ${review.baseMismatch.length} of ${review.readings.length} hunks do not apply to the kernel/audit.c I reviewed it with${fns.length ? `, so I could only read ${fns.slice(0, 4).join(', ')}${fns.length > 4 ? ' and others' : ''} from the hunks themselves` : ''}.`, REPLY_WIDTH));
  }
  if (introduced.length) body.push('', ...wrap('Please take another look at the above before this goes in.', REPLY_WIDTH));
  else if (fixed.length && !mismatch && !review.lossyHunks.length) body.push('', ...wrap('The rest of the queue handling looks right to me.', REPLY_WIDTH));

  const lossy = review.lossyHunks.length;
  if (lossy) notes.push(`${lossy} of ${review.hunks.length} hunks came through the archive damaged and were read from what survived; check the quoted lines against the original before sending`);
  if (review.unreviewed.length) notes.push(`not reviewed: ${someOf(review.unreviewed, 5)}`);
  if (!fixed.length && !introduced.length) notes.push(mismatch ? 'nothing to object to in the parts that could be read; the rest could not be reviewed against the tree' : 'no queue finding was introduced or fixed: the draft has no comments to send');

  const clean = !introduced.length && !mismatch && !lossy && review.images.length > 0 && review.images.every((i) => i.mode === 'base');
  if (options.reviewedBy) {
    if (!reviewer?.addr) notes.push('Reviewed-by: left out: no reviewer identity (--from, or git config user.name/user.email)');
    else if (!clean) notes.push('Reviewed-by: left out: the review is not clean (something introduced, damaged hunks, or hunks that do not apply to the base)');
    else body.push('', `Reviewed-by: ${formatAddress(reviewer)}`);
  }
  if (options.footnote !== false && (fixed.length || introduced.length)) {
    const ids = (rs: ReviewedFinding[]) => [...new Set(rs.map((r) => r.finding.rule))].join(', ');
    const parts = [introduced.length ? `introduces ${ids(introduced)}` : '', fixed.length ? `fixes ${ids(fixed)}` : ''].filter(Boolean);
    body.push('', `AuditLens: ${parts.join('; ')}`);
  }

  const headers = replyHeaders(review, author, reviewer, notes);
  const text = `${headers.join('\n')}\n\n${body.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
  return { text, notes };
}

/** From, To (the author), Cc (the rest of the original's recipients), Subject, and the thread. */
function replyHeaders(review: ReviewResult, author: Address | undefined, reviewer: Address | undefined, notes: string[]): string[] {
  const m = review.message;
  const subject = m ? `${m.tag ? `${m.tag} ` : ''}${m.subject}`.trim() : '';
  const out: string[] = [];
  if (reviewer?.addr) out.push(`From: ${formatAddress(reviewer)}`);
  const same = (a: Address, b: Address | undefined) => !!a.addr && !!b?.addr && a.addr.toLowerCase() === b.addr.toLowerCase();
  if (author?.addr) out.push(`To: ${formatAddress(author)}`);
  else notes.push(author ? `the author's address is not in the message: add To: for ${displayName(author)}` : 'the message names no author: add To:');
  const cc: Address[] = [];
  for (const a of [...parseAddressList(m?.to), ...parseAddressList(m?.cc)]) {
    if (!a.addr || same(a, author) || same(a, reviewer) || cc.some((c) => same(a, c))) continue;
    cc.push(a);
  }
  if (!m?.to && !m?.cc) {
    // an archive page keeps no recipients: the list MAINTAINERS names for these files
    const lists = listsFor(review.files);
    for (const list of lists) cc.push({ addr: list });
    if (lists.length) notes.push(`Cc: ${lists.join(', ')} from MAINTAINERS for ${review.files.join(', ')}: the message did not keep its recipients`);
  }
  if (cc.length) out.push(`Cc: ${cc.map(formatAddress).join(',\n    ')}`);
  out.push(`Subject: ${replySubject(subject)}`);
  if (m?.subjectGuessed) notes.push('the message kept no subject: the draft\'s is the first line of its commit message; put the original subject back before sending');
  const id = messageIds(m?.messageId)[0];
  if (id) {
    const refs = [...new Set([...messageIds(m?.references), ...(messageIds(m?.references).length ? [] : messageIds(m?.inReplyTo)), id])];
    out.push(`In-Reply-To: ${id}`, `References: ${refs.join('\n ')}`);
  } else notes.push('the message has no Message-ID (an archive page?): In-Reply-To and References are left out; take them from lore.kernel.org before sending, or the reply starts a new thread');
  return out;
}

function quoteHunk(h: Hunk, byLine: Map<number, ReviewedFinding[]>): string[] {
  const out: string[] = [`> @@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@ ${h.section}`.trimEnd()];
  const marked = h.lines.map((l, i) => (byLine.has(l.docLine) ? i : -1)).filter((i) => i >= 0);
  let shownUpTo = -1;
  for (const i of marked) {
    const from = Math.max(shownUpTo + 1, i - CONTEXT_BEFORE);
    if (from > shownUpTo + 1) out.push('> [...]');
    for (let j = from; j <= i; j++) out.push(quoteLine(h.lines[j]));
    out.push('');
    for (const r of byLine.get(h.lines[i].docLine)!) out.push(...comment(r), '');
    shownUpTo = i;
  }
  if (shownUpTo < h.lines.length - 1) out.push('> [...]', '');
  return out;
}
