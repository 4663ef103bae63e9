/**
 * The simulation's presentation without an editor: the panel's HTML and
 * Content-Security-Policy, the webview's data shaping, its page rendered
 * headless (happy-dom: what comes first, what colour, what adds up), the
 * server command's argument handling and the code lenses. The charts need a
 * browser (the e2e suite); nothing here imports `vscode`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CancellationTokenSource, LSPErrorCodes, ResponseError, WorkDoneProgressReporter } from 'vscode-languageserver';
import { Analyser, FileAnalysis } from '../../server/src/analyser';
import { codeLenses, patchSimulationLenses } from '../../server/src/features/codeLens';
import { reviewDocument } from '../../server/src/features/patchDocument';
import {
  compareCommand,
  inProcessRunner,
  parseSimulateArguments,
  Runner,
  SimulationContext,
  simulateCommand,
} from '../../server/src/features/simulation';
import type { SimulationResult, TraceStep } from '../../server/src/simulate/types';
import { formatSimulationText } from '../../server/src/cli/simulateText';
import { resultJson } from '../../server/src/cli/simulate';
import { contentSecurityPolicy, newNonce, renderHtml } from '../../client/src/panelHtml';
import { toChartData } from '../../client/src/webview/chartData';
import { FromWebview, isFromWebview, PanelView } from '../../client/src/webview/protocol';
import { renderView } from '../../client/src/webview/render';
import { comparisonRows, countRows, invariantRows, queueRows, recordsLine, stepLabel, tallyRows, TRACE_SHOWN, visibleSteps } from '../../client/src/webview/viewModel';
import { Window } from 'happy-dom';
import { lineOf } from '../lsp/positions';
import { fixture } from '../shared';

const ROOT = resolve(__dirname, '..', '..');
const DEMO = readFileSync(resolve(ROOT, 'examples', 'kauditd-demo.c'), 'utf8');
const DEMO_PATCH = readFileSync(resolve(ROOT, 'examples', 'unbounded-retry.patch'), 'utf8');

function step(tick: number, line: number, event: string, hold = 0): TraceStep {
  return { tick, line, fn: 'kauditd_send_queue', event, queues: { audit_queue: 1, audit_hold_queue: hold } };
}

/** A hand-made result: auditd stopped, the hold queue filled to the limit, one ordering violation. */
function result(over: Partial<SimulationResult> = {}): SimulationResult {
  return {
    version: 1,
    scenario: 'auditd-stopped',
    records: { produced: 200, delivered: 92, queued: 0, lost: 108, dropped: 0 },
    lostByReason: { 'hold queue full': 108 },
    queues: { audit_queue: { max: 3 }, audit_retry_queue: { max: 2 }, audit_hold_queue: { max: 64 } },
    violations: [{ invariant: 'ordering', message: 'record #9 reached auditd after record #73, which was produced later', trace: [step(10, 279, 'skb_dequeue(&audit_retry_queue) -> #9'), step(10, 290, 'netlink_unicast(#9) delivered')] }],
    abstracted: { register_pernet_subsys: 1, msecs_to_jiffies: 40 },
    unknownValues: ['AUDIT_BACKLOG_WAIT_TIME'],
    notes: [],
    series: { queueNames: ['audit_queue', 'audit_retry_queue', 'audit_hold_queue'], points: [[0, 0, 0, 0], [1, 3, 1, 10], [2, 1, 2, 64], [3, 0, 0, 12]] },
    parameters: { records: 200, backlogLimit: 64, seed: 1, troubleTicks: 200, failureRate: 0.15, sendTimeout: 10, bypass: false },
    stats: { steps: 1234, ticks: 4, ms: 5, recordsPerSecond: 40000 },
    ...over,
  };
}

