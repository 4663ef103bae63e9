/**
 * The project's example, shipped in the extension (examples/kauditd-demo.c
 * and examples/unbounded-retry.patch), for the walkthrough and the palette.
 * The files are opened from the extension's folder and made read-only for
 * the session: their path is what makes the patch find its base (the patch
 * touches examples/kauditd-demo.c), and nobody should edit the installed copy.
 */
import * as vscode from 'vscode';
import type { AuditLensContext } from './context';
import { reviewPatch } from './patchReview';

export const EXAMPLE_C = 'examples/kauditd-demo.c';
export const EXAMPLE_PATCH = 'examples/unbounded-retry.patch';
/** The requeue hook the walkthrough hovers: the one the example patch unbounds. */
const HOVER_FUNCTION = 'demo_retry_skb';

export class Examples {
  constructor(private readonly extensionUri: vscode.Uri, private readonly ctx: AuditLensContext) {}

  private uri(file: string): vscode.Uri {
    return vscode.Uri.joinPath(this.extensionUri, ...file.split('/'));
  }

  /** The document, or undefined after saying that this installation lacks it. */
  private async document(file: string): Promise<vscode.TextDocument | undefined> {
    try {
      return await vscode.workspace.openTextDocument(this.uri(file));
    } catch (err) {
      void vscode.window.showErrorMessage(`AuditLens: ${file} is not in this installation of the extension (${err instanceof Error ? err.message : String(err)}).`);
      return undefined;
    }
  }

  private async showReadOnly(doc: vscode.TextDocument, selection?: vscode.Selection): Promise<vscode.TextEditor> {
    const editor = await vscode.window.showTextDocument(doc, { preview: false, selection });
    try {
      await vscode.commands.executeCommand('workbench.action.files.setActiveEditorReadonlyInSession');
    } catch {
      // older hosts: the copy stays writable, which only matters to whoever edits it
    }
    return editor;
  }

  /** "AuditLens: Open Example": the small kauditd model, clean, with lenses on its consumer, drain and requeue hooks. */
  async openExample(): Promise<vscode.TextEditor | undefined> {
    const doc = await this.document(EXAMPLE_C);
    if (!doc) return undefined;
    this.ctx.output.info(`opened the example ${doc.uri.toString()}`);
    return this.showReadOnly(doc);
  }

  /** "AuditLens: Open Example Patch": the patch that unbounds the retry queue, reviewed against the example (AQ101). */
  async openExamplePatch(): Promise<void> {
    // The base first, so the server has it when the patch arrives (documents are sent in order).
    const base = await this.document(EXAMPLE_C);
    if (!base) return;
    await reviewPatch(this.ctx, this.uri(EXAMPLE_PATCH));
    try {
      await vscode.commands.executeCommand('workbench.action.files.setActiveEditorReadonlyInSession');
    } catch {
      // as above
    }
  }

  /** The walkthrough's hover: the example with the cursor on a requeue hook and its hover shown. */
  async showRequeueHover(): Promise<void> {
    const doc = await this.document(EXAMPLE_C);
    if (!doc) return;
    const at = doc.getText().search(new RegExp(`\\b${HOVER_FUNCTION}\\(struct`));
    const position = doc.positionAt(at < 0 ? 0 : at + 2);
    await this.showReadOnly(doc, new vscode.Selection(position, position));
    await vscode.commands.executeCommand('editor.action.showHover');
  }

  /** The walkthrough's simulation: "auditd stopped" on the example, in the simulation panel. */
  async simulateExample(): Promise<void> {
    const editor = await this.openExample();
    if (!editor) return;
    await vscode.commands.executeCommand('auditlens.simulate', this.ctx.protocolUri(editor.document.uri), 'auditd-stopped');
  }
}
