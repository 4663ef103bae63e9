/**
 * The editor-experience requests through the bundled server over stdio, as
 * the extension sends them: auditlens/checkFiles with work-done progress and
 * a cancel, auditlens/modelSummary, auditlens/status and the status pushed
 * after each analysis, auditlens.patch.baseFile pulled on a configuration
 * change, and working-tree mode held back until the workspace is trusted.
 * Every wait is on a response or a notification.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancellationTokenSource,
  CodeLens,
  CodeLensRequest,
  ConfigurationRequest,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidChangeWorkspaceFoldersNotification,
  DidOpenTextDocumentNotification,
  DiagnosticSeverity,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  RegistrationRequest,
  WorkDoneProgress,
  WorkDoneProgressBegin,
  WorkDoneProgressEnd,
  WorkDoneProgressReport,
} from 'vscode-languageserver/node';
import type { CheckFilesResult, DocumentStatus, ModelSummaryReply, StatusNotification } from '../../server/src/features/requests';
import { fixture, hasGit } from '../shared';
import { ensureServerBuilt, ServerProcess } from './serverProcess';

const ROOT = resolve(__dirname, '..', '..');
const DEMO_PATH = join(ROOT, 'examples', 'kauditd-demo.c');
const DEMO = readFileSync(DEMO_PATH, 'utf8');
const DEMO_PATCH = readFileSync(join(ROOT, 'examples', 'unbounded-retry.patch'), 'utf8');
const AQ101 = fixture('rules/AQ101-trigger.c');
const V2022 = fixture('versions/v2022.c');

/** A server with a VS Code-like client: workspace folders, configuration pulled from `config`, progress. */
class Session {
  readonly server = new ServerProcess();
  readonly statuses: StatusNotification[] = [];
  private readonly waiters: { uri: string; version?: number; resolve: (s: StatusNotification) => void }[] = [];
  config: Record<string, unknown> = {};

  constructor() {
    this.server.connection.onNotification('auditlens/statusChanged', (n: StatusNotification) => {
      this.statuses.push(n);
      for (const w of this.waiters.splice(0)) {
        if (w.uri === n.uri && (w.version === undefined || w.version === n.status.version)) w.resolve(n);
        else this.waiters.push(w);
      }
    });
    this.server.connection.onRequest(ConfigurationRequest.type, (p) => p.items.map((i) => (i.section === 'auditlens' ? this.config : null)));
    this.server.connection.onRequest(RegistrationRequest.type, () => undefined);
  }

  async start(folder: string, initializationOptions: object = {}): Promise<void> {
    await this.server.connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      workspaceFolders: [{ uri: pathToFileURL(folder).href, name: 'tree' }],
      capabilities: { window: { workDoneProgress: true }, workspace: { configuration: true, workspaceFolders: true, didChangeConfiguration: { dynamicRegistration: true } } },
      initializationOptions,
    });
    await this.server.connection.sendNotification(InitializedNotification.type, {});
  }

  /** The status pushed for `uri` at `version` (any version when absent and none arrived yet). */
  status(uri: string, version?: number): Promise<StatusNotification> {
    const seen = this.statuses.find((n) => n.uri === uri && (version === undefined || n.status.version === version));
    return seen ? Promise.resolve(seen) : new Promise((resolve) => this.waiters.push({ uri, version, resolve }));
  }

  /** The next status pushed for `uri` after this call. */
  nextStatus(uri: string): Promise<StatusNotification> {
    return new Promise((resolve) => this.waiters.push({ uri, resolve }));
  }

  async open(uri: string, languageId: string, text: string, version = 1): Promise<void> {
    await this.server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version, text } });
  }

  /** Changes the configuration and waits for the re-published diagnostics of `uri`. */
  async configure(config: Record<string, unknown>, uri: string) {
    this.config = config;
    const next = this.server.nextDiagnostics(uri);
    await this.server.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    return next;
  }
}

