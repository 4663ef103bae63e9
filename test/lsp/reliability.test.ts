/**
 * The language server under bad input on the wire and long work, over real stdio
 * (dist/server.js): malformed params are answered InvalidParams; a bad frame is
 * skipped and the server reads on from the next header; a closed stdin ends it with
 * the right exit code; a long auditlens/checkFiles leaves room for hovers and edits.
 * Every wait is on a response, a notification or the process's exit.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancellationTokenSource,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentSymbolRequest,
  ExitNotification,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  ShutdownRequest,
  WorkDoneProgress,
} from 'vscode-languageserver/node';
import type { CheckFilesResult } from '../../server/src/features/requests';
import { fixture } from '../shared';
import { ensureServerBuilt, ServerProcess } from './serverProcess';

const MINI = 'file:///work/linux/kernel/mini_audit.c';
const MINI_TEXT = fixture('lsp/mini_audit.c');

async function started(): Promise<ServerProcess> {
  const server = new ServerProcess();
  await server.connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: { window: { workDoneProgress: true } } });
  await server.connection.sendNotification(InitializedNotification.type, {});
  return server;
}

async function stop(server: ServerProcess): Promise<number | null> {
  await server.connection.sendRequest(ShutdownRequest.type);
  await server.connection.sendNotification(ExitNotification.type);
  return server.exited;
}

/** One raw frame: `claim` replaces the true Content-Length. */
function frame(message: object, claim?: number | string): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${claim ?? body.length}\r\n\r\n`, 'latin1'), body]);
}

const didOpen = (uri: string, text = MINI_TEXT) => ({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri, languageId: 'c', version: 1, text } } });

beforeAll(() => ensureServerBuilt(), 120_000);

describe('malformed params: InvalidParams with what is wrong', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await started();
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: MINI, languageId: 'c', version: 1, text: MINI_TEXT } });
    await server.diagnostics(MINI, 1);
  });
  afterAll(() => server?.kill());

  const cases: [string, string, unknown, RegExp][] = [
    ['hover with no textDocument', 'textDocument/hover', {}, /^params\.textDocument must be an object, not missing$/],
    ['hover whose position is not an object', 'textDocument/hover', { textDocument: { uri: MINI }, position: 5 }, /^params\.position must be an object, not number$/],
    ['hover at a negative line', 'textDocument/hover', { textDocument: { uri: MINI }, position: { line: -1, character: 0 } }, /^params\.position\.line must be a whole number ≥ 0, not -1$/],
    ['hover with a numeric uri', 'textDocument/hover', { textDocument: { uri: 7 }, position: { line: 0, character: 0 } }, /^params\.textDocument\.uri must be a non-empty string, not number$/],
    ['hover with null params', 'textDocument/hover', null, /./],
    ['references without a context', 'textDocument/references', { textDocument: { uri: MINI }, position: { line: 0, character: 0 } }, /^params\.context must be an object/],
    ['codeAction without a range', 'textDocument/codeAction', { textDocument: { uri: MINI }, context: { diagnostics: [] } }, /^params\.range must be an object/],
    ['documentSymbol with a string textDocument', 'textDocument/documentSymbol', { textDocument: MINI }, /^params\.textDocument must be an object, not a string$/],
    ['codeLens with no params', 'textDocument/codeLens', undefined, /./],
    ['executeCommand with junk arguments', 'workspace/executeCommand', { command: 'auditlens.server.simulate', arguments: 'junk' }, /^params\.arguments must be an array, not a string$/],
    ['executeCommand with a number for a URI', 'workspace/executeCommand', { command: 'auditlens.server.draftReply', arguments: [42] }, /^params\.arguments\[0\] must be a non-empty string, not number$/],
    ['executeCommand with options that are not an object', 'workspace/executeCommand', { command: 'auditlens.server.simulate', arguments: [MINI, 'steady', [1]] }, /^params\.arguments\[2\] must be an object, not an array$/],
    ['executeCommand with too many arguments', 'workspace/executeCommand', { command: 'auditlens.server.compare', arguments: [MINI, 'steady', {}, 4] }, /^params\.arguments takes at most 3 items, not 4$/],
    ['executeCommand of a command the server does not have', 'workspace/executeCommand', { command: 'rm -rf', arguments: [] }, /^params\.command: no command "rm -rf"/],
    ['executeCommand with no command', 'workspace/executeCommand', { arguments: [] }, /^params\.command must be a string/],
    ['auditlens/status with a numeric uri', 'auditlens/status', { uri: 5 }, /^params\.uri must be a non-empty string, not number$/],
    ['auditlens/modelSummary with an array', 'auditlens/modelSummary', ['x'], /^params must be an object, not an array$/],
    ['auditlens/checkFiles with files not a list', 'auditlens/checkFiles', { files: 'kernel/audit.c' }, /^checkFiles takes/],
  ];
  for (const [name, method, params, message] of cases) {
    it(`answers ${name} with InvalidParams`, async () => {
      const answer = params === undefined ? server.connection.sendRequest(method) : server.connection.sendRequest(method, params);
      await expect(answer).rejects.toMatchObject({ code: -32602, message: expect.stringMatching(message) });
    });
  }

  it('logs one line per bad request, no stack, and keeps answering', async () => {
    expect(server.logs.filter((l) => /TypeError|\n\s+at /.test(l))).toEqual([]);
    expect(server.logs.some((l) => l.startsWith('textDocument/hover: invalid params: params.textDocument must be an object'))).toBe(true);
    const symbols = await server.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: MINI } });
    expect(symbols?.length).toBeGreaterThan(0);
    // value problems stay the command's own answers (the panel shows them)
    expect(await server.connection.sendRequest('workspace/executeCommand', { command: 'auditlens.server.simulate', arguments: [MINI, 'auditd-sleepy'] })).toEqual({ error: expect.stringMatching(/^unknown scenario/) });
  });

  it('ignores a document notification with malformed params, with one line in the log', async () => {
    const bad = 'file:///work/bad/kernel/audit.c';
    await server.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: bad, languageId: 'c', version: 1, text: 42 } });
    await server.connection.sendNotification('textDocument/didChange', { textDocument: { uri: MINI, version: 2 }, contentChanges: [{ range: { start: 3 }, text: 'x' }] });
    // answered after both notifications were handled: nothing was opened or changed
    expect(await server.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: bad } })).toEqual([]);
    expect(server.publishedFor(bad)).toEqual([]);
    expect(server.publishedFor(MINI).map((p) => p.version)).toEqual([1]);
    expect(server.logs).toContain('textDocument/didOpen: invalid params, ignored: params.textDocument.text must be a string, not number');
    expect(server.logs.some((l) => l.startsWith('textDocument/didChange: invalid params, ignored: params.contentChanges[0].range.start must be an object'))).toBe(true);
  });

  it('exits cleanly, having written nothing to stderr', async () => {
    expect(await stop(server)).toBe(0);
    expect(server.stderr).toBe('');
  });
});

describe('a bad frame on stdin: the server reads on from the next header', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await started();
  });
  afterAll(() => server?.kill());

  /** Writes raw bytes, then a good request: it must be answered. */
  async function afterRaw(bytes: Buffer): Promise<void> {
    await new Promise<void>((done, fail) => server.child.stdin.write(bytes, (err) => (err ? fail(err) : done())));
    expect(await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri: 'file:///nowhere.c' }, position: { line: 0, character: 0 } })).toBeNull();
  }

  const recovered: [string, (uri: string) => Buffer][] = [
    ['claims more bytes than the message has', (uri) => frame(didOpen(uri), 5000)],
    ['claims fewer bytes than the message has', (uri) => frame(didOpen(uri), 100)],
    ['is not a number', (uri) => frame(didOpen(uri), '12abc')],
  ];
  for (const [what, bad] of recovered) {
    it(`a Content-Length that ${what}: the whole message in it is still read, and so is the next`, async () => {
      const uri = `file:///work/frame-${what.split(' ')[0]}-${what.split(' ')[1]}/kernel/mini_audit.c`;
      const logged = server.logs.length;
      await afterRaw(bad(uri));
      // the didOpen in the bad frame was read: its document was analysed before the hover was answered
      expect(server.publishedFor(uri).map((p) => p.version)).toEqual([1]);
      expect(server.logs.slice(logged).filter((l) => l.startsWith('a bad frame on stdin'))).toEqual([expect.stringMatching(/bytes were one whole message, read as such, reading on from the next header$/)]);
    });
  }

  it('garbage bytes between frames are skipped', async () => {
    const logged = server.logs.length;
    await afterRaw(Buffer.from('\r\n\x00\xffnot a frame {"jsonrpc":"2.0"\r\n\r\n'));
    expect(server.logs.slice(logged).filter((l) => l.startsWith('a bad frame on stdin'))).toEqual([expect.stringMatching(/bytes skipped, reading on from the next header$/)]);
  });

  it('a frame whose body is not JSON is skipped', async () => {
    await afterRaw(Buffer.from('Content-Length: 11\r\n\r\nhello world'));
    await afterRaw(Buffer.concat([frame({ jsonrpc: '2.0', id: 'x', method: 'textDocument/hover' }, 3), Buffer.from('garbage')]));
  });

  it('still exits cleanly, having written nothing to stderr', async () => {
    expect(await stop(server)).toBe(0);
    expect(server.stderr).toBe('');
  });
});

