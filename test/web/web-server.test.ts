/**
 * The web build's language server (dist/web/server.js) in a worker, as the browser
 * runs it: WebAssembly parser only, no disk, no git, no child processes. It must
 * answer initialize, documentSymbol and hover and publish diagnostics with rule
 * links, on the example and (when ../shared is here) on the real audit.c.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DidOpenTextDocumentNotification, DocumentSymbol, DocumentSymbolRequest, ExecuteCommandRequest, HoverRequest, MarkupContent } from 'vscode-languageserver/node';
import { ensureBuilt } from '../cli/cliProcess';
import { CORPUS, hasShared, sharedSkipReason } from '../shared';
import { WorkerServer } from './workerServer';

const ROOT = resolve(__dirname, '..', '..');
const EXAMPLE = resolve(ROOT, 'examples', 'kauditd-demo.c');

function positionOf(text: string, needle: string): { line: number; character: number } {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`no ${needle}`);
  const before = text.slice(0, at).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

describe('the web server bundle in a worker', () => {
  let server: WorkerServer;
  // Where the example patch expects it (examples/kauditd-demo.c), in a virtual workspace.
  const example = { uri: 'vscode-vfs://github/auditlens/auditlens/examples/kauditd-demo.c', text: readFileSync(EXAMPLE, 'utf8') };

  beforeAll(() => {
    ensureBuilt();
    server = new WorkerServer(resolve(ROOT, 'dist', 'web', 'server.js'));
  });
  afterAll(() => server?.stop());

  it('starts with the WebAssembly parser and analyses a document from a virtual file system', async () => {
    expect((await server.initialize([example])).serverInfo?.name).toBe('auditlens');
    const published = await server.diagnostics(example.uri, 1);
    expect(published.diagnostics.filter((d) => d.severity === 1 || d.severity === 2)).toEqual([]);
    expect(server.logs.join('\n')).toMatch(/browser worker, parser: WebAssembly tree-sitter/);
    const symbols = (await server.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: example.uri } })) as DocumentSymbol[];
    expect(symbols.map((s) => s.name)).toEqual(expect.arrayContaining(['demo_kauditd_thread', 'demo_send_queue', 'demo_retry_skb']));
    const hover = await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri: example.uri }, position: positionOf(example.text, 'demo_kauditd_thread(void') });
    expect((hover?.contents as MarkupContent).value).toMatch(/consumer/);
  });

  it('reviews a patch against the open document it names (no disk to read a base from)', async () => {
    const uri = 'vscode-vfs://github/auditlens/auditlens/examples/unbounded-retry.patch';
    const text = readFileSync(resolve(ROOT, 'examples', 'unbounded-retry.patch'), 'utf8');
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'auditlens-patch', version: 1, text } });
    const { diagnostics } = await server.diagnostics(uri, 1);
    const introduced = diagnostics.find((d) => d.code === 'AQ101');
    expect(introduced?.message).toMatch(/^Introduced by this patch: .*no audit_backlog_limit check/);
    // on the enqueue the hunk leaves unguarded, read against the open document (no hunk failed, nothing assumed)
    expect(text.split('\n')[introduced!.range.start.line]).toContain('skb_queue_tail(&audit_retry_queue, skb);');
    expect(diagnostics.map((d) => d.message).join('\n')).not.toMatch(/assum|not applied|hunks alone/i);
    const reply = await server.connection.sendRequest(ExecuteCommandRequest.type, { command: 'auditlens.server.draftReply', arguments: [uri] });
    expect(String(reply)).toMatch(/^Subject: Re: /m);
  });

  it('simulates on the worker itself (no child process in a browser)', async () => {
    const result = await server.connection.sendRequest(ExecuteCommandRequest.type, { command: 'auditlens.server.simulate', arguments: [example.uri, 'auditd-stopped', { records: 300 }] });
    expect(result).toMatchObject({ version: 1, scenario: 'auditd-stopped', violations: [] });
    expect(result.records.produced).toBeGreaterThanOrEqual(300);
  });

  it.skipIf(!hasShared)(`publishes the same findings on today's audit.c as the Node server, with rule links${hasShared ? '' : ` (skipped: ${sharedSkipReason})`}`, async () => {
    const corpus = { uri: 'vscode-vfs://github/torvalds/linux/kernel/audit.c', text: readFileSync(CORPUS, 'utf8') };
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: corpus.uri, languageId: 'c', version: 1, text: corpus.text } });
    const { diagnostics } = await server.diagnostics(corpus.uri, 1);
    expect(diagnostics.map((d) => d.code).sort()).toEqual(['AC301', 'AC301', ...Array(14).fill('AL206'), 'AQ109'].sort());
    for (const d of diagnostics) expect(d.codeDescription?.href).toMatch(new RegExp(`^file://.*/docs/rules/${d.code}\\.md$`));
  });
});
