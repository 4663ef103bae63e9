/**
 * The language server over stdio, driven by a real JSON-RPC client: the same
 * messages VS Code sends, against the bundled dist/server.js.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  CodeAction,
  CodeLens,
  CodeLensRequest,
  ExecuteCommandRequest,
  CodeActionRequest,
  ConfigurationRequest,
  DefinitionRequest,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DiagnosticSeverity,
  DocumentSymbol,
  DocumentSymbolRequest,
  ExitNotification,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  InitializeResult,
  Location,
  MarkupContent,
  ReferencesRequest,
  RegistrationRequest,
  ShutdownRequest,
  SymbolKind,
  TextDocumentContentChangeEvent,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { fixture } from '../shared';
import { ensureServerBuilt, ServerProcess } from './serverProcess';

const URI = 'file:///work/linux/kernel/mini_audit.c';

async function startServer(initializationOptions: object = {}): Promise<{ server: ServerProcess; init: InitializeResult }> {
  const server = new ServerProcess();
  const init = await server.connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: null,
    capabilities: {
      textDocument: {
        publishDiagnostics: { relatedInformation: true, versionSupport: true },
        hover: { contentFormat: ['markdown', 'plaintext'] },
        documentSymbol: { hierarchicalDocumentSymbolSupport: true },
      },
    },
    initializationOptions,
  });
  await server.connection.sendNotification(InitializedNotification.type, {});
  return { server, init };
}

/** shutdown then exit, as a client does; resolves to the server's exit code. */
async function stopServer(server: ServerProcess): Promise<number | null> {
  await server.connection.sendRequest(ShutdownRequest.type);
  await server.connection.sendNotification(ExitNotification.type);
  return server.exited;
}

beforeAll(() => ensureServerBuilt(), 120_000);