describe('the end of stdin ends the server', () => {
  it('with code 1 when the client went away without a shutdown (its client restarts it)', async () => {
    const server = await started();
    server.child.stdin.end();
    expect(await server.exited).toBe(1);
    server.kill();
  });

  it('with code 0 after a shutdown request', async () => {
    const server = await started();
    await server.connection.sendRequest(ShutdownRequest.type);
    server.child.stdin.end();
    expect(await server.exited).toBe(0);
    server.kill();
  });
});

/**
 * Audit-like C made of the project's example and many small generated functions
 * (no kernel code): enough work for the check to take a while, in every stage.
 */
function bigFile(n: number, tag: string): string {
  const demo = readFileSync(resolve(__dirname, '..', '..', 'examples', 'kauditd-demo.c'), 'utf8');
  const fns: string[] = [];
  for (let i = 0; i < n; i++) {
    fns.push(`static int ${tag}_helper_${i}(struct sk_buff *skb)\n{\n\tif (skb_queue_len(&audit_queue) > ${i})\n\t\treturn -ENOMEM;\n\tskb_queue_tail(&audit_queue, skb);\n\treturn 0;\n}\n`);
  }
  return `${demo}\n${fns.join('\n')}`;
}

describe('auditlens/checkFiles over large files leaves room for other requests', () => {
  let server: ServerProcess;
  const files = ['one', 'two', 'three'].map((tag) => ({ uri: `vscode-vfs://big/${tag}/kernel/audit.c`, text: bigFile(1500, tag) }));
  beforeAll(async () => {
    server = await started();
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: MINI, languageId: 'c', version: 1, text: MINI_TEXT } });
    await server.diagnostics(MINI, 1);
  });
  afterAll(() => server?.kill());

  it('answers a hover and publishes an edit\'s diagnostics for another document before the check of the last file ends', async () => {
    const order: string[] = [];
    const line = MINI_TEXT.split('\n').findIndex((l) => l.includes('mini_enqueue(skb)'));
    const character = MINI_TEXT.split('\n')[line].indexOf('mini_enqueue') + 3;
    let meanwhile: Promise<unknown> | undefined;
    // when the server starts on the last file (before, the old server's turn between files would do)
    const listening = server.connection.onProgress(WorkDoneProgress.type, 'big-1', (v) => {
      if (v.kind !== 'report' || !v.message?.startsWith('3/3') || meanwhile) return;
      order.push('started the last file');
      const hover = server.connection.sendRequest(HoverRequest.type, { textDocument: { uri: MINI }, position: { line, character } }).then((h) => {
        order.push('hover answered');
        return h;
      });
      const edited = server.diagnostics(MINI, 2).then(() => order.push('edit published'));
      void server.connection.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri: MINI, version: 2 },
        contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '/* edited */\n' }],
      });
      meanwhile = Promise.all([hover, edited]);
    });
    const result = await server.connection.sendRequest<CheckFilesResult>('auditlens/checkFiles', { files, workDoneToken: 'big-1' });
    order.push('checkFiles answered');
    listening.dispose();
    expect(result).toMatchObject({ requested: 3, cancelled: false });
    expect(result.files.map((f) => f.problem)).toEqual([undefined, undefined, undefined]);
    const [hover] = (await meanwhile) as [{ contents: { value: string } } | null];
    expect(hover?.contents.value).toContain('mini_enqueue');
    expect(order).toEqual(['started the last file', 'hover answered', 'edit published', 'checkFiles answered']);
  });

  it('stops inside a file on a cancel, leaving that file out', async () => {
    const source = new CancellationTokenSource();
    const listening = server.connection.onProgress(WorkDoneProgress.type, 'big-2', (v) => {
      if (v.kind === 'report') source.cancel();
    });
    const result = await server.connection.sendRequest<CheckFilesResult>('auditlens/checkFiles', { files: files.slice(0, 1), workDoneToken: 'big-2' }, source.token);
    listening.dispose();
    expect(result).toEqual({ requested: 1, cancelled: true, files: [] });
  });
});
