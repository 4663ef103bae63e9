/**
 * AuditLens in a real VS Code: the packaged VSIX installed into code-server
 * 4.100.3, the workbench in Chromium, a workspace with the example files.
 * Each scenario is what a reviewer does; each step leaves a screenshot in
 * test-results/e2e/<run>/, and a failure leaves one more. Run with
 * `npm run test:e2e` (scripts/e2e/run.mjs sets the environment).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CodeServer, e2eEnv, E2EEnv, installExtension, Layout, networkAttempts, prepareLayout, restoreWorkspace } from './sandbox';
import { Browsing, Screenshots, Workbench } from './workbench';
import { hasShared } from '../shared';

/**
 * What a user waits for, measured from the workbench (milliseconds): recorded in
 * test-results/e2e/<run>/timings.json and printed by scripts/e2e/run.mjs. Nothing asserts on
 * them (a busy machine is slow, not wrong); the extension's own view of the same waits is in
 * the AuditLens output channel (latency: lines, logs/vscode/.../AuditLens.log).
 */
const timings: Record<string, number> = {};
function timed(name: string, start: number): void {
  timings[name] = Math.round(performance.now() - start);
}
/** Wall-clock moments (epoch ms), so run.mjs can line them up with the extension's log. */
const moments: Record<string, number> = {};

const DEMO = 'examples/kauditd-demo.c';
/** A file with findings to time the first open by (sandbox.ts): today's audit.c when ../shared is present, else a rule fixture. */
const TIMED_FILE = hasShared ? 'corpus/audit-2026.c' : 'corpus/AQ103-trigger.c';
const PATCH = 'examples/unbounded-retry.patch';

let env: E2EEnv;
let layout: Layout;
let extensionDir = '';
let server: CodeServer | undefined;
let browsing: Browsing | undefined;
let wb: Workbench;
let shots: Screenshots;
/** Set in the page at start: still there at the end means the workbench never reloaded. */
const pageMarker = `auditlens-e2e-${process.pid}-${Date.now()}`;

/** A scenario: its steps' screenshots, and one more when it fails. */
function scenario(name: string, body: () => Promise<void>): void {
  test(name, async () => {
    if (!browsing) throw new Error('the workbench did not start (see the first error)');
    try {
      await body();
    } catch (err) {
      await shots.take(wb.page, `FAILED-${name.slice(0, 40)}`).catch(() => undefined);
      throw err;
    }
  });
}

/** expect.poll with the patience of a workbench (its default is 1 s). */
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 30_000, interval: 100 });
const shot = (step: string) => shots.take(wb.page, step);
/** Files a scenario saved by mistake (restored before the next one); must stay empty. */
const savedByMistake: string[] = [];

/** Every editor closed without saving, the workspace's files as in the repository. */
async function reset(): Promise<void> {
  await wb.closeAllEditors();
  savedByMistake.push(...restoreWorkspace(layout));
}

beforeAll(async () => {
  env = e2eEnv();
  shots = new Screenshots(env.results);
  layout = prepareLayout(env.root);
  extensionDir = await installExtension(env, layout);
  expect(fs.existsSync(path.join(extensionDir, 'dist', 'server.js')), `the installed extension has dist/server.js (${extensionDir})`).toBe(true);
  server = await CodeServer.start(env, layout);
  browsing = await Browsing.launch(env.chromium, layout.env, env.root);
  wb = new Workbench(browsing.page);
  try {
    await wb.ready(`${server.url}/?folder=${encodeURIComponent(layout.workspace)}`);
    await wb.page.evaluate((marker) => { (globalThis as Record<string, unknown>).__auditlensE2E = marker; }, pageMarker);
    await shot('workbench');
  } catch (err) {
    await shots.take(browsing.page, 'FAILED-startup').catch(() => undefined);
    throw err;
  }
});

afterAll(async () => {
  if (env?.results && Object.keys(timings).length) fs.writeFileSync(path.join(env.results, 'timings.json'), `${JSON.stringify({ ...timings, moments }, null, 2)}\n`);
  await browsing?.close();
  await server?.stopGracefully();
});

