/**
 * Runs one planned LSP edit session (mutators.ts) against `node dist/server.js --stdio`,
 * speaking raw JSON-RPC frames so broken frames can be sent too. The server must answer
 * every request (hovers included) in time, log no handler failure, survive malformed
 * messages, and shut down cleanly; its peak RSS is measured as for the CLI.
 *
 * Every byte sent is kept: on a failure it is written out, and `node dist/server.js --stdio
 * < FILE` replays the session.
 */
import { spawn } from 'node:child_process';
import type { LspAction, LspCase } from './mutators';
import { Limits, Outcome, OUTCOMES, watchMemory, worst } from './run';

export interface SessionResult {
  outcome: Outcome;
  detail: string;
  /** Every problem seen, worst first (the outcome is the first's). */
  problems: { outcome: Outcome; detail: string }[];
  ms: number;
  peakKb: number;
  /** Actions sent (a session stops early on a hang or a death, and skips to its end when out of time). */
  actionsRun: number;
  /** The slowest answer to a request, ms. */
  slowestAnswerMs: number;
  transcript: Buffer;
}

interface Reply {
  result?: unknown;
  error?: { code: number; message: string };
}

/**
 * Errors the JSON-RPC layer logs about a malformed message the session sent on purpose: saying
 * so is the right answer to such a message (a notification cannot be answered), not a failure.
 */
const MALFORMED_MESSAGE_LOGS = /^(Received empty message|Received message which is neither a response nor a notification message|Received response message without id|Notification \S+ defines .* but received|Notification handler '[^']+' failed with message: Unknown change event received)/;

const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

/** Replaces the `{uri}` placeholder the plan uses for the document's URI. */
function withUri<T>(value: T, uri: string): T {
  return JSON.parse(JSON.stringify(value ?? null).split('"{uri}"').join(JSON.stringify(uri))) as T;
}

