/// <reference lib="dom" />
/**
 * The simulation panel's script (bundled by esbuild into dist/webview.js with
 * uPlot and its stylesheet: nothing is fetched at run time). It renders the
 * view the extension posts: a chart of queue depths per run, the invariants,
 * the counts and the traces, whose steps reveal their source line when
 * clicked. All text goes in through textContent; no inline handlers.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './panel.css';
import { toChartData } from './chartData';
import type { FromWebview, PanelRun, PanelView, ToWebview } from './protocol';
import { comparisonRows, countRows, invariantRows, queueRows, stepLabel, tallyRows, visibleSteps } from './viewModel';
import type { Violation } from '../../../server/src/simulate/types';

declare function acquireVsCodeApi(): { postMessage(message: FromWebview): void };

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') as HTMLElement;
const CHART_HEIGHT = 260;
/** VS Code's chart palette, so the panel follows the colour theme. */
const PALETTE: readonly [string, string][] = [
  ['--vscode-charts-blue', '#3794ff'],
  ['--vscode-charts-orange', '#d18616'],
  ['--vscode-charts-green', '#89d185'],
  ['--vscode-charts-purple', '#b180d7'],
  ['--vscode-charts-yellow', '#cca700'],
];
let plots: uPlot[] = [];
let resizer: ResizeObserver | undefined;

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  if (event.data?.type === 'show') render(event.data.view);
});
vscode.postMessage({ type: 'ready' });

type Child = Node | string | number | null | undefined | false;

function h<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (className) el.className = className;
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return el;
}

function table(headers: string[], rows: Child[][], className = ''): HTMLTableElement {
  return h('table', className,
    h('thead', undefined, h('tr', undefined, ...headers.map((t) => h('th', undefined, t)))),
    h('tbody', undefined, ...rows.map((cells) => h('tr', undefined, ...cells.map((c) => h('td', undefined, c))))),
  );
}

function render(view: PanelView): void {
  for (const p of plots) p.destroy();
  plots = [];
  resizer?.disconnect();
  const runs = view.runs;
  const charts: { el: HTMLElement; run: PanelRun }[] = [];
  const header = h('header', undefined, h('h1', undefined, view.title), h('p', 'muted', view.subject));
  const body = h('div', runs.length > 1 ? 'runs side-by-side' : 'runs', ...runs.map((run) => runSection(run, charts)));
  app.replaceChildren(...(runs.length === 2 ? [header, comparison(runs[0], runs[1]), body] : [header, body]));
  // Charts are drawn once in the page, so that they know their width; the compared ones share the y scale and colours.
  const yMax = Math.max(1, ...runs.flatMap((r) => Object.values(r.result.queues).map((q) => q.max)));
  const queueNames = [...new Set(runs.flatMap((r) => r.result.series.queueNames))];
  for (const { el, run } of charts) drawChart(el, run, runs.length > 1 ? yMax : undefined, queueNames);
  resizer = new ResizeObserver(() => plots.forEach((p) => p.setSize({ width: p.root.parentElement?.clientWidth || p.width, height: CHART_HEIGHT })));
  for (const { el } of charts) resizer.observe(el);
}

function comparison(before: PanelRun, after: PanelRun): HTMLElement {
  const rows = comparisonRows(before.result, after.result);
  const t = table(['', before.label, after.label], rows.map((r) => [r.name, r.before, r.after]), 'comparison');
  rows.forEach((r, i) => { if (r.changed) t.tBodies[0].rows[i].classList.add('changed'); });
  return h('section', undefined, h('h2', undefined, 'What the patch changes'), t);
}