let tmp: string;
beforeAll(() => {
  ensureServerBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'auditlens-lsp-editor-'));
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('auditlens/checkFiles over LSP', () => {
  let s: Session;
  let tree: string;
  const uriOf = (...parts: string[]) => pathToFileURL(join(tree, ...parts)).href;

  beforeAll(async () => {
    tree = join(tmp, 'check');
    for (const [dir, text] of [['a', AQ101], ['b', DEMO], ['patched', DEMO_PATCH]] as const) {
      mkdirSync(join(tree, dir, 'kernel'), { recursive: true });
      writeFileSync(join(tree, dir, 'kernel', 'audit.c'), text);
    }
    // many distinct trees for the cancel: each a real file to parse and analyse
    for (let i = 0; i < 60; i++) {
      mkdirSync(join(tree, 'many', `t${i}`, 'kernel'), { recursive: true });
      writeFileSync(join(tree, 'many', `t${i}`, 'kernel', 'audit.c'), `${V2022}\nstatic int audit_tree_${i};\n`);
    }
    s = new Session();
    await s.start(tree);
  });
  afterAll(() => s?.server.kill());

  it('checks files from disk, publishes their findings for the Problems view and reports progress per file', async () => {
    const progress: (WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd)[] = [];
    const listening = s.server.connection.onProgress(WorkDoneProgress.type, 'check-1', (v) => void progress.push(v));
    const published = Promise.all(['a', 'b', 'patched'].map((d) => s.server.diagnostics(uriOf(d, 'kernel', 'audit.c'), undefined)));
    const result = await s.server.connection.sendRequest<CheckFilesResult>('auditlens/checkFiles', {
      files: ['a', 'b', 'patched'].map((d) => ({ uri: uriOf(d, 'kernel', 'audit.c') })),
      includeOpen: true,
      workDoneToken: 'check-1',
    });
    listening.dispose();
    expect(result.cancelled).toBe(false);
    expect(result.files.map((f) => [f.path, f.source, f.findings.warning, f.problem ?? ''])).toEqual([
      ['a/kernel/audit.c', 'disk', 1, ''],
      ['b/kernel/audit.c', 'disk', 0, ''],
      ['patched/kernel/audit.c', 'disk', 0, `${join(tree, 'patched', 'kernel', 'audit.c')}: looks like a patch; open it with AuditLens: Review Patch`],
    ]);
    const [a, b, patched] = await published;
    expect(a.diagnostics.map((d) => [d.code, d.severity])).toEqual([['AQ101', DiagnosticSeverity.Warning], ['AQ109', DiagnosticSeverity.Information]]);
    expect(a.diagnostics[0].codeDescription?.href).toMatch(/docs\/rules\/AQ101\.md$/);
    expect(b.diagnostics).toEqual([]);
    expect(patched.diagnostics).toEqual([]);
    expect(progress[0]).toEqual({ kind: 'begin', title: 'Checking 3 audit C files', percentage: 0, cancellable: true });
    expect(progress.slice(1, -1)).toEqual([
      { kind: 'report', percentage: 0, message: '1/3 a/kernel/audit.c' },
      { kind: 'report', percentage: 33, message: '2/3 b/kernel/audit.c' },
      { kind: 'report', percentage: 66, message: '3/3 patched/kernel/audit.c' },
    ]);
    expect(progress.at(-1)).toEqual({ kind: 'end' });
  });

  it('stops on a cancel and answers with what it checked', async () => {
    const files = Array.from({ length: 60 }, (_, i) => ({ uri: uriOf('many', `t${i}`, 'kernel', 'audit.c') }));
    const source = new CancellationTokenSource();
    // cancel as soon as the server says it started on the first file
    const listening = s.server.connection.onProgress(WorkDoneProgress.type, 'check-2', (v) => {
      if (v.kind === 'report') source.cancel();
    });
    const result = await s.server.connection.sendRequest<CheckFilesResult>('auditlens/checkFiles', { files, workDoneToken: 'check-2' }, source.token);
    listening.dispose();
    expect(result.cancelled).toBe(true);
    expect(result.requested).toBe(60);
    // the file it was in when the cancel came is left out (a cancel is honoured between the stages of a file)
    expect(result.files.length).toBeLessThan(60);
    // what was checked stays published
    for (const f of result.files) expect(s.server.publishedFor(f.uri).length).toBeGreaterThan(0);
    expect(s.server.publishedFor(files[59].uri)).toEqual([]);
  });

  it('answers malformed parameters with InvalidParams', async () => {
    await expect(s.server.connection.sendRequest('auditlens/checkFiles', { files: 'kernel/audit.c' })).rejects.toMatchObject({ code: -32602 });
  });
});

