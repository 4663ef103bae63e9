/**
 * "AuditLens: Show Model Summary": the queue model of a C document, from the
 * server (auditlens/modelSummary), rendered beside it in a static webview
 * (summaryHtml.ts) whose `L128` references open the file at that line. The
 * page is a snapshot of the version analysed; running the command again
 * refreshes the same panel.
 */
import * as vscode from 'vscode';
import { MODEL_SUMMARY_REQUEST, type ModelSummaryReply } from '../../server/src/features/requests';
import type { AuditLensContext } from './context';
import { documentOf } from './editors';
import { newNonce } from './panelHtml';
import { summaryHtml } from './summaryHtml';

const VIEW_TYPE = 'auditlens.modelSummary';
/** The one command a summary page may run: open the file at a line. */
const OPEN_LINE = 'auditlens.openBaseLine';

export class ModelSummaryView implements vscode.Disposable {
  /** One panel per summarised document. */
  private readonly panels = new Map<string, vscode.WebviewPanel>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly ctx: AuditLensContext) {}

  /** `uri`: from the status item (the server's URI string); from the palette, the active (or a visible) C editor. */
  async show(uri?: unknown): Promise<void> {
    const target = typeof uri === 'string' ? vscode.Uri.parse(uri) : uri instanceof vscode.Uri ? uri : documentOf('c')?.uri;
    if (!target) {
      void vscode.window.showInformationMessage('AuditLens: open kernel/audit.c (or another audit C file) to see its queue model.');
      return;
    }
    if (this.ctx.state !== 'running') {
      void vscode.window.showInformationMessage('AuditLens: the language server is not running (AuditLens: Restart Server).');
      return;
    }
    const reply = await this.ctx.request<ModelSummaryReply>(MODEL_SUMMARY_REQUEST, { uri: this.ctx.protocolUri(target) });
    if (!reply) {
      void vscode.window.showErrorMessage('AuditLens: the server did not answer; see the AuditLens output.');
      return;
    }
    if ('error' in reply) {
      void vscode.window.showInformationMessage(`AuditLens: no model summary: ${reply.error}.`);
      return;
    }
    const name = target.path.slice(target.path.lastIndexOf('/') + 1) || 'document';
    this.ctx.output.info(`model summary of ${target.toString()}`);
    const key = target.toString();
    let panel = this.panels.get(key);
    if (!panel) {
      panel = vscode.window.createWebviewPanel(VIEW_TYPE, `${name}: queue model`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, {
        enableScripts: false,
        enableCommandUris: [OPEN_LINE],
        localResourceRoots: [],
      });
      this.panels.set(key, panel);
      panel.onDidDispose(() => this.panels.delete(key));
    } else panel.reveal(undefined, false);
    const file = target.toString();
    panel.webview.html = summaryHtml({
      cspSource: panel.webview.cspSource,
      nonce: newNonce(),
      title: `${name}: queue model`,
      markdown: reply.markdown,
      lineLink: (line) => `command:${OPEN_LINE}?${encodeURIComponent(JSON.stringify([file, line - 1]))}`,
    });
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.dispose();
    this.disposables.splice(0).forEach((d) => d.dispose());
  }
}