function runSection(run: PanelRun, charts: { el: HTMLElement; run: PanelRun }[]): HTMLElement {
  const r = run.result;
  const p = r.parameters;
  const chart = h('div', 'chart');
  charts.push({ el: chart, run });
  const invariants = invariantRows(r);
  const lost = tallyRows(r.lostByReason);
  const abstracted = tallyRows(r.abstracted);
  return h('section', 'run',
    h('h2', undefined, run.label),
    h('p', 'muted',
      `scenario ${r.scenario} · ${p.records} records · backlog limit ${p.backlogLimit || 'none'} · seed ${p.seed} · `
      + `${r.stats.steps.toLocaleString()} steps, ${r.stats.ticks.toLocaleString()} ticks in ${Math.round(r.stats.ms)} ms`),
    h('figure', undefined, chart, h('figcaption', 'muted', 'Queue depths over time (the maximum per sample when the run is longer than the chart)')),
    r.notes?.length ? h('ul', 'notes', ...r.notes.map((n) => h('li', undefined, n))) : null,
    h('h3', undefined, 'Invariants'),
    table(['invariant', 'verdict'], invariants.map((row) => [
      h('span', undefined, h('strong', undefined, row.invariant), h('br'), h('span', 'muted', row.meaning)),
      row.ok ? h('span', 'ok', '✓ ok') : h('span', 'violated', `✗ ${row.messages.join(' · ')}`),
    ]), 'invariants'),
    h('div', 'tables',
      h('div', undefined, h('h3', undefined, 'Records'), table(['', 'count'], countRows(r).map((c) => [c.name, c.alarm ? h('span', 'violated', c.value) : c.value]))),
      h('div', undefined, h('h3', undefined, 'Queue maxima'), table(['queue', 'max'], queueRows(r).map((q) => [q.queue, q.overLimit ? h('span', 'violated', `${q.max} (over the limit)`) : q.max]))),
      h('div', undefined, h('h3', undefined, 'Lost, by reason'), lost.length ? table(['reason', 'records'], lost.map((l) => [l.name, l.value])) : h('p', 'muted', 'none')),
      h('div', undefined, h('h3', undefined, 'Abstracted calls'), abstracted.length
        ? table(['call (run as a no-op)', 'times'], abstracted.map((a) => [h('code', undefined, a.name), a.value]))
        : h('p', 'muted', 'none')),
      r.unknownValues?.length
        ? h('div', undefined, h('h3', undefined, 'Unknown identifiers (read as 0)'), h('p', undefined, ...r.unknownValues.flatMap((u, i) => [i ? ', ' : '', h('code', undefined, u)])))
        : null,
    ),
    h('h3', undefined, r.violations.length ? `Violations (${r.violations.length})` : 'Violations'),
    r.violations.length ? h('div', undefined, ...r.violations.map((v) => violation(run, v))) : h('p', 'muted', 'No invariant was violated.'),
  );
}

function violation(run: PanelRun, v: Violation): HTMLElement {
  const list = h('ol', 'trace');
  const fill = (all: boolean) => {
    const { steps, hidden } = visibleSteps(v.trace, all);
    const items: HTMLElement[] = [];
    if (hidden > 0) {
      const more = h('button', 'link', `Show all ${v.trace.length} steps (${hidden} earlier)`);
      more.addEventListener('click', () => fill(true));
      items.push(h('li', 'more', more));
    }
    for (const step of steps) {
      const button = h('button', 'step', stepLabel(step));
      button.title = `Tick ${step.tick}: reveal line ${step.line} of ${run.label}`;
      button.addEventListener('click', () => {
        list.querySelector('.current')?.classList.remove('current');
        button.classList.add('current');
        vscode.postMessage({ type: 'reveal', side: run.side, line: step.line });
      });
      items.push(h('li', undefined, button));
    }
    list.replaceChildren(...items);
  };
  fill(false);
  return h('details', 'violation', h('summary', undefined, h('span', 'violated', v.invariant), `: ${v.message}`), list);
}

function drawChart(el: HTMLElement, run: PanelRun, yMax: number | undefined, queueNames: string[]): void {
  const chart = toChartData(run.result);
  if (chart.data[0].length === 0) {
    el.append(h('p', 'muted', 'No samples were recorded.'));
    return;
  }
  const css = getComputedStyle(document.body);
  const colour = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const fg = colour('--vscode-foreground', '#cccccc');
  const grid = colour('--vscode-editorWidget-border', 'rgba(128, 128, 128, 0.35)');
  const axis = (label: string): uPlot.Axis => ({ label, stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } });
  const series: uPlot.Series[] = [
    { label: 'tick' },
    ...chart.names.map((name, i): uPlot.Series => {
      if (i === chart.limitSeries) return { label: name, stroke: colour('--vscode-charts-red', '#f14c4c'), dash: [6, 4], width: 1, points: { show: false } };
      const [variable, fallback] = PALETTE[Math.max(0, queueNames.indexOf(name)) % PALETTE.length];
      return { label: name, stroke: colour(variable, fallback), width: 2, points: { show: false } };
    }),
  ];
  const limit = run.result.parameters.backlogLimit;
  const top = yMax === undefined ? undefined : Math.max(yMax, chart.limitSeries !== undefined ? limit : 0);
  const options: uPlot.Options = {
    width: el.clientWidth || 600,
    height: CHART_HEIGHT,
    scales: { x: { time: false }, ...(top !== undefined ? { y: { range: [0, Math.ceil(top * 1.05)] } } : {}) },
    axes: [axis('tick'), axis('records in the queue')],
    series,
    legend: { live: true },
  };
  plots.push(new uPlot(options, chart.data as uPlot.AlignedData, el));
}
