/**
 * The one-line state of a document for the editor's language status item:
 * "3 queues · 2 findings", "patch: 1 introduced", "not audit code". Reads
 * only what analysis and review already computed for the current version
 * (the model and findings are memoised per version), so answering it never
 * parses or analyses anything.
 */
import type { FileAnalysis } from '../analyser';
import type { TrackedDocument } from './documents';
import { plural } from './explain/text';
import { countFindings, type FindingCounts } from './modelSummary';
import { severityCounts } from './modelSummaryText';
import { readingSummary } from '../patch/review';
import type { KcsanReview } from './kcsanDocument';
import type { PatchReview } from './patchDocument';
import type { DocumentStatus, StatusSeverity } from './requests';

function worst(counts: FindingCounts): StatusSeverity {
  return counts.error ? 'error' : counts.warning ? 'warning' : 'information';
}


export function auditStatus(analysis: Pick<FileAnalysis, 'model' | 'findings' | 'outline'>): DocumentStatus {
  const model = analysis.model;
  const counts = countFindings(analysis.findings);
  const total = counts.error + counts.warning + counts.information;
  const queues = model.queues.size ? plural(model.queues.size, 'queue') : 'no backlog queues';
  const detail = [
    model.consumer ? `consumer ${model.consumer}()` : 'no consumer thread',
    plural(model.drains.length, 'drain'),
    plural(analysis.outline.functions.length, 'function'),
  ];
  if (total) detail.push(severityCounts(counts));
  return { kind: 'audit-c', text: `${queues} · ${total ? plural(total, 'finding') : 'no findings'}`, detail: detail.join(' · '), severity: worst(counts) };
}

export function patchStatus(p: PatchReview): DocumentStatus {
  const introduced: FindingCounts = { error: 0, warning: 0, information: 0 };
  let fixed = 0;
  for (const r of p.review.findings) {
    if (r.status === 'introduced') introduced[r.finding.severity]++;
    else if (r.status === 'fixed') fixed++;
  }
  const added = introduced.error + introduced.warning + introduced.information;
  const parts = [added && `${added} introduced`, fixed && `${fixed} fixed`].filter(Boolean);
  // a patch that does not fit its base was only partly reviewed against it: never "all clear"
  const mismatch = p.base ? p.review.baseMismatch.length : 0;
  const verdict = parts.join(', ') || (mismatch ? 'nothing found in what could be read' : 'no finding introduced or fixed');
  const text = !p.review.hunks.length ? 'patch: no hunks' : `patch: ${mismatch ? `does not fit the base (${mismatch} of ${p.review.hunks.length} hunks) · ` : ''}${verdict}`;
  const detail = [p.base ? `reviewed against ${p.base.path}` : p.baseProblem ?? 'reviewed from the hunks alone (no base file found)'];
  if (mismatch) detail.push(readingSummary(p.review));
  if (added) detail.push(`introduced: ${severityCounts(introduced)}`);
  if (p.review.lossyHunks.length) detail.push(`${plural(p.review.lossyHunks.length, 'lossy hunk')}`);
  const severity = worst(introduced);
  return { kind: 'patch', text, detail: detail.join(' · '), severity: mismatch && severity === 'information' ? 'warning' : severity };
}

/** A KCSAN report: how many races, the worst verdict, and what it was triaged against. */
export function reportStatus(report: KcsanReview): DocumentStatus {
  if (!report.triage) return { kind: 'kcsan', text: 'KCSAN: not a report', detail: report.parsed.unusable ?? '', severity: 'information' };
  const { races, others } = report.triage;
  const harmful = races.filter((r) => r.verdict === 'harmful').length;
  const unknown = races.filter((r) => r.verdict === 'unknown').length;
  const text = races.length
    ? `KCSAN: ${plural(races.length, 'race')}${harmful ? `, ${harmful} harmful` : ''}${unknown ? `, ${unknown} unknown` : ''}${!harmful && !unknown ? ', benign' : ''}`
    : `KCSAN: no data race (${others.map((o) => o.kind).join(', ')})`;
  const detail = report.base ? `against ${report.base.path}` : 'no kernel/audit.c to triage against';
  return { kind: 'kcsan', text, detail, severity: harmful || unknown ? 'warning' : 'information' };
}

/** When computing a status failed (logged by the caller): say so rather than show a stale one. */
export const FAILED_STATUS: Readonly<DocumentStatus> = Object.freeze({ kind: 'unknown', text: 'analysis failed', detail: 'See the AuditLens output for the error.', severity: 'error' });

/** The status of whatever the server knows about a URI, stamped with the version it describes. */
export function documentStatus(tracked: TrackedDocument | undefined, review: PatchReview | undefined, report?: KcsanReview): DocumentStatus {
  const status = report ? reportStatus(report) : statusOf(tracked, review);
  return tracked ? { ...status, version: tracked.version } : status;
}

function statusOf(tracked: TrackedDocument | undefined, review: PatchReview | undefined): DocumentStatus {
  if (review) return patchStatus(review);
  if (!tracked) return { kind: 'unknown', text: 'not analysed', detail: 'The AuditLens server has not been sent this document.', severity: 'information' };
  if (tracked.kind === 'patch') return { kind: 'patch', text: 'patch: not reviewed', detail: 'The document is over auditlens.maxFileSize, or its review failed (see the AuditLens output).', severity: 'information' };
  if (tracked.skipped) {
    return { kind: 'too-large', text: 'not analysed: too large', detail: `${tracked.skipped.bytes} bytes, over auditlens.maxFileSize (${tracked.skipped.limit})`, severity: 'warning' };
  }
  if (tracked.kind === 'audit-c' && tracked.analysis) return auditStatus(tracked.analysis);
  return { kind: 'not-audit', text: 'not audit code', detail: 'AuditLens analyses kernel/audit.c, auditsc.c, audit.h and C files that declare audit_queue or auditd_conn.', severity: 'information' };
}

