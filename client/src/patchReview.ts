/**
 * "AuditLens: Review Patch…": a .patch, .diff, patch email or mbox, given
 * (explorer menu), the active document when it is one, or picked in a file
 * dialog, opened in the `auditlens-patch` language. The server then reviews
 * it as any patch document: diagnostics on the lines the patch introduces or
 * fixes findings on, a lens per hunk, hover from the right side of the patch.
 */
import * as vscode from 'vscode';
import { looksLikePatch } from '../../server/src/input/read';
import type { AuditLensContext } from './context';

export const PATCH_LANGUAGE = 'auditlens-patch';
const PATCH_NAME = /\.(patch|diff|eml|mbox)$/i;

/** Is the document a patch we would review: by language, by name, or (an untitled paste) by content? */
function isPatchDocument(doc: vscode.TextDocument): boolean {
  if (doc.languageId === PATCH_LANGUAGE || doc.languageId === 'diff' || PATCH_NAME.test(doc.uri.path)) return true;
  // only the start: a pasted mail is short, and this runs on every invocation
  return doc.languageId === 'plaintext' && looksLikePatch(doc.getText().slice(0, 64 * 1024));
}

export async function reviewPatch(ctx: AuditLensContext, uri?: unknown): Promise<void> {
  const active = vscode.window.activeTextEditor?.document;
  let target: vscode.Uri | vscode.TextDocument | undefined = uri instanceof vscode.Uri ? uri : undefined;
  if (!target && active && isPatchDocument(active)) target = active;
  if (!target) {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      openLabel: 'Review',
      title: 'AuditLens: review a patch, patch email or mbox',
      filters: { 'Patches and patch emails': ['patch', 'diff', 'eml', 'mbox'], 'All files': ['*'] },
    });
    target = picked?.[0];
  }
  if (!target) return;
  try {
    let doc = target instanceof vscode.Uri ? await vscode.workspace.openTextDocument(target) : target;
    if (doc.languageId !== PATCH_LANGUAGE) doc = await vscode.languages.setTextDocumentLanguage(doc, PATCH_LANGUAGE);
    ctx.output.info(`reviewing ${doc.uri.toString()}`);
    await vscode.window.showTextDocument(doc, { preview: false });
  } catch (err) {
    void vscode.window.showErrorMessage(`AuditLens: cannot open the patch: ${err instanceof Error ? err.message : String(err)}`);
  }
}
