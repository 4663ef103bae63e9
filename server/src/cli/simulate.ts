/**
 * `auditlens simulate FILE.c --scenario NAME`: runs a queue scenario on the
 * code of FILE.c and reports DESIGN.md's simulate contract (json) or a
 * compact summary with the trace of each violation (text). Exit 1 when an
 * invariant is violated.
 */
import { writeSync } from 'node:fs';
import { Analyser } from '../analyser';
import { simulate } from '../simulate';
import { SCENARIOS, ScenarioName, SimulationOptions, SimulationResult } from '../simulate/types';
import { byteSize, choice, integer, parseArgs } from './args';
import { SIMULATE_USAGE } from './commands';
import { EXIT_CLEAN, EXIT_FINDINGS, InputError, UsageError, withInputPrefix } from './errors';
import { DEFAULT_MAX_SIZE, notCReason, readSource, readSourceStdin } from '../input/read';
import type { CliIO } from './io';
import { findingFor, reproduce, reproductionResult, reproductionSummary } from '../simulate/reproduce';
import { formatSimulationText } from './simulateText';
import { CliConfig, CONFIG_FLAGS } from './config';
import type { SimulationDefaults } from '../config/projectConfig';

const FLAGS = {
  scenario: { takesValue: true },
  records: { takesValue: true },
  'backlog-limit': { takesValue: true },
  seed: { takesValue: true },
  duration: { takesValue: true },
  'failure-rate': { takesValue: true },
  explore: { takesValue: false },
  bypass: { takesValue: false },
  ending: { takesValue: true },
  finding: { takesValue: true },
  format: { takesValue: true },
  progress: { takesValue: false },
  'max-size': { takesValue: true },
  ...CONFIG_FLAGS,
  help: { takesValue: false, short: 'h' },
};

/** Beyond this a run takes minutes and its trace says nothing more. */
const MAX_RECORDS = 1_000_000;
/** Ticks of trouble: beyond this the run only repeats itself. */
const MAX_DURATION = 100_000;
/** The kernel's audit_backlog_limit is a u32. */
const MAX_BACKLOG_LIMIT = 0xffffffff;

export function runSimulate(args: readonly string[], io: CliIO): number {
  const parsed = parseArgs('simulate', args, FLAGS);
  if (parsed.flags.has('help')) {
    io.stdout(SIMULATE_USAGE);
    return EXIT_CLEAN;
  }
  const format = choice('simulate', parsed, 'format', ['text', 'json'] as const, 'text');
  const maxSize = byteSize('simulate', parsed, 'max-size', DEFAULT_MAX_SIZE);
  const findingSpec = parsed.flags.get('finding');
  if (findingSpec !== undefined && typeof findingSpec !== 'string') throw new UsageError('auditlens simulate: --finding needs RULE@FUNCTION (for example AQ103@kauditd_rehold_skb)');
  if (findingSpec !== undefined && parsed.flags.has('scenario')) throw new UsageError('auditlens simulate: --finding picks its own scenarios; leave out --scenario');
  if (parsed.positionals.length !== 1) throw new UsageError('auditlens simulate: needs one C file (or - for standard input); try `auditlens simulate --help`');
  const [path] = parsed.positionals;
  const config = new CliConfig('simulate', parsed, io);
  const options = simulationOptions(parsed, findingSpec !== undefined, config.for(path).simulate);

  const source = withInputPrefix(() => (path === '-' ? readSourceStdin(maxSize) : readSource(path, maxSize)));
  const analyser = new Analyser();
  analyser.options = { rules: config.rules(path) };
  const analysis = analyser.analyseText(source);
  const notC = notCReason(path, analysis);
  if (notC) throw new InputError(`auditlens: ${notC}`);
  if (parsed.flags.has('progress')) options.progress = progressOnStderr();

  if (findingSpec !== undefined) {
    const finding = findingFor(analysis, findingSpec);
    if (typeof finding === 'string') throw new InputError(`auditlens simulate: ${path}: ${finding}`);
    const { scenario: _unused, ...base } = options;
    const r = reproduce(analysis, finding, base);
    const summary = reproductionSummary(r);
    if (format === 'json') {
      // the run that shows it, or the last one tried (its notes lead with the summary)
      const shown = reproductionResult(r);
      io.stdout(`${JSON.stringify({ version: 1, finding: { rule: finding.rule, function: finding.function, line: finding.span.line + 1 }, invariant: r.invariant, ...(r.queue ? { queue: r.queue } : {}), reproduced: !!r.shown, summary, tried: r.tried, ...(shown ? { result: JSON.parse(resultJson(shown)) } : {}) }, null, 2)}\n`);
    } else {
      io.stdout(`${summary}\n${r.shown ? formatSimulationText(path === '-' ? 'standard input' : path, r.shown.result) : ''}`);
    }
    // exit 1 when the run shows the bug, as a violation does; 0 with the explanation when it cannot
    return r.shown ? EXIT_FINDINGS : EXIT_CLEAN;
  }

  const result = simulate(analysis, options);
  if (result.error) throw new InputError(`auditlens simulate: ${path}: ${result.error}`);

  io.stdout(format === 'json' ? `${resultJson(result)}\n` : formatSimulationText(path === '-' ? 'standard input' : path, result));
  return result.violations.length > 0 ? EXIT_FINDINGS : EXIT_CLEAN;
}