describe('simulation panel HTML and Content-Security-Policy', () => {
  const cspSource = 'https://*.vscode-cdn.net';
  const nonce = 'c2ltdWxhdGlvbi1ub25jZQ==';
  const html = renderHtml({
    cspSource,
    nonce,
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js',
    styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.css',
    title: 'AuditLens: auditd-stopped <before/after>',
  });
  const policy = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';

  it('allows nothing by default, scripts only by nonce, styles and images only from the extension', () => {
    expect(policy).toBe(`default-src 'none'; script-src 'nonce-${nonce}'; style-src ${cspSource} 'nonce-${nonce}'; img-src ${cspSource} data:;`);
    expect(policy).toBe(contentSecurityPolicy(cspSource, nonce));
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|\*(?!\.vscode-cdn)/);
    // the webview's own origin is the only http(s) source; no CDN, no remote fonts or connections
    expect(policy.split(cspSource).join('')).not.toMatch(/https?:/);
    expect(policy).not.toMatch(/font-src|connect-src|frame-src/);
  });

  it('loads one script, from dist with the nonce, and has no inline code or handlers', () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0][1]).toContain(`nonce="${nonce}"`);
    expect(scripts[0][1]).toContain('src="https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js"');
    expect(scripts[0][2]).toBe('');
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/\sstyle\s*=/i);
    expect(html).not.toContain('<style');
    expect(html).toContain('<link rel="stylesheet" href="https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.css">');
    expect(html).toContain('<title>AuditLens: auditd-stopped &lt;before/after&gt;</title>');
  });

  it('makes a fresh, unguessable nonce each time', () => {
    const nonces = new Set(Array.from({ length: 20 }, newNonce));
    expect(nonces.size).toBe(20);
    for (const n of nonces) expect(Buffer.from(n, 'base64')).toHaveLength(16);
  });

  it('keeps the webview script free of HTML injection, eval and remote loads', () => {
    const dir = resolve(ROOT, 'client', 'src', 'webview');
    for (const name of readdirSync(dir)) {
      const src = readFileSync(resolve(dir, name), 'utf8');
      expect(src, name).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|https?:\/\/|@import|url\(/);
    }
  });
});

