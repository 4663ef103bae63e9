/**
 * "AuditLens: Check Workspace": every kernel/audit.c of the workspace, and
 * every open document the server analyses as audit code, checked by the
 * server through `auditlens check`'s core (auditlens/checkFiles); their
 * findings go to the Problems view, open or not. Under a cancellable
 * progress notification; cancel stops between files and the message says
 * how far it got. Files on a virtual file system are read here, through
 * vscode.workspace.fs, and their text sent: the server only reads local files.
 */
import * as vscode from 'vscode';
import { CHECK_FILES_REQUEST, type CheckFilesParams, type CheckFilesResult } from '../../server/src/features/requests';
import { AUDIT_FILE_EXCLUDE, AUDIT_FILE_GLOB, checkSummary, MAX_FILES } from './checkSummary';
import type { AuditLensContext } from './context';

export async function checkWorkspace(ctx: AuditLensContext): Promise<void> {
  let truncated = false;
  let unreadable = 0;
  const result = await ctx.withServerProgress<CheckFilesResult | undefined>('AuditLens: checking the workspace', async (client, workDoneToken, token, progress) => {
    progress.report({ message: 'finding kernel/audit.c files…' });
    const found = vscode.workspace.workspaceFolders?.length ? await vscode.workspace.findFiles(AUDIT_FILE_GLOB, AUDIT_FILE_EXCLUDE, MAX_FILES + 1, token) : [];
    truncated = found.length > MAX_FILES;
    const files: CheckFilesParams['files'] = [];
    for (const uri of found.slice(0, MAX_FILES)) {
      if (token.isCancellationRequested) return undefined;
      if (uri.scheme === 'file') {
        files.push({ uri: ctx.protocolUri(uri) });
        continue;
      }
      const text = await readVirtual(ctx, uri);
      if (text !== undefined) files.push({ uri: ctx.protocolUri(uri), text });
      else unreadable++;
    }
    const params: CheckFilesParams = { files, includeOpen: true, workDoneToken };
    ctx.output.info(`checkFiles: ${files.length} kernel/audit.c file(s) found${truncated ? ` (more than ${MAX_FILES}: the rest is not checked)` : ''}, plus open audit documents`);
    return client.sendRequest<CheckFilesResult>(CHECK_FILES_REQUEST, params, token);
  }, { awaitAfterCancel: true });
  if (!result) return;
  for (const f of result.files) if (f.problem) ctx.output.warn(f.problem);
  if (!result.requested && !unreadable) {
    void vscode.window.showInformationMessage('AuditLens: no kernel/audit.c in this workspace and no open audit C file to check.');
    return;
  }
  const summary = checkSummary(result, { truncated, unreadable });
  ctx.output.info(summary.text);
  const findings = result.files.some((f) => f.findings.error + f.findings.warning + f.findings.information > 0);
  const actions = [...(findings ? ['Show Problems'] : []), ...(summary.level === 'warning' ? ['Show Output'] : [])];
  const show = summary.level === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  const picked = await show(summary.text, ...actions);
  if (picked === 'Show Problems') await vscode.commands.executeCommand('workbench.actions.view.problems');
  else if (picked === 'Show Output') ctx.output.show(true);
}

/** A file of a virtual workspace, read through its file system provider; undefined (logged) when unusable. */
async function readVirtual(ctx: AuditLensContext, uri: vscode.Uri): Promise<string | undefined> {
  const limit = vscode.workspace.getConfiguration('auditlens', uri).get<number>('maxFileSize', 8 * 1024 * 1024);
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    if (stat.size > limit) {
      ctx.output.warn(`${uri.toString()}: ${stat.size} bytes, over auditlens.maxFileSize (${limit}): not checked`);
      return undefined;
    }
    return new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri));
  } catch (err) {
    ctx.output.warn(`${uri.toString()}: cannot read it: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}