export async function runLspSession(c: LspCase, opts: { serverPath: string; cwd: string; limits: Limits; budgetMs: number; preload?: string }): Promise<SessionResult> {
  const t0 = performance.now();
  const { limits } = opts;
  const sent: Buffer[] = [];
  const problems: { outcome: Outcome; detail: string }[] = [];
  const problem = (outcome: Outcome, detail: string) => {
    if (problems.length < 20 && !problems.some((p) => p.detail === detail)) problems.push({ outcome, detail });
  };
  const child = spawn(process.execPath, [...(opts.preload ? ['-r', opts.preload] : []), opts.serverPath, '--stdio'], { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let reportedPeak = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    if (stderr.length < 64 * 1024) stderr += s;
  });
  (child.stdio[3] as NodeJS.ReadableStream).on('data', (b: Buffer) => (reportedPeak += b.toString()));
  (child.stdio[3] as NodeJS.ReadableStream).on('error', () => undefined);
  child.stdin!.on('error', () => undefined); // writing to a server that died: noticed through 'exit'
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitedP = new Promise<void>((done) => child.on('exit', (code, signal) => ((exited = { code, signal }), done())));
  const closedP = new Promise<void>((done) => child.on('close', () => done()));
  let killedForMemory = false;
  const mem = watchMemory(child.pid ?? -1, limits.killMb * 1024, () => {
    killedForMemory = true;
    child.kill('SIGKILL');
  });

  const pending = new Map<number, (r: Reply) => void>();
  let nextId = 1;
  const write = (bytes: string) => {
    const b = Buffer.from(bytes);
    sent.push(b);
    if (child.stdin!.writable) child.stdin!.write(b);
  };
  const send = (msg: object) => write(frame(JSON.stringify({ jsonrpc: '2.0', ...msg })));

  // Reading frames from the server
  let buf = Buffer.alloc(0);
  child.stdout!.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const m = /Content-Length:\s*(\d+)/i.exec(buf.subarray(0, end).toString('ascii'));
      if (!m) {
        problem('crash', `the server wrote a frame without Content-Length: ${JSON.stringify(buf.subarray(0, 80).toString())}`);
        buf = Buffer.alloc(0);
        return;
      }
      const len = Number(m[1]);
      if (buf.length < end + 4 + len) return;
      const body = buf.subarray(end + 4, end + 4 + len).toString('utf8');
      buf = buf.subarray(end + 4 + len);
      let msg: { id?: number | string | null; method?: string; params?: any; result?: unknown; error?: { code: number; message: string } };
      try {
        msg = JSON.parse(body);
      } catch {
        problem('crash', `the server wrote a frame that is not JSON: ${JSON.stringify(body.slice(0, 80))}`);
        continue;
      }
      if (msg.method !== undefined && msg.id !== undefined) {
        // a request from the server: answer as a minimal client does
        const result = msg.method === 'workspace/configuration' ? (msg.params?.items ?? []).map(() => null) : null;
        send({ id: msg.id, result });
      } else if (msg.method !== undefined) {
        if (msg.method === 'window/logMessage' && msg.params?.type === 1 && !MALFORMED_MESSAGE_LOGS.test(String(msg.params.message))) problem('internal', `error logged: ${String(msg.params.message).split('\n').slice(0, 2).join(' | ').slice(0, 300)}`);
        if (msg.method === 'auditlens/statusChanged' && msg.params?.status?.text === 'analysis failed') problem('internal', `status "analysis failed"${msg.params.status.detail ? `: ${msg.params.status.detail}` : ''}`);
      } else if (typeof msg.id === 'number' && pending.has(msg.id)) {
        const done = pending.get(msg.id)!;
        pending.delete(msg.id);
        done({ result: msg.result, error: msg.error });
      }
    }
  });

  let slowest = 0;
  /** Sends a request; the reply, or 'timeout' / 'exited'. */
  const request = async (method: string, params: unknown, timeoutMs = limits.timeoutMs): Promise<Reply | 'timeout' | 'exited'> => {
    const id = nextId++;
    const started = performance.now();
    const reply = new Promise<Reply>((done) => pending.set(id, done));
    send({ id, method, params });
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      reply,
      new Promise<'timeout'>((done) => (timer = setTimeout(() => done('timeout'), timeoutMs))),
      exitedP.then(() => 'exited' as const),
    ]);
    clearTimeout(timer);
    pending.delete(id);
    if (typeof r === 'object') slowest = Math.max(slowest, performance.now() - started);
    return r;
  };
  const describe = (a: LspAction, i: number) => `step ${i + 1} (${a.kind}${a.kind === 'edit' ? ` ${a.what}` : a.kind === 'hover' ? ` at ${a.position.line + 1}:${a.position.character + 1}` : a.kind === 'request' || a.kind === 'badParams' ? ` ${a.method}` : ''})`;
  /** Checks a reply; false when the session cannot go on. */
  const judge = (r: Reply | 'timeout' | 'exited', what: string, invalidParams = false): boolean => {
    if (r === 'timeout') {
      problem('hang', `${what}: no answer in ${Math.round(limits.timeoutMs / 1000)} s`);
      return false;
    }
    if (r === 'exited') return false;
    if (r.error?.code === -32603) problem('internal', `${what}: answered InternalError: ${r.error.message.slice(0, 200)}`);
    else if (r.error && !invalidParams && r.error.code !== -32800) problem('internal', `${what}: answered error ${r.error.code}: ${r.error.message.slice(0, 200)}`);
    return true;
  };

  let version = 1;
  let actionsRun = 0;
  let endedByBadFrame = false;
  const uri = c.uri;
  let alive = true;
  const init = await request('initialize', { processId: process.pid, rootUri: null, capabilities: { textDocument: { hover: { contentFormat: ['markdown', 'plaintext'] }, publishDiagnostics: { versionSupport: true }, documentSymbol: { hierarchicalDocumentSymbolSupport: true } } }, initializationOptions: {} });
  alive = judge(init, 'initialize');
  if (alive) {
    send({ method: 'initialized', params: {} });
    send({ method: 'textDocument/didOpen', params: { textDocument: { uri, languageId: c.languageId, version, text: c.text } } });
  }
  let skipped = 0;
  let lastIndex = -1;
  for (let i = 0; alive && i < c.actions.length; i++) {
    if (exited) break;
    const a = c.actions[i];
    // Out of time: the broken frame and the last hover still go (they are what a session checks last).
    if (performance.now() - t0 > opts.budgetMs && a.kind !== 'badFrame' && i !== c.actions.length - 1) {
      skipped++;
      continue;
    }
    actionsRun = i + 1 - skipped;
    lastIndex = i;
    switch (a.kind) {
      case 'edit':
        send({ method: 'textDocument/didChange', params: { textDocument: { uri, version: ++version }, contentChanges: [a.range ? { range: a.range, text: a.text } : { text: a.text }] } });
        break;
      case 'hover':
        alive = judge(await request('textDocument/hover', { textDocument: { uri }, position: a.position }), describe(a, i));
        break;
      case 'request':
        alive = judge(await request(a.method, withUri(a.params, uri)), describe(a, i));
        break;
      case 'badParams':
        alive = judge(await request(a.method, withUri(a.params, uri)), `${describe(a, i)} with params ${JSON.stringify(a.params)}`, true);
        break;
      case 'badJson':
        write(frame(a.body.split('{uri}').join(uri)));
        break;
      case 'badFrame': {
        // First a request answered, so that the server is idle (not busy with earlier edits) when the frame comes.
        if (!judge(await request('textDocument/documentSymbol', { textDocument: { uri } }), `${describe(a, i)}: the request before it`)) {
          alive = false;
          break;
        }
        write(a.bytes);
        // It must answer again (having resynchronised) or exit so that the client restarts it.
        const r = await request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } }, Math.min(limits.timeoutMs, 10_000));
        if (r === 'timeout') problem('hang', `after a broken frame ${JSON.stringify(a.bytes)} the server neither answers nor exits within 10 s (deaf)`);
        else if (r === 'exited') endedByBadFrame = true;
        else judge(r, 'hover after a broken frame');
        alive = r !== 'timeout' && r !== 'exited';
        break;
      }
    }
  }
  if (!exited && alive) {
    const r = await request('shutdown', null, 15_000);
    if (r === 'timeout') problem('hang', 'shutdown not answered in 15 s');
    send({ method: 'exit' });
  }
  if (!exited) {
    await Promise.race([exitedP, new Promise((done) => setTimeout(done, alive ? 10_000 : 0))]);
    if (!exited) {
      if (alive) problem('hang', 'did not exit within 10 s of exit');
      child.kill('SIGKILL');
      await exitedP;
    }
  } else if (!endedByBadFrame && !killedForMemory) {
    const trace = stderr.split('\n').filter((l) => l.trim()).slice(0, 3).join(' | ');
    problem('crash', `the server died (${exited.signal ?? `exit ${exited.code}`}) after step ${lastIndex + 1}${trace ? `: ${trace.slice(0, 300)}` : ''}`);
  }
  await Promise.race([closedP, new Promise((done) => setTimeout(done, 2000))]);
  mem.stop();
  const peakKb = Math.max(mem.peakKb(), Number(reportedPeak) || 0);
  if (killedForMemory) problem('memory', `RSS passed ${limits.killMb} MB (killed) at step ${lastIndex + 1}`);
  if (/\n\s+at .+:\d+:\d+\)?\s*$/m.test(stderr) || /internal error/i.test(stderr)) problem('internal', `stderr: ${stderr.split('\n').filter((l) => l.trim()).slice(0, 2).join(' | ').slice(0, 300)}`);
  if (peakKb / 1024 > limits.memoryMb) problem('memory', `peak RSS ${Math.round(peakKb / 1024)} MB > ${limits.memoryMb} MB`);
  if (slowest > limits.slowMs) problem('slow', `slowest answer ${(slowest / 1000).toFixed(1)} s > ${limits.slowMs / 1000} s`);
  problems.sort((a, b) => OUTCOMES.indexOf(a.outcome) - OUTCOMES.indexOf(b.outcome));
  const outcome = problems.reduce<Outcome>((o, p) => worst(o, p.outcome), 'ok');
  return {
    outcome,
    detail: problems[0]?.detail ?? (endedByBadFrame ? 'the server exited after a broken frame (the client restarts it)' : ''),
    problems,
    ms: performance.now() - t0,
    peakKb,
    actionsRun,
    slowestAnswerMs: slowest,
    transcript: Buffer.concat(sent),
  };
}
