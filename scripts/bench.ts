/**
 * `npm run bench`: latency of the operations the editor and the CLI depend on,
 * on the real kernel/audit.c (../shared/corpus, skipped when absent) and on
 * the example. Each case is a named sampler in CASES; add one to measure more.
 *
 * It also measures what users wait for: the language server over stdio (benchLsp.ts) and
 * the command line beside checkpatch.pl (benchCli.ts).
 *
 *   node dist/bench.js [--runs N] [--json] [--only core|lsp|cli|sim|limits] [--long-session CHANGES]
 *   (limits, the input families at 1x, 4x and 16x, take minutes: only with --only limits)
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Analyser, FileAnalysis } from '../server/src/analyser';
import { explainAt } from '../server/src/features/explain';
import { clearFactCache } from '../server/src/facts/fileFacts';
import { runRules } from '../server/src/rules';
import { parseReports } from '../server/src/kcsan/parse';
import { triage } from '../server/src/kcsan/triage';
import { reviewPatch } from '../server/src/patch/review';
import { simulate } from '../server/src/simulate';
import { limitsTable, measureLimits } from './benchLimits';
import type { SimulationOptions } from '../server/src/simulate/types';
import { KernelCParser } from '../server/src/parse/cParser';
import { initParserEngine } from '../server/src/parse/nodeEngine';
import { parserEngine } from '../server/src/parse/engine';
import { Outline } from '../server/src/parse/outline';
import { compareEngines, probeEngine } from './benchEngines';
import { cliRows } from './benchCli';
import { LspFigures, measureLsp, memoryDocuments } from './benchLsp';
import { cpus } from 'node:os';

interface BenchInput {
  label: string;
  text: string;
}

/** What every case of one input shares: prepared once, outside the timings. */
interface Prepared {
  input: BenchInput;
  parser: KernelCParser;
  outline: Outline;
  /** The text after typing one character into a call's name inside a function body (still valid C). */
  edited: string;
  /** The text after typing one character that breaks the syntax (such a text is parsed afresh). */
  broken: string;
  /** Offsets of identifiers inside function bodies, for lookups. */
  lookups: number[];
  /** An analysis whose queue model is built (untimed), as the editor has it after the first request. */
  analysis: FileAnalysis;
  /** Offsets the model explains: function and global names, and the lookups it has something to say about. */
  explained: number[];
}

interface BenchCase {
  name: string;
  /** Samples per run setting; cheap cases take more so their p95 means something. */
  scale?: number;
  /** Runs the measured operation once (sample i of the run) and returns its milliseconds. */
  sample(p: Prepared, i: number): number;
}

function time(fn: () => unknown): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

const CASES: BenchCase[] = [
  {
    name: 'cold parse (new parser)',
    sample: (p) => time(() => new KernelCParser().parse(p.input.text)),
  },
  {
    name: 'cold analysis: parse+facts+model+rules, empty fact cache',
    sample: (p) => {
      clearFactCache();
      return time(() => void new Analyser().analyseText(p.input.text).findings.length);
    },
  },
  {
    name: 'edit in one function: reparse+model+rules',
    // the editor's path for a keystroke that keeps the file valid C
    sample: (p) => {
      // the editor's path: the previous version is analysed, then one character is typed
      const analyser = new Analyser();
      void analyser.update('file:///bench.c', p.input.text, 1).findings.length;
      return time(() => void analyser.update('file:///bench.c', p.edited, 2).findings.length);
    },
  },
  {
    name: 'edit that breaks the syntax (parsed afresh)',
    sample: (p) => {
      const analyser = new Analyser();
      void analyser.update('file:///bench.c', p.input.text, 1).findings.length;
      return time(() => void analyser.update('file:///bench.c', p.broken, 2).findings.length);
    },
  },
  {
    name: 'rules only (model built)',
    sample: (p) => time(() => void runRules(p.analysis.model).length),
  },
  {
    name: 'full analysis (parse+outline+findings)',
    sample: (p) => time(() => {
      const a = new Analyser().analyseText(p.input.text);
      void a.outline.functions.length;
      void a.findings.length;
    }),
  },
  {
    name: 'incremental reparse, 1-char edit',
    sample: (p) => {
      // reparse edits the previous tree in place, so each sample needs a fresh one (untimed).
      const previous = p.parser.parse(p.input.text);
      return time(() => p.parser.reparse(previous, p.edited));
    },
  },
  {
    name: 'incremental reparse + outline',
    sample: (p) => {
      const previous = p.parser.parse(p.input.text);
      return time(() => void new Outline(p.parser.reparse(previous, p.edited)).functions.length);
    },
  },
  {
    name: 'definitionAt (warm outline)',
    scale: 10,
    sample: (p, i) => time(() => p.outline.definitionAt(p.lookups[i % p.lookups.length])),
  },
  {
    name: 'hover-like lookup (warm outline)',
    scale: 10,
    sample: (p, i) => time(() => {
      const offset = p.lookups[i % p.lookups.length];
      const use = p.outline.nameAt(offset);
      if (!use) return;
      p.outline.functionAt(offset);
      p.outline.definitionAt(offset);
      void p.outline.lookup(use.name)[0]?.kind;
    }),
  },
  {
    name: 'hover (explainAt) from cached model',
    scale: 10,
    sample: (p, i) => time(() => explainAt(p.analysis, p.explained[i % p.explained.length], 'file:///bench/kernel/audit.c')),
  },
];

