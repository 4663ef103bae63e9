/**
 * The client owns the language server's lifetime in one object (as
 * vscode-clangd's ClangdContext and rust-analyzer's Ctx do): the output
 * channel, the LanguageClient and whatever they register, all released by
 * dispose(). Restart is stop + a fresh client so changed settings apply.
 */
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import {
  DocumentSelector,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
  WorkDoneProgress,
} from 'vscode-languageclient/node';
import type { ServerCommands } from './simulationPanel';

export const CLIENT_ID = 'auditlens'; // also the prefix of `auditlens.trace.server`
const CLIENT_NAME = 'AuditLens';

/** C files (saved or not) and patches; the server decides which C files are the audit core. */
export const DOCUMENT_SELECTOR: DocumentSelector = [
  { scheme: 'file', language: 'c' },
  { scheme: 'untitled', language: 'c' },
  { language: 'auditlens-patch' },
  // A .patch may still be open as VS Code's own `diff` language.
  { scheme: 'file', pattern: '**/*.{patch,diff,eml,mbox}' },
];

export class AuditLensContext implements vscode.Disposable, ServerCommands {
  readonly output: vscode.LogOutputChannel;
  private client: LanguageClient | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly extension: vscode.ExtensionContext) {
    // A log channel: the language client of v11 writes leveled messages into it.
    this.output = vscode.window.createOutputChannel(CLIENT_NAME, { log: true });
    this.subscriptions.push(this.output);
  }

  /** Starts the bundled server; failures go to the output channel, not to activation. */
  async start(): Promise<void> {
    if (this.client) return;
    const client = this.createClient();
    this.client = client;
    try {
      await client.start();
    } catch (err) {
      this.output.error(`AuditLens server failed to start: ${err instanceof Error ? err.message : String(err)}`);
      this.output.show(true);
    }
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    try {
      if (client.isRunning()) await client.stop();
      await client.dispose();
    } catch (err) {
      this.output.warn(`AuditLens server did not stop cleanly: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async restart(): Promise<void> {
    this.output.info('Restarting the AuditLens server');
    await this.stop();
    await this.start();
  }

  /** Asks the server for a reply to the active patch document and opens it beside. */
  async draftReply(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor || !this.client) {
      void vscode.window.showInformationMessage('AuditLens: open a patch or patch email first.');
      return;
    }
    const text = await this.client.sendRequest<string | null>('workspace/executeCommand', {
      command: 'auditlens.server.draftReply',
      arguments: [editor.document.uri.toString()],
    });
    if (!text) {
      void vscode.window.showInformationMessage('AuditLens: this document is not a patch AuditLens has reviewed.');
      return;
    }
    const reply = await vscode.workspace.openTextDocument({ content: text, language: 'auditlens-patch' });
    await vscode.window.showTextDocument(reply, { viewColumn: vscode.ViewColumn.Beside });
  }

  /**
   * Runs a server command under a cancellable notification that shows the
   * server's work-done progress. Cancel sends $/cancelRequest (the server
   * stops the run) and closes the notification at once; the answer is then
   * undefined.
   */
  async run<T>(command: string, args: unknown[], title: string): Promise<T | undefined> {
    const client = this.client;
    if (!client?.isRunning()) {
      void vscode.window.showInformationMessage('AuditLens: the language server is not running (AuditLens: Restart Server).');
      return undefined;
    }
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const workDoneToken = `auditlens-${randomUUID()}`;
      let done = 0;
      const onProgress = client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
        if (value.kind === 'end' || value.percentage === undefined || value.percentage <= done) return;
        progress.report({ increment: value.percentage - done, message: `${value.percentage}%` });
        done = value.percentage;
      });
      let onCancel: vscode.Disposable | undefined;
      const cancelled = new Promise<undefined>((resolve) => { onCancel = token.onCancellationRequested(() => resolve(undefined)); });
      try {
        const answer = client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args, workDoneToken }, token);
        return (await Promise.race([answer, cancelled])) as T | undefined;
      } catch (err) {
        if (token.isCancellationRequested) return undefined; // the server's RequestCancelled
        this.output.error(`${command} failed: ${err instanceof Error ? err.message : String(err)}`);
        void vscode.window.showErrorMessage(`AuditLens: ${title.replace(/^AuditLens: /, '')} failed: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      } finally {
        onProgress.dispose();
        onCancel?.dispose();
      }
    });
  }

  dispose(): void {
    // The channel goes last so the client can still log while it stops.
    const subscriptions = this.subscriptions.splice(0);
    void this.stop().finally(() => subscriptions.forEach((d) => d.dispose()));
  }

  private createClient(): LanguageClient {
    const module = this.extension.asAbsolutePath('dist/server.js');
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
    };
    const config = vscode.workspace.getConfiguration('auditlens');
    const clientOptions: LanguageClientOptions = {
      documentSelector: DOCUMENT_SELECTOR,
      outputChannel: this.output,
      // Read at start; later changes are pulled by the server (workspace/configuration).
      initializationOptions: {
        maxFileSize: config.get<number>('maxFileSize'),
        rules: config.get<Record<string, string>>('rules'),
        // reading the committed version runs git: only where the workspace is trusted
        workingTree: vscode.workspace.isTrusted && config.get<boolean>('workingTree', true),
      },
    };
    return new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
  }
}
