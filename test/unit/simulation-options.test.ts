/**
 * The simulation defaults of the settings (auditlens.simulation.*) and the
 * options simulate, explore and compare pass to the server: validation on
 * both sides, and compare running both images with the same options.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CancellationTokenSource, WorkDoneProgressReporter } from 'vscode-languageserver';
import { simulationDefaults } from '../../client/src/simulationSettings';
import { reviewDocument } from '../../server/src/features/patchDocument';
import { compareCommand, parseCompareArguments, parseSimulateArguments, Runner, simulateCommand, SimulationContext } from '../../server/src/features/simulation';
import { Analyser } from '../../server/src/analyser';
import type { SimulationOptions, SimulationResult } from '../../server/src/simulate/types';

const ROOT = resolve(__dirname, '..', '..');
const DEMO = readFileSync(resolve(ROOT, 'examples', 'kauditd-demo.c'), 'utf8');
const DEMO_PATCH = readFileSync(resolve(ROOT, 'examples', 'unbounded-retry.patch'), 'utf8');
const PATCH_URI = 'file:///k/0001-unbounded-retry.patch';

function settings(values: Record<string, unknown>) {
  return simulationDefaults((key) => values[key]);
}

function context(run: Runner, over: Partial<SimulationContext> = {}): SimulationContext {
  const events: string[] = [];
  return {
    analysisFor: () => undefined,
    reviewFor: () => undefined,
    run,
    token: new CancellationTokenSource().token,
    progress: { begin: (t: string) => void events.push(t), report: () => undefined, done: () => undefined } as unknown as WorkDoneProgressReporter,
    ...over,
  };
}

describe('auditlens.simulation.* (client)', () => {
  it('passes records, seed and backlog limit; null or absent means the engine\'s default', () => {
    expect(settings({ 'simulation.records': 500, 'simulation.seed': 7, 'simulation.backlogLimit': 0 })).toEqual({ options: { records: 500, seed: 7, backlogLimit: 0 }, problems: [] });
    expect(settings({ 'simulation.records': 2000, 'simulation.seed': 1, 'simulation.backlogLimit': null })).toEqual({ options: { records: 2000, seed: 1 }, problems: [] });
    expect(settings({})).toEqual({ options: {}, problems: [] });
  });

  it('leaves out and reports values the server would refuse', () => {
    const { options, problems } = settings({ 'simulation.records': 0, 'simulation.seed': 1.5, 'simulation.backlogLimit': -1 });
    expect(options).toEqual({});
    expect(problems).toEqual([
      'auditlens.simulation.records must be a whole number from 1 to 1000000; 0 is ignored',
      `auditlens.simulation.seed must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}; 1.5 is ignored`,
      'auditlens.simulation.backlogLimit must be a whole number from 0 to 4294967295, or null for the file\'s own limit; -1 is ignored',
    ]);
    expect(settings({ 'simulation.records': '100' }).problems).toHaveLength(1);
  });

  it('produces only options the server accepts', () => {
    const { options } = settings({ 'simulation.records': 1_000_000, 'simulation.seed': 0, 'simulation.backlogLimit': 0xffffffff });
    expect(parseSimulateArguments(['file:///a.c', 'steady', options])).toEqual({ uri: 'file:///a.c', options: { scenario: 'steady', ...options } });
    expect(parseCompareArguments([PATCH_URI, 'steady', options])).toEqual({ uri: PATCH_URI, options: { scenario: 'steady', ...options } });
  });
});

describe('auditlens.server.compare options (server)', () => {
  it('validates them as simulate does, without explore', () => {
    expect(parseCompareArguments([PATCH_URI, 'auditd-stopped'])).toEqual({ uri: PATCH_URI, options: { scenario: 'auditd-stopped' } });
    expect(parseCompareArguments([PATCH_URI, 'auditd-stopped', null])).toEqual({ uri: PATCH_URI, options: { scenario: 'auditd-stopped' } });
    expect(parseCompareArguments([PATCH_URI, 'steady', { records: 0 }])).toEqual({ error: 'records must be a whole number from 1 to 1000000' });
    expect(parseCompareArguments([PATCH_URI, 'steady', { failureRate: 2 }])).toEqual({ error: 'failureRate must be a number from 0 to 1' });
    expect(parseCompareArguments([PATCH_URI, 'steady', { speed: 1 }])).toEqual({ error: "unknown option 'speed'; options: records, backlogLimit, seed, troubleTicks, failureRate" });
    expect(parseCompareArguments([PATCH_URI, 'steady', [1]])).toEqual({ error: 'the options must be an object { records, backlogLimit, seed, troubleTicks, failureRate }' });
    expect(parseCompareArguments([PATCH_URI, 'steady', { explore: true }])).toHaveProperty('error', expect.stringMatching(/^explore is not available for a comparison/));
  });

  it('runs both images with the same options', async () => {
    const review = reviewDocument(DEMO_PATCH, { text: DEMO, path: '/k/examples/kauditd-demo.c' });
    const seen: SimulationOptions[] = [];
    const run: Runner = async (_analysis, options) => {
      seen.push(options);
      return { version: 1, scenario: options.scenario } as SimulationResult;
    };
    const reply = await compareCommand([PATCH_URI, 'auditd-stopped', { records: 300, seed: 4, backlogLimit: 32 }], context(run, { reviewFor: () => review }));
    expect(reply).toMatchObject({ scenario: 'auditd-stopped' });
    expect(seen).toEqual([
      { scenario: 'auditd-stopped', records: 300, seed: 4, backlogLimit: 32 },
      { scenario: 'auditd-stopped', records: 300, seed: 4, backlogLimit: 32 },
    ]);
  });
});

describe('exploration', () => {
  it('says it explores in its progress title', async () => {
    const titles: string[] = [];
    const analysis = new Analyser().analyseText(DEMO);
    const ctx = context(async (_a, options) => ({ version: 1, scenario: options.scenario } as SimulationResult), { analysisFor: () => analysis });
    ctx.progress = { begin: (t: string) => void titles.push(t), report: () => undefined, done: () => undefined } as unknown as WorkDoneProgressReporter;
    await simulateCommand(['file:///k/a.c', 'auditd-stopped', { explore: true }], ctx);
    await simulateCommand(['file:///k/a.c', 'steady'], ctx);
    expect(titles).toEqual(['Exploring auditd-stopped for a counterexample', 'Simulating steady']);
  });
});
