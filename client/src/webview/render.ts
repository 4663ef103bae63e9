/// <reference lib="dom" />
/**
 * The simulation panel's page, built from the view the extension posts: plain DOM into the
 * given element (no uPlot, no VS Code API), so tests render it headless. What a maintainer
 * must see first leads: the violations, open, with their traces; then, for a comparison, what
 * the patch fixes and breaks; then each run's chart and tables. The charts are left as empty
 * slots for the caller to draw once the page is laid out.
 */
import type { FromWebview, PanelRun, PanelView } from './protocol';
import {
  comparisonRows,
  comparisonVerdict,
  countRows,
  invariantRows,
  queueRows,
  recordsLine,
  stepLabel,
  tallyRows,
  violationEffect,
  visibleSteps,
} from './viewModel';
import type { Violation } from '../../../server/src/simulate/types';

export interface PageHost {
  post(message: FromWebview): void;
}

/** A run's chart, to be drawn into `el`. */
export interface ChartSlot {
  el: HTMLElement;
  run: PanelRun;
}

type Child = Node | string | number | null | undefined | false;

/** Builds elements of one document; all text goes in as text nodes. */
class Builder {
  constructor(private readonly doc: Document) {}

  h<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, ...children: Child[]): HTMLElementTagNameMap[K] {
    const el = this.doc.createElement(tag);
    if (className) el.className = className;
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      el.append(typeof c === 'string' || typeof c === 'number' ? this.doc.createTextNode(String(c)) : c);
    }
    return el;
  }

  table(headers: string[], rows: Child[][], className = ''): HTMLTableElement {
    const h = this.h.bind(this);
    return h('table', className,
      h('thead', undefined, h('tr', undefined, ...headers.map((t) => h('th', undefined, t)))),
      h('tbody', undefined, ...rows.map((cells) => h('tr', undefined, ...cells.map((c) => h('td', undefined, c))))),
    );
  }
}

/** Renders `view` into `app`, replacing what was there; returns the chart slots to draw. */
export function renderView(app: HTMLElement, view: PanelView, host: PageHost): ChartSlot[] {
  const b = new Builder(app.ownerDocument);
  const h = b.h.bind(b);
  const runs = view.runs;
  const charts: ChartSlot[] = [];
  const header = h('header', undefined, h('h1', undefined, view.title), h('p', 'muted', view.subject));
  const pair = runs.length === 2 ? { before: runs[0], after: runs[1] } : undefined;
  const violations = violationsSection(b, view, host);
  const body = h('div', runs.length > 1 ? 'runs side-by-side' : 'runs', ...runs.map((run) => runSection(b, run, charts)));
  app.replaceChildren(...[header, violations, pair ? comparison(b, pair.before, pair.after) : null, body].filter((e): e is HTMLElement => e !== null));
  return charts;
}

/** Every run's violations, open with their traces, before anything else. */
function violationsSection(b: Builder, view: PanelView, host: PageHost): HTMLElement | null {
  const h = b.h.bind(b);
  const runs = view.runs.filter((r) => r.result.violations.length);
  if (!runs.length) return null;
  const total = runs.reduce((n, r) => n + r.result.violations.length, 0);
  const pair = view.runs.length === 2 ? { before: view.runs[0].result, after: view.runs[1].result } : undefined;
  const groups = runs.map((run) => {
    const side = pair ? (run === view.runs[0] ? 'before' : 'after') : undefined;
    const items = run.result.violations.map((v) => violation(b, run, v, host, side && pair ? violationEffect(v.invariant, side, pair.before, pair.after) : undefined));
    return view.runs.length > 1 ? h('div', 'violation-group', h('h3', undefined, `${run.label}: ${run.result.violations.length} invariant${run.result.violations.length === 1 ? '' : 's'} violated`), ...items) : h('div', 'violation-group', ...items);
  });
  return h('section', 'violations', h('h2', undefined, `Invariant violations (${total})`), ...groups);
}

function violation(b: Builder, run: PanelRun, v: Violation, host: PageHost, effect?: { effect: string; text: string }): HTMLElement {
  const h = b.h.bind(b);
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
        host.post({ type: 'reveal', side: run.side, line: step.line });
      });
      items.push(h('li', undefined, button));
    }
    list.replaceChildren(...items);
  };
  fill(false);
  const summary = h('summary', undefined, h('span', 'violated', v.invariant), `: ${v.message}`, effect ? h('span', `effect ${effect.effect}`, ` (${effect.text})`) : null);
  const details = h('details', 'violation', summary,
    h('p', 'muted', v.trace.length ? 'The steps that led to it, last one last; click a step to open its line.' : 'No trace was kept for it.'),
    list);
  // open: the trace is what shows the violation, so it is not one click away
  details.open = true;
  return details;
}

