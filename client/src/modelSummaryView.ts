/**
 * "AuditLens: Show Model Summary": the queue model of a C document, from the
 * server (auditlens/modelSummary), as a read-only Markdown document shown
 * rendered beside it (its source when the Markdown preview is not there).
 * The text is a snapshot of the version analysed; running the command again
 * refreshes the same document and its preview.
 */
import * as vscode from 'vscode';
import { MODEL_SUMMARY_REQUEST, type ModelSummaryReply } from '../../server/src/features/requests';
import type { AuditLensContext } from './context';
import { documentOf } from './editors';

const SCHEME = 'auditlens-model';

export class ModelSummaryView implements vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly ctx: AuditLensContext) {
    this.disposables.push(
      vscode.workspace.registerTextDocumentContentProvider(SCHEME, {
        onDidChange: this.changed.event,
        provideTextDocumentContent: (uri) => this.texts.get(uri.toString()) ?? '',
      }),
      // forget snapshots nobody shows any more
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (d.uri.scheme === SCHEME) this.texts.delete(d.uri.toString());
      }),
    );
  }

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
    // The .md name gives the document the Markdown language; the query keeps one per source document.
    const summaryUri = vscode.Uri.from({ scheme: SCHEME, path: `/${name} queue model.md`, query: target.toString() });
    this.texts.set(summaryUri.toString(), reply.markdown);
    this.changed.fire(summaryUri);
    this.ctx.output.info(`model summary of ${target.toString()}`);
    const doc = await vscode.workspace.openTextDocument(summaryUri);
    try {
      // Rendered: tables read as tables, and the line links open the file at their line.
      await vscode.commands.executeCommand('markdown.showPreviewToSide', summaryUri);
    } catch {
      // without VS Code's Markdown extension (disabled), the Markdown text itself
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: false });
    }
  }

  dispose(): void {
    this.disposables.splice(0).forEach((d) => d.dispose());
  }
}
