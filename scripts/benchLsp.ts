/**
 * The language server as the editor meets it, for `npm run bench`: `node dist/server.js --stdio`
 * in its own process, spoken to over JSON-RPC. What a user waits for: start → initialize,
 * didOpen → first publishDiagnostics, a typed character → the diagnostics of that version,
 * a hover, and the server's resident memory with the corpus, the history files and the seeds open.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  MessageConnection,
  PublishDiagnosticsNotification,
  PublishDiagnosticsParams,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver/node';
import { SERVER_NODE_FLAGS } from '../server/src/serverFlags';
import { rng } from '../server/src/simulate/scenario';

export interface LspFigures {
  startMs: number;
  openMs: number;
  edits: number[];
  hovers: number[];
  /** Resident set of the server (VmRSS, MB) after opening each extra document. */
  rss: { after: string; mb: number }[];
  /** RSS (MB) along a long session, by the number of didChange notifications sent (each edit is typed, then undone). */
  curve?: { changes: number; mb: number }[];
}

/** VmRSS of a process in MB (Linux); NaN elsewhere. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}


class Session {
  readonly connection: MessageConnection;
  private readonly waiting = new Map<string, (p: PublishDiagnosticsParams) => void>();

  constructor(readonly pid: number, stdout: NodeJS.ReadableStream, stdin: NodeJS.WritableStream) {
    this.connection = createMessageConnection(new StreamMessageReader(stdout), new StreamMessageWriter(stdin));
    this.connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      const key = `${p.uri}#${p.version}`;
      this.waiting.get(key)?.(p);
      this.waiting.delete(key);
    });
    this.connection.listen();
  }

  /** Resolves with the diagnostics the server publishes for this version. */
  published(uri: string, version: number): Promise<PublishDiagnosticsParams> {
    return new Promise((done) => this.waiting.set(`${uri}#${version}`, done));
  }
}

/**
 * Drives one server: open `main` (timed), then `edits` random one-character edits inside its
 * function bodies (each awaited to its publishDiagnostics), hovers on identifiers, then opens
 * `others` one by one and reads the server's RSS after each.
 */
export async function measureLsp(serverBundle: string, main: { path: string; text: string }, others: { path: string; text: string; language: string; label: string }[], options: { edits: number; hovers: number; longSession?: number; nodeFlags?: readonly string[] }): Promise<LspFigures> {
  const t0 = performance.now();
  // started as the desktop client starts it (client/src/nodeClient.ts)
  const child = spawn(process.execPath, [...(options.nodeFlags ?? SERVER_NODE_FLAGS), serverBundle, '--stdio'], { stdio: 'pipe' });
  child.stderr.resume();
  const s = new Session(child.pid!, child.stdout, child.stdin);
  try {
    await s.connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null });
    s.connection.sendNotification('initialized', {});
    const startMs = performance.now() - t0;

    const uri = pathToFileURL(main.path).toString();
    let text = main.text;
    let version = 1;
    const t1 = performance.now();
    const first = s.published(uri, version);
    s.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version, text } });
    await first;
    const openMs = performance.now() - t1;

    // Edit positions: inside function bodies, found by the braces at column 0 (no analysis of our own).
    const bodies: [number, number][] = [];
    for (const m of text.matchAll(/^\{\n([\s\S]*?)^\}/gm)) bodies.push([m.index! + 2, m.index! + m[0].length - 1]);
    const rand = rng(14);
    const lineCol = (t: string, offset: number) => {
      const before = t.slice(0, offset);
      const line = before.split('\n').length - 1;
      return { line, character: offset - before.lastIndexOf('\n') - 1 };
    };
    const edit = async (): Promise<number> => {
      const [a, b] = bodies[Math.floor(rand() * bodies.length)];
      const at = a + Math.floor(rand() * Math.max(1, b - a));
      // type a character, or delete one typed before at the same place: the text keeps its size
      const typed = text[at] === ' ' ? 'x' : ' ';
      const pos = lineCol(text, at);
      text = `${text.slice(0, at)}${typed}${text.slice(at)}`;
      version++;
      const done = s.published(uri, version);
      const start = performance.now();
      s.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range: { start: pos, end: pos }, text: typed }] });
      await done;
      const ms = performance.now() - start;
      // undo it (untimed), so the file stays the corpus over many edits
      text = `${text.slice(0, at)}${text.slice(at + 1)}`;
      version++;
      const undone = s.published(uri, version);
      s.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range: { start: pos, end: { line: pos.line, character: pos.character + 1 } }, text: '' }] });
      await undone;
      return ms;
    };
    const rss = [{ after: 'opening the corpus', mb: rssMb(s.pid) }];
    const edits: number[] = [];
    for (let i = 0; i < options.edits; i++) edits.push(await edit());
    rss.push({ after: `${options.edits} edits`, mb: rssMb(s.pid) });

    const names = [...text.matchAll(/\b(audit_\w+|kauditd_\w+|auditd_\w+)\b/g)].map((m) => m.index!);
    const hovers: number[] = [];
    for (let i = 0; i < options.hovers && names.length; i++) {
      const at = names[Math.floor(rand() * names.length)];
      const start = performance.now();
      await s.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: lineCol(text, at) });
      hovers.push(performance.now() - start);
    }

    for (const o of others) {
      const u = pathToFileURL(o.path).toString();
      const opened = s.published(u, 1);
      s.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: u, languageId: o.language, version: 1, text: o.text } });
      await opened;
      rss.push({ after: o.label, mb: rssMb(s.pid) });
    }

    let curve: LspFigures['curve'];
    if (options.longSession) {
      curve = [{ changes: 0, mb: rssMb(s.pid) }];
      const pairs = Math.ceil(options.longSession / 2);
      const step = Math.max(1, Math.floor(pairs / 20));
      for (let i = 1; i <= pairs; i++) {
        await edit();
        if (i % step === 0) curve.push({ changes: 2 * i, mb: rssMb(s.pid) });
      }
    }
    return { startMs, openMs, edits, hovers, rss, curve };
  } finally {
    s.connection.dispose();
    child.kill();
  }
}

/** The documents the memory figure opens beside the corpus: the history files and the two patch seeds. */
export function memoryDocuments(shared: string): { path: string; text: string; language: string; label: string }[] {
  const out: { path: string; text: string; language: string; label: string }[] = [];
  const history = resolve(shared, 'corpus', 'history');
  for (const f of ['v4.12.c', 'v4.13.4.c', 'v5.10.89.c', 'v6.1.192-debian.c']) {
    const p = resolve(history, f);
    if (existsSync(p)) out.push({ path: resolve('/bench/history', f.replace(/\.c$/, ''), 'kernel', 'audit.c'), text: readFileSync(p, 'utf8'), language: 'c', label: f });
  }
  for (const f of ['001_31317e1318af443a.txt', '003_46c44f4b61dbb01e.txt']) {
    const p = resolve(shared, 'seeds', f);
    if (existsSync(p)) out.push({ path: `/bench/seeds/${f.replace(/\.txt$/, '.eml')}`, text: readFileSync(p, 'utf8'), language: 'auditlens-patch', label: `seed ${f.slice(0, 3)}` });
  }
  return out;
}
