/**
 * The language server as the editor meets it, for `npm run bench`: `node dist/server.js --stdio`
 * in its own process, spoken to over JSON-RPC. What a user waits for: start → initialize,
 * didOpen → first publishDiagnostics, a typed character → the diagnostics of that version,
 * a hover, and the server's resident memory with the corpus, the history files and the seeds open;
 * and, in a server of its own, the peak memory while a function's name is typed character by character.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
  /** Typing into a function name, in a fresh server with only the corpus open (measureNameTyping). */
  nameTyping?: NameTyping;
}

export interface NameTyping {
  /** The function whose name was typed into. */
  name: string;
  chars: number;
  /** RSS (MB) with the corpus open, before typing. */
  beforeMb: number;
  /** Peak RSS (MB) while typing: VmHWM, reset before the first keystroke (the largest VmRSS sampled where it cannot be reset). */
  peakMb: number;
  /** RSS (MB) after the last keystroke's diagnostics. */
  afterMb: number;
  /** Keystroke → diagnostics of that version (ms), each. */
  ms: number[];
}

/** VmRSS of a process in MB (Linux); NaN elsewhere. */
export function rssMb(pid: number): number {
  return procStatusMb(pid, 'VmRSS');
}

/** A size field of /proc/PID/status in MB (VmRSS, VmHWM); NaN where there is none. */
function procStatusMb(pid: number, field: string): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Resets a process's peak RSS (VmHWM) to its current RSS (Linux: clear_refs 5); false where it cannot. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
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

/** Starts a server as the desktop client does (client/src/nodeClient.ts) and initializes it. */
async function startSession(serverBundle: string, nodeFlags: readonly string[] = SERVER_NODE_FLAGS): Promise<{ s: Session; child: ReturnType<typeof spawn> }> {
  const child = spawn(process.execPath, [...nodeFlags, serverBundle, '--stdio'], { stdio: 'pipe' });
  child.stderr!.resume();
  const s = new Session(child.pid!, child.stdout!, child.stdin!);
  await s.connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null });
  s.connection.sendNotification('initialized', {});
  return { s, child };
}

/** Line and character of an offset. */
function lineCol(t: string, offset: number): { line: number; character: number } {
  const before = t.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - before.lastIndexOf('\n') - 1 };
}

/**
 * Typing a function's name longer, one character per didChange, each awaited to its
 * diagnostics, in a fresh server with only `main` open: every keystroke makes a new
 * function (and a new set of names in the file), the case that once re-cached every
 * function per keystroke (250 keystrokes, 680 MB). The peak is the process's VmHWM.
 */
export async function measureNameTyping(serverBundle: string, main: { path: string; text: string }, chars: number, nodeFlags?: readonly string[]): Promise<NameTyping> {
  const { s, child } = await startSession(serverBundle, nodeFlags);
  try {
    const uri = pathToFileURL(main.path).toString();
    let text = main.text;
    let version = 1;
    const opened = s.published(uri, version);
    s.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version, text } });
    await opened;
    // the name of the first function defined at column 0 with its brace on the next line (kernel style)
    const m = /^[a-z][^\n;]*?\b(\w+)\([^;{]*\)\n\{/m.exec(text);
    if (!m) throw new Error(`${main.path}: no function definition to type into`);
    const name = m[1];
    let at = m.index + m[0].indexOf(`${name}(`) + name.length;
    const beforeMb = rssMb(s.pid);
    const resettable = resetPeak(s.pid);
    let sampledPeak = beforeMb;
    const ms: number[] = [];
    for (let i = 0; i < chars; i++) {
      const typed = 'abcdefghijklmnopqrstuvwxyz_'[i % 27];
      const pos = lineCol(text, at);
      text = `${text.slice(0, at)}${typed}${text.slice(at)}`;
      at++;
      version++;
      const done = s.published(uri, version);
      const start = performance.now();
      s.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range: { start: pos, end: pos }, text: typed }] });
      await done;
      ms.push(performance.now() - start);
      sampledPeak = Math.max(sampledPeak, rssMb(s.pid));
    }
    const peakMb = resettable ? Math.max(procStatusMb(s.pid, 'VmHWM'), sampledPeak) : sampledPeak;
    return { name, chars, beforeMb, peakMb, afterMb: rssMb(s.pid), ms };
  } finally {
    s.connection.dispose();
    child.kill();
  }
}

/**
 * Drives one server: open `main` (timed), then `edits` random one-character edits inside its
 * function bodies (each awaited to its publishDiagnostics), hovers on identifiers, then opens
 * `others` one by one and reads the server's RSS after each.
 */
export async function measureLsp(serverBundle: string, main: { path: string; text: string }, others: { path: string; text: string; language: string; label: string }[], options: { edits: number; hovers: number; longSession?: number; nameTyping?: number; nodeFlags?: readonly string[] }): Promise<LspFigures> {
  const t0 = performance.now();
  const { s, child } = await startSession(serverBundle, options.nodeFlags);
  try {
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
    s.connection.dispose();
    child.kill();
    const nameTyping = options.nameTyping ? await measureNameTyping(serverBundle, main, options.nameTyping, options.nodeFlags) : undefined;
    return { startMs, openMs, edits, hovers, rss, curve, nameTyping };
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
