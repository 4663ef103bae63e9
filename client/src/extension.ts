/**
 * Extension entry: one AuditLensContext owns everything; activation only
 * creates it and registers commands (the server starts in the background).
 */
import * as vscode from 'vscode';
import { AuditLensContext } from './context';
import { SimulationPanels } from './simulationPanel';

let context: AuditLensContext | undefined;

export function activate(extension: vscode.ExtensionContext): void {
  const ctx = new AuditLensContext(extension);
  context = ctx;
  const panels = new SimulationPanels(extension.extensionUri, ctx);
  extension.subscriptions.push(
    ctx,
    panels,
    vscode.commands.registerCommand('auditlens.restartServer', () => ctx.restart()),
    vscode.commands.registerCommand('auditlens.draftReply', () => ctx.draftReply()),
    // Code lenses pass [uri, scenario]; from the palette both are asked for.
    vscode.commands.registerCommand('auditlens.simulate', (uri?: unknown, scenario?: unknown) => panels.simulate(uri, scenario)),
    vscode.commands.registerCommand('auditlens.compare', (uri?: unknown, scenario?: unknown) => panels.compare(uri, scenario)),
  );
  void ctx.start();
}

export async function deactivate(): Promise<void> {
  const ctx = context;
  context = undefined;
  await ctx?.stop();
}
