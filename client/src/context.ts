/**
 * The client owns the language server's lifetime in one object (as
 * vscode-clangd's ClangdContext and rust-analyzer's Ctx do): the output
 * channel, the LanguageClient and whatever they register, all released by
 * dispose(). Restart is stop + a fresh client so changed settings apply.
 */
import * as vscode from 'vscode';
import {
  BaseLanguageClient as LanguageClient,
  CloseAction,
  CloseHandlerResult,
  DocumentSelector,
  ErrorAction,
  ErrorHandler,
  ExecuteCommandRequest,
  LanguageClientOptions,
  State,
  WorkDoneProgress,
} from 'vscode-languageclient';
import { STATUS_NOTIFICATION, TRUST_NOTIFICATION, type StatusNotification } from '../../server/src/features/requests';
import { documentOf } from './editors';
import { LatencyLog } from './latency';
import { RestartPolicy } from './restartPolicy';
import type { ServerCommands } from './simulationPanel';
import type { ParserInfo } from './statusView';

export const CLIENT_ID = 'auditlens'; // also the prefix of `auditlens.trace.server`
const CLIENT_NAME = 'AuditLens';

/** The patch documents: the patch language, and a .patch still open as VS Code's own `diff` language. */
const PATCH_SELECTOR: DocumentSelector = [
  { language: 'auditlens-patch' },
  { scheme: 'file', pattern: '**/*.{patch,diff,eml,mbox}' },
  { language: 'auditlens-kcsan' },
];

/**
 * C files (saved or not) and patches; the server decides which C files are
 * the audit core. C documents are sent from the local file system, untitled
 * editors and the file systems of the workspace's folders (a virtual
 * workspace such as a remote repository): not from views of other versions
 * (`git:`) or of a comparison's images, whose problems are not the file's.
 */
export function documentSelector(folderSchemes: readonly string[] = []): DocumentSelector {
  const schemes = [...new Set(['file', 'untitled', ...folderSchemes])];
  return [...schemes.map((scheme) => ({ scheme, language: 'c' })), ...PATCH_SELECTOR];
}

export type ServerState = 'starting' | 'running' | 'stopped';

/**
 * Makes the language client for where the extension runs: a Node child process
 * on the desktop (nodeClient.ts), a web worker in the browser (webClient.ts).
 */
export type ClientFactory = (extension: vscode.ExtensionContext, id: string, name: string, options: LanguageClientOptions) => LanguageClient;

/** Runs under a progress notification: the client, the work-done token to pass and the notification's cancel. */
type ServerWork<T> = (client: LanguageClient, workDoneToken: string, token: vscode.CancellationToken, progress: vscode.Progress<{ message?: string }>) => Promise<T>;

export class AuditLensContext implements vscode.Disposable, ServerCommands {
  readonly output: vscode.LogOutputChannel;
  private client: LanguageClient | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
  private readonly statusEmitter = new vscode.EventEmitter<StatusNotification>();
  /** Server health, for the language status item. */
  readonly onDidChangeState = this.stateEmitter.event;
  /** The server's status of a document after each analysis (auditlens/statusChanged). */
  readonly onDidChangeStatus = this.statusEmitter.event;
  private currentState: ServerState = 'stopped';
  private readonly latency: LatencyLog;
  /** Restarts a server that stopped unexpectedly once, then leaves it stopped if it stops again soon. */
  private readonly restarts = new RestartPolicy();

