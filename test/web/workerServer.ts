/**
 * Runs the web server bundle (dist/web/server.js, or the one in an unpacked web
 * VSIX) as a browser would: in a worker, talking JSON-RPC by postMessage. Node's
 * worker_threads stand in for the browser's Worker; the worker gets the little of
 * a DedicatedWorkerGlobalScope the bundle uses (`self.location`, `onmessage`,
 * `postMessage`, and `fetch` of its own files), and nothing it could use to
 * reach the disk otherwise: the bundle has no Node built-ins of its own.
 */
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import {
  AbstractMessageReader,
  AbstractMessageWriter,
  createMessageConnection,
  DataCallback,
  DidOpenTextDocumentNotification,
  Disposable,
  InitializedNotification,
  InitializeRequest,
  InitializeResult,
  LogMessageNotification,
  Message,
  MessageConnection,
  PublishDiagnosticsNotification,
  PublishDiagnosticsParams,
} from 'vscode-languageserver/node';

/** Evaluated in the worker before the bundle: a browser worker's globals, over worker_threads. */
const BOOTSTRAP = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFile } = require('node:fs/promises');
const { fileURLToPath } = require('node:url');
let onmessage = null;
parentPort.on('message', (data) => onmessage && onmessage({ data }));
globalThis.self = {
  location: { href: workerData.href },
  postMessage: (m) => parentPort.postMessage(m),
  addEventListener: () => {},
  removeEventListener: () => {},
  set onmessage(fn) { onmessage = fn; },
  get onmessage() { return onmessage; },
};
// A browser fetches the extension's files by URL; here they are file: URLs.
globalThis.fetch = async (url) => {
  const u = new URL(String(url));
  if (u.protocol !== 'file:') throw new Error('the web server fetched ' + u.href);
  try {
    const bytes = await readFile(fileURLToPath(u));
    return { ok: true, status: 200, arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) };
  } catch {
    return { ok: false, status: 404, arrayBuffer: async () => new ArrayBuffer(0) };
  }
};
require(workerData.bundle);
`;

class WorkerReader extends AbstractMessageReader {
  constructor(private readonly worker: Worker) {
    super();
    worker.on('error', (e) => this.fireError(e));
  }
  listen(callback: DataCallback): Disposable {
    const fn = (m: Message) => callback(m);
    this.worker.on('message', fn);
    return Disposable.create(() => this.worker.off('message', fn));
  }
}

class WorkerWriter extends AbstractMessageWriter {
  constructor(private readonly worker: Worker) {
    super();
  }
  async write(msg: Message): Promise<void> {
    this.worker.postMessage(msg);
  }
  end(): void {}
}

export class WorkerServer {
  readonly worker: Worker;
  readonly connection: MessageConnection;
  readonly published: PublishDiagnosticsParams[] = [];
  readonly logs: string[] = [];
  private readonly waiters: { uri: string; version: number; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
  private failure: Error | undefined;

  constructor(bundle: string) {
    this.worker = new Worker(BOOTSTRAP, { eval: true, workerData: { bundle, href: pathToFileURL(bundle).href } });
    this.worker.on('error', (e) => (this.failure = e));
    this.connection = createMessageConnection(new WorkerReader(this.worker), new WorkerWriter(this.worker));
    this.connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.published.push(p);
      for (const w of this.waiters.filter((x) => x.uri === p.uri && x.version === p.version)) w.resolve(p);
    });
    this.connection.onNotification(LogMessageNotification.type, (p) => void this.logs.push(p.message));
    this.connection.listen();
  }

  /** The LSP handshake as VS Code does it, then each C file opened at version 1; the initialize result. */
  async initialize(files: readonly { uri: string; text: string }[] = []): Promise<InitializeResult> {
    const init = await this.connection.sendRequest(InitializeRequest.type, {
      processId: null,
      rootUri: null,
      capabilities: { textDocument: { publishDiagnostics: { relatedInformation: true, versionSupport: true }, hover: { contentFormat: ['markdown'] }, documentSymbol: { hierarchicalDocumentSymbolSupport: true } } },
    });
    await this.connection.sendNotification(InitializedNotification.type, {});
    for (const f of files) await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: f.uri, languageId: 'c', version: 1, text: f.text } });
    return init;
  }

  /** The diagnostics published for a document version (already, or when they come). */
  diagnostics(uri: string, version: number): Promise<PublishDiagnosticsParams> {
    const seen = this.published.find((p) => p.uri === uri && p.version === version);
    if (seen) return Promise.resolve(seen);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiters.push({ uri, version, resolve });
      this.worker.once('error', reject);
    });
  }

  async stop(): Promise<void> {
    this.connection.dispose();
    await this.worker.terminate();
  }
}