describe('auditlens/modelSummary and auditlens/status over LSP', () => {
  let s: Session;
  const uri = 'file:///work/demo/kernel/audit.c';
  const other = 'file:///work/demo/kernel/fork.c';

  beforeAll(async () => {
    s = new Session();
    await s.start(tmp);
  });
  afterAll(() => s?.server.kill());

  it('pushes the status of each analysed version, and answers it on request', async () => {
    await s.open(uri, 'c', DEMO);
    const first = await s.status(uri, 1);
    expect(first.status).toEqual({ kind: 'audit-c', text: '3 queues · no findings', detail: 'consumer demo_kauditd_thread() · 1 drain · 15 functions', severity: 'information', version: 1 });
    expect(await s.server.connection.sendRequest<DocumentStatus>('auditlens/status', { uri })).toEqual(first.status);

    // unbound the retry hook: the next version has an AQ101 warning
    const line = DEMO.split('\n').findIndex((l) => l.includes('skb_queue_len_lockless(&audit_retry_queue) >= audit_backlog_limit) {'));
    await s.server.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: line - 1, character: 0 }, end: { line: line + 5, character: 0 } }, text: '' }],
    });
    const second = await s.status(uri, 2);
    expect(second.status).toMatchObject({ text: '3 queues · 1 finding', severity: 'warning', detail: expect.stringMatching(/1 warning$/), version: 2 });
    expect((await s.server.diagnostics(uri, 2)).diagnostics.map((d) => d.code)).toEqual(['AQ101']);
  });

  it('says what it knows of other documents', async () => {
    await s.open(other, 'c', 'int copy_process(void)\n{\n\treturn 0;\n}\n');
    expect((await s.status(other, 1)).status).toMatchObject({ kind: 'not-audit', text: 'not audit code' });
    expect(await s.server.connection.sendRequest<DocumentStatus>('auditlens/status', { uri: 'file:///never/opened.c' })).toMatchObject({ kind: 'unknown', text: 'not analysed' });
  });

  it('answers the model summary of an open audit C document as Markdown', async () => {
    const reply = await s.server.connection.sendRequest<ModelSummaryReply>('auditlens/modelSummary', { uri });
    if (!('markdown' in reply)) throw new Error(`no summary: ${reply.error}`);
    expect(reply.title).toBe('audit.c: queue model');
    expect(reply.markdown).toMatch(/^# Queue model of audit\.c\n\nconsumer `demo_kauditd_thread` · 3 backlog queues · 1 drain · 15 functions · 1 finding \(1 warning\)\n/);
    expect(reply.markdown).toContain('bound: **UNBOUNDED**');
    expect(reply.markdown).toMatch(/^\| L\d+–\d+ \| `demo_retry_skb` \| requeue \| enqueue tail audit_retry_queue \(UNBOUNDED\) \|$/m);
    expect(await s.server.connection.sendRequest('auditlens/modelSummary', { uri: other })).toEqual({ error: expect.stringMatching(/^not audit code/) });
  });
});

