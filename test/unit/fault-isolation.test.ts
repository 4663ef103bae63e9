/**
 * One function the analysis cannot read costs that function, not the file:
 * it is reported "not analysed" with why, and everything else is analysed as
 * before. The shapes are what typing produces (`static void {`) and what a
 * fuzzer or a generator produces (nesting 10,000 deep in each syntax family).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyser } from '../../server/src/analyser';
import { analysisDiagnostics } from '../../server/src/features/diagnostics';
import { fileReport } from '../../server/src/report/checkReport';
import { FIXTURES } from '../shared';

const DEMO = readFileSync(resolve(__dirname, '..', '..', 'examples', 'kauditd-demo.c'), 'utf8');
const TRIGGER = readFileSync(resolve(FIXTURES, 'rules', 'AQ103-trigger.c'), 'utf8');
const DEPTH = 10_000;

/** Nesting families, each as one function `deep_fn` DEPTH levels deep. */
const FAMILIES: Record<string, () => string> = {
  'nested ifs': () => `int deep_fn(int x)\n{\n${'if (x) {\n'.repeat(DEPTH)}x++;\n${'}\n'.repeat(DEPTH)}return x;\n}\n`,
  'nested braces': () => `int deep_fn(int x)\n{\n${'{\n'.repeat(DEPTH)}x++;\n${'}\n'.repeat(DEPTH)}return x;\n}\n`,
  'else-if chain': () => `int deep_fn(int x)\n{\n${Array.from({ length: DEPTH }, (_, i) => `${i ? 'else ' : ''}if (x == ${i}) x += ${i};`).join('\n')}\nreturn x;\n}\n`,
  // a term a line: on one line it would pass the longest line read (cParser MAX_LINE)
  'long expression': () => `int deep_fn(int x)\n{\nreturn ${Array.from({ length: DEPTH }, (_, i) => `x * ${i}`).join(' +\n')};\n}\n`,
  'nested parentheses': () => `int deep_fn(int x)\n{\nreturn ${'('.repeat(DEPTH)}x${')'.repeat(DEPTH)};\n}\n`,
};

function findingKeys(text: string) {
  const report = fileReport('x.c', new Analyser().analyseText(text));
  return { report, keys: report.findings.map((f) => `${f.rule} ${f.function} ${f.message}`) };
}

describe('a function that cannot be analysed', () => {
  const base = findingKeys(TRIGGER).keys;

  it('a definition being typed (`static void {`) is reported, and the file keeps its findings', () => {
    for (const at of ['end', 'start']) {
      const text = at === 'end' ? `${TRIGGER}\nstatic void {\n}\n` : `static void {\n}\n${TRIGGER}`;
      const { report, keys } = findingKeys(text);
      expect(keys, at).toEqual(base);
      expect(report.notAnalysed, at).toHaveLength(1);
      expect(report.notAnalysed![0].reason).toMatch(/no name or parameter list/);
    }
  });

  it.each(Object.keys(FAMILIES))('%s, 10,000 deep: that function is not analysed, the others are', (family) => {
    const { report, keys } = findingKeys(`${TRIGGER}\n${FAMILIES[family]()}`);
    expect(keys).toEqual(base);
    expect(report.notAnalysed?.map((n) => n.function)).toEqual(['deep_fn']);
    expect(report.notAnalysed![0].reason).toMatch(/nested more than \d+ syntax levels deep|nested too deeply/);
    // the same function in the middle of the file, before the others
    const at = TRIGGER.indexOf('static void kauditd_rehold_skb');
    expect(at).toBeGreaterThan(0);
    expect(findingKeys(`${TRIGGER.slice(0, at)}${FAMILIES[family]()}\n${TRIGGER.slice(at)}`).keys).toEqual(base);
  });

  it('the editor gets one diagnostic on the function, saying so, beside the findings', () => {
    const text = `${DEMO}\nstatic void {\n}\n${FAMILIES['nested ifs']()}`;
    const diags = analysisDiagnostics('file:///x.c', new Analyser().analyseText(text));
    const skipped = diags.filter((d) => d.code === 'not-analysed');
    expect(skipped.map((d) => String(d.message).split(' was ')[0])).toEqual(['the function without a name', 'deep_fn()']);
    for (const d of skipped) expect(d.range.start.line).toBe(d.range.end.line);
    expect(skipped[1].message).toMatch(/the rest of the file is analysed/);
  });

  it('explain (the hover) and a simulation say it was not analysed', async () => {
    const { explainSymbol } = await import('../../server/src/features/explain');
    const { simulate } = await import('../../server/src/simulate');
    const a = new Analyser().analyseText(`${DEMO}\n${FAMILIES['nested braces']()}`);
    expect(explainSymbol(a, 'deep_fn')).toMatch(/^\*\*`deep_fn`\*\* — not analysed: it is nested more than/);
    expect(simulate(a, { scenario: 'steady', records: 50 }).notes.join('\n')).toMatch(/deep_fn\(\) was not analysed/);
  });

  it('an open document stays analysed while a broken definition is typed into it', () => {
    const analyser = new Analyser();
    const clean = analyser.update('file:///t.c', TRIGGER, 1);
    expect(clean.findings.length).toBeGreaterThan(0);
    const typing = analyser.update('file:///t.c', `${TRIGGER}\nstatic void {\n}\n`, 2);
    expect(typing.findings.map((f) => f.rule)).toEqual(clean.findings.map((f) => f.rule));
    expect(typing.model.file.notAnalysed).toHaveLength(1);
  });
});

