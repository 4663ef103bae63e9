/**
 * KCSAN reports in the editor: "Triage KCSAN Report from Clipboard" opens the
 * clipboard's text as a report document (the server triages it against the
 * workspace's kernel/audit.c), and a report's code lens opens the base at the
 * line of the access it is about.
 */
import * as vscode from 'vscode';

export async function triageClipboard(): Promise<void> {
  const text = await vscode.env.clipboard.readText();
  if (!text.trim()) {
    void vscode.window.showInformationMessage('AuditLens: the clipboard is empty; copy a KCSAN report (or a console log, a syzbot page, an email quoting one) first.');
    return;
  }
  const doc = await vscode.workspace.openTextDocument({ language: 'auditlens-kcsan', content: text });
  await vscode.window.showTextDocument(doc, { preview: false });
}

/** `auditlens.openBaseLine` [uri, line]: the base file at a 0-based line. */
export async function openBaseLine(uri?: unknown, line?: unknown): Promise<void> {
  if (typeof uri !== 'string' || typeof line !== 'number') return;
  const position = new vscode.Position(Math.max(0, line), 0);
  await vscode.window.showTextDocument(vscode.Uri.parse(uri), { selection: new vscode.Range(position, position), preview: true });
}
