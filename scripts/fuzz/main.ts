/**
 * `npm run fuzz`: the project's own fuzz harness. Runs the real CLI (bin/auditlens.js) on
 * mutated C files, patches and KCSAN reports, and the real language server (dist/server.js)
 * through random edit sessions, each case a child process with a time limit and its peak
 * RSS measured, and sorts every result:
 *
 *   ok        exit 0 or 1
 *   unusable  exit 2 with one line on stderr (the CLI's contract for input it refuses)
 *   crash     any other exit, a signal, a stack trace, exit 2 without its one line; a server that dies
 *   internal  "internal error" (the CLI), an error logged or "analysis failed" (the server)
 *   hang      still running at the time limit; a request the server does not answer
 *   wrong     a CR-only, CRLF or mixed-endings file not analysed as the same file with LF
 *   memory    peak RSS above 400 MB
 *   slow      more than 20 s
 *
 * The run is the same for the same --seed (cases are numbered; a case depends only on the
 * seed, the mode and its number), and bounded in time. Exit status 1 when a crash, an
 * internal error, a hang or a wrong answer was found; each is written to the output
 * directory with the command that reproduces it.
 *
 *   node dist/fuzz.js [--seed N] [--minutes M | --seconds S | --smoke] [--jobs N]
 *                     [--families c,patch,kcsan,lsp] [--case ID] [--out DIR] [--timeout S]
 */
import { mkdirSync, renameSync, rmSync, writeFileSync, existsSync, unlinkSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { CliCase, cliCase, cliCaseCount, Family, FAMILIES, INPUT, LspCase, lspCase, Mode, scheduleCli, SECOND, Seeds, SMOKE_LSP_SESSIONS } from './mutators';
import { loadSeeds } from './seeds';
import { checkSummary, classifyCli, compareSummaries, FATAL, Limits, Outcome, OUTCOMES, runChild, writePeakPreload } from './run';
import { runLspSession } from './lspSession';

const ROOT = resolve(__dirname, '..');
const BIN = join(ROOT, 'bin', 'auditlens.js');
const SERVER = join(ROOT, 'dist', 'server.js');

const USAGE = `Usage: npm run fuzz -- [options]        (or node dist/fuzz.js [options])

Fuzzes the auditlens CLI and language server with mutated C files, patches,
KCSAN reports and LSP edit sessions; reports crashes, internal errors, hangs,
wrong answers, peak memory and slow cases. Exit status 1 when a crash, an
internal error, a hang or a wrong answer was found.

Options:
  --seed N            the run's seed (default 1): the same seed, the same cases
  --minutes M         run for M minutes (default 10)
  --seconds S         run for S seconds
  --smoke             every mutation of every family once, and two short LSP
                      sessions, about 30 s on 2 idle cores (for CI)
  --jobs N            cases run in parallel (default 2, 1 on a single CPU)
  --families LIST     comma-separated subset of c,patch,kcsan,lsp (default all)
  --case ID           run one case again and show its output: a number for a
                      CLI case, lspN for a session (give the run's --seed and
                      --smoke too)
  --out DIR           where failing inputs are written (default: the OS temp
                      directory's auditlens-fuzz-out/)
  --timeout S         a case still running after S seconds is a hang (default
                      60; 30 with --smoke)
  --keep              keep every case's input, not only the failing ones
  --help              show this help
`;

interface Options {
  seed: number;
  mode: Mode;
  durationMs: number;
  jobs: number;
  families: Set<Family>;
  only?: string;
  out: string;
  limits: Limits;
  keep: boolean;
}

function usageError(msg: string): never {
  process.stderr.write(`fuzz: ${msg}\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  let seed = 1;
  let mode: Mode = 'full';
  let durationMs = 10 * 60_000;
  let jobs = Math.min(2, availableParallelism());
  let families = new Set<Family>(FAMILIES);
  let only: string | undefined;
  let out: string | undefined;
  let timeoutS: number | undefined;
  let keep = false;
  const num = (flag: string, v: string | undefined) => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < 0) usageError(`${flag} needs a number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--seed': seed = Math.floor(num(flag, value())); break;
      case '--minutes': durationMs = num(flag, value()) * 60_000; break;
      case '--seconds': durationMs = num(flag, value()) * 1000; break;
      case '--smoke': mode = 'smoke'; break;
      case '--jobs': jobs = Math.max(1, Math.floor(num(flag, value()))); break;
      case '--families': {
        const list = (value() ?? '').split(',').map((s) => s.trim()).filter(Boolean);
        const bad = list.filter((f) => !FAMILIES.includes(f as Family));
        if (!list.length || bad.length) usageError(`--families takes ${FAMILIES.join(',')}${bad.length ? ` (not ${bad.join(', ')})` : ''}`);
        families = new Set(list as Family[]);
        break;
      }
      case '--case': only = value(); if (!only || !/^(lsp)?\d+$/.test(only)) usageError('--case takes a case number, or lspN'); break;
      case '--out': out = value(); if (!out) usageError('--out needs a directory'); break;
      case '--timeout': timeoutS = num(flag, value()); break;
      case '--keep': keep = true; break;
      case '--help': case '-h': process.stdout.write(USAGE); process.exit(0);
      // eslint-disable-next-line no-fallthrough
      default: usageError(`unknown option ${a}`);
    }
  }
  const timeoutMs = (timeoutS ?? (mode === 'smoke' ? 30 : 60)) * 1000;
  return {
    seed,
    mode,
    // the smoke run is a fixed list (about 30 s on 2 idle cores); the cap only guards a stuck machine
    durationMs: mode === 'smoke' ? 180_000 : durationMs,
    jobs,
    families,
    only,
    out: resolve(out ?? join(tmpdir(), 'auditlens-fuzz-out', `${mode}-seed-${seed}`)),
    limits: { timeoutMs, slowMs: 20_000, memoryMb: 400, killMb: 1500 },
    keep,
  };
}

