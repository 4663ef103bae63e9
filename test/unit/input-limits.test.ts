/**
 * What the analysis reads of an input no audit code looks like, and how it says
 * what it skipped: a line longer than any kernel line is blanked and reported;
 * past a bound of functions the rest is reported not analysed in one entry.
 * (The time and memory of these families at 1x, 4x and 16x are
 * `npm run bench -- --only limits`'s.)
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyser } from '../../server/src/analyser';
import { MAX_FUNCTIONS } from '../../server/src/facts/fileFacts';
import { MAX_LINE } from '../../server/src/parse/cParser';
import { fileReport } from '../../server/src/report/checkReport';
import { FIXTURES } from '../shared';

const TRIGGER = readFileSync(resolve(FIXTURES, 'rules', 'AQ103-trigger.c'), 'utf8');
const keys = (text: string) => fileReport('x.c', new Analyser().analyseText(text)).findings.map((f) => `${f.rule} ${f.function} ${f.line}`);

describe('a line longer than any kernel line', () => {
  it('is not read, is reported with its length, and the rest keeps its findings at their lines', () => {
    const long = `static const int gen_table[] = {${'1, '.repeat(Math.ceil(MAX_LINE / 3) + 10)}0};`;
    const text = `${TRIGGER}\n${long}\n`;
    const a = new Analyser().analyseText(text);
    const skipped = a.parsed.problems.filter((p) => p.kind === 'skipped');
    expect(skipped).toHaveLength(1);
    expect(skipped[0].line).toBe(TRIGGER.split('\n').length);
    expect(skipped[0].message).toMatch(/is [\d,]+ characters long: lines over 65,536 are not read/);
    expect(keys(text)).toEqual(keys(TRIGGER));
    // before the code too: every finding keeps its place, one line down
    const before = keys(`${long}\n${TRIGGER}`);
    expect(before).toEqual(keys(TRIGGER).map((k) => k.replace(/ (\d+)$/, (_, n) => ` ${Number(n) + 1}`)));
  });

  it('an edit elsewhere in a document with such a line is analysed as a fresh parse', () => {
    const analyser = new Analyser();
    const long = `/* ${'x'.repeat(MAX_LINE + 1)} */`;
    analyser.update('file:///l.c', `${TRIGGER}\n${long}\n`, 1).findings;
    const next = analyser.update('file:///l.c', `${TRIGGER}\n${long}\n/* more */\n`, 2);
    expect(next.findings.map((f) => f.rule)).toEqual(new Analyser().analyseText(`${TRIGGER}\n${long}\n/* more */\n`).findings.map((f) => f.rule));
    const short = analyser.update('file:///l.c', TRIGGER, 3);
    expect(short.parsed.problems.filter((p) => p.kind === 'skipped')).toEqual([]);
  });
});

describe('a file of more functions than any audit code', () => {
  it(`reads the first ${MAX_FUNCTIONS.toLocaleString('en')} and reports the rest once`, () => {
    const gen = Array.from({ length: MAX_FUNCTIONS + 20 }, (_, i) => `static int gen_fn_${i}(int x)\n{\n\treturn x + ${i};\n}\n`).join('');
    const report = fileReport('x.c', new Analyser().analyseText(`${TRIGGER}\n${gen}`));
    expect(report.notAnalysed).toHaveLength(1);
    const n = report.notAnalysed![0];
    expect(n.reason).toMatch(/^nor the \d+ functions after it \(to line \d+\): the file has [\d,]+ functions and the analysis reads the first 5,000/);
    // the audit code at the top is analysed as on its own
    expect(report.findings.map((f) => `${f.rule} ${f.function}`)).toEqual(keys(TRIGGER).map((k) => k.replace(/ \d+$/, '')));
  });
});

describe('a patch touching more C files than any audit patch', () => {
  it('reviews the first ones and names the rest as not reviewed, once', async () => {
    const { reviewPatch, MAX_REVIEWED_FILES } = await import('../../server/src/patch/review');
    const n = MAX_REVIEWED_FILES + 50;
    const parts = ['From: Gen <g@example.org>', 'Subject: [PATCH] tree-wide', '', '---'];
    for (let i = 0; i < n; i++) parts.push(`--- a/f${i}.c`, `+++ b/f${i}.c`, '@@ -1 +1,2 @@', ' a;', `+b${i};`);
    const r = reviewPatch(`${parts.join('\n')}\n`);
    expect(r.unreviewed).toHaveLength(50);
    expect(r.unreviewed[0]).toBe(`f${MAX_REVIEWED_FILES}.c`);
    expect(r.problems.filter((p) => /more C files not reviewed/.test(p))).toEqual([`50 more C files not reviewed (f${MAX_REVIEWED_FILES}.c, f${MAX_REVIEWED_FILES + 1}.c, f${MAX_REVIEWED_FILES + 2}.c, …): the patch touches ${n} and a review reads the first ${MAX_REVIEWED_FILES}`]);
    expect(r.readings).toHaveLength(MAX_REVIEWED_FILES);
  });
});

describe('a file larger than any audit code', () => {
  it('is read up to a function end past the bound; the rest is reported not read, with its lines', async () => {
    const { MAX_PARSED } = await import('../../server/src/parse/cParser');
    const fn = (i: number) => `static int gen_fn_${i}(int x)\n{\n\treturn x + ${i};\n}\n`;
    let gen = '';
    for (let i = 0; gen.length < MAX_PARSED + 100_000; i++) gen += fn(i);
    const text = `${TRIGGER}\n${gen}`;
    const a = new Analyser().analyseText(text);
    const unread = a.parsed.problems.filter((p) => p.kind === 'skipped');
    expect(unread).toHaveLength(1);
    expect(unread[0].message).toMatch(/^lines \d+-\d+ are not read: the file is 2\.\d MiB and the analysis reads the first 2 MiB/);
    // cut at a line after a function's closing brace: the text before it ends a function
    expect(text.slice(0, unread[0].start)).toMatch(/\n}\n$/);
    expect(unread[0].endLine).toBe(text.split('\n').length - 1);
    const report = fileReport('x.c', a);
    expect(report.notRead).toHaveLength(1);
    expect(report.parse.errors).toBe(0);
    expect(report.findings.map((f) => `${f.rule} ${f.function}`)).toEqual(keys(TRIGGER).map((k) => k.replace(/ \d+$/, '')));
  });
});

describe('an mbox of more mails than any series', () => {
  it('reviews the first ones and says how many more it did not', async () => {
    const { reviewPatch, MAX_REVIEWED_MESSAGES } = await import('../../server/src/patch/review');
    const mail = (i: number) => [
      `From ${(0x1000 + i).toString(16)} Mon Sep 17 00:00:00 2001`, `From: Gen <g${i}@example.org>`, `Subject: [PATCH ${i}] gen: comment ${i}`, '', `Patch ${i}.`, '', '---',
      `--- a/f${i}.c`, `+++ b/f${i}.c`, '@@ -1 +1,2 @@', ' a;', `+b${i};`, '',
    ].join('\n');
    const n = MAX_REVIEWED_MESSAGES + 7;
    const r = reviewPatch(Array.from({ length: n }, (_, i) => mail(i)).join('\n'));
    expect(r.problems.filter((p) => /more messages with a diff not reviewed/.test(p))).toEqual([expect.stringMatching(new RegExp(`^7 more messages with a diff not reviewed \\(from line \\d+, "gen: comment ${MAX_REVIEWED_MESSAGES}"\\): the mbox has ${n} and a review reads the first ${MAX_REVIEWED_MESSAGES}$`))]);
    expect(r.readings).toHaveLength(MAX_REVIEWED_MESSAGES);
  });
});