  constructor(
    private readonly extension: vscode.ExtensionContext,
    private readonly makeClient: ClientFactory,
  ) {
    // A log channel: the language client of v11 writes leveled messages into it.
    this.output = vscode.window.createOutputChannel(CLIENT_NAME, { log: true });
    this.subscriptions.push(this.output, this.stateEmitter, this.statusEmitter);
    this.latency = new LatencyLog(this.output, performance.now());
    // Trust is granted at most once per session (revoking it reloads the window).
    this.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => {
      if (this.client?.isRunning()) void this.client.sendNotification(TRUST_NOTIFICATION, { trusted: true });
    }));
  }

  get state(): ServerState {
    return this.currentState;
  }

  /** The running server's parser engine (native or WebAssembly), as its initialize result says. */
  get parser(): ParserInfo | undefined {
    const info = (this.client?.initializeResult as { auditlens?: { parser?: ParserInfo } } | undefined)?.auditlens?.parser;
    return info && (info.engine === 'native' || info.engine === 'wasm') ? info : undefined;
  }

  /** Starts the bundled server; failures go to the output channel, not to activation. */
  async start(): Promise<void> {
    if (this.client) return;
    const client = this.createClient();
    this.client = client;
    client.onDidChangeState((e) => this.setState(e.newState === State.Running ? 'running' : e.newState === State.Starting ? 'starting' : 'stopped'));
    client.onNotification(STATUS_NOTIFICATION, (status: StatusNotification) => this.statusEmitter.fire(status));
    this.setState('starting');
    const startAt = performance.now();
    try {
      await client.start();
      this.latency.started(startAt);
      const parser = this.parser;
      if (parser) this.output.info(`parser: ${parser.description}`);
    } catch (err) {
      this.setState('stopped');
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
    this.setState('stopped');
  }

  async restart(): Promise<void> {
    this.output.info('Restarting the AuditLens server');
    this.restarts.reset();
    await this.stop();
    await this.start();
  }

  /** A document URI as the server knows it (the client's own conversion, so encodings match). */
  protocolUri(uri: vscode.Uri): string {
    return this.client ? this.client.code2ProtocolConverter.asUri(uri) : uri.toString();
  }

  /**
   * A quick request to the server (status, model summary): undefined, after
   * logging why, when the server is not running or the request fails.
   */
  async request<T>(method: string, params: object): Promise<T | undefined> {
    const client = this.client;
    if (!client?.isRunning()) return undefined;
    try {
      return await client.sendRequest<T>(method, params);
    } catch (err) {
      this.output.error(`${method} failed: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  /** Asks the server for a reply to the active patch document and opens it beside. */
  async draftReply(): Promise<void> {
    const patch = documentOf('auditlens-patch') ?? vscode.window.activeTextEditor?.document;
    if (!patch || !this.client) {
      void vscode.window.showInformationMessage('AuditLens: open a patch or patch email first.');
      return;
    }
    this.output.info(`drafting a reply to ${patch.uri.toString()}`);
    const text = await this.client.sendRequest<string | null>('workspace/executeCommand', {
      command: 'auditlens.server.draftReply',
      arguments: [this.protocolUri(patch.uri)],
    });
    if (!text) {
      void vscode.window.showInformationMessage('AuditLens: this document is not a patch AuditLens has reviewed.');
      return;
    }
    // Plain text, not auditlens-patch: the draft quotes trimmed hunks, and reviewing our own
    // reply would only report them as damaged.
    const reply = await vscode.workspace.openTextDocument({ content: text, language: 'plaintext' });
    await vscode.window.showTextDocument(reply, { viewColumn: vscode.ViewColumn.Beside });
  }

  /**
   * Runs a server command under a cancellable notification that shows the
   * server's work-done progress. Cancel sends $/cancelRequest (the server
   * stops the run) and closes the notification at once; the answer is then
   * undefined.
   */
  async run<T>(command: string, args: unknown[], title: string): Promise<T | undefined> {
    this.output.info(`${command} ${JSON.stringify(args.slice(1))}`);
    const started = performance.now();
    const answer = await this.withServerProgress<T>(title, (client, workDoneToken, token) =>
      client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args, workDoneToken }, token) as Promise<T>);
    this.output.info(`latency: ${command} answered in ${(performance.now() - started).toFixed(0)} ms`);
    return answer;
  }

  /**
   * Runs `work` under a cancellable notification that shows the server's
   * work-done progress on the token it is given (the percentage, or the
   * server's message). On cancel the request is cancelled; with
   * `awaitAfterCancel` the answer is still awaited (a server that stops
   * between items answers with what it did), otherwise it is undefined.
   */
  async withServerProgress<T>(title: string, work: ServerWork<T>, options: { awaitAfterCancel?: boolean } = {}): Promise<T | undefined> {
    const client = this.client;
    if (!client?.isRunning()) {
      void vscode.window.showInformationMessage('AuditLens: the language server is not running (AuditLens: Restart Server).');
      return undefined;
    }
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const workDoneToken = `auditlens-${globalThis.crypto.randomUUID()}`;
      let done = 0;
      const onProgress = client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
        if (value.kind === 'end') return;
        const percentage = value.percentage ?? done;
        const increment = Math.max(0, percentage - done);
        done = Math.max(done, percentage);
        if (value.message !== undefined) progress.report({ increment, message: value.message });
        else if (increment > 0) progress.report({ increment, message: `${percentage}%` });
      });
      let onCancel: vscode.Disposable | undefined;
      const cancelled = new Promise<undefined>((resolve) => {
        onCancel = token.onCancellationRequested(() => {
          if (options.awaitAfterCancel) progress.report({ message: 'cancelling…' });
          else resolve(undefined);
        });
      });
      try {
        return await Promise.race([work(client, workDoneToken, token, progress), cancelled]);
      } catch (err) {
        if (token.isCancellationRequested) return undefined; // the server's RequestCancelled
        this.output.error(`${title} failed: ${err instanceof Error ? err.message : String(err)}`);
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

  private setState(state: ServerState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.output.info(`server ${state}`);
    this.stateEmitter.fire(state);
  }

  /**
   * Replaces vscode-languageclient's default (up to four restarts in three minutes, with a
   * generic notice): a server that stopped unexpectedly is restarted once, and the user is
   * told; if it stops again soon it is left stopped, with a button to restart it. The client
   * writes the message to the AuditLens output channel; the notification is ours (`handled`).
   */
  private errorHandler(): ErrorHandler {
    return {
      // as the default: a few read or write errors are let pass, then the client stops the server
      error: (_error, _message, count) => ({ action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown }),
      closed: (): CloseHandlerResult => {
        const decision = this.restarts.closed();
        if (decision.restart) {
          void vscode.window.showWarningMessage(`AuditLens: ${decision.message}`);
        } else {
          void vscode.window.showErrorMessage(`AuditLens: ${decision.message}`, 'Restart Server').then((pick) => (pick ? this.restart() : undefined));
        }
        return { action: decision.restart ? CloseAction.Restart : CloseAction.DoNotRestart, message: decision.message, handled: true };
      },
    };
  }

  private createClient(): LanguageClient {
    const config = vscode.workspace.getConfiguration('auditlens');
    const trusted = vscode.workspace.isTrusted;
    const clientOptions: LanguageClientOptions = {
      documentSelector: documentSelector((vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.scheme)),
      outputChannel: this.output,
      middleware: this.latency.middleware(),
      errorHandler: this.errorHandler(),
      // Read at start; later changes are pulled by the server (workspace/configuration).
      initializationOptions: {
        maxFileSize: config.get<number>('maxFileSize'),
        rules: config.get<Record<string, string>>('rules'),
        // reading the committed version runs git: only where the workspace is trusted
        workingTree: trusted && config.get<boolean>('workingTree', true),
        // the server keeps git off while this is false, whatever the settings it pulls later say
        trusted,
        patch: { baseFile: config.get<string>('patch.baseFile', '') },
      },
    };
    return this.makeClient(this.extension, CLIENT_ID, CLIENT_NAME, clientOptions);
  }
}
