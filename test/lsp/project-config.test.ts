/**
 * The project configuration in the language server, over real stdio: a
 * `.auditlens.json` above an open kernel/audit.c is honoured, changing it
 * while the server runs re-analyses the open documents, its mistakes are
 * diagnostics on it, and the editor's settings go over it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  DidOpenTextDocumentNotification,
  FileChangeType,
  InitializedNotification,
  InitializeRequest,
  RegistrationRequest,
  RegistrationParams,
} from 'vscode-languageserver/node';
import { fixture } from '../shared';
import { ensureServerBuilt, ServerProcess } from './serverProcess';

let tmp = '';
let server: ServerProcess;
let registered: (p: RegistrationParams) => void = () => undefined;
/** The server registers its watchers after `initialized`, when it pleases: awaited, not slept on. */
const watcherRegistration = new Promise<RegistrationParams>((resolve) => (registered = resolve));

beforeAll(async () => {
  ensureServerBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'auditlens-lsp-config-'));
  server = new ServerProcess();
  server.connection.onRequest(RegistrationRequest.type, (p) => {
    if (p.registrations.some((r) => r.method === DidChangeWatchedFilesNotification.method)) registered(p);
  });
  await server.connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: pathToFileURL(tmp).href,
    capabilities: { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } }, textDocument: { publishDiagnostics: { versionSupport: true } } },
  });
  await server.connection.sendNotification(InitializedNotification.type, {});
}, 120_000);

afterAll(() => {
  server?.kill();
  rmSync(tmp, { recursive: true, force: true });
});

describe('.auditlens.json in the language server', () => {
  const dir = () => join(tmp, 'linux');
  const config = () => join(dir(), '.auditlens.json');
  const uri = () => pathToFileURL(join(dir(), 'kernel', 'audit.c')).href;
  const changed = (type: FileChangeType) => server.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(config()).href, type }] });

  it('asks the client to watch configuration files', async () => {
    const watched = (await watcherRegistration).registrations.find((r) => r.method === DidChangeWatchedFilesNotification.method);
    expect(JSON.stringify(watched?.registerOptions)).toMatch(/\.auditlens\.json/);
    expect(JSON.stringify(watched?.registerOptions)).toMatch(/auditlens\.config\.json/);
  });

  it('honours the file present at open, and a change to it while the server runs', async () => {
    mkdirSync(join(dir(), 'kernel'), { recursive: true });
    const text = fixture('rules/AC301-trigger.c');
    writeFileSync(join(dir(), 'kernel', 'audit.c'), text);
    writeFileSync(config(), JSON.stringify({ rules: { AC301: 'error' } }));
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: uri(), languageId: 'c', version: 1, text } });
    const first = await server.diagnostics(uri(), 1);
    expect(first.diagnostics.map((d) => `${d.code}:${d.severity}`)).toContain('AC301:1');

    // the file is edited: the rule is turned off
    writeFileSync(config(), JSON.stringify({ rules: { AC301: 'off' } }));
    const next = server.nextDiagnostics(uri());
    await changed(FileChangeType.Changed);
    expect((await next).diagnostics.map((d) => d.code)).not.toContain('AC301');

    // deleted: the catalogue's own severity again
    rmSync(config());
    const back = server.nextDiagnostics(uri());
    await changed(FileChangeType.Deleted);
    expect((await back).diagnostics.map((d) => `${d.code}:${d.severity}`)).toContain('AC301:2');
  });

  it('reports what it does not understand on the configuration file itself', async () => {
    writeFileSync(config(), '{\n  "rules": {\n    "AC999": "off"\n  },\n  "colour": true\n}\n');
    const onConfig = server.nextDiagnostics(pathToFileURL(config()).href);
    const reanalysed = server.nextDiagnostics(uri());
    await changed(FileChangeType.Changed);
    await reanalysed;
    const problems = (await onConfig).diagnostics;
    expect(problems.map((d) => `${d.range.start.line}: ${d.message}`).sort()).toEqual([
      '2: rules.AC999: no rule AC999 in the catalogue; ignored',
      '4: unknown key "colour" ignored (known: rules, patch, simulate, reply)',
    ]);
    // fixed: the diagnostics on it are taken back
    writeFileSync(config(), '{}');
    const cleared = server.nextDiagnostics(pathToFileURL(config()).href);
    const again = server.nextDiagnostics(uri());
    await changed(FileChangeType.Changed);
    expect((await cleared).diagnostics).toEqual([]);
    await again;
  });

  it('the editor setting goes over the file', async () => {
    writeFileSync(config(), JSON.stringify({ rules: { AC301: 'off' } }));
    const off = server.nextDiagnostics(uri());
    await changed(FileChangeType.Changed);
    expect((await off).diagnostics.map((d) => d.code)).not.toContain('AC301');
    const on = server.nextDiagnostics(uri());
    await server.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { auditlens: { rules: { AC301: 'information' } } } });
    expect((await on).diagnostics.map((d) => `${d.code}:${d.severity}`)).toContain('AC301:3');
  });
});