describe('auditlens.patch.baseFile over LSP', () => {
  let s: Session;
  let folder: string;
  let patchUri: string;
  const lineOf = (needle: string) => DEMO_PATCH.split('\n').findIndex((l) => l.includes(needle));

  beforeAll(async () => {
    // a workspace folder with the patch and no base to discover
    folder = join(tmp, 'review');
    mkdirSync(folder, { recursive: true });
    patchUri = pathToFileURL(join(folder, '0001-unbounded-retry.patch')).href;
    s = new Session();
    await s.start(folder);
  });
  afterAll(() => s?.server.kill());

  it('reviews from the hunks alone while nothing is set or found', async () => {
    await s.open(patchUri, 'auditlens-patch', DEMO_PATCH);
    const { diagnostics } = await s.server.diagnostics(patchUri, 1);
    expect(diagnostics.map((d) => d.code)).toContain('AQ101');
    expect((await s.status(patchUri, 1)).status.detail).toMatch(/^reviewed from the hunks alone \(no base file found\)/);
    const lenses = (await s.server.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: patchUri } })) as CodeLens[];
    expect(lenses.some((l) => l.command?.command === 'auditlens.compare')).toBe(false);
  });

  it('re-reviews open patches against the file the setting names', async () => {
    const status = s.nextStatus(patchUri);
    const published = await s.configure({ patch: { baseFile: DEMO_PATH } }, patchUri);
    expect(published.diagnostics.map((d) => [d.code, d.range.start.line])).toEqual([['AQ101', lineOf('\tskb_queue_tail(&audit_retry_queue, skb);')]]);
    expect((await status).status).toMatchObject({ text: 'patch: 1 introduced', detail: `reviewed against ${DEMO_PATH} · introduced: 1 warning` });
    // the whole file is in view: the patch can be simulated before and after
    const lenses = (await s.server.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: patchUri } })) as CodeLens[];
    expect(lenses.map((l) => l.command?.command)).toContain('auditlens.compare');
  });

  it('says so on the patch when the file cannot be read, relative to the workspace folder', async () => {
    const published = await s.configure({ patch: { baseFile: 'kernel/audit.c' } }, patchUri);
    const base = published.diagnostics.find((d) => d.code === 'base-file');
    expect(base).toMatchObject({ severity: DiagnosticSeverity.Warning, range: { start: { line: 0, character: 0 } } });
    expect(base?.message).toBe(`auditlens.patch.baseFile: no file "kernel/audit.c" in the workspace folder (${join(folder, 'kernel', 'audit.c')}); reviewed from the hunks alone.`);
    // and finds it there once it exists
    mkdirSync(join(folder, 'kernel'));
    writeFileSync(join(folder, 'kernel', 'audit.c'), DEMO);
    const found = await s.configure({ patch: { baseFile: './kernel/audit.c' } }, patchUri);
    expect(found.diagnostics.map((d) => d.code)).toEqual(['AQ101']);
  });

  it('follows workspace folders as they are removed and added', async () => {
    const folderChange = async (event: { added: string[]; removed: string[] }) => {
      const next = s.server.nextDiagnostics(patchUri);
      const asFolders = (paths: string[]) => paths.map((p) => ({ uri: pathToFileURL(p).href, name: 'tree' }));
      await s.server.connection.sendNotification(DidChangeWorkspaceFoldersNotification.type, { event: { added: asFolders(event.added), removed: asFolders(event.removed) } });
      return next;
    };
    const removed = await folderChange({ added: [], removed: [folder] });
    expect(removed.diagnostics.find((d) => d.code === 'base-file')?.message).toMatch(/is relative to the workspace folder, but no folder on disk is open/);
    const added = await folderChange({ added: [folder], removed: [] });
    expect(added.diagnostics.map((d) => d.code)).toEqual(['AQ101']);
  });
});

