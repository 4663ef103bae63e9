/**
 * The document a palette command is about. Run from the walkthrough, a
 * webview panel or the status item, there may be no active text editor:
 * then the first visible editor of the right language is the one meant.
 */
import * as vscode from 'vscode';

export function documentOf(language: string): vscode.TextDocument | undefined {
  const active = vscode.window.activeTextEditor?.document;
  if (active?.languageId === language) return active;
  return vscode.window.visibleTextEditors.find((e) => e.document.languageId === language)?.document;
}
