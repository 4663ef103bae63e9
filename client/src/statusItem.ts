/**
 * The language status item of C and patch documents: the active document's
 * model at a glance ("3 queues · 2 findings", "patch: 1 introduced"), its
 * severity the worst finding's, a command to open the model summary, and the
 * server's health. The server pushes a document's status after analysing each
 * version (auditlens/statusChanged); the item asks (auditlens/status) only
 * for a document it has no status of yet. Both read cached analyses only.
 */
import * as vscode from 'vscode';
import { STATUS_REQUEST, type DocumentStatus, type StatusNotification } from '../../server/src/features/requests';
import type { AuditLensContext } from './context';
import { statusView } from './statusView';

const SEVERITY: Record<DocumentStatus['severity'], vscode.LanguageStatusSeverity> = {
  information: vscode.LanguageStatusSeverity.Information,
  warning: vscode.LanguageStatusSeverity.Warning,
  error: vscode.LanguageStatusSeverity.Error,
};

export class LanguageStatus implements vscode.Disposable {
  private readonly item: vscode.LanguageStatusItem;
  /** The latest status per document URI (as the server knows it). */
  private readonly statuses = new Map<string, DocumentStatus>();
  private readonly asked = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly ctx: AuditLensContext) {
    this.item = vscode.languages.createLanguageStatusItem('auditlens.status', [{ language: 'c' }, { language: 'auditlens-patch' }, { language: 'auditlens-kcsan' }]);
    this.item.name = 'AuditLens';
    this.disposables.push(
      this.item,
      ctx.onDidChangeStatus((n: StatusNotification) => {
        this.statuses.set(n.uri, n.status);
        if (n.uri === this.activeUri()) this.render();
      }),
      ctx.onDidChangeState((state) => {
        // a restarted server re-analyses every open document and says so again
        if (state !== 'running') {
          this.statuses.clear();
          this.asked.clear();
        }
        this.render();
      }),
      vscode.window.onDidChangeActiveTextEditor(() => this.render()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length && e.document === vscode.window.activeTextEditor?.document) this.render();
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        const uri = this.ctx.protocolUri(d.uri);
        this.statuses.delete(uri);
        this.asked.delete(uri);
      }),
    );
    this.render();
  }

  private activeUri(): string | undefined {
    const doc = vscode.window.activeTextEditor?.document;
    return doc ? this.ctx.protocolUri(doc.uri) : undefined;
  }

  private render(): void {
    const doc = vscode.window.activeTextEditor?.document;
    // the item shows only for these (its selector): nothing to ask about other documents
    if (!doc || (doc.languageId !== 'c' && doc.languageId !== 'auditlens-patch' && doc.languageId !== 'auditlens-kcsan')) return;
    const uri = this.ctx.protocolUri(doc.uri);
    const status = this.statuses.get(uri);
    const view = statusView(this.ctx.state, status, uri, doc.version, this.ctx.parser);
    this.item.text = view.text;
    this.item.detail = view.detail;
    this.item.severity = SEVERITY[view.severity];
    this.item.busy = view.busy;
    this.item.command = view.command;
    this.item.accessibilityInformation = { label: `AuditLens: ${view.text}. ${view.detail}` };
    // Opened before the server started, or not sent to it (another scheme): ask once.
    if (!status && this.ctx.state === 'running' && !this.asked.has(uri)) {
      this.asked.add(uri);
      void this.ctx.request<DocumentStatus>(STATUS_REQUEST, { uri }).then((answer) => {
        if (this.statuses.has(uri)) return; // a pushed status is newer
        // no answer (the request failed, and said why in the output): not "analysing" for ever
        this.statuses.set(uri, answer ?? { kind: 'unknown', text: 'no status', detail: 'The server did not answer; see the AuditLens output.', severity: 'information' });
        if (this.activeUri() === uri) this.render();
      });
    }
  }

  dispose(): void {
    this.disposables.splice(0).forEach((d) => d.dispose());
  }
}