// ---------------------------------------------------------------------------------------------

interface Result {
  id: string;
  family: Family;
  op: string;
  note: string;
  seedName: string;
  outcome: Outcome;
  detail: string;
  ms: number;
  peakMb: number;
  /** Failing cases: the input kept, and how to run it again. */
  input?: string;
  repro?: string;
  again: string;
}

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
const shown = (p: string) => (process.cwd() === ROOT && p.startsWith(ROOT) ? relative(ROOT, p) : p);

function againCommand(o: Options, id: string): string {
  return `npm run fuzz -- --seed ${o.seed}${o.mode === 'smoke' ? ' --smoke' : ''} --case ${id}`;
}

async function runCliCase(o: Options, c: CliCase, preload: string, work: string, verbose: boolean): Promise<Result> {
  const id = String(c.index);
  const file = join(work, `case-${id}${c.ext}`);
  writeFileSync(file, c.input);
  let second: string | undefined;
  if (c.second) {
    second = c.second.path ?? join(work, `case-${id}-second.txt`);
    if (!c.second.path) writeFileSync(second, c.second.text);
  }
  const argsFor = (input: string) => c.args.map((a) => (a === INPUT ? input : a === SECOND ? second! : a));
  const run = await runChild([BIN, ...argsFor(file)], { cwd: work, limits: o.limits, preload });
  let { outcome, detail } = classifyCli(run, o.limits);
  let refFile: string | undefined;
  if (c.reference && (outcome === 'ok' || outcome === 'slow' || outcome === 'memory' || outcome === 'unusable')) {
    refFile = join(work, `case-${id}-lf${c.ext}`);
    writeFileSync(refFile, c.reference);
    const ref = await runChild([BIN, ...argsFor(refFile)], { cwd: work, limits: o.limits, preload });
    if (classifyCli(ref, o.limits).outcome !== 'ok') {
      if (outcome === 'ok') detail = 'the LF file is not usable: nothing to compare';
    } else if (outcome === 'unusable') {
      ({ outcome, detail } = { outcome: 'wrong', detail: `${c.note.split(';')[0]}: refused (${detail}) where the LF file is read` });
    } else {
      const diff = compareSummaries(checkSummary(run.stdout), checkSummary(ref.stdout));
      if (diff) ({ outcome, detail } = { outcome: 'wrong', detail: `${c.note.split(';')[0]}: ${diff}` });
    }
  }
  if (verbose) {
    process.stdout.write(`--- exit ${run.code ?? run.signal}, ${run.ms.toFixed(0)} ms, peak ${Math.round(run.peakKb / 1024)} MB\n--- stderr:\n${run.stderr}--- stdout (${run.stdoutBytes} bytes, first 4000 chars):\n${run.stdout.slice(0, 4000)}\n`);
  }
  const result: Result = { id, family: c.family, op: c.op, note: c.note, seedName: c.seedName, outcome, detail, ms: run.ms, peakMb: Math.round(run.peakKb / 1024), again: againCommand(o, id) };
  const failing = outcome !== 'ok' && outcome !== 'unusable';
  if (failing || o.keep) {
    const kept = join(o.out, `${c.family}-${id}-${c.op}-${outcome}${c.ext}`);
    renameSync(file, kept);
    result.input = kept;
    result.repro = `node ${quote(shown(BIN))} ${argsFor(kept).map(quote).join(' ')}`;
    if (refFile) {
      const keptRef = join(o.out, `${c.family}-${id}-${c.op}-lf${c.ext}`);
      renameSync(refFile, keptRef);
      result.repro += `   # compare: the same with ${keptRef}`;
    }
  } else {
    unlinkSync(file);
    if (refFile) unlinkSync(refFile);
  }
  return result;
}