function comparison(b: Builder, before: PanelRun, after: PanelRun): HTMLElement {
  const h = b.h.bind(b);
  const rows = comparisonRows(before.result, after.result);
  const effectWord: Record<string, string> = { regression: 'regression', fix: 'fixed', changed: 'changed', same: '' };
  const t = b.table(['', before.label, after.label, ''], rows.map((r) => [r.name, r.before, r.after, effectWord[r.effect]]), 'comparison');
  const trs = t.querySelectorAll('tbody > tr');
  rows.forEach((r, i) => { if (r.changed) trs[i].classList.add('changed', r.effect); });
  const { fixed, broken } = comparisonVerdict(before.result, after.result);
  const verdict = h('p', 'verdict',
    h('span', fixed.length ? 'fix' : 'muted', `Fixed by the patch: ${fixed.join(', ') || 'none'}.`), ' ',
    h('span', broken.length ? 'regression' : 'muted', `Broken by the patch: ${broken.join(', ') || 'none'}.`));
  return h('section', 'comparison', h('h2', undefined, 'What the patch changes'), verdict, t);
}

function runSection(b: Builder, run: PanelRun, charts: ChartSlot[]): HTMLElement {
  const h = b.h.bind(b);
  const r = run.result;
  const p = r.parameters;
  const chart = h('div', 'chart');
  charts.push({ el: chart, run });
  const lost = tallyRows(r.lostByReason);
  const abstracted = tallyRows(r.abstracted);
  const limit = p.backlogLimit ? `audit_backlog_limit ${p.backlogLimit}` : 'no audit_backlog_limit';
  return h('section', 'run',
    h('h2', undefined, run.label),
    h('p', 'muted',
      `scenario ${r.scenario} · ${limit} · seed ${p.seed} · `
      + `${r.stats.steps.toLocaleString()} steps, ${r.stats.ticks.toLocaleString()} ticks in ${Math.round(r.stats.ms)} ms`),
    h('p', 'records', recordsLine(r)),
    h('h3', undefined, 'Invariants'),
    b.table(['invariant', 'verdict'], invariantRows(r).map((row) => [
      h('span', undefined, h('strong', undefined, row.invariant), h('br'), h('span', 'muted', row.meaning)),
      h('span', undefined,
        row.ok ? h('span', 'ok', '✓ ok') : h('span', 'violated', `✗ ${row.messages.join(' · ')}`),
        row.note ? h('span', 'reason', ` — ${row.note}`) : null),
    ]), 'invariants'),
    h('figure', undefined, chart, h('figcaption', 'muted', 'Queue depths over time (the maximum per sample when the run is longer than the chart)')),
    r.notes?.length ? h('ul', 'notes', ...r.notes.map((n) => h('li', undefined, n))) : null,
    h('div', 'tables',
      h('div', undefined, h('h3', undefined, 'Records'), b.table(['', 'count'], countRows(r).map((c) => [c.name, c.alarm ? h('span', 'violated', c.value) : c.value]), 'records')),
      h('div', undefined, h('h3', undefined, 'Queue peaks'), b.table(['queue', 'peak'], queueRows(r).map((q) => [
        q.queue,
        q.over === 'within' ? q.max : h('span', q.over === 'violation' ? 'violated' : 'slack', `${q.max} — ${q.verdict}`),
      ]), 'queues')),
      h('div', undefined, h('h3', undefined, 'Lost, by reason'), lost.length ? b.table(['reason', 'records'], lost.map((l) => [l.name, l.value])) : h('p', 'muted', 'none')),
      h('div', undefined, h('h3', undefined, 'Abstracted calls'), abstracted.length
        ? b.table(['call (run as a no-op)', 'times'], abstracted.map((a) => [h('code', undefined, a.name), a.value]))
        : h('p', 'muted', 'none')),
      r.unknownValues?.length
        ? h('div', undefined, h('h3', undefined, 'Unknown identifiers (read as 0)'), h('p', undefined, ...r.unknownValues.flatMap((u, i) => [i ? ', ' : '', h('code', undefined, u)])))
        : null,
    ),
  );
}