describe('language server over stdio: a session on an audit-like C file', () => {
  let server: ServerProcess;
  let init: InitializeResult;
  // The client's copy of the document, updated with the same incremental edits the server gets.
  let doc = TextDocument.create(URI, 'c', 1, fixture('lsp/mini_audit.c'));
  const pos = (needle: string, delta = 0, occurrence = 0) => {
    let at = -1;
    for (let i = 0; i <= occurrence; i++) at = doc.getText().indexOf(needle, at + 1);
    if (at < 0) throw new Error(`no ${needle} in the document`);
    return doc.positionAt(at + delta);
  };
  const textAt = (l: Location) => doc.getText(l.range);
  const hoverText = async (needle: string, delta: number) => {
    const h = await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri: URI }, position: pos(needle, delta) });
    return (h?.contents as MarkupContent | undefined)?.value;
  };
  async function change(edits: { needle: string; delta?: number; length: number; text: string }[]) {
    // Positions are computed against the document as each edit leaves it, as LSP orders them.
    const changes: TextDocumentContentChangeEvent[] = [];
    for (const e of edits) {
      const start = pos(e.needle, e.delta ?? 0);
      const end = doc.positionAt(doc.offsetAt(start) + e.length);
      const c = { range: { start, end }, text: e.text };
      changes.push(c);
      doc = TextDocument.update(doc, [c], doc.version);
    }
    doc = TextDocument.update(doc, [], doc.version + 1);
    await server.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: URI, version: doc.version },
      contentChanges: changes,
    });
    return server.diagnostics(URI, doc.version);
  }

  beforeAll(async () => {
    ({ server, init } = await startServer());
  });
  afterAll(() => server?.kill());

  it('initializes with incremental sync and the wired features', () => {
    const caps = init.capabilities;
    expect(caps.textDocumentSync).toMatchObject({ openClose: true, change: TextDocumentSyncKind.Incremental });
    expect(caps).toMatchObject({ documentSymbolProvider: true, definitionProvider: true, referencesProvider: true, hoverProvider: true });
    expect(caps.codeLensProvider).toBeDefined();
    expect(init.serverInfo?.name).toBe('auditlens');
    // which parser engine it got, for the language status item
    expect(init.auditlens?.parser).toMatchObject({ engine: expect.stringMatching(/^(native|wasm)$/), description: expect.stringMatching(/tree-sitter/) });
  });

  it('publishes diagnostics for the opened file (clean: none)', async () => {
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: URI, languageId: 'c', version: doc.version, text: doc.getText() },
    });
    const published = await server.diagnostics(URI, 1);
    expect(published.diagnostics).toEqual([]);
  });

  it('answers documentSymbol with the functions, globals, struct and macros', async () => {
    const symbols = (await server.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: URI } })) as DocumentSymbol[];
    const kinds = Object.fromEntries(symbols.map((s) => [s.name, s.kind]));
    expect(kinds).toEqual({
      MINI_BACKLOG_DEFAULT: SymbolKind.Constant,
      mini_queue_full: SymbolKind.Function,
      mini_conn: SymbolKind.Struct,
      audit_queue: SymbolKind.Variable,
      auditd_conn: SymbolKind.Variable,
      mini_conn_lock: SymbolKind.Variable,
      mini_backlog_limit: SymbolKind.Variable,
      mini_enqueue: SymbolKind.Function,
      mini_flush: SymbolKind.Function,
      mini_log_end: SymbolKind.Function,
    });
    const enqueue = symbols.find((s) => s.name === 'mini_enqueue')!;
    expect(doc.getText(enqueue.selectionRange)).toBe('mini_enqueue');
    expect(doc.getText(enqueue.range)).toMatch(/^static int mini_enqueue\(struct sk_buff \*skb\)\n\{[\s\S]*\n\}$/);
  });

  it('hovers a call with the callee\'s signature and kernel-doc', async () => {
    const value = await hoverText('mini_enqueue(skb)', 5);
    expect(value).toContain('```c\nstatic int mini_enqueue(struct sk_buff *skb)\n```');
    expect(value).toContain('add a record to the main queue');
    expect(value).toContain('`skb`: the record, owned by the queue afterwards');
  });

  it('goes to the definition and finds references', async () => {
    const defs = (await server.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri: URI }, position: pos('mini_enqueue(skb)', 2) })) as Location[];
    expect(defs).toHaveLength(1);
    expect(defs[0]).toEqual({ uri: URI, range: { start: pos('mini_enqueue(struct'), end: pos('mini_enqueue(struct', 'mini_enqueue'.length) } });

    const refs = (await server.connection.sendRequest(ReferencesRequest.type, {
      textDocument: { uri: URI },
      position: pos('&audit_queue, skb', 3),
      context: { includeDeclaration: true },
    }))!;
    expect(refs.map(textAt)).toEqual(['audit_queue', 'audit_queue', 'audit_queue', 'audit_queue']);
    expect(refs[0].range.start).toEqual(pos('audit_queue;'));
    expect(refs.map((r) => r.range.start.line)).toContain(pos('skb_queue_purge(&audit_queue').line);
  });

  it('reparses an incremental edit: a syntax error appears, then clears', async () => {
    const broken = await change([{ needle: 'return 0;', delta: 'return 0'.length, length: 0, text: ' +' }]);
    expect(doc.getText()).toContain('return 0 +;');
    expect(broken.diagnostics.length).toBeGreaterThan(0);
    const [d] = broken.diagnostics;
    expect(d).toMatchObject({ source: 'auditlens', code: 'syntax', severity: DiagnosticSeverity.Error });
    expect(d.range.start.line).toBe(pos('return 0 +;').line);

    const fixed = await change([{ needle: 'return 0 +;', delta: 'return 0'.length, length: 2, text: '' }]);
    expect(fixed.diagnostics).toEqual([]);
  });

  it('reflects an edited call site in hover and definition', async () => {
    // Two edits in one notification, the second on a line the first shifted.
    const published = await change([
      { needle: 'rc = mini_enqueue(skb);', delta: 'rc = '.length, length: 'mini_enqueue(skb)'.length, text: 'mini_flush()' },
      { needle: 'int rc;', length: 0, text: '/* renamed */\n\t' },
    ]);
    expect(published.diagnostics).toEqual([]);
    const value = await hoverText('rc = mini_flush()', 'rc = '.length + 2);
    expect(value).toContain('static void mini_flush(void)');
    expect(value).toContain('free everything still queued');
    expect(value).not.toContain('mini_enqueue');
    const defs = (await server.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri: URI }, position: pos('rc = mini_flush()', 6) })) as Location[];
    expect(defs.map((l) => l.range.start)).toEqual([pos('mini_flush(void)')]);
  });

  it('ignores other C files (no diagnostics, no symbols); a patch with no hunk gets an empty review', async () => {
    const other = 'file:///work/linux/kernel/fork.c';
    const patch = 'file:///work/0001-audit-fix.patch';
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: other, languageId: 'c', version: 1, text: 'int copy_process(void)\n{\n\treturn 0;\n}\n' },
    });
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: patch, languageId: 'diff', version: 1, text: 'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] audit: x\n' },
    });
    // Replies come in order after the notifications are handled, so nothing published by now means nothing at all.
    expect(await server.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: other } })).toEqual([]);
    expect(await server.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: patch } })).toEqual([]);
    expect(await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri: other }, position: { line: 0, character: 6 } })).toBeNull();
    expect(server.publishedFor(other)).toEqual([]);
    expect(server.publishedFor(patch).every((p) => p.diagnostics.length === 0)).toBe(true);
  });

  it('clears diagnostics on close', async () => {
    await server.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: URI } });
    expect((await server.diagnostics(URI, undefined)).diagnostics).toEqual([]);
    expect(await server.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: URI } })).toEqual([]);
  });

  it('shuts down and exits with code 0', async () => {
    expect(await stopServer(server)).toBe(0);
    expect(server.stderr).toBe('');
  });
});