it('the model summary leads with what it does not include', async () => {
  const { modelSummary } = await import('../../server/src/features/modelSummary');
  const { modelSummaryMarkdown } = await import('../../server/src/features/modelSummaryText');
  const s = modelSummary(new Analyser().analyseText(`${DEMO}\n${FAMILIES['nested parentheses']()}`));
  expect(s.notAnalysed.map((n) => n.name)).toEqual(['deep_fn']);
  const md = modelSummaryMarkdown(s, { name: 'x.c' });
  expect(md.indexOf('## Not analysed')).toBeGreaterThan(0);
  expect(md.indexOf('## Not analysed')).toBeLessThan(md.indexOf('## Backlog queues'));
  expect(md).toMatch(/`deep_fn` \(L\d+\): it is nested more than/);
  expect(modelSummaryMarkdown(modelSummary(new Analyser().analyseText(DEMO)), { name: 'x.c' })).not.toMatch(/Not analysed/);
});

it('a patch that adds a function the analysis cannot read: the review says so and reviews the rest', async () => {
  const { reviewPatch } = await import('../../server/src/patch/review');
  const { unifiedDiff } = await import('../../server/src/patch/diff');
  const after = `${TRIGGER}\n${FAMILIES['else-if chain']()}`;
  const patch = `From: A <a@example.org>\nSubject: [PATCH] audit: add deep_fn\n\n---\n${unifiedDiff(TRIGGER, after, 'kernel/audit.c')}`;
  const r = reviewPatch(patch, { base: TRIGGER });
  expect(r.problems.join('\n')).toMatch(/kernel\/audit\.c: deep_fn\(\) was not analysed: .* \(after the patch\)/);
  expect(r.findings.filter((f) => f.status === 'unchanged').map((f) => f.finding.rule)).toContain('AQ103');
  expect(r.unreviewed).toEqual([]);
});

it('a function larger than any kernel function (a generated one of 150,000 statements) is not analysed; the others are', async () => {
  const { MAX_AST_NODES } = await import('../../server/src/parse/mirror');
  const big = `int big_fn(int x)\n{\n${'x++;\n'.repeat(Math.ceil(MAX_AST_NODES / 3))}return x;\n}\n`;
  const { report, keys } = findingKeys(`${TRIGGER}\n${big}`);
  expect(keys).toEqual(findingKeys(TRIGGER).keys);
  expect(report.notAnalysed?.map((n) => n.function)).toEqual(['big_fn']);
  expect(report.notAnalysed![0].reason).toMatch(/larger than the analysis reads: more than [\d,]+ syntax nodes/);
});
