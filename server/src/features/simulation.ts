/**
 * workspace/executeCommand `auditlens.server.simulate` [uri, scenario, options?]
 * and `auditlens.server.compare` [patchUri, scenario, options?]: a queue scenario on an
 * open audit C document, or on both images of a reviewed patch.
 *
 * The engine runs synchronously; on the server's one thread it would block
 * the connection, so neither a cancel request nor a progress report could get
 * through until it finished. The server therefore hands the run to a child
 * process (`auditlens simulate - --progress`), which it kills on cancel; the
 * in-process runner is for tests and for a server started without dist/cli.js.
 */
import { ChildProcess, spawn } from 'node:child_process';
import {
  CancellationToken,
  LSPErrorCodes,
  ResponseError,
  WorkDoneProgressReporter,
} from 'vscode-languageserver';
import type { FileAnalysis } from '../analyser';
import type { ImagePair } from '../patch/review';
import { ASSUMED_CONSUMER } from '../patch/assumedBindings';
import { simulate } from '../simulate';
import { findingFor, reproduce, reproductionResult, reproductionSummary } from '../simulate/reproduce';
import { SCENARIOS, ScenarioName, SimulationOptions, SimulationResult } from '../simulate/types';
import type { PatchReview } from './patchDocument';
import { utf8Length } from '../parse/utf8';

export const SIMULATE_COMMAND = 'auditlens.server.simulate';
export const COMPARE_COMMAND = 'auditlens.server.compare';

/** A request that could not run: bad arguments, no analysed document, no consumer... */
export interface SimulationFailure {
  error: string;
}

/** One scenario before and after a patch, with the image texts the traces' lines refer to. */
export interface Comparison {
  /** The file the images are of, as the patch names it. */
  file: string;
  scenario: ScenarioName;
  before: SimulationResult;
  after: SimulationResult;
  sources: { before: string; after: string };
}

export type SimulateReply = SimulationResult | SimulationFailure;
export type CompareReply = Comparison | SimulationFailure;

/** The options a client may pass; the callbacks are the server's. */
export type RequestedOptions = Pick<SimulationOptions, 'records' | 'backlogLimit' | 'seed' | 'troubleTicks' | 'failureRate' | 'explore'>;

export interface SimulateRequest {
  uri: string;
  options: SimulationOptions;
}

/** Options a runner takes: a simulation's, or a finding to show (`RULE@FUNCTION`), which picks its own scenarios. */
export type RunOptions = SimulationOptions & { finding?: string };

export function isFailure(reply: unknown): reply is SimulationFailure {
  return typeof reply === 'object' && reply !== null && typeof (reply as SimulationFailure).error === 'string' && !('version' in reply);
}

function scenarioOf(value: unknown): ScenarioName | SimulationFailure {
  if (typeof value === 'string' && (SCENARIOS as readonly string[]).includes(value)) return value as ScenarioName;
  return { error: `unknown scenario ${JSON.stringify(value)}; scenarios: ${SCENARIOS.join(', ')}` };
}

function uriOf(value: unknown, what: string): string | SimulationFailure {
  return typeof value === 'string' && value.length > 0 ? value : { error: `the first argument must be the URI of ${what}` };
}

const NUMBER_OPTIONS = { records: [1, 1_000_000], backlogLimit: [0, 0xffffffff], seed: [0, Number.MAX_SAFE_INTEGER], troubleTicks: [0, 100_000] } as const;
const OPTION_NAMES = 'records, backlogLimit, seed, troubleTicks, failureRate, explore, finding';
const COMPARE_OPTION_NAMES = 'records, backlogLimit, seed, troubleTicks, failureRate';

/** Validates `[uri, scenario, options?]`; a failure is an answer for the client, not an exception. */
export function parseSimulateArguments(args: readonly unknown[] | undefined): SimulateRequest | SimulationFailure {
  return parseRequest(args, 'an audit C document', true);
}

