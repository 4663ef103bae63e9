/**
 * The AuditLens-specific LSP requests, shared by the client and the server.
 * Method names are plain strings and the types plain JSON: the client's and
 * the server's vscode-jsonrpc are different majors, whose RequestType objects
 * do not interoperate. No imports, so the client bundle pulls in nothing.
 */

/** `{ uri }` -> DocumentStatus: what the language status item shows. Reads cached analyses only. */
export const STATUS_REQUEST = 'auditlens/status';
/** `{ uri }` -> ModelSummaryReply: the queue model of an open audit C document, as Markdown. */
export const MODEL_SUMMARY_REQUEST = 'auditlens/modelSummary';
/** CheckFilesParams -> CheckFilesResult: analyse files from disk (or given text) and publish their diagnostics. */
export const CHECK_FILES_REQUEST = 'auditlens/checkFiles';
/** Server -> client, StatusNotification: a document's status after each analysis or review of a version. */
export const STATUS_NOTIFICATION = 'auditlens/statusChanged';
/** Client -> server, `{ trusted: true }`: the workspace was trusted during the session; git may run now. */
export const TRUST_NOTIFICATION = 'auditlens/workspaceTrust';

export interface DocumentParams {
  uri: string;
}

export type StatusSeverity = 'information' | 'warning' | 'error';

export interface DocumentStatus {
  /**
   * `audit-c` analysed; `too-large` over auditlens.maxFileSize; `not-audit` a C file that is not the
   * audit core; `patch` a reviewed patch; `unknown` a document the server has not been sent.
   */
  kind: 'audit-c' | 'too-large' | 'not-audit' | 'patch' | 'kcsan' | 'unknown';
  /** Short, for the status item: "3 queues · 2 findings", "patch: 1 introduced". */
  text: string;
  /** One line more: the consumer, the drains, the patch's base. */
  detail: string;
  severity: StatusSeverity;
  /** The document version this describes (absent for documents the server does not track). */
  version?: number;
}

export interface StatusNotification {
  uri: string;
  status: DocumentStatus;
}

export type ModelSummaryReply = { title: string; markdown: string } | { error: string };

export interface CheckFilesParams {
  /** Files to check: a `file:` URI is read from disk; `text` is given for files on other file systems. */
  files: { uri: string; text?: string }[];
  /** Also report the open documents the server analyses as audit code (their diagnostics are already published). */
  includeOpen?: boolean;
  workDoneToken?: string | number;
}

export interface CheckedFile {
  uri: string;
  /** For messages: relative to its workspace folder where it is inside one. */
  path: string;
  /** `open`: the editor's current text (maybe unsaved); `disk`: read from disk; `text`: sent by the client. */
  source: 'open' | 'disk' | 'text';
  findings: { error: number; warning: number; information: number };
  /** Why the file could not be checked (then it has no findings). */
  problem?: string;
}

export interface CheckFilesResult {
  files: CheckedFile[];
  /** Files asked for (after adding open documents and removing duplicates). */
  requested: number;
  /** Cancelled between files: `files` holds those checked before. */
  cancelled: boolean;
}
