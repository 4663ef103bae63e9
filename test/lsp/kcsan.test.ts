/**
 * A KCSAN report opened in the editor, over LSP stdio with the bundled server:
 * triaged against the open kernel/audit.c, a diagnostic per race with its
 * verdict and the base's lines as related locations, a code lens with the
 * verdict, links from the audit.c frames to the base, and a hover on a frame.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CodeAction,
  CodeActionRequest,
  CodeLens,
  DidChangeTextDocumentNotification,
  CodeLensRequest,
  DiagnosticSeverity,
  DidOpenTextDocumentNotification,
  DocumentLink,
  DocumentLinkRequest,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  MarkupContent,
} from 'vscode-languageserver/node';
import { FIXTURES } from '../shared';
import { ensureServerBuilt, ServerProcess } from './serverProcess';

const BASE = 'file:///work/linux/kernel/audit.c';
const REPORT = 'file:///work/linux/ci/kcsan-1.report';
const text = readFileSync(join(FIXTURES, 'kcsan', 'console-two-races.log'), 'utf8');
let server: ServerProcess;

beforeAll(async () => {
  ensureServerBuilt();
  server = new ServerProcess();
  const init = await server.connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {} });
  expect(init.capabilities.documentLinkProvider).toBeTruthy();
  await server.connection.sendNotification(InitializedNotification.type, {});
  await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: BASE, languageId: 'c', version: 1, text: readFileSync(join(FIXTURES, 'versions', 'v2022.c'), 'utf8') } });
  await server.diagnostics(BASE, 1);
  await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: REPORT, languageId: 'auditlens-kcsan', version: 1, text } });
});
afterAll(() => server?.kill());

describe('a KCSAN report document', () => {
  it('publishes one diagnostic per race, with the verdict, the reason and the base\'s lines', async () => {
    const { diagnostics } = await server.diagnostics(REPORT, 1);
    expect(diagnostics.map((d) => [d.code, d.severity, d.range.start.line])).toEqual([
      ['kcsan-benign', DiagnosticSeverity.Information, 2],
      ['kcsan-benign', DiagnosticSeverity.Information, 22],
    ]);
    expect(diagnostics[0].message).toMatch(/^Data race on audit_cmd_mutex.owner: benign\. audit_cmd_mutex.owner only ever holds the owning task or NULL/);
    expect(diagnostics[0].relatedInformation?.map((r) => [r.location.uri, r.location.range.start.line, r.message])).toEqual([
      [BASE, 72, 'write in audit_ctl_lock() holding audit_cmd_mutex.lock'],
      [BASE, 83, 'read in audit_ctl_owner_current(), no lock'],
    ]);
  });

  it('puts a triage lens on each race, opening the base at its first access', async () => {
    const lenses = (await server.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: REPORT } })) as CodeLens[];
    expect(lenses.map((l) => l.command?.title.slice(0, 48))).toEqual(['Triage: benign (audit_cmd_mutex.owner) - audit_c', 'Triage: benign (audit_queue.qlen) - audit_queue\'']);
    expect(lenses[0].command).toMatchObject({ command: 'auditlens.openBaseLine', arguments: [BASE, 72] });
  });

  it('links each audit.c frame to its line in the base, and only those', async () => {
    const links = (await server.connection.sendRequest(DocumentLinkRequest.type, { textDocument: { uri: REPORT } })) as DocumentLink[];
    const targets = links.map((l) => l.target);
    expect(targets).toContain(`${BASE}#L73`);
    expect(targets).toContain(`${BASE}#L84`);
    expect(targets).toContain(`${BASE}#L517`);
    expect(targets.every((t) => t!.startsWith(BASE))).toBe(true);
    const line = text.split('\n')[links[0].range.start.line];
    expect(line.slice(links[0].range.start.character, links[0].range.end.character)).toBe('kernel/audit.c:73');
  });

  it('offers the verified fix of a race as a quick fix that edits the base', async () => {
    const { diagnostics } = await server.diagnostics(REPORT, 1);
    const actions = (await server.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri: REPORT }, range: diagnostics[1].range, context: { diagnostics: [diagnostics[1]] } })) as CodeAction[];
    expect(actions.map((a) => a.title)).toEqual(['Read audit_queue\'s length with skb_queue_len_lockless() (READ_ONCE) (in audit.c)']);
    const edits = actions[0].edit!.changes![BASE];
    expect(edits.length).toBeGreaterThan(0);
    expect(edits.every((e) => e.newText === 'skb_queue_len_lockless')).toBe(true);
  });

  it('the base\'s AL206 diagnostics name the open reports of their races', async () => {
    const republished = server.nextDiagnostics(BASE);
    // reopening the report triages it again, and the base is republished with the link
    await server.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: REPORT, version: 2 }, contentChanges: [{ text }] });
    const { diagnostics } = await republished;
    const owner = diagnostics.find((d) => d.code === 'AL206' && /audit_cmd_mutex.owner/.test(String(d.message)));
    expect(String(owner?.message)).toMatch(/\nKCSAN: reported in kcsan-1.report \(line 3, benign\)$/);
  });

  it('every report fixture opens as a report document with one diagnostic per race and per other report', async () => {
    const expected: Record<string, string[]> = {
      'console-two-races.log': ['kcsan-benign', 'kcsan-benign'],
      'quoted-reply.eml': ['kcsan-benign'],
      'wrapped-unindented.txt': ['kcsan-benign'],
      'offsets-only.txt': ['kcsan-benign'],
      'read-first.txt': ['kcsan-benign'],
      'assessment-page.txt': ['kcsan-benign'],
      'unknown-origin.txt': ['kcsan-benign'],
      'outside-audit.txt': ['kcsan-unknown'],
      'not-races.log': Array(5).fill('kcsan-not-a-race'),
      'empty.txt': ['kcsan-unreadable'],
    };
    for (const [name, codes] of Object.entries(expected)) {
      const uri = `file:///work/linux/ci/${name}.kcsan`;
      await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'auditlens-kcsan', version: 1, text: readFileSync(join(FIXTURES, 'kcsan', name), 'utf8') } });
      expect((await server.diagnostics(uri, 1)).diagnostics.map((d) => d.code), name).toEqual(codes);
    }
  });

  it('shows the model\'s view of a frame\'s function on hover', async () => {
    const lines = text.split('\n');
    const i = lines.findIndex((l) => l.includes(' audit_ctl_owner_current kernel/audit.c:84'));
    const hover = await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri: REPORT }, position: { line: i, character: lines[i].indexOf('audit_ctl_owner_current') + 3 } });
    expect((hover?.contents as MarkupContent).value).toMatch(/^\*audit_ctl_owner_current\(\) at line 84 of /);
  });
});
