/**
 * Simulation and rules agree: every queue finding at warning or above (AQ101
 * to AQ105), and every AQ109 reordering (information, but real), in the rule fixtures, the example, the history files, today's
 * file and its queue mutants has a scenario that shows it, found by the same
 * search `auditlens simulate --finding` and the editor's "Show in simulation"
 * run. The findings are enumerated, not listed, so a new fixture or a new
 * finding on a real file is covered the day it appears.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyser } from '../../server/src/analyser';
import { simulate } from '../../server/src/simulate';
import { showable } from '../../server/src/simulate/findingPlans';
import { REPRODUCTION, reproduce } from '../../server/src/simulate/reproduce';
import { applyMutant, MUTANTS } from '../rules/corpusMutants';
import { CORPUS, FIXTURES, hasShared, HISTORY, needsShared, readShared } from '../shared';

const EXAMPLES = resolve(__dirname, '..', '..', 'examples');

function queueFindings(text: string) {
  const analysis = new Analyser().analyseText(text);
  return { analysis, findings: analysis.findings.filter(showable) };
}

/** Shows every finding of `text` the simulator can be asked to show; returns their rules. */
function expectEveryFindingShown(name: string, text: string): string[] {
  const { analysis, findings } = queueFindings(text);
  for (const f of findings) {
    const r = reproduce(analysis, f);
    const tried = r.tried.map((t) => `${t.scenario}${t.bypass ? '+bypass' : ''}: ${t.violations.join(',') || 'none'}`).join('; ');
    expect(r.shown, `${name}: ${f.rule}@${f.function} (${r.invariant}${r.queue ? ` on ${r.queue}` : ''}) not shown; tried ${tried}`).toBeDefined();
    const v = r.shown!.result.violations.find((x) => x.invariant === r.invariant);
    expect(v, `${name}: ${f.rule}@${f.function}`).toBeDefined();
    if (r.queue) expect(v!.queue).toBe(r.queue);
    // the run that shows it ends with a healthy auditd, as every scenario does
    expect(r.shown!.result.error).toBeUndefined();
  }
  return findings.map((f) => f.rule);
}

describe('every queue finding in the rule fixtures and the example has a run that shows it', () => {
  const files = [
    ...readdirSync(join(FIXTURES, 'rules')).filter((f) => f.endsWith('.c')).map((f) => join(FIXTURES, 'rules', f)),
    ...readdirSync(EXAMPLES).filter((f) => f.endsWith('.c')).map((f) => join(EXAMPLES, f)),
  ];
  it('covers the fixtures that trigger AQ101 to AQ105 (the enumeration finds them)', () => {
    const triggering = files.filter((p) => queueFindings(readFileSync(p, 'utf8')).findings.length > 0);
    for (const rule of Object.keys(REPRODUCTION)) expect(triggering.some((p) => p.includes(`${rule}-`)), rule).toBe(true);
  });
  for (const path of files) {
    const name = path.slice(path.lastIndexOf('/') + 1);
    it(name, () => {
      expectEveryFindingShown(name, readFileSync(path, 'utf8'));
    }, 60_000);
  }
});

describe.skipIf(!hasShared)(needsShared('every queue finding in the kernel history, today\'s file and its queue mutants has a run that shows it'), () => {
  const history = () => readdirSync(HISTORY).filter((f) => f.endsWith('.c')).sort();
  it('the history files: 4.12 and 4.13.4 (unbounded retry), 5.10.89 (unbounded retry, rehold livelock, -EAGAIN to hold)', () => {
    const shown = history().flatMap((f) => expectEveryFindingShown(f, readShared(join(HISTORY, f))).map((rule) => `${f}:${rule}`));
    expect(shown).toEqual(expect.arrayContaining(['v4.12.c:AQ101', 'v4.13.4.c:AQ101', 'v5.10.89.c:AQ101', 'v5.10.89.c:AQ103', 'v5.10.89.c:AQ104']));
  }, 120_000);
  it('today\'s file: no queue finding at warning or above, and its one reordering (AQ109) shown', () => {
    const { findings } = queueFindings(readShared(CORPUS));
    expect(findings.map((f) => `${f.rule}:${f.severity}`)).toEqual(['AQ109:information']);
    expect(expectEveryFindingShown('audit-2026.c', readShared(CORPUS))).toEqual(['AQ109']);
  }, 60_000);
  for (const m of MUTANTS.filter((x) => REPRODUCTION[x.rule])) {
    it(`mutant: ${m.name} (${m.rule})`, () => {
      expect(expectEveryFindingShown(m.name, applyMutant(readShared(CORPUS), m))).toContain(m.rule);
    }, 60_000);
  }
  it('steady delivers every record on every version, today\'s included', () => {
    for (const f of [...history().map((h) => join(HISTORY, h)), CORPUS]) {
      const r = simulate(new Analyser().analyseText(readShared(f)), { scenario: 'steady' });
      expect(r.error, f).toBeUndefined();
      expect(r.violations, f).toEqual([]);
      expect(r.records.delivered, f).toBe(r.records.produced);
      expect(r.records.lost + r.records.dropped + r.records.queued, f).toBe(0);
    }
  }, 60_000);
});
