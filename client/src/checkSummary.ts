/**
 * The message at the end of "AuditLens: Check Workspace", as plain data (no
 * `vscode` import, so it is unit-tested): how many files were checked, what
 * was found, what could not be checked, and whether the check was cancelled.
 */
import type { CheckFilesResult } from '../../server/src/features/requests';

/** kernel/audit.c anywhere in the workspace; the audit core is one file per kernel tree. */
export const AUDIT_FILE_GLOB = '**/kernel/audit.c';
/**
 * Not quilt's backups (.pc/<patch>/kernel/audit.c is the file before a patch),
 * version control internals or dependency folders. files.exclude is the
 * user's, applied on top by VS Code only when no exclude is given, so the
 * usual build and VCS folders are named here.
 */
export const AUDIT_FILE_EXCLUDE = '**/{.git,.pc,.repo,.svn,node_modules}/**';
/** More kernel trees than anyone keeps in one workspace; the rest is not checked, and the message says so. */
export const MAX_FILES = 200;

export interface CheckSummary {
  text: string;
  level: 'information' | 'warning';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export interface ClientSide {
  /** More kernel/audit.c files were found than MAX_FILES. */
  truncated?: boolean;
  /** Files of a virtual file system the client could not read (or over the size limit). */
  unreadable?: number;
}

export function checkSummary(result: CheckFilesResult, client: ClientSide = {}): CheckSummary {
  const checked = result.files.filter((f) => !f.problem);
  const failed = result.files.length - checked.length + (client.unreadable ?? 0);
  const totals = { error: 0, warning: 0, information: 0 };
  for (const f of checked) {
    totals.error += f.findings.error;
    totals.warning += f.findings.warning;
    totals.information += f.findings.information;
  }
  const total = totals.error + totals.warning + totals.information;
  const parts = [totals.error && plural(totals.error, 'error'), totals.warning && plural(totals.warning, 'warning'), totals.information && `${totals.information} information`].filter(Boolean);
  const findings = total ? `${plural(total, 'finding')} (${parts.join(', ')})` : 'no findings';
  const head = result.cancelled
    ? `check cancelled after ${checked.length} of ${plural(result.requested, 'file')}: ${findings}`
    : `checked ${plural(checked.length, 'file')}: ${findings}`;
  const tail: string[] = [];
  if (failed) tail.push(`${plural(failed, 'file')} could not be checked (see the AuditLens output)`);
  if (client.truncated) tail.push(`only the first ${MAX_FILES} kernel/audit.c files were checked`);
  return { text: `AuditLens: ${head}${tail.length ? `; ${tail.join('; ')}` : ''}.`, level: failed || client.truncated ? 'warning' : 'information' };
}
