/**
 * The simulation commands through the bundled server, as the extension
 * calls them: lenses, `auditlens.server.simulate` with work-done progress,
 * `auditlens.server.compare` on a patch, and a cancel that stops a long run
 * (the server runs it in a child `auditlens simulate` process).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancellationTokenSource,
  CodeAction,
  CodeActionRequest,
  CodeLens,
  CodeLensRequest,
  DidOpenTextDocumentNotification,
  ExecuteCommandRequest,
  InitializedNotification,
  InitializeRequest,
  LSPErrorCodes,
  ResponseError,
  WorkDoneProgress,
  WorkDoneProgressBegin,
  WorkDoneProgressEnd,
  WorkDoneProgressReport,
} from 'vscode-languageserver/node';
import { FIXTURES } from '../shared';
import { ensureServerBuilt, ServerProcess } from './serverProcess';

const ROOT = resolve(__dirname, '..', '..');
const BASE = 'file:///work/demo/kernel/audit.c';
const PATCH = 'file:///work/demo/0001-unbounded-retry.patch';
const V2022 = 'file:///work/v2022/kernel/audit.c';

let server: ServerProcess;

beforeAll(async () => {
  ensureServerBuilt();
  server = new ServerProcess();
  const init = await server.connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: { window: { workDoneProgress: true } } });
  expect(init.capabilities.executeCommandProvider?.commands).toEqual(['auditlens.server.draftReply', 'auditlens.server.simulate', 'auditlens.server.compare']);
  await server.connection.sendNotification(InitializedNotification.type, {});
  const open = async (uri: string, languageId: string, text: string) => {
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } });
    await server.diagnostics(uri, 1);
  };
  await open(BASE, 'c', readFileSync(resolve(ROOT, 'examples', 'kauditd-demo.c'), 'utf8'));
  await open(V2022, 'c', readFileSync(resolve(FIXTURES, 'versions', 'v2022.c'), 'utf8'));
  await open(PATCH, 'auditlens-patch', readFileSync(resolve(ROOT, 'examples', 'unbounded-retry.patch'), 'utf8'));
});
afterAll(() => server?.kill());

describe('simulation over LSP', () => {
  it('puts the simulate lenses on the consumer, drain and requeue functions', async () => {
    const lenses = (await server.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: V2022 } })) as CodeLens[];
    expect(lenses.length).toBe(10);
    expect(new Set(lenses.map((l) => l.command?.title))).toEqual(new Set(['▶ Simulate: auditd stopped', '▶ Simulate: steady']));
    expect(lenses.every((l) => l.command?.command === 'auditlens.simulate' && l.command.arguments?.[0] === V2022)).toBe(true);
  });

  it('runs a scenario on an open document and reports work-done progress on the client\'s token', async () => {
    const progress: (WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd)[] = [];
    const listening = server.connection.onProgress(WorkDoneProgress.type, 'sim-1', (v) => { progress.push(v); });
    try {
      const result = await server.connection.sendRequest(ExecuteCommandRequest.type, { command: 'auditlens.server.simulate', arguments: [V2022, 'steady', { records: 300 }], workDoneToken: 'sim-1' });
      expect(result).toMatchObject({ version: 1, scenario: 'steady', parameters: { records: 300 }, violations: [] });
      expect(result.records.produced).toBe(result.records.delivered);
    } finally {
      listening.dispose();
    }
    expect(progress[0]).toMatchObject({ kind: 'begin', title: 'Simulating steady', cancellable: true });
    expect(progress.at(-1)).toEqual({ kind: 'end' });
  });

  it('shows a queue finding from its code action: the run that breaks its invariant, or an honest "cannot" with the last run', async () => {
    const uri = 'file:///work/aq103/kernel/audit.c';
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'c', version: 1, text: readFileSync(resolve(FIXTURES, 'rules', 'AQ103-trigger.c'), 'utf8') } });
    const [livelock] = (await server.diagnostics(uri, 1)).diagnostics.filter((d) => d.code === 'AQ103');
    const actions = (await server.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: livelock.range, context: { diagnostics: [livelock] } })) as CodeAction[];
    const show = actions.find((a) => a.command?.command === 'auditlens.showFinding');
    expect(show?.command?.arguments).toEqual([uri, 'AQ103@kauditd_rehold_skb', 'auditd-stopped']);
    const [, spec, scenario] = show!.command!.arguments!;
    // the publish that carries the simulation's answer (another, such as working-tree marks arriving, may come first)
    const republished = (async () => {
      for (;;) {
        const p = await server.nextDiagnostics(uri);
        if (p.diagnostics.some((d) => String(d.message).includes('Simulation:'))) return p;
      }
    })();
    const shown = await server.connection.sendRequest(ExecuteCommandRequest.type, { command: 'auditlens.server.simulate', arguments: [uri, scenario, { finding: spec }] });
    expect(shown.violations.map((v: { invariant: string }) => v.invariant)).toContain('termination');
    expect(shown.notes[0]).toMatch(/^AQ103 in kauditd_rehold_skb\(\) breaks termination: shown by /);
    // the finding's diagnostic (its hover) now says what the simulation showed; the others do not change
    const after = (await republished).diagnostics;
    expect(after.find((d) => d.code === 'AQ103')?.message).toMatch(/\nSimulation: AQ103 in kauditd_rehold_skb\(\) breaks termination: shown by /);
    expect(after.filter((d) => d.code !== 'AQ103').every((d) => !String(d.message).includes('Simulation:'))).toBe(true);
    // with no backlog limit no queue has a bound to pass: the reply says so, with the last run tried
    const aq101 = 'file:///work/aq101/kernel/audit.c';
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: aq101, languageId: 'c', version: 1, text: readFileSync(resolve(FIXTURES, 'rules', 'AQ101-trigger.c'), 'utf8') } });
    await server.diagnostics(aq101, 1);
    const cannot = await server.connection.sendRequest(ExecuteCommandRequest.type, { command: 'auditlens.server.simulate', arguments: [aq101, 'auditd-stopped', { finding: 'AQ101@kauditd_retry_skb', backlogLimit: 0 }] });
    expect(cannot.notes[0]).toMatch(/^AQ101 in kauditd_retry_skb\(\) breaks bounded on audit_retry_queue, but the simulator could not show it/);
    const bad = await server.connection.sendRequest(ExecuteCommandRequest.type, { command: 'auditlens.server.simulate', arguments: [aq101, 'steady', { finding: 'AQ103' }] });
    expect(bad).toEqual({ error: expect.stringMatching(/^finding must be RULE@FUNCTION/) });
  }, 60_000);

  it('answers an unknown scenario or a document it does not know with an error, not a failure', async () => {
    const bad = await server.connection.sendRequest(ExecuteCommandRequest.type, { command: 'auditlens.server.simulate', arguments: [V2022, 'auditd-sleepy'] });
    expect(bad).toEqual({ error: expect.stringMatching(/^unknown scenario "auditd-sleepy"; scenarios: steady, /) });
    const unknown = await server.connection.sendRequest(ExecuteCommandRequest.type, { command: 'auditlens.server.simulate', arguments: ['file:///nowhere.c', 'steady'] });
    expect(unknown).toHaveProperty('error');
  });

  it('compares a scenario before and after a patch, with both images\' text', async () => {
    const lenses = (await server.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: PATCH } })) as CodeLens[];
    const compare = lenses.find((l) => l.command?.command === 'auditlens.compare');
    expect(compare?.command?.arguments).toEqual([PATCH, 'auditd-stopped']);
    const reply = await server.connection.sendRequest(ExecuteCommandRequest.type, { command: 'auditlens.server.compare', arguments: [PATCH, 'steady'] });
    expect(reply).toMatchObject({ scenario: 'steady', before: { version: 1, scenario: 'steady' }, after: { version: 1, scenario: 'steady' } });
    expect(reply.sources.after).toContain('skb_queue_tail(&audit_retry_queue, skb);');
    expect(reply.sources.before).not.toBe(reply.sources.after);
  });

  it('stops a long run on cancel and stays responsive', async () => {
    const source = new CancellationTokenSource();
    const progress: (WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd)[] = [];
    // Cancel once the run reports progress, i.e. once the child is running (not after a fixed delay).
    let running!: () => void;
    const started = new Promise<void>((done) => (running = done));
    const listening = server.connection.onProgress(WorkDoneProgress.type, 'sim-cancel', (v) => {
      progress.push(v);
      if (v.kind === 'report') running();
    });
    try {
      // a million records: the full run takes tens of seconds, so it is still running at the cancel
      const long = server.connection.sendRequest(ExecuteCommandRequest.type, { command: 'auditlens.server.simulate', arguments: [V2022, 'auditd-stopped', { records: 1_000_000 }], workDoneToken: 'sim-cancel' }, source.token);
      const outcome = long.then((result: unknown) => ({ result }), (error: unknown) => ({ error }));
      await Promise.race([started, outcome]);
      source.cancel();
      const { result, error } = (await outcome) as { result?: unknown; error?: unknown };
      expect(result, 'the run finished instead of being cancelled').toBeUndefined();
      expect(error).toBeInstanceOf(ResponseError);
      expect((error as ResponseError<void>).code).toBe(LSPErrorCodes.RequestCancelled);
      // the server stopped the run it had reported progress for, and closed that progress
      expect(progress.some((v) => v.kind === 'report')).toBe(true);
      expect(progress.at(-1)).toEqual({ kind: 'end' });
    } finally {
      listening.dispose();
    }
    const lenses = (await server.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: BASE } })) as CodeLens[];
    expect(lenses.length).toBeGreaterThan(0);
  });
});