function prepare(input: BenchInput): Prepared {
  const parser = new KernelCParser();
  const outline = new Outline(parser.parse(input.text));
  const fns = outline.functions;
  if (fns.length === 0) throw new Error(`${input.label}: no functions to edit or look up`);

  // Type one character at the end of the first called name in the middle function's body
  // (`foo(` becomes `foox(`: still C), and, for the broken case, a stray word after its first `;`.
  const fn = fns[Math.floor(fns.length / 2)];
  const body = input.text.slice(fn.bodySpan.start, fn.bodySpan.end);
  const call = /\b([A-Za-z_]\w*)\(/.exec(body);
  const at = fn.bodySpan.start + (call ? call.index + call[1].length : 1);
  const edited = `${input.text.slice(0, at)}x${input.text.slice(at)}`;
  const semi = fn.bodySpan.start + Math.max(0, body.indexOf(';')) + 1;
  const broken = `${input.text.slice(0, semi)} x${input.text.slice(semi)}`;

  // Up to 200 identifier positions spread over all function bodies.
  const all: number[] = [];
  for (const f of fns) {
    const re = /[A-Za-z_]\w*/g;
    const text = input.text.slice(f.bodySpan.start, f.bodySpan.end);
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (outline.nameAt(f.bodySpan.start + m.index)) all.push(f.bodySpan.start + m.index);
    }
  }
  const step = Math.max(1, Math.floor(all.length / 200));
  const lookups = all.filter((_, i) => i % step === 0).slice(0, 200);

  const analysis = new Analyser().analyseText(input.text);
  void analysis.model;
  // Hovers on every function and global name, then on the body identifiers the model explains.
  const names = [...analysis.outline.functions, ...analysis.outline.globals].map((s) => s.nameSpan.start);
  const explained = [...names, ...lookups].filter((o) => explainAt(analysis, o) !== undefined);
  if (explained.length === 0) throw new Error(`${input.label}: the model explains no name`);
  return { input, parser, outline, edited, broken, lookups, analysis, explained };
}

interface Row {
  input: string;
  case: string;
  runs: number;
  medianMs: number;
  p95Ms: number;
}

/** Nearest-rank percentile of sorted samples. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function measure(p: Prepared, c: BenchCase, runsSetting: number): Row {
  const runs = runsSetting * (c.scale ?? 1);
  const warmup = Math.min(3, runs);
  for (let i = 0; i < warmup; i++) c.sample(p, i);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(c.sample(p, i));
  samples.sort((a, b) => a - b);
  return { input: p.input.label, case: c.name, runs, medianMs: percentile(samples, 50), p95Ms: percentile(samples, 95) };
}

function table(rows: Row[]): string {
  const head = ['input', 'case', 'runs', 'median ms', 'p95 ms'];
  const cells = rows.map((r) => [r.input, r.case, String(r.runs), r.medianMs.toFixed(3), r.p95Ms.toFixed(3)]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => (i >= 2 ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** Patch review and KCSAN triage in-process, after warm-up: seed 001 alone and against the corpus, the example patch, seed 002 against the corpus. */