function parseRequest(args: readonly unknown[] | undefined, what: string, allowExplore: boolean): SimulateRequest | SimulationFailure {
  const [rawUri, rawScenario, rawOptions] = args ?? [];
  const uri = uriOf(rawUri, what);
  if (isFailure(uri)) return uri;
  const scenario = scenarioOf(rawScenario);
  if (isFailure(scenario)) return scenario;
  const options = parseOptions(rawOptions, scenario, allowExplore);
  return isFailure(options) ? options : { uri, options };
}

/**
 * The options object of simulate and compare. Compare runs the same options
 * on both sides of the patch; `explore` is refused there, because each side
 * would report the first counterexample of its own, with other parameters,
 * and the two runs would no longer be comparable.
 */
function parseOptions(rawOptions: unknown, scenario: ScenarioName, allowExplore: boolean): SimulationOptions | SimulationFailure {
  const options: SimulationOptions = { scenario };
  if (rawOptions === undefined || rawOptions === null) return options;
  const names = allowExplore ? OPTION_NAMES : COMPARE_OPTION_NAMES;
  if (typeof rawOptions !== 'object' || Array.isArray(rawOptions)) return { error: `the options must be an object { ${names} }` };
  const given = rawOptions as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (key === 'explore' && !allowExplore) return { error: 'explore is not available for a comparison: each side would stop at a counterexample of its own; explore each image with Simulate instead' };
    if (key === 'finding' && !allowExplore) return { error: 'finding is not available for a comparison; show the finding with Simulate instead' };
    if (!Object.hasOwn(NUMBER_OPTIONS, key) && key !== 'explore' && key !== 'failureRate' && key !== 'finding') return { error: `unknown option '${key}'; options: ${names}` };
  }
  for (const [key, [min, max]] of Object.entries(NUMBER_OPTIONS) as [keyof typeof NUMBER_OPTIONS, readonly [number, number]][]) {
    const v = given[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) return { error: `${key} must be a whole number from ${min} to ${max}` };
    options[key] = v;
  }
  if (given.failureRate !== undefined) {
    const r = given.failureRate;
    if (typeof r !== 'number' || !(r >= 0 && r <= 1)) return { error: 'failureRate must be a number from 0 to 1' };
    options.failureRate = r;
  }
  if (given.explore !== undefined) {
    if (typeof given.explore !== 'boolean') return { error: 'explore must be true or false' };
    options.explore = given.explore;
  }
  if (given.finding !== undefined) {
    if (typeof given.finding !== 'string' || !/^[A-Z]{2}\d{3}@\w+$/.test(given.finding)) return { error: 'finding must be RULE@FUNCTION (for example AQ103@kauditd_rehold_skb)' };
    (options as RunOptions).finding = given.finding;
  }
  return options;
}

/** Validates `[patchUri, scenario, options?]` (the options of simulate, without explore). */
export function parseCompareArguments(args: readonly unknown[] | undefined): SimulateRequest | SimulationFailure {
  return parseRequest(args, 'a patch document', false);
}

/**
 * The image pair a comparison runs on: the first whose code has a consumer
 * (kauditd's thread) before or after the patch. A patch reviewed from its
 * hunks alone rarely has one in view, and then there is nothing to run.
 */
export function comparisonImage(review: PatchReview): ImagePair | undefined {
  // a consumer the review assumed to bind hooks shown alone is no kernel to run
  const real = (c: string | undefined) => c !== undefined && c !== ASSUMED_CONSUMER;
  return review.review.images.find((pair) => real(pair.post.model.consumer) || real(pair.pre.model.consumer));
}

/** What a runner is told while it runs. */
export interface RunControl {
  token: CancellationToken;
  /** Fraction done, 0..1. */
  progress(fraction: number): void;
}

/** Runs one simulation; rejects with `cancelled()` when the token fires, with an Error when the run could not be made. */
export type Runner = (analysis: FileAnalysis, options: RunOptions, control: RunControl) => Promise<SimulationResult>;

export function cancelled(): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, 'simulation cancelled');
}

/** The engine on this thread: cancellation is only seen when the engine asks, which is enough for tests. */
export const inProcessRunner: Runner = async (analysis, { finding, ...options }, control) => {
  const live = { ...options, cancelled: () => control.token.isCancellationRequested, progress: control.progress };
  const result = finding !== undefined ? findingRun(analysis, finding, live) : simulate(analysis, live);
  if (control.token.isCancellationRequested) throw cancelled();
  return result;
};

