/**
 * The model or a rule that throws because of one function: that function is
 * left out and reported, the rest of the file is analysed. The failure is
 * injected (a model stage and a rule made to throw whenever a function named
 * `poison_fn` is in the file), since the shipped stages have no known crash.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Analyser } from '../../server/src/analyser';
import { FIXTURES } from '../shared';

const mode = vi.hoisted(() => ({ stage: '' as '' | 'model' | 'rule', always: false }));

vi.mock('../../server/src/model/roles', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../server/src/model/roles')>();
  return {
    ...real,
    assignRoles: (ctx: Parameters<typeof real.assignRoles>[0]) => {
      if (mode.stage === 'model' && (mode.always || ctx.file.functions.has('poison_fn'))) throw new TypeError('injected model failure');
      return real.assignRoles(ctx);
    },
  };
});

vi.mock('../../server/src/rules/controlRules', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../server/src/rules/controlRules')>();
  return {
    ...real,
    lockedConfigBypass: (ctx: Parameters<typeof real.lockedConfigBypass>[0]) => {
      if (mode.stage === 'rule' && (mode.always || ctx.model.file.functions.has('poison_fn'))) throw new TypeError('injected rule failure');
      return real.lockedConfigBypass(ctx);
    },
  };
});

const TRIGGER = readFileSync(resolve(FIXTURES, 'rules', 'AQ103-trigger.c'), 'utf8');
const POISONED = `${TRIGGER}\nstatic int poison_fn(int x)\n{\n\treturn x + 1;\n}\n`;

describe.each(['model', 'rule'] as const)('a %s that throws on one function', (stage) => {
  it('leaves that function out, says why, and keeps every other finding', () => {
    mode.stage = '';
    const want = new Analyser().analyseText(TRIGGER).findings.map((f) => `${f.rule} ${f.function}`);
    mode.stage = stage;
    const a = new Analyser().analyseText(POISONED);
    expect(a.findings.map((f) => `${f.rule} ${f.function}`)).toEqual(want);
    expect(a.model.file.notAnalysed.map((n) => n.name)).toEqual(['poison_fn']);
    expect(a.model.file.notAnalysed[0].reason).toMatch(stage === 'model' ? /queue model could not be built with it \(injected model failure\)/ : /a rule failed on it \(injected rule failure\)/);
  });

  it('in an open document, the culprit of the last version is tried first', () => {
    mode.stage = stage;
    const analyser = new Analyser();
    analyser.update('file:///p.c', POISONED, 1).findings;
    const next = analyser.update('file:///p.c', POISONED.replace('return x + 1', 'return x + 2'), 2);
    expect(next.findings.length).toBeGreaterThan(0);
    expect(next.model.file.notAnalysed.map((n) => n.name)).toEqual(['poison_fn']);
    mode.stage = '';
  });

  it('two definitions of the name (one per #ifdef branch) are left out together', () => {
    mode.stage = stage;
    const twice = `${POISONED}\nstatic int poison_fn(int x)\n{\n\treturn x;\n}\n`;
    const a = new Analyser().analyseText(twice);
    expect(a.findings.length).toBeGreaterThan(0);
    expect(a.model.file.notAnalysed.map((n) => n.name)).toEqual(['poison_fn', 'poison_fn']);
    mode.stage = '';
  });

  it('a failure no single function explains still fails the file, as before', () => {
    mode.stage = stage;
    mode.always = true;
    try {
      expect(() => new Analyser().analyseText(TRIGGER).findings).toThrow(/injected/);
    } finally {
      mode.always = false;
      mode.stage = '';
    }
  });
});
