/**
 * What both extension entries share: one AuditLensContext owns everything; activation only
 * creates it and registers commands (the server starts in the background).
 * Each command is thin: the work is done by the server, through the same
 * core as the `auditlens` command line.
 */
import * as vscode from 'vscode';
import { AuditLensContext, ClientFactory } from './context';
import { Examples } from './examples';
import { ModelSummaryView } from './modelSummaryView';
import { openBaseLine, triageClipboard } from './kcsanReport';
import { reviewPatch } from './patchReview';
import { SimulationPanels } from './simulationPanel';
import { LanguageStatus } from './statusItem';
import { checkWorkspace } from './workspaceCheck';

let context: AuditLensContext | undefined;

/** Activation on the desktop (extension.ts) and in the browser (extensionWeb.ts): only the client differs. */
export function activateWith(extension: vscode.ExtensionContext, makeClient: ClientFactory): void {
  const ctx = new AuditLensContext(extension, makeClient);
  context = ctx;
  const panels = new SimulationPanels(extension.extensionUri, ctx);
  const summaries = new ModelSummaryView(ctx);
  const examples = new Examples(extension.extensionUri, ctx);
  extension.subscriptions.push(
    ctx,
    panels,
    summaries,
    new LanguageStatus(ctx),
    vscode.commands.registerCommand('auditlens.restartServer', () => ctx.restart()),
    vscode.commands.registerCommand('auditlens.checkWorkspace', () => checkWorkspace(ctx)),
    vscode.commands.registerCommand('auditlens.reviewPatch', (uri?: unknown) => reviewPatch(ctx, uri)),
    vscode.commands.registerCommand('auditlens.draftReply', () => ctx.draftReply()),
    // Code lenses pass [uri, scenario]; from the palette both are asked for.
    vscode.commands.registerCommand('auditlens.simulate', (uri?: unknown, scenario?: unknown) => panels.simulate(uri, scenario)),
    vscode.commands.registerCommand('auditlens.explore', (uri?: unknown, scenario?: unknown) => panels.simulate(uri, scenario, true)),
    vscode.commands.registerCommand('auditlens.triageClipboard', () => triageClipboard()),
    vscode.commands.registerCommand('auditlens.openBaseLine', (uri?: unknown, line?: unknown) => openBaseLine(uri, line)),
    vscode.commands.registerCommand('auditlens.showFinding', (uri?: unknown, spec?: unknown, scenario?: unknown) => panels.showFinding(uri, spec, scenario)),
    vscode.commands.registerCommand('auditlens.compare', (uri?: unknown, scenario?: unknown) => panels.compare(uri, scenario)),
    // The status item passes the document's URI; from the palette, the active editor's.
    vscode.commands.registerCommand('auditlens.showModelSummary', (uri?: unknown) => summaries.show(uri)),
    vscode.commands.registerCommand('auditlens.openExample', () => examples.openExample()),
    vscode.commands.registerCommand('auditlens.openExamplePatch', () => examples.openExamplePatch()),
    // Walkthrough steps (hidden from the palette): each is the step's completion event.
    vscode.commands.registerCommand('auditlens.walkthrough.hover', () => examples.showRequeueHover()),
    vscode.commands.registerCommand('auditlens.walkthrough.simulate', () => examples.simulateExample()),
  );
  void ctx.start();
}

export async function deactivate(): Promise<void> {
  const ctx = context;
  context = undefined;
  await ctx?.stop();
}
