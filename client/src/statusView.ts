/**
 * What the language status item shows, as plain data (no `vscode` import, so
 * it is unit-tested): the server's status of the active document, whether
 * the server is still working on the version in the editor, and the server's
 * health when it is not running.
 */
import type { DocumentStatus, StatusSeverity } from '../../server/src/features/requests';
import type { ServerState } from './context';

export interface StatusView {
  text: string;
  detail: string;
  severity: StatusSeverity;
  busy: boolean;
  command?: { title: string; command: string; arguments?: unknown[] };
}

/** The server's parser engine, from its initialize result (`auditlens.parser`). */
export interface ParserInfo {
  engine: 'native' | 'wasm';
  description: string;
}

export const SHOW_MODEL_SUMMARY = 'auditlens.showModelSummary';
export const RESTART_SERVER = 'auditlens.restartServer';
export const DRAFT_REPLY = 'auditlens.draftReply';

/**
 * `status` is the server's latest for the document (undefined: none yet);
 * `version` the editor's version of it; `uri` as the server knows it.
 */
export function statusView(server: ServerState, status: DocumentStatus | undefined, uri: string, version: number, parser?: ParserInfo): StatusView {
  if (server === 'stopped') {
    return { text: 'server not running', detail: 'The AuditLens language server stopped; see the AuditLens output.', severity: 'error', busy: false, command: { title: 'Restart Server', command: RESTART_SERVER } };
  }
  if (server === 'starting' || !status) {
    return { text: 'analysing…', detail: server === 'starting' ? 'Starting the AuditLens server' : 'Waiting for the server', severity: 'information', busy: true };
  }
  // The server has not yet answered for the latest edit: show what it last said, marked busy.
  const busy = status.version !== undefined && status.version < version;
  // Which parser engine the server got (native, or the WebAssembly fallback) and why, on hover.
  const engine = parser ? `${status.detail ? ' · ' : ''}parser: ${parser.engine === 'native' ? 'native' : 'WebAssembly'}` : '';
  const view: StatusView = { text: status.text, detail: `${status.detail}${engine}`, severity: status.severity, busy };
  if (status.kind === 'audit-c') view.command = { title: 'Show Model Summary', command: SHOW_MODEL_SUMMARY, arguments: [uri] };
  else if (status.kind === 'patch') view.command = { title: 'Draft Review Reply', command: DRAFT_REPLY };
  return view;
}