/** A finding's reproduction as one result (the run that shows it, else the last tried, led by what was found). */
function findingRun(analysis: FileAnalysis, spec: string, options: SimulationOptions): SimulationResult {
  const finding = findingFor(analysis, spec);
  if (typeof finding === 'string') throw new Error(finding);
  const { scenario: _picked, ...base } = options;
  const r = reproduce(analysis, finding, base);
  const result = reproductionResult(r);
  if (!result) throw new Error(reproductionSummary(r));
  return result;
}

/** Runs in flight, killed if the server exits first (they only write at the end, so nothing else would stop them). */
const running = new Set<ChildProcess>();
let killOnExit = false;

/** Runs `node <cliModule> simulate - ...` with the document text on stdin; killed on cancel. */
export function childProcessRunner(cliModule: string): Runner {
  return (analysis, options, control) =>
    new Promise<SimulationResult>((resolve, reject) => {
      if (control.token.isCancellationRequested) return reject(cancelled());
      const text = analysis.parsed.text;
      const pick = options.finding !== undefined ? ['--finding', options.finding] : ['--scenario', options.scenario];
      const args = [cliModule, 'simulate', '-', ...pick, '--format', 'json', '--progress', '--max-size', String(Math.max(1, utf8Length(text)))];
      if (options.records !== undefined) args.push('--records', String(options.records));
      if (options.backlogLimit !== undefined) args.push('--backlog-limit', String(options.backlogLimit));
      if (options.seed !== undefined) args.push('--seed', String(options.seed));
      if (options.troubleTicks !== undefined) args.push('--duration', String(options.troubleTicks));
      if (options.failureRate !== undefined) args.push('--failure-rate', String(options.failureRate));
      if (options.explore && options.finding === undefined) args.push('--explore');
      // Under VS Code process.execPath is Electron: run it as node, whatever the inherited environment says.
      const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
      running.add(child);
      child.on('exit', () => running.delete(child));
      if (!killOnExit) {
        killOnExit = true;
        process.on('exit', () => running.forEach((c) => c.kill()));
      }
      const stdout: Buffer[] = [];
      let errors = '';
      let pending = '';
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        subscription.dispose();
        fn();
      };
      const subscription = control.token.onCancellationRequested(() => {
        child.kill();
        finish(() => reject(cancelled()));
      });
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          const m = /^progress (\d+(?:\.\d+)?)$/.exec(line);
          if (m) control.progress(Number(m[1]));
          else if (line.trim()) errors += `${line.trim()}\n`;
        }
      });
      child.stdin.on('error', () => undefined); // the child may exit before reading it all; its exit status says why
      child.on('error', (err) => finish(() => reject(new Error(`cannot start the simulation: ${err.message}`))));
      child.on('close', (code) =>
        finish(() => {
          const message = (errors + pending).trim().split('\n')[0];
          if (code !== 0 && code !== 1) return reject(new Error(message.replace(/^auditlens simulate: -: /, '') || `the simulation exited with status ${code}`));
          let out: unknown;
          try {
            out = JSON.parse(Buffer.concat(stdout).toString('utf8'));
          } catch {
            return reject(new Error('the simulation printed no result'));
          }
          if (options.finding === undefined) return resolve(out as SimulationResult);
          // --finding: { reproduced, summary, result? } with the result's notes led by the summary
          const shown = out as { summary?: string; result?: SimulationResult };
          if (shown.result) resolve(shown.result);
          else reject(new Error(shown.summary ?? 'the simulation printed no result'));
        }),
      );
      child.stdin.end(text);
    });
}

/** Progress of one or more runs onto one reporter, in whole percent (fewer messages). */
function progressOnto(reporter: WorkDoneProgressReporter, runs: number): ((run: number) => (fraction: number) => void) {
  const fractions = new Array<number>(runs).fill(0);
  let last = -1;
  return (run) => (fraction) => {
    fractions[run] = Math.max(0, Math.min(1, fraction));
    const percent = Math.floor((100 * fractions.reduce((a, b) => a + b, 0)) / runs);
    if (percent === last) return;
    last = percent;
    reporter.report(percent);
  };
}