function reviewRows(root: string, runs: number, corpus: BenchInput): Row[] {
  const seed = resolve(root, '..', 'shared', 'seeds', '001_31317e1318af443a.txt');
  const cases: { label: string; name: string; run: () => unknown }[] = [];
  if (existsSync(seed)) {
    const text = readFileSync(seed, 'utf8');
    cases.push({ label: 'seed 001', name: 'review without a base (rebuilt from hunks)', run: () => reviewPatch(text) });
    if (corpus.label === 'audit-2026.c') cases.push({ label: 'seed 001', name: 'review against audit-2026.c (reverse apply)', run: () => reviewPatch(text, { base: corpus.text }) });
  }
  const demo = readFileSync(resolve(root, 'examples', 'kauditd-demo.c'), 'utf8');
  const demoPatch = readFileSync(resolve(root, 'examples', 'unbounded-retry.patch'), 'utf8');
  cases.push({ label: 'example patch', name: 'review against kauditd-demo.c', run: () => reviewPatch(demoPatch, { base: demo }) });
  const seed002 = resolve(root, '..', 'shared', 'seeds', '002_261b4d9a1404973a.txt');
  if (existsSync(seed002) && corpus.label === 'audit-2026.c') {
    const page = readFileSync(seed002, 'utf8');
    const base = new Analyser().analyseText(corpus.text);
    void base.findings; // the editor's state: the base analysed, its model built
    cases.push({ label: 'seed 002', name: 'kcsan: read the page + triage (model built)', run: () => triage(parseReports(page), base) });
  }
  return cases.map((c) => {
    for (let i = 0; i < 3; i++) c.run();
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) samples.push(time(c.run));
    samples.sort((a, b) => a - b);
    return { input: c.label, case: c.name, runs, medianMs: percentile(samples, 50), p95Ms: percentile(samples, 95) };
  });
}

/**
 * Simulation throughput: records moved per second of wall time through the file's own kauditd
 * code (the issue's bar is 100,000 for `steady`), after warm-up, median of a few runs.
 */
interface SimRow {
  input: string;
  scenario: string;
  records: number;
  runs: number;
  medianMs: number;
  recordsPerSecond: number;
}

function simulationRows(inputs: BenchInput[], runs: number): SimRow[] {
  const rows: SimRow[] = [];
  const settings: SimulationOptions[] = [
    { scenario: 'steady', records: 20000 },
    { scenario: 'auditd-stopped', records: 2000, backlogLimit: 64 },
  ];
  for (const input of inputs) {
    const analysis = new Analyser().analyseText(input.text);
    for (const options of settings) {
      for (let i = 0; i < 2; i++) simulate(analysis, options);
      const samples: number[] = [];
      let produced = 0;
      for (let i = 0; i < Math.max(3, Math.min(runs, 7)); i++) {
        const t0 = performance.now();
        produced = simulate(analysis, options).records.produced;
        samples.push(performance.now() - t0);
      }
      samples.sort((a, b) => a - b);
      const median = percentile(samples, 50);
      rows.push({ input: input.label, scenario: options.scenario, records: produced, runs: samples.length, medianMs: median, recordsPerSecond: Math.round((produced / median) * 1000) });
    }
  }
  return rows;
}