describe('language server over stdio: robustness', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    ({ server } = await startServer());
  });
  afterAll(() => server?.kill());

  const symbolsOf = (uri: string) => server.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } }) as Promise<DocumentSymbol[]>;

  it('skips a 20 MB file with one information diagnostic, and analyses it once it is small again', async () => {
    const uri = 'file:///work/big/audit.c';
    const line = 'static int audit_filler_variable_number;\n';
    const text = line.repeat(Math.ceil((20 * 1024 * 1024) / line.length));
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'c', version: 1, text } });
    const skipped = await server.diagnostics(uri, 1);
    expect(skipped.diagnostics).toHaveLength(1);
    expect(skipped.diagnostics[0]).toMatchObject({ severity: DiagnosticSeverity.Information, code: 'too-large', source: 'auditlens' });
    expect(skipped.diagnostics[0].message).toMatch(/maxFileSize/);
    expect(await symbolsOf(uri)).toEqual([]);

    // Replace everything but the first line: now it is parsed.
    const lines = text.length / line.length;
    await server.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: 1, character: 0 }, end: { line: lines, character: 0 } }, text: '' }],
    });
    expect((await server.diagnostics(uri, 2)).diagnostics).toEqual([]);
    expect((await symbolsOf(uri)).map((s) => s.name)).toEqual(['audit_filler_variable_number']);
  });

  it('survives binary junk opened as audit.c and keeps answering', async () => {
    const uri = 'file:///work/junk/audit.c';
    let seed = 0x2545f491;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) & 0xffff;
    // Bytes 0-255 as they would be read as latin1, plus arbitrary UTF-16 units (lone surrogates too).
    const chars: string[] = [];
    for (let i = 0; i < 64 * 1024; i++) chars.push(String.fromCharCode(i % 7 === 0 ? random() : random() & 0xff));
    const text = chars.join('');
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'c', version: 1, text } });
    const published = await server.diagnostics(uri, 1);
    expect(published.diagnostics.length).toBeLessThanOrEqual(101); // syntax errors are capped
    expect(Array.isArray(await symbolsOf(uri))).toBe(true);
    for (const position of [{ line: 0, character: 3 }, { line: 5, character: 1000 }, { line: 1e6, character: 0 }]) {
      await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position });
      await server.connection.sendRequest(ReferencesRequest.type, { textDocument: { uri }, position, context: { includeDeclaration: true } });
    }
    // An incremental edit in the middle of the junk still reparses.
    await server.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, text: 'static struct sk_buff_head audit_queue;\n' }],
    });
    await server.diagnostics(uri, 2);
  });

  it('answers a malformed request with InvalidParams, not a handler\'s TypeError (reliability.test.ts has the rest)', async () => {
    await expect(server.connection.sendRequest(HoverRequest.type, {} as never)).rejects.toMatchObject({ code: -32602, message: 'params.textDocument must be an object, not missing' });
    await expect(server.connection.sendRequest(DocumentSymbolRequest.type, {} as never)).rejects.toMatchObject({ code: -32602 });
    expect(server.logs.some((m) => /TypeError/.test(m))).toBe(false);
    expect(await symbolsOf('file:///work/junk/audit.c')).toBeInstanceOf(Array);
  });

  it('still exits cleanly', async () => {
    expect(await stopServer(server)).toBe(0);
  });
});