export interface SimulationContext {
  analysisFor(uri: string): FileAnalysis | undefined;
  reviewFor(uri: string): PatchReview | undefined;
  run: Runner;
  token: CancellationToken;
  /** The request's work-done progress (a null reporter when the client sent no token). */
  progress: WorkDoneProgressReporter;
  /** Told what a finding's run showed (its summary), so the finding's diagnostic can say it. */
  findingShown?(analysis: FileAnalysis, spec: string, summary: string): void;
}

/** `auditlens.server.simulate`: the result, or a failure saying why there is none; throws only on cancel. */
export async function simulateCommand(args: readonly unknown[] | undefined, ctx: SimulationContext): Promise<SimulateReply> {
  const request = parseSimulateArguments(args);
  if (isFailure(request)) return request;
  const analysis = ctx.analysisFor(request.uri);
  if (!analysis) return { error: 'this document is not an audit C file AuditLens has analysed (open kernel/audit.c, or a file declaring audit_queue)' };
  if (analysis.model.consumer === undefined) return { error: 'no consumer (the kthread that takes records off the backlog queues and sends them) was found in this file: there is nothing to simulate' };
  const finding = (request.options as RunOptions).finding;
  const what = finding !== undefined ? `Looking for a run that shows ${finding.replace('@', ' in ')}()` : request.options.explore ? `Exploring ${request.options.scenario} for a counterexample` : `Simulating ${request.options.scenario}`;
  ctx.progress.begin(what, 0, undefined, true);
  try {
    const reply = await runOrFail(() => ctx.run(analysis, request.options, { token: ctx.token, progress: progressOnto(ctx.progress, 1)(0) }));
    // the summary leads a finding's result (or is the failure when no run could be shown)
    if (finding !== undefined) ctx.findingShown?.(analysis, finding, isFailure(reply) ? reply.error : reply.notes[0] ?? '');
    return reply;
  } finally {
    ctx.progress.done();
  }
}

/** `auditlens.server.compare`: the scenario on the code before and after the patch, run side by side. */
export async function compareCommand(args: readonly unknown[] | undefined, ctx: SimulationContext): Promise<CompareReply> {
  const request = parseCompareArguments(args);
  if (isFailure(request)) return request;
  const review = ctx.reviewFor(request.uri);
  if (!review) return { error: 'this document is not a patch AuditLens has reviewed' };
  const pair = comparisonImage(review);
  if (!pair) return { error: 'the patch does not show kauditd\'s consumer thread before or after it (reviewed from its hunks alone?): open the kernel/audit.c it applies to, or set auditlens.patch.baseFile, then compare again' };
  const { options } = request;
  ctx.progress.begin(`Comparing ${options.scenario} before and after the patch`, 0, undefined, true);
  try {
    const progress = progressOnto(ctx.progress, 2);
    const [before, after] = await Promise.all([
      runOrFail(() => ctx.run(pair.pre, options, { token: ctx.token, progress: progress(0) })),
      runOrFail(() => ctx.run(pair.post, options, { token: ctx.token, progress: progress(1) })),
    ]);
    if (isFailure(before)) return { error: `before the patch: ${before.error}` };
    if (isFailure(after)) return { error: `after the patch: ${after.error}` };
    return { file: pair.file, scenario: options.scenario, before, after, sources: { before: pair.pre.parsed.text, after: pair.post.parsed.text } };
  } finally {
    ctx.progress.done();
  }
}

/** A run's result, with `result.error` and runner errors turned into failures; a cancel stays an exception. */
async function runOrFail(run: () => Promise<SimulationResult>): Promise<SimulateReply> {
  try {
    const result = await run();
    return result.error ? { error: result.error } : result;
  } catch (err) {
    if (err instanceof ResponseError) throw err;
    return { error: err instanceof Error ? err.message : String(err) };
  }
}