describe('a patch opened before its base, over LSP', () => {
  it('is reviewed again when the file it touches is opened', async () => {
    const s = new Session();
    try {
      await s.start(join(tmp, 'nothing-here'));
      const patchUri = 'file:///work/mail/0001-unbounded-retry.patch';
      await s.open(patchUri, 'auditlens-patch', DEMO_PATCH);
      expect((await s.status(patchUri, 1)).status.detail).toMatch(/^reviewed from the hunks alone/);
      // the patch touches examples/kauditd-demo.c: an open file of that path is its base
      const status = s.nextStatus(patchUri);
      const published = s.server.nextDiagnostics(patchUri);
      await s.open('file:///work/tree/examples/kauditd-demo.c', 'c', DEMO);
      expect((await status).status).toMatchObject({ text: 'patch: 1 introduced', detail: 'reviewed against /work/tree/examples/kauditd-demo.c · introduced: 1 warning' });
      expect((await published).diagnostics.map((d) => d.code)).toEqual(['AQ101']);
    } finally {
      s.server.kill();
    }
  });
});

describe('an archive-damaged patch over LSP', () => {
  it('publishes one damage notice on the subject, related to each damaged hunk; the header hover tells the hunk\'s damage', async () => {
    const s = new Session();
    try {
      await s.start(join(tmp, 'nothing-here'));
      const patchUri = 'file:///work/mail/archive-damaged.txt';
      const text = fixture('patch/archive-damaged.txt');
      const published = s.server.diagnostics(patchUri, 1);
      await s.open(patchUri, 'auditlens-patch', text);
      const damage = (await published).diagnostics.filter((d) => d.code === 'lossy-hunks');
      expect(damage).toHaveLength(1);
      expect(damage[0]).toMatchObject({ range: { start: { line: 0 } }, message: expect.stringMatching(/^3 of 4 hunks came through the archive damaged/) });
      const related = damage[0].relatedInformation ?? [];
      expect(related.map((r) => r.location.uri)).toEqual([patchUri, patchUri, patchUri]);
      const header = related[0].location.range.start.line;
      expect(text.split('\n')[header]).toMatch(/^@@ /);
      const hover = await s.server.connection.sendRequest(HoverRequest.type, { textDocument: { uri: patchUri }, position: { line: header, character: 1 } });
      expect(JSON.stringify(hover?.contents)).toContain('This hunk came through damaged');
    } finally {
      s.server.kill();
    }
  });
});


describe.skipIf(!hasGit)('workspace trust over LSP', () => {
  it('runs no git for working-tree mode until the client says the workspace is trusted', async () => {
    const repo = join(tmp, 'repo');
    mkdirSync(join(repo, 'kernel'), { recursive: true });
    const file = join(repo, 'kernel', 'audit.c');
    writeFileSync(file, DEMO);
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { stdio: 'ignore' });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'base');
    // the uncommitted change: the retry hook loses its bound (AQ101)
    const edited = DEMO.replace(/\tif \(audit_backlog_limit &&\n\t    skb_queue_len_lockless\(&audit_retry_queue\)[^}]*\}\n/, '');
    expect(edited).not.toBe(DEMO);
    writeFileSync(file, edited);
    const uri = pathToFileURL(file).href;

    const s = new Session();
    try {
      s.config = { workingTree: true };
      await s.start(repo, { workingTree: true, trusted: false });
      await s.open(uri, 'c', edited);
      const untrusted = await s.server.diagnostics(uri, 1);
      expect(untrusted.diagnostics.map((d) => d.message)).toEqual([expect.stringMatching(/^demo_retry_skb\(\) appends to audit_retry_queue/)]);
      // a settings change does not turn it on either
      const pulled = await s.configure({ workingTree: true, rules: { AL206: 'off' } }, uri);
      expect(pulled.diagnostics[0].message).not.toMatch(/^Introduced by your uncommitted change/);

      // trusted: published again at once, and once more when git has read HEAD (off the keystroke path)
      const first = s.server.nextDiagnostics(uri);
      await s.server.connection.sendNotification('auditlens/workspaceTrust', { trusted: true });
      let marked = await first;
      if (!String(marked.diagnostics[0]?.message).startsWith('Introduced')) marked = await s.server.nextDiagnostics(uri);
      expect(marked.diagnostics.map((d) => d.message)).toEqual([expect.stringMatching(/^Introduced by your uncommitted change: demo_retry_skb\(\) appends/)]);
    } finally {
      s.server.kill();
    }
  });
});