describe('language server over stdio: auditlens.maxFileSize', () => {
  let server: ServerProcess;
  let configured = 1000;
  const uri = 'file:///work/cfg/audit.c';
  const text = 'static int audit_cfg_value;\n'.repeat(100); // 2800 bytes

  beforeAll(async () => {
    server = new ServerProcess();
    // A VS Code-like client: it answers workspace/configuration and accepts the registration.
    server.connection.onRequest(ConfigurationRequest.type, (p) => p.items.map((i) => (i.section === 'auditlens' ? { maxFileSize: configured } : null)));
    server.connection.onRequest(RegistrationRequest.type, () => undefined);
    await server.connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: { workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } } },
      initializationOptions: { maxFileSize: configured },
    });
    await server.connection.sendNotification(InitializedNotification.type, {});
  });
  afterAll(() => server?.kill());

  it('takes the limit from initializationOptions', async () => {
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'c', version: 1, text } });
    const published = await server.diagnostics(uri, 1);
    expect(published.diagnostics.map((d) => d.code)).toEqual(['too-large']);
    expect(published.diagnostics[0].message).toContain('(1000 bytes)');
  });

  it('pulls a changed limit on didChangeConfiguration and re-analyses open files', async () => {
    configured = 1_000_000;
    const next = server.nextDiagnostics(uri);
    await server.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    expect((await next).diagnostics).toEqual([]);
    const symbols = (await server.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) as DocumentSymbol[];
    expect(symbols.map((s) => s.name)).toContain('audit_cfg_value');
  });

  it('exits cleanly', async () => {
    expect(await stopServer(server)).toBe(0);
  });
});

describe('language server over stdio: findings, quick fixes and rule settings', () => {
  const uri = 'file:///work/linux/kernel/audit.c';
  const text = fixture('rules/AQ101-trigger.c');
  const aq101Line = text.split('\n').findIndex((l) => l.includes('/* expect: AQ101 */'));

  it('publishes a finding with its rule page, offers a verified quick fix, and obeys auditlens.rules', async () => {
    const { server } = await startServer();
    try {
      await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'c', version: 1, text } });
      const [diag, reorder] = (await server.diagnostics(uri, 1)).diagnostics;
      // the base design's one reordering across a transient failure, as information
      expect(reorder).toMatchObject({ code: 'AQ109', severity: DiagnosticSeverity.Information });
      expect(diag).toMatchObject({ code: 'AQ101', severity: DiagnosticSeverity.Warning, source: 'auditlens' });
      expect(diag.range.start.line).toBe(aq101Line);
      expect(diag.codeDescription?.href).toMatch(/docs\/rules\/AQ101\.md$/);
      expect(diag.relatedInformation?.length).toBeGreaterThan(0);

      const actions = (await server.connection.sendRequest(CodeActionRequest.type, {
        textDocument: { uri },
        range: diag.range,
        context: { diagnostics: [diag] },
      })) as CodeAction[];
      expect(actions.map((a) => a.title)).toEqual([
        expect.stringMatching(/^Bound audit_retry_queue by audit_backlog_limit/),
        // and the run that shows the finding, found by exploring its scenarios for its invariant
        '▶ Show in simulation: find a run that breaks bounded (AQ101)',
      ]);
      expect(actions[1].command).toMatchObject({ command: 'auditlens.showFinding', arguments: [uri, 'AQ101@kauditd_retry_skb', 'auditd-stopped'] });
      const edits = actions[0].edit!.changes![uri];
      const fixed = TextDocument.applyEdits(TextDocument.create(uri, 'c', 1, text), edits);
      expect(fixed).toMatch(/skb_queue_len_lockless\(&audit_retry_queue\) >= audit_backlog_limit\) \{/);

      // turn the rule off, then make it an error: the server re-publishes each time
      const off = server.nextDiagnostics(uri);
      await server.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { auditlens: { rules: { AQ101: 'off' } } } });
      expect((await off).diagnostics.map((d) => d.code)).toEqual(['AQ109']);
      const asError = server.nextDiagnostics(uri);
      await server.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { auditlens: { rules: { AQ101: 'error' } } } });
      const [again] = (await asError).diagnostics;
      expect(again).toMatchObject({ code: 'AQ101', severity: DiagnosticSeverity.Error });
    } finally {
      server.kill();
    }
  });
});

