/**
 * The language server in a browser's web worker (dist/web/server.js, started by
 * client/src/webClient.ts). Same wiring as in Node; what a browser cannot do is
 * absent from its host: no disk (patch bases come from open documents), no git
 * (working-tree mode), no child processes (simulations run on this worker).
 * Parsing is WebAssembly only; its two modules are fetched from beside dist/.
 */
import { AbstractMessageReader, BrowserMessageWriter, createConnection, DataCallback, Disposable, Message } from 'vscode-languageserver/browser';
import { inProcessRunner } from './features/simulation';
import { startServer } from './lspServer';
import { loadParserEngine } from './parse/engine';
import { createWasmEngine } from './parse/wasmEngine';

declare const self: {
  location: { href: string };
  onmessage: ((e: { data: Message }) => void) | null;
  postMessage(m: unknown): void;
  addEventListener(type: string, l: (e: unknown) => void): void;
};

/**
 * Keeps what the client sends while the WebAssembly parser loads: a browser
 * worker's messages are not buffered for us as a pipe's are, and `initialize`
 * comes at once.
 */
class QueueingReader extends AbstractMessageReader {
  private queue: Message[] | undefined = [];
  private callback: DataCallback | undefined;

  constructor() {
    super();
    self.onmessage = (e) => (this.callback ? this.callback(e.data) : this.queue?.push(e.data));
    self.addEventListener('error', (e) => this.fireError(e));
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const queued = this.queue ?? [];
    this.queue = undefined;
    for (const m of queued) callback(m);
    return Disposable.create(() => (this.callback = undefined));
  }
}

const here = self.location.href;
const reader = new QueueingReader();
const writer = new BrowserMessageWriter(self as never);
const connection = createConnection(reader, writer);

async function fetchBytes(name: string): Promise<Uint8Array> {
  const url = new URL(name, here).href;
  const reply = await fetch(url);
  if (!reply.ok) throw new Error(`cannot fetch ${url}: ${reply.status}`);
  return new Uint8Array(await reply.arrayBuffer());
}

loadParserEngine({ wasm: async () => createWasmEngine(await fetchBytes('../tree-sitter.wasm'), await fetchBytes('../tree-sitter-c.wasm')) }, 'wasm').then(
  () =>
    startServer(connection, {
      platform: 'browser worker',
      rulesDocDir: new URL('../../docs/rules/', here).href,
      runSimulation: inProcessRunner,
      pathOf: () => undefined,
      readSource: (file) => {
        throw new Error(`${file}: there is no file system in the browser; open the file instead`);
      },
      exists: () => false,
      yieldToConnection: () => new Promise((resolve) => setTimeout(resolve, 0)),
    }),
  (err) => {
    // Nothing can be analysed: say so where the user looks (the client's output channel).
    connection.console.error(`AuditLens: cannot load the WebAssembly parser: ${err instanceof Error ? err.message : String(err)}`);
    connection.listen();
  },
);
