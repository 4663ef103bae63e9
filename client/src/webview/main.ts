/// <reference lib="dom" />
/**
 * The simulation panel's script (bundled by esbuild into dist/webview.js with
 * uPlot and its stylesheet: nothing is fetched at run time). It renders the
 * view the extension posts (render.ts builds the page: violations and their
 * traces first, whose steps reveal their source line when clicked) and draws
 * each run's chart of queue depths. All text goes in as text nodes; no inline
 * handlers.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './panel.css';
import { toChartData } from './chartData';
import type { FromWebview, PanelRun, PanelView, ToWebview } from './protocol';
import { renderView } from './render';

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

function render(view: PanelView): void {
  for (const p of plots) p.destroy();
  plots = [];
  resizer?.disconnect();
  const runs = view.runs;
  const charts = renderView(app, view, { post: (message) => vscode.postMessage(message) });
  // Charts are drawn once in the page, so that they know their width; the compared ones share the y scale and colours.
  const yMax = Math.max(1, ...runs.flatMap((r) => Object.values(r.result.queues).map((q) => q.max)));
  const queueNames = [...new Set(runs.flatMap((r) => r.result.series.queueNames))];
  for (const { el, run } of charts) drawChart(el, run, runs.length > 1 ? yMax : undefined, queueNames);
  resizer = new ResizeObserver(() => plots.forEach((p) => p.setSize({ width: p.root.parentElement?.clientWidth || p.width, height: CHART_HEIGHT })));
  for (const { el } of charts) resizer.observe(el);
}

function drawChart(el: HTMLElement, run: PanelRun, yMax: number | undefined, queueNames: string[]): void {
  const chart = toChartData(run.result);
  if (chart.data[0].length === 0) {
    const none = document.createElement('p');
    none.className = 'muted';
    none.textContent = 'No samples were recorded.';
    el.append(none);
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