describe('language server over stdio: a patch document', () => {
  const base = 'file:///work/demo/kernel/audit.c';
  const patchUri = 'file:///work/demo/0001-unbounded-retry.patch';
  const baseText = readFileSync(resolve(__dirname, '..', '..', 'examples', 'kauditd-demo.c'), 'utf8');
  const patchText = readFileSync(resolve(__dirname, '..', '..', 'examples', 'unbounded-retry.patch'), 'utf8');
  const lineOf = (needle: string) => patchText.split('\n').findIndex((l) => l.includes(needle));

  it('reviews it against the open kernel/audit.c: diagnostics, hover, hunk lens and a drafted reply', async () => {
    const { server } = await startServer();
    try {
      await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: base, languageId: 'c', version: 1, text: baseText } });
      await server.diagnostics(base, 1);
      await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: patchUri, languageId: 'auditlens-patch', version: 1, text: patchText } });
      const { diagnostics } = await server.diagnostics(patchUri, 1);
      expect(diagnostics.map((d) => [d.code, d.severity, d.range.start.line])).toEqual([['AQ101', DiagnosticSeverity.Warning, lineOf('\tskb_queue_tail(&audit_retry_queue, skb);')]]);
      expect(diagnostics[0].message).toMatch(/^Introduced by this patch: demo_retry_skb\(\) appends to audit_retry_queue/);

      const hover = await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri: patchUri }, position: { line: lineOf(' static void demo_retry_skb('), character: 14 } });
      const md = (hover?.contents as MarkupContent).value;
      expect(md).toMatch(/^\*After the patch\*/);
      expect(md).toContain('demo_retry_skb');
      expect(md).toContain('requeue');

      const lenses = (await server.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: patchUri } })) as CodeLens[];
      expect(lenses).toHaveLength(2);
      expect(lenses[0].range.start.line).toBe(lineOf('@@ -'));
      expect(lenses[0].command?.title).toMatch(/^AuditLens: introduces AQ101 · demo_retry_skb\(\): the enqueue to audit_retry_queue is now unbounded/);
      // the base is open, so both images have kauditd's consumer: the patch can be simulated before and after
      expect(lenses[1].range.start.line).toBe(lineOf('@@ -'));
      expect(lenses[1].command).toEqual({ title: '▶ Compare before/after: auditd stopped', command: 'auditlens.compare', arguments: [patchUri, 'auditd-stopped'] });

      const reply = await server.connection.sendRequest(ExecuteCommandRequest.type, { command: 'auditlens.server.draftReply', arguments: [patchUri] });
      expect(String(reply)).toMatch(/^Subject: Re: \[PATCH\] audit demo: keep every record that failed with -EAGAIN$/m);
      expect(String(reply)).toContain('I think this is a problem: demo_retry_skb() appends to');
    } finally {
      server.kill();
    }
  });
});