function lspTable(f: LspFigures, label: string): string {
  const e = [...f.edits].sort((a, b) => a - b);
  const h = [...f.hovers].sort((a, b) => a - b);
  const lines = [
    `  server start → initialize answered   ${f.startMs.toFixed(0).padStart(6)} ms`,
    `  didOpen ${label} → diagnostics  ${f.openMs.toFixed(0).padStart(6)} ms`,
    `  edit → diagnostics (${e.length} edits)       p50 ${percentile(e, 50).toFixed(1)} ms  p95 ${percentile(e, 95).toFixed(1)} ms  p99 ${percentile(e, 99).toFixed(1)} ms`,
    `  hover (${h.length})                          p50 ${percentile(h, 50).toFixed(2)} ms  p99 ${percentile(h, 99).toFixed(2)} ms`,
    `  server RSS: ${f.rss.map((r) => `${r.mb.toFixed(0)} MB after ${r.after}`).join(', ')}`,
  ];
  if (f.curve) lines.push(`  RSS over a long session: ${f.curve.map((c) => `${c.changes}:${c.mb.toFixed(0)}`).join(' ')} (changes sent:MB)`);
  if (f.nameTyping) {
    const t = f.nameTyping;
    const ms = [...t.ms].sort((a, b) => a - b);
    lines.push(`  typing ${t.chars} characters into a function name (${t.name}, fresh server): peak RSS ${t.peakMb.toFixed(0)} MB (from ${t.beforeMb.toFixed(0)}, ${t.afterMb.toFixed(0)} after), keystroke → diagnostics p50 ${percentile(ms, 50).toFixed(1)} ms p95 ${percentile(ms, 95).toFixed(1)} ms`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 30;
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs needs a positive integer');
  const probeAt = args.indexOf('--engine-probe');
  if (probeAt >= 0) {
    console.log(JSON.stringify(probeEngine(readFileSync(args[probeAt + 1], 'utf8'), runs)));
    return;
  }
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
  const part = (name: string) => !only || only === name;
  const longAt = args.indexOf('--long-session');
  const longSession = longAt >= 0 ? Number(args[longAt + 1]) : undefined;
  const root = resolve(__dirname, '..');
  const shared = resolve(root, '..', 'shared');
  const corpus = resolve(shared, 'corpus', 'audit-2026.c');

  const inputs: BenchInput[] = [];
  if (existsSync(corpus)) inputs.push({ label: 'audit-2026.c', text: readFileSync(corpus, 'utf8') });
  else console.log(`bench: ${corpus} is absent; measuring the example only`);
  inputs.push({ label: 'kauditd-demo.c', text: readFileSync(resolve(root, 'examples', 'kauditd-demo.c'), 'utf8') });

  const rows: Row[] = [];
  if (part('core')) {
    for (const input of inputs) {
      const p = prepare(input);
      for (const c of CASES) rows.push(measure(p, c, runs));
    }
    rows.push(...reviewRows(root, runs, inputs[0]));
  }
  const simulations = part('sim') ? simulationRows(inputs, runs) : [];
  const engineInput = existsSync(corpus) ? corpus : resolve(root, 'examples', 'kauditd-demo.c');
  const engines = part('core') ? compareEngines(__filename, engineInput, runs) : [];
  const main = { path: '/bench/kernel/audit.c', text: inputs[0].text };
  const lsp = part('lsp') ? await measureLsp(resolve(root, 'dist', 'server.js'), main, memoryDocuments(shared), { edits: 200, hovers: 200, longSession, nameTyping: 400 }) : undefined;
  const cli = part('cli') ? cliRows(root, existsSync(corpus) ? corpus : undefined, runs) : undefined;
  const limits = only === 'limits' ? measureLimits() : undefined;
  if (args.includes('--json')) {
    console.log(JSON.stringify({ node: process.version, cores: cpus().length, rows, simulations, engines, lsp, cli, limits }, null, 2));
    return;
  }
  const sizes = inputs.map((i) => `${i.label} ${i.text.split('\n').length} lines`).join(', ');
  console.log(`AuditLens bench: node ${process.version}, ${cpus().length} cores, --runs ${runs}, timings after warm-up; ${sizes}\n`);
  if (rows.length) console.log(table(rows));
  if (simulations.length) {
    console.log('\nsimulation (whole run: boot, scenario, invariants, and a focused re-run when a violation needs its trace)');
    for (const r of simulations) {
      console.log(`  ${r.input.padEnd(16)} ${r.scenario.padEnd(15)} ${String(r.records).padStart(6)} records  median ${r.medianMs.toFixed(1).padStart(7)} ms  ${r.recordsPerSecond.toLocaleString('en-US').padStart(9)} records/s`);
    }
  }
  if (engines.length) {
    console.log(`\nparser engines on ${engineInput.split('/').pop()} (each in its own process; median ms: parse, tree walk of every function, cold analysis)`);
    console.log(`  this process: ${parserEngine().description}`);
    for (const e of engines) {
      if ('unavailable' in e) console.log(`  ${e.engine.padEnd(6)}  unavailable here: ${e.unavailable}`);
      else console.log(`  ${e.engine.padEnd(6)}  parse ${e.parseMs.toFixed(2).padStart(7)}  walk ${e.walkMs.toFixed(2).padStart(7)}  analysis ${e.analysisMs.toFixed(2).padStart(7)}`);
    }
  }
  if (lsp) {
    console.log(`\nlanguage server over stdio (node dist/server.js --stdio, one process; memory with the history files and seeds 001 and 003 open)`);
    console.log(lspTable(lsp, inputs[0].label));
  }
  if (limits) console.log(`\n${limitsTable(limits)}`);
  if (cli) {
    console.log(`\ncommand line, whole process wall time, pair by pair (checkpatch: ${cli.checkpatch})`);
    for (const r of cli.rows) {
      const cp = r.checkpatchMs ? `  checkpatch.pl median ${r.checkpatchMs.median.toFixed(0).padStart(5)} ms p95 ${r.checkpatchMs.p95.toFixed(0).padStart(5)}  ratio ${r.ratio!.toFixed(1)}×` : r.name.startsWith('check') || r.name.startsWith('review') ? '  (no checkpatch.pl to compare)' : '';
      console.log(`  ${r.name.padEnd(20)} ${r.pairs} pairs  auditlens median ${r.auditlensMs.median.toFixed(0).padStart(5)} ms p95 ${r.auditlensMs.p95.toFixed(0).padStart(5)}${cp}`);
    }
    if (cli.breakdown) console.log(`  where a check goes (median ms): ${Object.entries(cli.breakdown).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
  }
}

initParserEngine().then(main).catch((err) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
