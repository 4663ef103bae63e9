/**
 * Extension entry: one AuditLensContext owns everything; activation only
 * creates it and registers commands (the server starts in the background).
 */
import * as vscode from 'vscode';
import { AuditLensContext } from './context';

let context: AuditLensContext | undefined;

export function activate(extension: vscode.ExtensionContext): void {
  const ctx = new AuditLensContext(extension);
  context = ctx;
  extension.subscriptions.push(
    ctx,
    vscode.commands.registerCommand('auditlens.restartServer', () => ctx.restart()),
    vscode.commands.registerCommand('auditlens.draftReply', () => ctx.draftReply()),
  );
  void ctx.start();
}

export async function deactivate(): Promise<void> {
  const ctx = context;
  context = undefined;
  await ctx?.stop();
}
