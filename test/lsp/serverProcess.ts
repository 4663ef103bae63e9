/**
 * A real LSP client for tests: spawns `node dist/server.js --stdio` and speaks
 * JSON-RPC to it. publishDiagnostics notifications are kept, so a test can
 * await the one for a given document version without sleeping.
 */
import { ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
// vscode-jsonrpc through vscode-languageserver/node (which re-exports `vscode-jsonrpc/node`), not the
// top-level vscode-jsonrpc: that one is v10 (the client's), the server's protocol types are built on v9,
// and a request type from one version is not understood by a connection of the other.
import {
  createMessageConnection,
  LogMessageNotification,
  MessageConnection,
  PublishDiagnosticsNotification,
  PublishDiagnosticsParams,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver/node';

export const ROOT = resolve(__dirname, '..', '..');
export const SERVER_BUNDLE = resolve(ROOT, 'dist', 'server.js');

/** The suite normally runs after `node scripts/build.mjs`; build when it did not. */
export function ensureServerBuilt(): void {
  if (!existsSync(SERVER_BUNDLE)) execFileSync('node', ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
}

interface Waiter {
  uri: string;
  version: number | undefined;
  /** Matches any version. */
  any?: boolean;
  resolve: (p: PublishDiagnosticsParams) => void;
}

export class ServerProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly connection: MessageConnection;
  readonly published: PublishDiagnosticsParams[] = [];
  readonly logs: string[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  private readonly waiters: Waiter[] = [];

  constructor() {
    this.child = spawn(process.execPath, [SERVER_BUNDLE, '--stdio'], { cwd: ROOT, stdio: 'pipe' });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((done) => this.child.on('exit', (code) => done(code)));
    this.connection = createMessageConnection(new StreamMessageReader(this.child.stdout), new StreamMessageWriter(this.child.stdin));
    this.connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.published.push(p);
      const i = this.waiters.findIndex((w) => matches(w, p));
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(p);
    });
    this.connection.onNotification(LogMessageNotification.type, (p) => {
      this.logs.push(p.message);
    });
    this.connection.listen();
  }

  /**
   * The publishDiagnostics for `uri` at document `version` (the server stamps
   * each with the version it analysed; `undefined` for the clearing one sent
   * on close). Resolves at once if it already arrived.
   */
  diagnostics(uri: string, version: number | undefined): Promise<PublishDiagnosticsParams> {
    const waiter = { uri, version };
    const seen = this.published.find((p) => matches(waiter, p));
    return seen ? Promise.resolve(seen) : new Promise((resolve) => this.waiters.push({ ...waiter, resolve }));
  }

  /** The next publishDiagnostics for `uri` after this call (for re-publishes of the same version). */
  nextDiagnostics(uri: string): Promise<PublishDiagnosticsParams> {
    return new Promise((resolve) => this.waiters.push({ uri, version: undefined, any: true, resolve }));
  }

  /** Everything published for `uri` so far. */
  publishedFor(uri: string): PublishDiagnosticsParams[] {
    return this.published.filter((p) => p.uri === uri);
  }

  kill(): void {
    this.connection.dispose();
    if (this.child.exitCode === null) this.child.kill();
  }
}

function matches(w: { uri: string; version: number | undefined; any?: boolean }, p: PublishDiagnosticsParams): boolean {
  return p.uri === w.uri && (w.any || p.version === w.version);
}