describe('AuditLens in VS Code (code-server)', () => {
  scenario('0 how long a user waits: open, edit, hover, model summary, simulation', async () => {
    await reset();
    await wb.problems();
    // the first file opened in this window: the server is started (activation) but has analysed nothing yet
    const name = path.basename(TIMED_FILE);
    let t0 = performance.now();
    moments.openStarted = Date.now();
    await wb.openFile(TIMED_FILE, hasShared ? 'audit.c -- Auditing support' : 'AuditLens rule fixture AQ103');
    timed(`open ${name}: text shown`, t0);
    moments.textShown = Date.now();
    await wb.problemRows(name).first().waitFor({ timeout: 60_000 });
    timed(`open ${name}: first Problems entry`, t0);
    moments.problemsShown = Date.now();
    await shot('timings-open');

    // an edit that adds a finding, timed from its last keystroke to the Problems entry
    await reset();
    await wb.openFile(DEMO, 'kauditd-demo.c - a small, self-contained model');
    await wb.problems();
    // analysed once its lenses show (they are above the hooks, near line 151)
    await wb.goToLine(151);
    await wb.activeEditor.locator('.codelens-decoration:visible', { hasText: 'Simulate' }).first().waitFor({ timeout: 60_000 });
    await wb.goToLine(159);
    await wb.page.keyboard.press('End');
    await wb.page.keyboard.press('Enter');
    await wb.page.keyboard.type('kfree_skb(skb)');
    await wb.viewLine(/^\s*kfree_skb\(skb\)\s*$/).waitFor();
    t0 = performance.now();
    moments.keystroke = Date.now();
    await wb.page.keyboard.type(';');
    await wb.problemRows('AQ107').first().waitFor();
    timed('edit: keystroke → updated Problems entry', t0);
    moments.editShown = Date.now();
    await wb.page.keyboard.press('Control+Z');
    await wb.problemRows('AQ107').first().waitFor({ state: 'detached' });
    await wb.page.keyboard.press('Control+Z');
    await wb.page.keyboard.press('Control+Z');

    // a hover, from the pointer coming to rest to the widget with the model
    await wb.goToLine(151);
    const word = wb.viewLine('static void demo_retry_skb(').locator('span span', { hasText: /^demo_retry_skb$/ });
    const hover = wb.page.locator('.monaco-hover:visible', { hasText: 'demo_retry_skb — requeue' }).first();
    t0 = performance.now();
    await wb.hoverUntil(word, hover);
    timed('hover: pointer → hover with the model', t0);
    await wb.page.keyboard.press('Escape');
    await hover.waitFor({ state: 'hidden' });

    // the model summary, from the command to its first painted table
    t0 = performance.now();
    await wb.command('AuditLens: Show Model Summary');
    await wb.webview().locator('table').first().waitFor({ timeout: 60_000 });
    timed('model summary: command → first paint', t0);
    await shot('timings-model-summary');
    await reset();

    // a simulation, from the lens click to the invariants on screen
    await wb.openFile(DEMO, 'kauditd-demo.c - a small, self-contained model');
    await wb.goToLine(151);
    const lens = wb.activeEditor.locator('.codelens-decoration a:visible', { hasText: '▶ Simulate: auditd stopped' });
    await lens.first().waitFor({ timeout: 60_000 });
    t0 = performance.now();
    await lens.first().click();
    // the panel opens as the run starts, saying so, and shows the result when it comes
    await wb.webview().locator('main#app').first().waitFor({ timeout: 60_000 });
    timed('simulation: lens click → panel painted', t0);
    await wb.webview().locator('table.invariants tbody tr').first().waitFor({ timeout: 60_000 });
    timed('simulation: lens click → invariants shown', t0);
    await shot('timings-simulation');
    console.log(`[e2e] timings (ms): ${JSON.stringify(timings)}`);
  });

  scenario('1 hover on a requeue hook shows its role and its queue operation', async () => {
    await reset();
    await wb.openFile(DEMO, 'kauditd-demo.c - a small, self-contained model');
    await wb.goToLine(151);
    // the language server has analysed the file once its lenses show: a hover asked before can come back empty
    await wb.activeEditor.locator('.codelens-decoration:visible', { hasText: 'Simulate' }).first().waitFor({ timeout: 60_000 });
    const name = wb.viewLine('static void demo_retry_skb(').locator('span span', { hasText: /^demo_retry_skb$/ });
    const hover = wb.page.locator('.monaco-hover:visible', { hasText: 'demo_retry_skb — requeue' }).first();
    await wb.hoverUntil(name, hover);
    await poll(() => hover.innerText()).toContain('Queues');
    const text = (await hover.innerText()).replace(/\s+/g, ' ');
    expect(text).toContain('demo_retry_skb — requeue');
    expect(text).toContain('enqueue tail audit_retry_queue — bounded by audit_backlog_limit');
    await shot('hover-requeue');
    await wb.page.keyboard.press('Escape');
    await hover.waitFor({ state: 'hidden' });
  });

  scenario('2 Problems lists a finding with its rule id and the quick fix removes it', async () => {
    await reset();
    await wb.openFile(DEMO, 'kauditd-demo.c - a small, self-contained model');
    // remove demo_retry_skb's bound (lines 153-158), as examples/unbounded-retry.patch does
    await wb.goToLine(153);
    await wb.viewLine('skb_queue_len_lockless(&audit_retry_queue) >= audit_backlog_limit').waitFor();
    for (let i = 0; i < 6; i++) await wb.page.keyboard.press('Control+Shift+K');
    await wb.viewLine('retry queue overflow').waitFor({ state: 'detached' });
    await wb.problems();
    const finding = wb.problemRows('AQ101');
    await finding.first().waitFor();
    expect(await finding.first().innerText()).toMatch(/demo_retry_skb\(\) appends to audit_retry_queue/);
    await shot('problems-AQ101');

    await wb.applyQuickFix('Bound audit_retry_queue by audit_backlog_limit', 153, () => shot('quick-fix-menu'));
    await wb.viewLine('retry queue overflow').waitFor();
    await finding.first().waitFor({ state: 'detached' });
    await poll(() => wb.problemRows('AQ101').count()).toBe(0);
    await shot('quick-fix-applied');
  });

  scenario('3 a patch shows its diagnostics and hunk lens, and Draft Review Reply opens the reply', async () => {
    await reset();
    await wb.openFile(PATCH, 'Subject: [PATCH] audit demo');
    await wb.problems();
    const introduced = wb.problemRows(/Introduced by this patch: demo_retry_skb\(\) appends to audit_retry_queue/);
    await introduced.first().waitFor();
    expect(await introduced.first().innerText()).toContain('AQ101');
    const lens = wb.activeEditor.locator('.codelens-decoration:visible', { hasText: 'AuditLens: introduces AQ101' });
    await lens.first().waitFor();
    expect(await lens.first().innerText()).toContain('the enqueue to audit_retry_queue is now unbounded');
    await shot('patch-diagnostics-lens');

    await wb.focusEditor();
    await wb.command('AuditLens: Draft Review Reply');
    await wb.page.locator('.tabs-container .tab.active', { hasText: /Untitled/ }).waitFor();
    await wb.viewLine('Subject: Re: [PATCH] audit demo: keep every record that failed with -EAGAIN').waitFor();
    await wb.viewLine('To: Demo Contributor <contributor@example.org>').waitFor();
    await wb.viewLine('I think this is a problem: demo_retry_skb() appends to audit_retry_queue').waitFor();
    await wb.viewLine('AuditLens: introduces AQ101').waitFor();
    await poll(() => wb.page.locator('.editor-group-container').count()).toBe(2);
    await shot('review-reply');
  });

  scenario('4 the simulation lens runs and the panel shows the chart and the invariants', async () => {
    await reset();
    await wb.openFile(DEMO, 'kauditd-demo.c - a small, self-contained model');
    await wb.goToLine(151);
    // the lens above demo_retry_skb (hidden lens elements linger in the DOM: the visible one)
    const lens = wb.activeEditor.locator('.codelens-decoration a:visible', { hasText: '▶ Simulate: auditd stopped' });
    await lens.first().waitFor();
    await lens.first().click();
    const panel = wb.webview();
    const invariants = panel.locator('table.invariants tbody tr');
    await invariants.first().waitFor({ timeout: 60_000 });
    await poll(() => invariants.count()).toBe(5);
    const rows = (await invariants.allInnerTexts()).map((r) => r.replace(/\s+/g, ' '));
    for (const name of ['ordering', 'bounded', 'termination', 'accounting', 'progress']) {
      expect(rows.find((r) => r.startsWith(name)), `invariant row ${name} in ${JSON.stringify(rows)}`).toMatch(/✓ ok/);
    }
    const canvas = panel.locator('.chart .uplot canvas');
    await canvas.first().waitFor();
    const box = await canvas.first().boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(100);
    expect(box?.height ?? 0).toBeGreaterThan(100);
    await poll(() => panel.locator('header').innerText()).toContain('kauditd-demo.c: no invariant violated');
    await shot('simulation-chart');
    await panel.locator('table.invariants').scrollIntoViewIfNeeded();
    await shot('simulation-invariants');
  });

  scenario('5 editing the C file updates its diagnostics without a reload', async () => {
    await reset();
    await wb.openFile(DEMO, 'kauditd-demo.c - a small, self-contained model');
    await wb.problems();
    await wb.goToLine(159);
    const typed = wb.viewLine(/^\s*kfree_skb\(skb\);\s*$/);
    const before = await typed.count();
    await wb.page.keyboard.press('End');
    await wb.page.keyboard.press('Enter');
    await wb.page.keyboard.type('kfree_skb(skb);');
    await poll(() => typed.count()).toBe(before + 1);
    await wb.cursorAt(160);
    const finding = wb.problemRows('AQ107');
    await finding.first().waitFor();
    expect(await finding.first().innerText()).toMatch(/demo_retry_skb\(\) hands on skb after skb_queue_tail\(\) \(line \d+\) may already have consumed it/);
    await shot('edit-introduces-AQ107');

    await wb.page.keyboard.press('Control+Z');
    await poll(() => typed.count()).toBe(before);
    await wb.cursorAt(159);
    await finding.first().waitFor({ state: 'detached' });
    await wb.page.locator('.tabs-container .tab.active.dirty').waitFor({ state: 'detached' });
    expect(await wb.page.evaluate(() => (globalThis as Record<string, unknown>).__auditlensE2E)).toBe(pageMarker);
    await shot('undo-clears-AQ107');
  });

  test('nothing tried to leave the machine, no file was saved', () => {
    expect(browsing?.blocked ?? [], 'browser requests to anything but 127.0.0.1 (aborted)').toEqual([]);
    const node = networkAttempts(layout, extensionDir);
    expect(node.extension, 'connections or lookups off loopback by the extension, its server or its simulations (refused)').toEqual([]);
    expect(node.other, 'connections or lookups off loopback by code-server itself (refused)').toEqual([]);
    savedByMistake.push(...restoreWorkspace(layout));
    expect(savedByMistake, 'workspace files a scenario saved').toEqual([]);
  });
});
