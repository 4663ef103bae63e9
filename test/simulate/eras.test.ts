/**
 * Every era runs: the v4.9 pid/sock globals, the three-queue v4.10, the 4.11
 * static struct, the RCU pointer without and with __rcu, late 2021, 2022 and
 * today (our version fixtures, and the real files in ../shared). Each must
 * find its connection, deliver every record when auditd is healthy, exercise
 * the retry and hold queues when auditd is slow wherever a send can fail, and,
 * with producers that bypass the backlog wait, show the main queue's growth
 * that the 2022 sender penalty stopped.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyser } from '../../server/src/analyser';
import { simulate } from '../../server/src/simulate';
import type { SimulationOptions, SimulationResult } from '../../server/src/simulate/types';
import { CORPUS, fixture, hasShared, HISTORY, needsShared, readShared } from '../shared';

const run = (text: string, options: SimulationOptions): SimulationResult => simulate(new Analyser().analyseText(text), options);

/** Fixture, connection form, has the sender penalty. */
const FIXTURE_ERAS: [string, string, boolean][] = [
  ['v4_9', 'globals', false],
  ['v4_10', 'globals', false],
  ['v4_11_struct', 'struct', false],
  ['v4_11', 'rcu-pointer', false],
  ['late2021', 'rcu-pointer', true], // the fixture has the sender penalty of December 2021
  ['v2022', 'rcu-pointer', true],
];

function expectEra(name: string, text: string, form: string, penalty: boolean): void {
  const steady = run(text, { scenario: 'steady' });
  expect(steady.error, name).toBeUndefined();
  expect(steady.coverage?.connection.form, name).toBe(form);
  expect(steady.violations, name).toEqual([]);
  expect(steady.records.delivered, name).toBe(steady.records.produced);
  expect(steady.records.produced, name).toBeGreaterThanOrEqual(2000);

  // a slow auditd: where a send can fail (a finite timeout, assumed when the socket is not in
  // the file) the failed records reach the retry queue and, past the drain's retries, the hold
  // queue; where sends block the run says so instead
  const slow = run(text, { scenario: 'eagain-burst' });
  if (slow.parameters.sendTimeout === null) {
    expect(slow.notes.join('\n'), name).toMatch(/sends block while auditd is slow/);
  } else {
    const names = Object.keys(slow.queues);
    expect(names.some((q) => /retry/.test(q)) ? slow.queues[names.find((q) => /retry/.test(q))!].max : 1, `${name}: retry queue used`).toBeGreaterThan(0);
    expect(slow.queues[names.find((q) => /hold/.test(q))!].max, `${name}: hold queue used`).toBeGreaterThan(0);
  }

  // producers that bypass the backlog wait (the audit_cmd_mutex holder): without the 2022
  // sender penalty the main queue grows past the limit while auditd is stopped
  const bypass = run(text, { scenario: 'auditd-stopped', bypass: true, records: 1000 });
  const main = bypass.violations.find((v) => v.invariant === 'bounded' && /^audit_queue /.test(v.message));
  if (penalty) {
    expect(main, name).toBeUndefined();
    expect(bypass.coverage?.producers, name).toMatch(/the sender penalty/);
  } else {
    expect(main?.message, name).toMatch(/skip the backlog wait, and nothing makes them wait once they drop it/);
  }
}

describe('every era runs: the version fixtures', () => {
  for (const [name, form, penalty] of FIXTURE_ERAS) {
    it(`${name}: connection ${form}${penalty ? ', sender penalty' : ''}`, () => {
      expectEra(name, fixture(`versions/${name}.c`), form, penalty);
    }, 60_000);
  }
});

describe.skipIf(!hasShared)(needsShared('every era runs: the real files'), () => {
  it.each([
    ['v4.12.c', 'rcu-pointer', false],
    ['v4.13.4.c', 'rcu-pointer', false],
    ['v5.10.89.c', 'rcu-pointer', false],
    ['v6.1.192-debian.c', 'rcu-pointer', true],
  ])('%s', (file, form, penalty) => {
    expect(readdirSync(HISTORY)).toContain(file);
    expectEra(file, readShared(join(HISTORY, file)), form as string, penalty as boolean);
  }, 60_000);
  it('today\'s file', () => {
    expectEra('audit-2026.c', readShared(CORPUS), 'rcu-pointer', true);
  }, 60_000);
});