describe('webview data shaping', () => {
  it('gives uPlot the ticks and one line per queue, plus the backlog limit when the queues reach near it', () => {
    const chart = toChartData(result());
    expect(chart.names).toEqual(['audit_queue', 'audit_retry_queue', 'audit_hold_queue', 'audit_backlog_limit (64)']);
    expect(chart.data).toEqual([[0, 1, 2, 3], [0, 3, 1, 0], [0, 1, 2, 0], [0, 10, 64, 12], [64, 64, 64, 64]]);
    expect(chart.limitSeries).toBe(3);
    expect(chart.bucket).toBe(1);
  });

  it('leaves the limit out when the queues stay far below it, and when there is none', () => {
    const shallow = result({ queues: { audit_queue: { max: 3 } }, series: { queueNames: ['audit_queue'], points: [[0, 1], [1, 3]] } });
    expect(toChartData(shallow).names).toEqual(['audit_queue']);
    expect(toChartData({ ...result(), parameters: { ...result().parameters, backlogLimit: 0 } }).limitSeries).toBeUndefined();
  });

  it('downsamples long runs without losing a peak', () => {
    const points = Array.from({ length: 10_000 }, (_, t) => [t, t === 7777 ? 500 : 1]);
    const chart = toChartData(result({ queues: { audit_hold_queue: { max: 500 } }, series: { queueNames: ['audit_hold_queue'], points } }), 1000);
    expect(chart.bucket).toBe(10);
    expect(chart.data[0]).toHaveLength(1000);
    expect(chart.data[0].slice(0, 3)).toEqual([0, 10, 20]);
    expect(Math.max(...chart.data[1])).toBe(500);
    expect(chart.data[1][777]).toBe(500);
  });

  it('tabulates invariants, counts, losses, queue maxima and abstracted calls', () => {
    expect(invariantRows(result()).map((r) => [r.invariant, r.ok, r.messages])).toEqual([
      ['ordering', false, ['record #9 reached auditd after record #73, which was produced later']],
      ['bounded', true, []],
      ['termination', true, []],
      ['accounting', true, []],
      ['progress', true, []],
    ]);
    expect(countRows(result()).map((c) => c.value)).toEqual([200, 92, 0, 108, 0]);
    expect(countRows(result({ records: { produced: 5, delivered: 3, queued: 0, lost: 0, dropped: 2 } })).find((c) => c.alarm)?.name).toMatch(/^dropped/);
    expect(tallyRows(result().abstracted)).toEqual([{ name: 'msecs_to_jiffies', value: 40 }, { name: 'register_pernet_subsys', value: 1 }]);
    expect(queueRows(result({ queues: { audit_queue: { max: 64 } } }))).toEqual([{ queue: 'audit_queue', max: 64, overLimit: false, over: 'within', verdict: 'within audit_backlog_limit 64' }]);
    expect(queueRows(result({ queues: { audit_retry_queue: { max: 65 } } }))).toEqual([{
      queue: 'audit_retry_queue', max: 65, overLimit: true, over: 'unexplained', verdict: '1 past audit_backlog_limit 64; the run reported no bounded violation and no reason',
    }]);
    expect(stepLabel(result().violations[0].trace[0])).toBe('L279 kauditd_send_queue: skb_dequeue(&audit_retry_queue) -> #9 [audit_queue=1 audit_hold_queue=0]');
  });

  it('shows the end of a long trace first, all of it on request', () => {
    const trace = Array.from({ length: TRACE_SHOWN + 50 }, (_, i) => step(i, 100 + i, 'x'));
    expect(visibleSteps(trace, false)).toMatchObject({ hidden: 50 });
    expect(visibleSteps(trace, false).steps[0].tick).toBe(50);
    expect(visibleSteps(trace, true).steps).toHaveLength(TRACE_SHOWN + 50);
  });

  it('marks what a patch changes, before against after', () => {
    const before = result();
    const after = result({ violations: [], records: { ...before.records, delivered: 200, lost: 0 }, queues: { ...before.queues, audit_hold_queue: { max: 12 } } });
    const changed = comparisonRows(before, after).filter((r) => r.changed).map((r) => [r.name, r.before, r.after, r.effect]);
    expect(changed).toEqual([
      ['ordering', 'violated', 'ok', 'fix'],
      ['delivered', '92', '200', 'changed'],
      ['lost (audit_log_lost)', '108', '0', 'changed'],
      ['audit_hold_queue peak', '64', '12', 'changed'],
    ]);
    // an invariant newly broken, and records silently dropped, are regressions
    const worse = result({ violations: [...before.violations, { invariant: 'progress', message: 'stuck', trace: [] }], records: { ...before.records, lost: 100, dropped: 8 } });
    expect(comparisonRows(before, worse).filter((r) => r.changed).map((r) => [r.name, r.effect])).toEqual([
      ['progress', 'regression'],
      ['lost (audit_log_lost)', 'changed'],
      ['dropped (not accounted)', 'regression'],
    ]);
  });

  it('accepts only well-formed messages from the webview', () => {
    expect(isFromWebview({ type: 'ready' })).toBe(true);
    expect(isFromWebview({ type: 'reveal', side: 'after', line: 12 })).toBe(true);
    for (const bad of [null, 'reveal', { type: 'reveal', side: 'file', line: 0 }, { type: 'reveal', side: 'file', line: 1.5 }, { type: 'reveal', side: 'elsewhere', line: 3 }, { type: 'open', uri: 'file:///etc/passwd' }]) {
      expect(isFromWebview(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});

/** The 2021 file before the 2022 fix and the fix itself (test/fixtures/versions), auditd stopped. */
async function realRun(name: 'versions/late2021.c' | 'versions/v2022.c'): Promise<SimulationResult> {
  const reply = await inProcessRunner(new Analyser().analyseText(fixture(name)), { scenario: 'auditd-stopped', records: 300 }, { token: new CancellationTokenSource().token, progress: () => undefined });
  return reply;
}

/** The panel's page for `view`, rendered into a headless document with the panel's stylesheet. */
function renderPage(view: PanelView) {
  const window = new Window();
  const doc = window.document;
  const style = doc.createElement('style');
  style.textContent = readFileSync(resolve(ROOT, 'client', 'src', 'webview', 'panel.css'), 'utf8');
  doc.head.append(style);
  // the theme's colours, as VS Code sets them on the webview's body
  doc.body.setAttribute('style', '--vscode-testing-iconFailed: rgb(241, 0, 0); --vscode-testing-iconPassed: rgb(0, 201, 0); --vscode-errorForeground: rgb(250, 1, 1)');
  const app = doc.createElement('main');
  doc.body.append(app);
  const posted: FromWebview[] = [];
  const charts = renderView(app as unknown as HTMLElement, view, { post: (m) => posted.push(m) });
  const all = (selector: string) => [...app.querySelectorAll(selector)];
  /** a before b in the page */
  const precedes = (a: { compareDocumentPosition(o: never): number }, b: unknown) => (a.compareDocumentPosition(b as never) & 4) !== 0;
  const colour = (el: unknown) => window.getComputedStyle(el as never).color;
  return { window, doc, app, posted, charts, all, precedes, colour };
}

const singleView = (r: SimulationResult, label = 'audit.c'): PanelView => ({ title: 'AuditLens: auditd-stopped', subject: `${label}: run`, runs: [{ side: 'file', label, result: r }] });

describe('the panel page, rendered headless', () => {
  let late2021: SimulationResult;
  let v2022: SimulationResult;
  beforeAll(async () => {
    [late2021, v2022] = [await realRun('versions/late2021.c'), await realRun('versions/v2022.c')];
  });

  it('puts a violation and its trace first, open, above the charts and the tables', async () => {
    const page = renderPage(singleView(result()));
    const top = [...page.app.children].map((e) => `${e.tagName.toLowerCase()}.${e.className}`);
    expect(top).toEqual(['header.', 'section.violations', 'div.runs']);
    const [details] = page.all('details.violation') as unknown as { open: boolean; textContent: string }[];
    expect(details.open).toBe(true);
    expect(details.textContent).toContain('ordering: record #9 reached auditd after record #73');
    const steps = page.all('ol.trace button.step');
    expect(steps.map((b) => b.textContent)).toEqual(result().violations[0].trace.map(stepLabel));
    for (const later of [page.all('.chart')[0], page.all('table.records')[0], page.all('table.invariants')[0]]) expect(page.precedes(details as never, later)).toBe(true);
    (steps[1] as unknown as { click(): void }).click();
    expect(page.posted).toEqual([{ type: 'reveal', side: 'file', line: 290 }]);
    await page.window.happyDOM.close();
  });

  it('shows no violations section when nothing was violated', async () => {
    const page = renderPage(singleView(result({ violations: [] })));
    expect(page.all('section.violations')).toEqual([]);
    await page.window.happyDOM.close();
  });

  it('never shows a peak past the limit beside "bounded ✓ ok" without the reason on the same line', async () => {
    // v2022: audit_queue reaches 65 with the limit at 64 by the backlog wait's slack; late2021: audit_retry_queue past it, a violation
    for (const [r, name] of [[v2022, 'v2022'], [late2021, 'late2021']] as const) {
      const page = renderPage(singleView(r, name));
      const boundedRow = page.all('table.invariants tbody tr').find((tr) => tr.textContent?.startsWith('bounded'))!;
      const verdict = boundedRow.querySelectorAll('td')[1].textContent ?? '';
      for (const tr of page.all('table.queues tbody tr')) {
        const [queue, peak] = [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '');
        if (!/past audit_backlog_limit/.test(peak)) continue;
        expect(peak, `${name} ${queue}`).toMatch(/^\d+ — \d+ past audit_backlog_limit 64(: a bounded violation|, not a violation: .+)$/);
        if (/not a violation/.test(peak)) {
          // the verdict line says the same, with the same reason (ok, or violated by another queue)
          expect(verdict, name).toMatch(r.violations.some((v) => v.invariant === 'bounded') ? /^✗ .* — / : /^✓ ok — /);
          expect(verdict, name).toContain(`${queue} peaked at ${peak.replace(/ — /, ', ')}`);
          expect(tr.querySelector('.slack'), name).not.toBeNull();
          expect(tr.querySelector('.violated'), name).toBeNull();
        } else {
          expect(verdict, name).toMatch(/^✗ /);
          expect(verdict, name).toContain(queue);
          expect(tr.querySelector('.violated'), name).not.toBeNull();
        }
      }
      await page.window.happyDOM.close();
    }
    // both cases are in these runs: the test is not vacuous
    expect(queueRows(v2022).map((q) => [q.queue, q.over])).toContainEqual(['audit_queue', 'slack']);
    expect(queueRows(v2022).find((q) => q.queue === 'audit_queue')?.verdict).toMatch(/^1 past audit_backlog_limit 64, not a violation: its bound is the backlog wait/);
    expect(queueRows(late2021).map((q) => [q.queue, q.over])).toContainEqual(['audit_retry_queue', 'violation']);
  });

  it('gives a header record count that the Records table adds up to', async () => {
    const spun = result({ records: { produced: 284, delivered: 87, queued: 194, lost: 2, dropped: 0 }, violations: [{ invariant: 'termination', message: 'spins', trace: [] }] });
    const cases = [result(), late2021, v2022, spun, result({ records: { produced: 5, delivered: 3, queued: 0, lost: 0, dropped: 1 }, violations: [] })];
    for (const r of cases) {
      const page = renderPage(singleView(r));
      const header = page.all('section.run p.records')[0].textContent ?? '';
      const rows = new Map(page.all('table.records tbody tr').map((tr) => {
        const [name, value] = [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '');
        return [name, Number(value)] as const;
      }));
      const produced = Number(/^(\d+) records produced/.exec(header)?.[1]);
      expect(produced).toBe(rows.get('produced'));
      const parts = [...header.split(' = ')[1].matchAll(/(\d+) ([^+]+?)(?: \+ |$)/g)].map((m) => [m[2], Number(m[1])] as const);
      expect(parts.reduce((n, [, v]) => n + v, 0), header).toBe(produced);
      // each part is a row of the table below, with the same count
      const rowOf = (word: string) => [...rows.entries()].find(([name]) => name.startsWith(word.split(' ')[0]) || name === word);
      for (const [word, value] of parts) expect(rowOf(word)?.[1], `${header}: ${word}`).toBe(value);
      await page.window.happyDOM.close();
    }
    expect(recordsLine(spun)).toBe('284 records produced (200 asked for, 84 more made while the queues drained) = 87 delivered + 194 queued + 2 lost + 0 dropped + 1 in hand when the spinning drain was stopped');
    expect(recordsLine(late2021)).toMatch(/^\d+ records produced \(300 asked for; the run stopped before making them all\) = /);
    expect(recordsLine(result({ records: { produced: 5, delivered: 3, queued: 0, lost: 0, dropped: 1 }, violations: [] }))).toBe('5 records produced (200 asked for; the run stopped before making them all) = 3 delivered + 0 queued + 0 lost + 1 dropped + 1 leaked (neither delivered, queued nor counted lost)');
  });

  it('in a before/after comparison, shows a regression red and a fix green', async () => {
    // the 2022 fix: bounded and termination fixed; the ordering violation today's file still has appears
    const page = renderPage({
      title: 'AuditLens: auditd-stopped, before/after',
      subject: 'fix.patch on kernel/audit.c',
      runs: [{ side: 'before', label: 'Before the patch', result: late2021 }, { side: 'after', label: 'After the patch', result: v2022 }],
    });
    const row = (name: string) => page.all('table.comparison tbody tr').find((tr) => tr.querySelector('td')?.textContent === name)!;
    for (const name of ['bounded', 'termination']) {
      expect(row(name).classList.contains('fix'), name).toBe(true);
      expect(row(name).textContent, name).toMatch(/violatedokfixed$/);
      expect(page.colour(row(name).querySelector('td')), name).toBe('rgb(0, 201, 0)');
    }
    expect(row('ordering').classList.contains('regression')).toBe(true);
    expect(row('ordering').textContent).toMatch(/okviolatedregression$/);
    expect(page.colour(row('ordering').querySelector('td'))).toBe('rgb(241, 0, 0)');
    // unchanged rows keep the text colour
    expect(row('accounting').className).toBe('');
    expect(page.colour(row('accounting').querySelector('td'))).not.toMatch(/rgb\((241, 0|0, 201), 0\)/);
    const verdict = page.all('section.comparison p.verdict')[0];
    expect(verdict.textContent).toBe('Fixed by the patch: bounded, termination. Broken by the patch: ordering.');
    expect(page.colour(verdict.querySelector('.regression'))).toBe('rgb(241, 0, 0)');
    expect(page.colour(verdict.querySelector('.fix'))).toBe('rgb(0, 201, 0)');
    // the violations lead, each said to be fixed by the patch or new with it
    const tags = page.all('section.violations details.violation summary .effect').map((e) => [e.className, e.textContent]);
    expect(tags).toEqual(expect.arrayContaining([['effect fix', ' (fixed by the patch)'], ['effect regression', ' (new with the patch)']]));
    const top = [...page.app.children].map((e) => e.className);
    expect(top).toEqual(['', 'violations', 'comparison', 'runs side-by-side']);
    expect(page.charts.map((c) => c.run.side)).toEqual(['before', 'after']);
    await page.window.happyDOM.close();
  });
});

/** A progress reporter that records what the command reports. */
function recorder(): WorkDoneProgressReporter & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    begin: (title: string) => void events.push(`begin ${title}`),
    report: (value: number | string) => void events.push(`report ${value}`),
    done: () => void events.push('done'),
  } as WorkDoneProgressReporter & { events: string[] };
}

function context(over: Partial<SimulationContext> = {}): SimulationContext {
  return {
    analysisFor: () => undefined,
    reviewFor: () => undefined,
    run: async () => result(),
    token: new CancellationTokenSource().token,
    progress: recorder(),
    ...over,
  };
}

describe('server command auditlens.server.simulate', () => {
  const URI = 'file:///linux/kernel/audit.c';
  const v2022 = new Analyser().analyseText(fixture('versions/v2022.c'));

  it('answers bad arguments with an error, without throwing', async () => {
    await expect(simulateCommand([URI, 'auditd-sleepy'], context())).resolves.toEqual({ error: 'unknown scenario "auditd-sleepy"; scenarios: steady, auditd-down, auditd-restart, auditd-stopped, eagain-burst' });
    await expect(simulateCommand([], context())).resolves.toEqual({ error: 'the first argument must be the URI of an audit C document' });
    await expect(simulateCommand(undefined, context())).resolves.toHaveProperty('error');
    expect(parseSimulateArguments([URI, 'steady', { records: 'lots' }])).toEqual({ error: 'records must be a whole number from 1 to 1000000' });
    expect(parseSimulateArguments([URI, 'steady', { backlogLimit: -1 }])).toHaveProperty('error');
    expect(parseSimulateArguments([URI, 'steady', { speed: 2 }])).toEqual({ error: "unknown option 'speed'; options: records, backlogLimit, seed, troubleTicks, failureRate, explore, finding" });
    expect(parseSimulateArguments([URI, 'steady', { records: 200, seed: 3, explore: true }])).toEqual({ uri: URI, options: { scenario: 'steady', records: 200, seed: 3, explore: true } });
  });

  it('says so when the document is not an analysed audit C file, or has no consumer', async () => {
    await expect(simulateCommand([URI, 'steady'], context())).resolves.toMatchObject({ error: expect.stringMatching(/not an audit C file AuditLens has analysed/) });
    const noConsumer = new Analyser().analyseText('static struct sk_buff_head audit_queue;\nstatic void f(void) { }\n');
    await expect(simulateCommand([URI, 'steady'], context({ analysisFor: () => noConsumer }))).resolves.toMatchObject({ error: expect.stringMatching(/^no consumer/) });
  });

  it('runs the analysis of the document it names, reporting progress', async () => {
    const progress = recorder();
    let ran: { analysis?: FileAnalysis; options?: unknown } = {};
    const run: Runner = async (analysis, options, control) => {
      ran = { analysis, options };
      control.progress(0.5);
      control.progress(0.504); // same whole percent: not reported again
      control.progress(1);
      return result();
    };
    const reply = await simulateCommand([URI, 'auditd-stopped', { records: 200 }], context({ analysisFor: (u) => (u === URI ? v2022 : undefined), run, progress }));
    expect(reply).toEqual(result());
    expect(ran).toEqual({ analysis: v2022, options: { scenario: 'auditd-stopped', records: 200 } });
    expect(progress.events).toEqual(['begin Simulating auditd-stopped', 'report 50', 'report 100', 'done']);
  });

  it('turns an engine error into an error answer, and a cancel into RequestCancelled', async () => {
    const failing: Runner = async () => result({ error: 'no consumer thread' });
    await expect(simulateCommand([URI, 'steady'], context({ analysisFor: () => v2022, run: failing }))).resolves.toEqual({ error: 'no consumer thread' });
    const source = new CancellationTokenSource();
    source.cancel();
    const progress = recorder();
    const err = await simulateCommand([URI, 'steady'], context({ analysisFor: () => v2022, run: inProcessRunner, token: source.token, progress })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseError);
    expect((err as ResponseError<void>).code).toBe(LSPErrorCodes.RequestCancelled);
    expect(progress.events.at(-1)).toBe('done');
  });

  it('runs the real engine in process (tests; the server uses a child process)', async () => {
    const reply = await simulateCommand([URI, 'steady', { records: 50 }], context({ analysisFor: () => v2022, run: inProcessRunner }));
    expect(reply).toMatchObject({ version: 1, scenario: 'steady', parameters: { records: 50 } });
  });
});

describe('server command auditlens.server.compare', () => {
  const PATCH_URI = 'file:///linux/0001-unbounded-retry.patch';
  const review = reviewDocument(DEMO_PATCH, { text: DEMO, path: 'file:///linux/kernel/audit.c' });

  it('runs the scenario on the image before and after the patch, and returns both texts', async () => {
    const seen: string[] = [];
    const run: Runner = async (analysis, options) => {
      seen.push(`${options.scenario}: ${analysis === review.review.images[0].pre ? 'pre' : 'post'}`);
      return result({ scenario: options.scenario });
    };
    const reply = await compareCommand([PATCH_URI, 'auditd-stopped'], context({ reviewFor: (u) => (u === PATCH_URI ? review : undefined), run }));
    expect(seen).toEqual(['auditd-stopped: pre', 'auditd-stopped: post']);
    expect(reply).toMatchObject({ file: expect.stringMatching(/kauditd-demo\.c$|audit\.c$/), scenario: 'auditd-stopped', before: { version: 1 }, after: { version: 1 } });
    if (!('sources' in reply)) throw new Error('no comparison');
    expect(reply.sources.before).toBe(DEMO);
    expect(reply.sources.after).toContain('skb_queue_tail(&audit_retry_queue, skb);');
  });

  it('answers errors for unknown scenarios and documents that are not reviewed patches', async () => {
    await expect(compareCommand([PATCH_URI, 'nope'], context({ reviewFor: () => review }))).resolves.toHaveProperty('error', expect.stringMatching(/^unknown scenario "nope"/));
    await expect(compareCommand([PATCH_URI, 'steady'], context())).resolves.toEqual({ error: 'this document is not a patch AuditLens has reviewed' });
  });
});

describe('simulation code lenses', () => {
  it('puts both scenarios above the consumer, the drain and each requeue function of v2022.c', () => {
    const text = fixture('versions/v2022.c');
    const uri = 'file:///linux/kernel/audit.c';
    const lenses = codeLenses(new Analyser().analyseText(text), uri);
    const byLine = new Map<number, string[]>();
    for (const l of lenses) {
      expect(l.range.start).toEqual(l.range.end);
      expect(l.command?.command).toBe('auditlens.simulate');
      expect(l.command?.arguments?.[0]).toBe(uri);
      byLine.set(l.range.start.line, [...(byLine.get(l.range.start.line) ?? []), `${l.command?.title} ${l.command?.arguments?.[1]}`]);
    }
    const expected = ['▶ Simulate: auditd stopped auditd-stopped', '▶ Simulate: steady steady'];
    for (const fn of ['kauditd_thread', 'kauditd_send_queue', 'kauditd_hold_skb', 'kauditd_retry_skb', 'kauditd_rehold_skb']) {
      expect(byLine.get(lineOf(text, new RegExp(`^static \\w+ \\*?${fn}\\(`))), fn).toEqual(expected);
    }
    expect(byLine.size).toBe(5); // not above producers, senders, control...
    expect(byLine.has(lineOf(text, /^static void kauditd_printk_skb\(/))).toBe(false);
  });

  it('offers none on a file without a consumer (nothing would drain the queues)', () => {
    expect(codeLenses(new Analyser().analyseText(fixture('lsp/mini_audit.c')), 'file:///x/mini_audit.c')).toEqual([]);
  });

  it('offers one compare lens on the first hunk of a patch with a base, none when only fragments are known', () => {
    const uri = 'file:///linux/0001-unbounded-retry.patch';
    const withBase = reviewDocument(DEMO_PATCH, { text: DEMO, path: 'file:///linux/kernel/audit.c' });
    expect(patchSimulationLenses(withBase, uri)).toEqual([{
      range: { start: { line: withBase.review.hunks[0].headerLine, character: 0 }, end: { line: withBase.review.hunks[0].headerLine, character: 0 } },
      command: { title: '▶ Compare before/after: auditd stopped', command: 'auditlens.compare', arguments: [uri, 'auditd-stopped'] },
    }]);
    expect(DEMO_PATCH.split('\n')[withBase.review.hunks[0].headerLine]).toMatch(/^@@ -/);
    expect(patchSimulationLenses(reviewDocument(DEMO_PATCH), uri)).toEqual([]);
  });
});

describe('auditlens simulate output', () => {
  it('summarises a run and prints the first 20 and last 30 steps of a long violation trace', () => {
    const trace = Array.from({ length: 75 }, (_, i) => step(i, 200 + i, `event ${i}`));
    const r = result({ violations: [{ invariant: 'ordering', message: 'record #9 reached auditd after record #73', trace }], notes: ['audit_retry_queue still held 2 records at the end'] });
    const lines = formatSimulationText('audit.c', r).split('\n');
    expect(lines.slice(0, 8)).toEqual([
      'audit.c: scenario auditd-stopped (records 200, backlog limit 64, seed 1)',
      'records: produced 200, delivered 92, queued 0, lost 108 (54 %), dropped 0',
      'lost by reason: hold queue full 108',
      // counted loss beside a verdict: why it is not itself a violation
      expect.stringMatching(/^ {2}\(lost records are counted .* the designed outcome of a bounded backlog, not a bug; .*"dropped", an accounting violation\)$/),
      'queue maxima: audit_queue 3, audit_retry_queue 2, audit_hold_queue 64',
      'abstracted calls (run as no-ops): msecs_to_jiffies ×40, register_pernet_subsys ×1',
      'unknown identifiers (read as 0): AUDIT_BACKLOG_WAIT_TIME',
      'note: audit_retry_queue still held 2 records at the end',
    ]);
    expect(lines).toContain('invariants: ordering VIOLATED, bounded ok, termination ok, accounting ok, progress ok');
    expect(lines).toContain('violation: ordering: record #9 reached auditd after record #73');
    expect(lines).toContain('  ... 25 more steps (--format json has them all)');
    const steps = lines.filter((l) => /^ {2}L\d+ /.test(l));
    expect(steps).toHaveLength(50);
    expect(steps[19]).toBe('  L219 kauditd_send_queue: event 19 [audit_queue=1 audit_hold_queue=0]');
    expect(steps[20]).toBe('  L245 kauditd_send_queue: event 45 [audit_queue=1 audit_hold_queue=0]');
    expect(steps.at(-1)).toBe('  L274 kauditd_send_queue: event 74 [audit_queue=1 audit_hold_queue=0]');
    expect(lines.at(-2)).toBe('1 invariant violation');
  });

  it('prints JSON that parses back to the result, with each sample on one line', () => {
    const json = resultJson(result());
    expect(JSON.parse(json)).toEqual(result());
    expect(json).toContain('\n      [2, 1, 2, 64],\n');
  });
});