/** Flags first, then the configuration's simulation defaults. */
function simulationOptions(parsed: ReturnType<typeof parseArgs>, forFinding: boolean, defaults: SimulationDefaults): SimulationOptions {
  const scenario = forFinding ? 'steady' : parsed.flags.get('scenario') ?? defaults.scenario;
  if (scenario === undefined) throw new UsageError(`auditlens simulate: --scenario is required (one of ${SCENARIOS.join(', ')}, or "simulate.scenario" in .auditlens.json), or --finding RULE@FUNCTION`);
  if (typeof scenario !== 'string' || !(SCENARIOS as readonly string[]).includes(scenario)) {
    throw new UsageError(`auditlens simulate: unknown scenario '${String(scenario)}'; scenarios: ${SCENARIOS.join(', ')}`);
  }
  const options: SimulationOptions = { scenario: scenario as ScenarioName };
  const records = integer('simulate', parsed, 'records', 1, MAX_RECORDS) ?? (defaults.records !== undefined ? Math.min(defaults.records, MAX_RECORDS) : undefined);
  const backlogLimit = integer('simulate', parsed, 'backlog-limit', 0, MAX_BACKLOG_LIMIT) ?? defaults.backlogLimit;
  const seed = integer('simulate', parsed, 'seed', 0, Number.MAX_SAFE_INTEGER) ?? defaults.seed;
  if (records !== undefined) options.records = records;
  if (backlogLimit !== undefined) options.backlogLimit = backlogLimit;
  if (seed !== undefined) options.seed = seed;
  const duration = integer('simulate', parsed, 'duration', 0, MAX_DURATION);
  if (duration !== undefined) options.troubleTicks = duration;
  const rate = parsed.flags.get('failure-rate');
  if (rate !== undefined) {
    const r = typeof rate === 'string' && rate.trim() !== '' ? Number(rate) : NaN;
    if (!(r >= 0 && r <= 1)) throw new UsageError(`auditlens simulate: --failure-rate must be a number from 0 to 1 (got '${String(rate)}')`);
    options.failureRate = r;
  }
  if (parsed.flags.has('explore')) options.explore = true;
  if (parsed.flags.has('bypass')) options.bypass = true;
  if (parsed.flags.has('ending')) {
    if (scenario !== 'auditd-stopped') throw new UsageError('auditlens simulate: --ending is for --scenario auditd-stopped');
    options.ending = choice('simulate', parsed, 'ending', ['resumes', 'killed'] as const, 'resumes');
  }
  return options;
}

/**
 * `progress 0.42` lines for the language server, which runs simulations in
 * a child process so that a long run can be cancelled. Written synchronously:
 * the engine does not yield, so buffered writes would only arrive at the end.
 */
function progressOnStderr(): (fraction: number) => void {
  let last = -1;
  return (fraction) => {
    const f = Math.max(0, Math.min(1, fraction));
    if (f - last < 0.01 && f < 1) return;
    last = f;
    try {
      writeSync(2, `progress ${f.toFixed(3)}\n`);
    } catch {
      // a closed stderr only loses the progress report
    }
  };
}

/**
 * Indented like the other commands' JSON, except that arrays of numbers (the
 * series' samples, one per tick) stay on one line: a long run would
 * otherwise print a number per line.
 */
export function resultJson(result: SimulationResult): string {
  return JSON.stringify(result, null, 2).replace(/\[\s*(-?\d[\d.eE+-]*(?:,\s*-?\d[\d.eE+-]*)*)\s*\]/g, (_, inner: string) => `[${inner.replace(/,\s*/g, ', ')}]`);
}

