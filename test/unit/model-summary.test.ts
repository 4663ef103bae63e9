/**
 * "Show Model Summary" and the language status without an editor: the
 * summary's data on the example and on kauditd designs of the fixtures, its
 * Markdown, and the one-line status of C files, patches and everything else.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyser } from '../../server/src/analyser';
import { describeFunctions } from '../../server/src/report/checkReport';
import { formatFileText } from '../../server/src/cli/text';
import { fileReport } from '../../server/src/report/checkReport';
import type { TrackedDocument } from '../../server/src/features/documents';
import { modelSummary } from '../../server/src/features/modelSummary';
import { findingsPhrase, modelSummaryMarkdown, modelSummaryReply } from '../../server/src/features/modelSummaryText';
import { patchCodeLenses, patchDiagnostics, reviewDocument } from '../../server/src/features/patchDocument';
import { auditStatus, documentStatus, patchStatus } from '../../server/src/features/status';
import { statusView } from '../../client/src/statusView';
import { fixture } from '../shared';

const ROOT = resolve(__dirname, '..', '..');
const DEMO = readFileSync(resolve(ROOT, 'examples', 'kauditd-demo.c'), 'utf8');
const DEMO_PATCH = readFileSync(resolve(ROOT, 'examples', 'unbounded-retry.patch'), 'utf8');
const analyse = (text: string) => new Analyser().analyseText(text);
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('model summary: data', () => {
  const demo = modelSummary(analyse(DEMO));

  it('gives each backlog queue its role, declaration, bound and who dequeues it', () => {
    expect(demo.queues.map((q) => [q.name, q.role, q.unbounded])).toEqual([
      ['audit_queue', 'main', false],
      ['audit_retry_queue', 'retry', false],
      ['audit_hold_queue', 'hold', false],
    ]);
    const main = demo.queues[0];
    expect(main.line).toBe(lineOf(DEMO, 'static struct sk_buff_head audit_queue;'));
    expect(main.admission).toEqual({ fn: 'demo_wait_for_room', condition: 'demo_backlog_full()', line: lineOf(DEMO, 'while (demo_backlog_full())') });
    expect(main.enqueues).toEqual([{ fn: 'demo_log_record', queue: 'audit_queue', end: 'tail', bound: 'admission', line: lineOf(DEMO, 'skb_queue_tail(&audit_queue, skb);') }]);
    expect(demo.queues[1].enqueues.map((e) => [e.fn, e.bound])).toEqual([['demo_retry_skb', 'limit']]);
    expect(demo.queues[1].dequeuedBy).toEqual(['demo_conn_reset', 'demo_kauditd_thread']);
  });

  it('names the consumer with its flush order, the drain with each call site\'s hooks and routes', () => {
    expect(demo.consumer).toEqual({ name: 'demo_kauditd_thread', line: lineOf(DEMO, 'static int demo_kauditd_thread('), flushOrder: ['audit_hold_queue', 'audit_retry_queue', 'audit_queue'] });
    expect(demo.drains).toHaveLength(1);
    const [drain] = demo.drains;
    expect(drain).toMatchObject({ fn: 'demo_send_queue', queue: 'param:queue', singlePass: true });
    expect(drain.sites.map((s) => [s.caller, s.queue, s.hooks.map((h) => `${h.param}=${h.fns.join('|')}`).join(' ')])).toEqual([
      ['demo_kauditd_thread', 'audit_hold_queue', 'err_hook=demo_hold_skb'],
      ['demo_kauditd_thread', 'audit_retry_queue', 'err_hook=demo_requeue_failed'],
      ['demo_kauditd_thread', 'audit_queue', 'err_hook=demo_requeue_failed'],
    ]);
    // each error once, each outcome once (the model has one route per failed-send path)
    const retry = drain.sites[1];
    expect(retry.routes.map((r) => r.error)).toEqual(['-EAGAIN', '-ECONNREFUSED', '-EPERM']);
    expect(retry.routes[0].outcomes).toEqual([
      { hook: 'demo_requeue_failed', queue: 'audit_retry_queue', end: 'tail', bound: 'limit' },
      { hook: 'demo_requeue_failed', dropped: true, counted: true },
    ]);
  });

  it('lists producers, requeue hooks with where they are bound or called, the connection and the locks', () => {
    expect(demo.producers).toEqual([{ name: 'demo_log_record', line: lineOf(DEMO, 'int demo_log_record('), queues: ['audit_queue'] }]);
    expect(demo.requeueHooks.map((h) => [h.name, h.boundAt.map((b) => `${b.param}@${b.queue}`), h.calledBy])).toEqual([
      // demo_conn_reset() moves the retry queue into the hold queue through the hook
      ['demo_hold_skb', ['err_hook@audit_hold_queue'], ['demo_requeue_failed', 'demo_conn_reset']],
      ['demo_retry_skb', [], ['demo_requeue_failed']],
    ]);
    expect(demo.connection.globals).toEqual([{ name: 'auditd_conn', discipline: 'rcu', writersHold: ['auditd_conn_lock'], accesses: 7 }]);
    expect(demo.connection.functions.map((f) => f.name)).toEqual(['demo_is_daemon', 'demo_conn_portid', 'demo_conn_attach', 'demo_conn_reset']);
    expect(demo.locks.find((l) => l.name === 'auditd_conn_lock')).toEqual({ name: 'auditd_conn_lock', guards: ['auditd_conn'], takenIn: ['demo_conn_attach', 'demo_conn_reset'] });
  });

  it('counts findings by severity and by rule, and carries check --verbose\'s function rows', () => {
    expect(demo.findings).toEqual({ error: 0, warning: 0, information: 0, byRule: [] });
    const analysis = analyse(fixture('versions/late2021.c'));
    const late = modelSummary(analysis);
    expect(late.findings).toMatchObject({ error: 1, warning: 2, information: 4 });
    expect(late.findings.byRule.map((r) => r.rule)).toEqual([...new Set(analysis.findings.map((f) => f.rule))].sort());
    expect(late.queues.find((q) => q.name === 'audit_retry_queue')?.unbounded).toBe(true);
    expect(late.functionRoles).toEqual(describeFunctions(analysis));
  });

  it('says what is missing in a file without queues or consumer', () => {
    const s = modelSummary(analyse('static int audit_enabled;\nint audit_set_enabled(int v)\n{\n\taudit_enabled = v;\n\treturn 0;\n}\n'));
    expect(s).toMatchObject({ queues: [], drains: [], consumer: undefined, producers: [], requeueHooks: [], functions: 1 });
    const md = modelSummaryMarkdown(s, { name: 'x.c' });
    expect(md).toContain('None: no global `struct sk_buff_head` is declared in this file.');
    expect(md).toContain('None found: no kthread started here');
  });
});

describe('model summary: Markdown', () => {
  const md = modelSummaryMarkdown(modelSummary(analyse(DEMO)), { name: 'audit.c' });

  it('has a headline and one section per part of the model', () => {
    const lines = md.split('\n');
    expect(lines[0]).toBe('# Queue model of audit.c');
    expect(lines[2]).toBe('consumer `demo_kauditd_thread` · 3 backlog queues · 1 drain · 15 functions · no findings');
    expect(lines.filter((l) => l.startsWith('## '))).toEqual(['## Backlog queues', '## Drains', '## Consumer', '## Producers', '## Requeue hooks', '## auditd connection', '## Locks', '## Findings', '## Functions']);
  });

  it('states bounds, routes and flush order in kernel terms, with the lines', () => {
    const line = lineOf(DEMO, 'while (demo_backlog_full())');
    expect(md).toContain(`  - bound: admission control, \`demo_wait_for_room\` waits while \`demo_backlog_full()\` (L${line})`);
    expect(md).toContain('drains `audit_hold_queue`, then `audit_retry_queue`, then `audit_queue`.');
    expect(md).toContain('    - `-EAGAIN` → `demo_requeue_failed` puts it at the tail of `audit_retry_queue` (bounded), or `demo_requeue_failed` frees it (counted lost)');
    expect(md).toContain('| `auditd_conn_lock` | `auditd_conn` | `demo_conn_attach`, `demo_conn_reset` |');
  });

  it('lists every function with the roles and queue operations `check --verbose` prints', () => {
    const analysis = analyse(DEMO);
    const verbose = formatFileText(fileReport('x.c', analysis), [], true).split('\n').slice(1, -1);
    const rows = md.split('\n').filter((l) => /^\| L\d+–/.test(l));
    expect(rows).toHaveLength(verbose.length);
    for (const [i, row] of rows.entries()) {
      // "  121-131   demo_log_record      roles: producer; queues: enqueue tail audit_queue (bounded)"
      const [, lines, name, roles, queues] = /^\s+(\d+-\d+)\s+(\S+)\s+roles: ([^;]+)(?:; queues: (.*))?$/.exec(verbose[i])!;
      const [start, end] = lines.split('-');
      expect(row).toBe(`| L${start}–${end} | \`${name}\` | ${roles} | ${queues ?? '—'} |`);
    }
  });

  it('counts findings per rule with their severities', () => {
    const late = modelSummaryMarkdown(modelSummary(analyse(fixture('versions/late2021.c'))), { name: 'audit.c' });
    expect(late).toContain('- **AQ101** unbounded-enqueue: 1 warning');
    expect(late).toMatch(/7 findings \(1 error, 2 warnings, 4 information\)/);
    expect(findingsPhrase({ error: 0, warning: 0, information: 0 })).toBe('no findings');
    expect(findingsPhrase({ error: 1, warning: 0, information: 11 })).toBe('12 findings (1 error, 11 information)');
  });
});

describe('model summary: the server\'s answer', () => {
  const tracked = (over: Partial<TrackedDocument>): TrackedDocument => ({ uri: 'file:///k/kernel/audit.c', kind: 'audit-c', version: 3, ...over });

  it('answers with the Markdown for an analysed document, and says why otherwise', () => {
    const reply = modelSummaryReply(tracked({ analysis: analyse(DEMO) }), 'file:///k/kernel/audit.c');
    expect(reply).toMatchObject({ title: 'audit.c: queue model', markdown: expect.stringMatching(/^# Queue model of audit\.c\n/) });
    expect(modelSummaryReply(undefined, 'file:///k/x.c')).toHaveProperty('error', expect.stringMatching(/not been sent/));
    expect(modelSummaryReply(tracked({ kind: 'patch' }), 'file:///k/a.patch')).toHaveProperty('error', expect.stringMatching(/^this is a patch/));
    expect(modelSummaryReply(tracked({ skipped: { bytes: 10, limit: 5 } }), 'file:///k/kernel/audit.c')).toHaveProperty('error', expect.stringMatching(/over auditlens\.maxFileSize \(5\)/));
    expect(modelSummaryReply(tracked({ kind: 'ignored' }), 'file:///k/fork.c')).toHaveProperty('error', expect.stringMatching(/^not audit code/));
  });
});

describe('document status', () => {
  it('shows queues and findings of an audit C file, with the worst severity', () => {
    expect(auditStatus(analyse(DEMO))).toEqual({ kind: 'audit-c', text: '3 queues · no findings', detail: 'consumer demo_kauditd_thread() · 1 drain · 15 functions', severity: 'information' });
    const aq101 = auditStatus(analyse(fixture('rules/AQ101-trigger.c')));
    expect(aq101).toMatchObject({ text: expect.stringMatching(/ · 2 findings$/), severity: 'warning', detail: expect.stringMatching(/ · 1 warning, 1 information$/) });
    expect(auditStatus(analyse(fixture('versions/late2021.c')))).toMatchObject({ text: '3 queues · 7 findings', severity: 'error' });
    expect(auditStatus(analyse('int audit_x;\n'))).toMatchObject({ text: 'no backlog queues · no findings', detail: expect.stringMatching(/^no consumer thread/) });
  });

  it('shows what a patch introduces and fixes, and what it was reviewed against', () => {
    const withBase = patchStatus(reviewDocument(DEMO_PATCH, { text: DEMO, path: '/k/examples/kauditd-demo.c', origin: 'open document' }));
    expect(withBase).toEqual({ kind: 'patch', text: 'patch: 1 introduced', detail: 'reviewed against /k/examples/kauditd-demo.c · introduced: 1 warning', severity: 'warning' });
    // from the hunks alone the retry hook is only partly in view: the review says what it can
    const alone = patchStatus(reviewDocument(DEMO_PATCH));
    expect(alone.detail).toMatch(/^reviewed from the hunks alone \(no base file found\)/);
    const problem = patchStatus(reviewDocument(DEMO_PATCH, undefined, undefined, 'auditlens.patch.baseFile: /x: no such file; reviewed from the hunks alone.'));
    expect(problem.detail).toMatch(/^auditlens\.patch\.baseFile: \/x: no such file/);
    expect(patchStatus(reviewDocument('From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] x\n'))).toMatchObject({ text: 'patch: no hunks', severity: 'information' });
    // a patch that does not fit the open base is never "no findings": the status, a diagnostic on
    // the patch header and the hunk's lens say it was read from the hunk alone
    const other = DEMO_PATCH.replace(/demo_retry_skb/g, 'other_tree_retry_skb');
    const mismatch = reviewDocument(other, { text: DEMO, path: '/k/examples/kauditd-demo.c', origin: 'open document' });
    expect(patchStatus(mismatch)).toMatchObject({ text: expect.stringMatching(/^patch: does not fit the base \(1 of 1 hunks\) · /), severity: 'warning' });
    const diag = patchDiagnostics(mismatch, () => 80).find((d) => d.code === 'base-mismatch')!;
    expect(diag.message).toMatch(/does not fit \/k\/examples\/kauditd-demo\.c: 1 hunk: 1 rebuilt from the hunk alone/);
    expect(patchCodeLenses(mismatch)[0].command!.title).toMatch(/^AuditLens: does not fit the base: read from the hunk alone/);
  });

  it('stamps the version it describes, and covers documents that are not audit code or not known', () => {
    const base = { uri: 'file:///k/fork.c', version: 7 };
    expect(documentStatus({ ...base, kind: 'ignored' }, undefined)).toMatchObject({ kind: 'not-audit', text: 'not audit code', version: 7 });
    expect(documentStatus({ ...base, kind: 'audit-c', skipped: { bytes: 9000, limit: 100 } }, undefined)).toMatchObject({ kind: 'too-large', severity: 'warning', version: 7 });
    expect(documentStatus({ ...base, kind: 'audit-c', analysis: analyse(DEMO) }, undefined)).toMatchObject({ kind: 'audit-c', version: 7 });
    const unknown = documentStatus(undefined, undefined);
    expect(unknown).toMatchObject({ kind: 'unknown', text: 'not analysed' });
    expect(unknown.version).toBeUndefined();
  });
});

describe('language status item (client presentation)', () => {
  const status = auditStatus(analyse(DEMO));
  const uri = 'file:///k/kernel/audit.c';

  it('shows the server\'s status, busy until the server has analysed the editor\'s version', () => {
    expect(statusView('running', { ...status, version: 4 }, uri, 4)).toEqual({
      text: '3 queues · no findings', detail: status.detail, severity: 'information', busy: false,
      command: { title: 'Show Model Summary', command: 'auditlens.showModelSummary', arguments: [uri] },
    });
    expect(statusView('running', { ...status, version: 3 }, uri, 4).busy).toBe(true);
    expect(statusView('running', undefined, uri, 1)).toMatchObject({ busy: true, text: 'analysing…' });
    expect(statusView('running', { kind: 'patch', text: 'patch: 1 introduced', detail: '', severity: 'warning', version: 1 }, uri, 1).command?.command).toBe('auditlens.draftReply');
    expect(statusView('running', { kind: 'not-audit', text: 'not audit code', detail: '', severity: 'information', version: 1 }, uri, 1).command).toBeUndefined();
  });

  it('says which parser engine the server got', () => {
    const wasm = { engine: 'wasm' as const, description: 'WebAssembly tree-sitter (native binding unavailable: …)' };
    expect(statusView('running', { ...status, version: 1 }, uri, 1, wasm).detail).toBe(`${status.detail} · parser: WebAssembly`);
    expect(statusView('running', { ...status, detail: '', version: 1 }, uri, 1, { engine: 'native', description: 'native' }).detail).toBe('parser: native');
  });

  it('says when the server is starting or not running, and offers a restart', () => {
    expect(statusView('starting', status, uri, 1)).toMatchObject({ busy: true, detail: 'Starting the AuditLens server' });
    expect(statusView('stopped', status, uri, 1)).toEqual({
      text: 'server not running', detail: expect.stringMatching(/stopped/), severity: 'error', busy: false,
      command: { title: 'Restart Server', command: 'auditlens.restartServer' },
    });
  });
});