async function runLspCase(o: Options, c: LspCase, preload: string, work: string, budgetMs: number, verbose: boolean): Promise<Result> {
  const id = `lsp${c.index}`;
  const r = await runLspSession(c, { serverPath: SERVER, cwd: work, limits: o.limits, budgetMs, preload });
  if (verbose) process.stdout.write(`--- ${r.actionsRun} of ${c.actions.length} steps, ${r.ms.toFixed(0)} ms, peak ${Math.round(r.peakKb / 1024)} MB, slowest answer ${r.slowestAnswerMs.toFixed(0)} ms\n${r.problems.map((p) => `  ${p.outcome}: ${p.detail}`).join('\n')}\n`);
  const result: Result = {
    id,
    family: 'lsp',
    op: c.op,
    note: `${c.note}, ${r.actionsRun} of ${c.actions.length} steps run, slowest answer ${(r.slowestAnswerMs / 1000).toFixed(1)} s`,
    seedName: c.seedName,
    outcome: r.outcome,
    detail: r.problems.length > 1 ? `${r.detail} (+${r.problems.length - 1} more: ${r.problems.slice(1).map((p) => p.outcome).join(', ')})` : r.detail,
    ms: r.ms,
    peakMb: Math.round(r.peakKb / 1024),
    again: againCommand(o, id),
  };
  if ((r.outcome !== 'ok' && r.outcome !== 'unusable') || o.keep) {
    const kept = join(o.out, `lsp-${c.index}-${c.op}-${r.outcome}.jsonrpc`);
    writeFileSync(kept, r.transcript);
    writeFileSync(`${kept}.problems.txt`, r.problems.map((p) => `${p.outcome}: ${p.detail}\n`).join(''));
    result.input = kept;
    // stdin stays open a while: at its end the server exits, before answering what it read
    result.repro = `(cat ${quote(kept)}; sleep 30) | node ${quote(shown(SERVER))} --stdio | tr '\\r' '\\n' | grep -a -e '"error"' -e '"type":1'   # the frames the session sent`;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------

type Job = { kind: 'cli'; index: number } | { kind: 'lsp'; index: number };

function smokeJobs(o: Options): Job[] {
  const cli: Job[] = [];
  for (let i = 0; i < cliCaseCount('smoke'); i++) if (o.families.has(scheduleCli('smoke', i)!.family)) cli.push({ kind: 'cli', index: i });
  if (!o.families.has('lsp')) return cli;
  // the sessions are the long cases: one first, the other half-way, so they overlap CLI cases
  const jobs: Job[] = [{ kind: 'lsp', index: 0 }, ...cli];
  for (let k = 1; k < SMOKE_LSP_SESSIONS; k++) jobs.splice(Math.round((k * jobs.length) / SMOKE_LSP_SESSIONS), 0, { kind: 'lsp', index: k });
  return jobs;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')).join('\n');
}

const SHOWN_OUTCOMES: Outcome[] = ['ok', 'unusable', 'crash', 'internal', 'hang', 'wrong', 'memory', 'slow'];

function summary(results: Result[], families: Family[]): string {
  const rows: string[][] = [['family', 'cases', ...SHOWN_OUTCOMES, 'max RSS', 'slowest']];
  const line = (name: string, rs: Result[]) => [
    name,
    String(rs.length),
    ...SHOWN_OUTCOMES.map((k) => String(rs.filter((r) => r.outcome === k).length)),
    rs.length ? `${Math.max(...rs.map((r) => r.peakMb))} MB` : '-',
    rs.length ? `${(Math.max(...rs.map((r) => r.ms)) / 1000).toFixed(1)} s` : '-',
  ];
  for (const f of families) rows.push(line(f, results.filter((r) => r.family === f)));
  rows.push(line('total', results));
  let out = table(rows);
  // where the findings came from, by mutation
  const bad = results.filter((r) => r.outcome !== 'ok' && r.outcome !== 'unusable');
  if (bad.length) {
    const ops = [...new Set(bad.map((r) => `${r.family}/${r.op}`))].sort();
    const byOp: string[][] = [['mutation', 'cases', ...SHOWN_OUTCOMES.slice(2)]];
    for (const key of ops) {
      const rs = results.filter((r) => `${r.family}/${r.op}` === key);
      byOp.push([key, String(rs.length), ...SHOWN_OUTCOMES.slice(2).map((k) => String(rs.filter((r) => r.outcome === k).length))]);
    }
    out += `\n\nBy mutation (those with findings):\n${table(byOp)}`;
  }
  return out;
}

/** One line per distinct problem: the same message with other numbers is the same problem. */
function signature(r: Result): string {
  return `${r.outcome} ${r.family}/${r.op}: ${r.detail.replace(/\d+(\.\d+)?/g, 'N').replace(/\/[\w./-]+/g, 'PATH').slice(0, 120)}`;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  for (const f of [join(ROOT, 'dist', 'cli.js'), SERVER]) {
    if (!existsSync(f)) usageError(`${relative(ROOT, f)} is missing: run \`npm run build\` (npm run fuzz builds first)`);
  }
  const seeds: Seeds = loadSeeds(ROOT);
  // a case run again keeps its files beside the run's, which it must not wipe
  if (o.only) o.out = join(o.out, `again-${o.only}`);
  rmSync(o.out, { recursive: true, force: true });
  const work = join(o.out, 'work');
  mkdirSync(work, { recursive: true });
  const preload = writePeakPreload(o.out);

  // One case again, with its output.
  if (o.only) {
    const lsp = o.only.startsWith('lsp');
    const index = Number(o.only.replace('lsp', ''));
    let r: Result;
    if (lsp) {
      const c = lspCase(seeds, o.seed, o.mode, index);
      process.stdout.write(`case ${o.only}: ${c.op}, ${c.note}\n`);
      r = await runLspCase(o, c, preload, work, 10 * 60_000, true);
    } else {
      const c = cliCase(seeds, o.seed, o.mode, index);
      if (!c) usageError(`the ${o.mode} run has no case ${index}`);
      process.stdout.write(`case ${index}: ${c.family}/${c.op} on ${c.seedName}: ${c.note}\n`);
      r = await runCliCase(o, { ...c }, preload, work, true);
    }
    process.stdout.write(`=> ${r.outcome}${r.detail ? `: ${r.detail}` : ''}\n${r.input ? `input: ${r.input}\nrepro: ${r.repro}\n` : ''}`);
    process.exitCode = FATAL.has(r.outcome) ? 1 : 0;
    return;
  }

  const families = FAMILIES.filter((f) => o.families.has(f));
  const t0 = Date.now();
  const deadline = t0 + o.durationMs;
  process.stdout.write(
    `auditlens fuzz: seed ${o.seed}, ${o.mode === 'smoke' ? 'smoke run (every mutation once)' : `${(o.durationMs / 60_000).toFixed(o.durationMs % 60_000 ? 1 : 0)} min`}, ${o.jobs} job${o.jobs > 1 ? 's' : ''}, families ${families.join(',')}\n` +
      `seeds: ${seeds.c.length} C, ${seeds.patch.length} patches, ${seeds.kcsan.length} reports${seeds.shared ? ' (with ../shared)' : ' (project fixtures only: ../shared is absent)'}\n` +
      `limits: hang ${o.limits.timeoutMs / 1000} s, slow ${o.limits.slowMs / 1000} s, memory ${o.limits.memoryMb} MB; failing inputs go to ${o.out}\n\n`,
  );

  const results: Result[] = [];
  const report = (r: Result) => {
    results.push(r);
    if (r.outcome !== 'ok' && r.outcome !== 'unusable') {
      process.stdout.write(`${FATAL.has(r.outcome) ? 'FAIL' : 'note'} ${r.outcome.padEnd(8)} ${r.family}#${r.id} ${r.op}: ${r.detail}\n`);
    }
  };

  // The queue of work. Smoke: a fixed list. Full: CLI cases by number, sessions by number,
  // on a lane of their own when there are two jobs or more (else one session every ten cases).
  const smoke = o.mode === 'smoke' ? smokeJobs(o) : undefined;
  let nextCli = 0;
  let nextLsp = 0;
  let taken = 0;
  const lspLane = o.families.has('lsp') && o.jobs >= 2;
  const nextJob = (worker: number): Job | undefined => {
    if (Date.now() >= deadline) return undefined;
    if (smoke) return smoke[taken++];
    const cliFamilies = families.filter((f) => f !== 'lsp');
    const wantLsp = o.families.has('lsp') && (lspLane ? worker === 0 : !cliFamilies.length || (taken + 1) % 11 === 0);
    taken++;
    // a session needs time to be worth it: near the end the lane stops, the CLI cases go on
    if (wantLsp && deadline - Date.now() < 20_000 && (lspLane || cliFamilies.length)) return lspLane ? undefined : { kind: 'cli', index: nextCliIndex() };
    if (wantLsp) return { kind: 'lsp', index: nextLsp++ };
    if (lspLane && worker === 0) return undefined;
    if (!cliFamilies.length) return undefined;
    return { kind: 'cli', index: nextCliIndex() };
  };
  const nextCliIndex = () => {
    while (!o.families.has(scheduleCli('full', nextCli)!.family)) nextCli++;
    return nextCli++;
  };

  let lastProgress = Date.now();
  const progress = () => {
    if (Date.now() - lastProgress < 15_000) return;
    lastProgress = Date.now();
    const counts = OUTCOMES.map((k) => [k, results.filter((r) => r.outcome === k).length] as const).filter(([, n]) => n);
    process.stdout.write(`[${Math.round((Date.now() - t0) / 1000)} s] ${results.length} cases: ${counts.map(([k, n]) => `${n} ${k}`).join(', ')}\n`);
  };

  const worker = async (w: number) => {
    for (let job = nextJob(w); job; job = nextJob(w)) {
      try {
        if (job.kind === 'cli') {
          const c = cliCase(seeds, o.seed, o.mode, job.index);
          if (!c) continue;
          report(await runCliCase(o, c, preload, work, false));
        } else {
          const c = lspCase(seeds, o.seed, o.mode, job.index);
          const budget = o.mode === 'smoke' ? 8_000 : Math.max(5_000, Math.min(120_000, deadline - Date.now()));
          report(await runLspCase(o, c, preload, work, budget, false));
        }
      } catch (err) {
        // the harness's own failure: say so and go on with the next case
        process.stdout.write(`harness error on ${job.kind} case ${job.index}: ${err instanceof Error ? err.stack : String(err)}\n`);
      }
      progress();
    }
  };
  await Promise.all(Array.from({ length: o.jobs }, (_, w) => worker(w)));

  const elapsed = (Date.now() - t0) / 1000;
  process.stdout.write(`\n${results.length} cases in ${elapsed.toFixed(0)} s (seed ${o.seed}${o.mode === 'smoke' ? ', smoke' : ''}):\n\n${summary(results, families)}\n`);
  if (smoke && taken < smoke.length) process.stdout.write(`\nwarning: ${smoke.length - Math.min(taken, smoke.length)} smoke cases did not start within ${o.durationMs / 1000} s\n`);
  else if (smoke && elapsed > 60) process.stdout.write(`\nwarning: the smoke run took ${elapsed.toFixed(0)} s, over its minute: the machine is busy, or cases got slower (see "slowest")\n`);

  const failing = results.filter((r) => r.outcome !== 'ok' && r.outcome !== 'unusable').sort((a, b) => OUTCOMES.indexOf(a.outcome) - OUTCOMES.indexOf(b.outcome) || a.family.localeCompare(b.family));
  if (failing.length) {
    const groups = new Map<string, Result[]>();
    for (const r of failing) groups.set(signature(r), [...(groups.get(signature(r)) ?? []), r]);
    process.stdout.write(`\n${groups.size} distinct problem${groups.size > 1 ? 's' : ''} (${failing.length} cases):\n`);
    for (const rs of groups.values()) {
      const r = rs[0];
      process.stdout.write(
        `\n${FATAL.has(r.outcome) ? 'FAIL' : 'note'} ${r.outcome}: ${r.family}/${r.op}, case ${r.id}${rs.length > 1 ? ` (and ${rs.slice(1, 8).map((x) => x.id).join(', ')}${rs.length > 8 ? ', ...' : ''})` : ''}\n` +
          `  ${r.detail}\n  ${r.note} on ${r.seedName}; ${(r.ms / 1000).toFixed(1)} s, peak ${r.peakMb} MB\n` +
          (r.repro ? `  repro: ${r.repro}\n` : '') +
          `  again: ${r.again}\n`,
      );
    }
  }
  writeFileSync(join(o.out, 'summary.json'), `${JSON.stringify({ seed: o.seed, mode: o.mode, seconds: elapsed, results }, null, 1)}\n`);
  rmSync(work, { recursive: true, force: true });
  const fatal = results.filter((r) => FATAL.has(r.outcome)).length;
  process.stdout.write(`\n${fatal ? `${fatal} failing case${fatal > 1 ? 's' : ''} (crash, internal error, hang or wrong answer)` : 'no crash, internal error, hang or wrong answer'}; details in ${join(o.out, 'summary.json')}\n`);
  process.exitCode = fatal ? 1 : 0;
}

main().catch((err) => {
  process.stderr.write(`fuzz: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(2);
});
