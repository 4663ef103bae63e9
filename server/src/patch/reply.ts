/**
 * A drafted review reply, as a kernel reviewer writes one: the patch quoted
 * with `> ` and trimmed to the hunks that have something to say, each comment
 * under the line it concerns with the rule id, and a short closing summary.
 */
import type { ReviewResult, ReviewedFinding } from './review';
import type { Hunk, PatchLine } from './types';

const CONTEXT_BEFORE = 3;

function quoteLine(l: PatchLine): string {
  const marker = l.kind === 'add' ? '+' : l.kind === 'del' ? '-' : ' ';
  return `> ${marker}${l.text}`.trimEnd();
}

function firstSentence(message: string): string {
  const m = /^(.*?[.:;])(\s|$)/.exec(message);
  return (m ? m[1] : message).replace(/[:;]$/, '.');
}

function comment(r: ReviewedFinding): string[] {
  const f = r.finding;
  const lead = r.status === 'fixed' ? `Good, this fixes ${f.rule}: ` : `${f.rule}: `;
  const assumed = r.assumed ? ' (The call sites are outside the patch; this assumes the usual hook bindings.)' : '';
  const text = r.status === 'fixed' ? firstSentence(f.message) : f.message;
  return wrap(`${lead}${text}${assumed}`, 72);
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) { out.push(line); line = word; } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

export function draftReply(review: ReviewResult): string {
  const m = review.message;
  const subject = m ? `${m.tag ? `${m.tag} ` : ''}${m.subject}`.trim() : 'your patch';
  const out: string[] = [`Subject: Re: ${subject.replace(/^Re:\s*/i, '')}`];
  if (m?.messageId) out.push(`In-Reply-To: ${m.messageId}`, `References: ${m.messageId}`);
  out.push('');
  out.push(m?.from ? `On ${m.date ?? 'a recent date'}, ${m.from} wrote:` : 'On the patch:');

  // Comments go under the patch line they concern: introduced and fixed findings that map onto it.
  const byLine = new Map<number, ReviewedFinding[]>();
  for (const r of review.findings) {
    if (r.docLine === undefined || r.status === 'unchanged') continue;
    if (r.status === 'introduced' && r.finding.severity === 'information') continue;
    (byLine.get(r.docLine) ?? byLine.set(r.docLine, []).get(r.docLine)!).push(r);
  }
  const hunks = review.hunks.filter((h) => h.lines.some((l) => byLine.has(l.docLine)));
  let quotedAny = false;
  for (const h of hunks) {
    out.push(...quoteHunk(h, byLine));
    quotedAny = true;
  }
  if (!quotedAny) out.push('> [...]', '');

  // Closing summary
  const fixed = review.findings.filter((r) => r.status === 'fixed');
  const introduced = review.findings.filter((r) => r.status === 'introduced' && r.finding.severity !== 'information');
  const lines: string[] = [];
  if (fixed.length) lines.push(`This fixes ${list(fixed)}.`);
  if (introduced.length) lines.push(`It introduces ${list(introduced)}; see above.`);
  if (review.changes.length) {
    lines.push('', 'What it changes in the queue model:');
    for (const c of review.changes.slice(0, 8)) lines.push(`  - ${c.message}`);
  }
  const lossy = review.lossyHunks.length;
  if (lossy) lines.push('', `(${lossy} hunk${lossy > 1 ? 's' : ''} came through the archive damaged; read from what survived.)`);
  // a patch that does not fit the tree it was reviewed against is not a clean review: ask
  const mismatch = review.baseMismatch.length && review.images.some((i) => i.mode === 'base');
  if (mismatch) {
    const fns = [...new Set(review.baseMismatch.flatMap((h) => h.functions))].map((f) => `${f}()`);
    lines.push('', ...wrap(`Which tree is this against? ${review.baseMismatch.length} of ${review.readings.length} hunks do not apply to the kernel/audit.c I reviewed it with${fns.length ? `, so ${fns.slice(0, 4).join(', ')}${fns.length > 4 ? ' and others' : ''} could only be read from the hunks themselves` : ''}.`, 72));
  }
  if (review.unreviewed.length) lines.push('', ...wrap(`(Not reviewed here: ${review.unreviewed.join(', ')}.)`, 72));
  if (!fixed.length && !introduced.length) {
    lines.push(mismatch
      ? 'Nothing to object to in the parts I could read, but I could not review the rest against the tree.'
      : 'AuditLens found nothing to object to in the queue handling.');
  }
  out.push(...lines);
  return out.join('\n').replace(/\n{3,}/g, '\n\n') + '\n';
}

function list(rs: ReviewedFinding[]): string {
  const items = [...new Set(rs.map((r) => `${r.finding.rule} in ${r.finding.function}()`))];
  return items.length <= 2 ? items.join(' and ') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
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
