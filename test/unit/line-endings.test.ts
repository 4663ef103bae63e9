/**
 * CR-only, CRLF and mixed line endings analyse as LF does: the same functions
 * and findings at the same lines and columns (LSP counts \r, \n and \r\n as a
 * line break, and so do we). A CR-only file used to be one line to
 * tree-sitter-c: 0 functions, no findings.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyser } from '../../server/src/analyser';
import { fileReport } from '../../server/src/report/checkReport';
import { CORPUS, FIXTURES, hasShared } from '../shared';

const ROOT = resolve(__dirname, '..', '..');
const inputs: [string, string][] = [
  ['example', resolve(ROOT, 'examples', 'kauditd-demo.c')],
  ['AQ103 trigger', resolve(FIXTURES, 'rules', 'AQ103-trigger.c')],
  ['AC301 trigger', resolve(FIXTURES, 'rules', 'AC301-trigger.c')],
  ['AL206 harmful trigger', resolve(FIXTURES, 'rules', 'AL206-harmful-trigger.c')],
  ...(hasShared ? [['audit-2026.c', CORPUS] as [string, string]] : []),
];

const endings: Record<string, (lf: string) => string> = {
  'CR-only': (t) => t.replace(/\n/g, '\r'),
  CRLF: (t) => t.replace(/\n/g, '\r\n'),
  // every line its own: LF, CR, CRLF in turn (never a CR before an empty line's LF, which is one CRLF break)
  mixed: (t) => t.split('\n').map((l, i, all) => (i === all.length - 1 ? l : l + ['\n', '\r', '\r\n'][i % 3])).join(''),
};

function summary(text: string) {
  const report = fileReport('x.c', new Analyser().analyseText(text));
  return {
    functions: report.functions.map((f) => `${f.name} ${f.line}-${f.endLine} ${f.roles.join(',')}`),
    findings: report.findings.map((f) => `${f.rule} ${f.line}:${f.column}-${f.endLine}:${f.endColumn} ${f.message} [${f.related.map((r) => r.line).join(',')}]`),
  };
}

describe.each(inputs)('%s', (_name, path) => {
  const lf = readFileSync(path, 'utf8').replace(/\r\n?/g, '\n');
  const want = summary(lf);

  it.each(Object.keys(endings))('%s line endings give the same functions and findings at the same positions', (ending) => {
    expect(want.functions.length).toBeGreaterThan(3);
    expect(summary(endings[ending](lf))).toEqual(want);
  });
});

it('an edit in a CR-only document is analysed as a fresh parse of the same text', () => {
  const lf = readFileSync(resolve(ROOT, 'examples', 'kauditd-demo.c'), 'utf8');
  const cr = lf.replace(/\n/g, '\r');
  const analyser = new Analyser();
  analyser.update('file:///x.c', cr, 1).findings;
  const at = cr.indexOf('demo_retry_skb');
  const edited = `${cr.slice(0, at)}x${cr.slice(at)}`;
  const incremental = analyser.update('file:///x.c', edited, 2);
  expect(incremental.outline.functions.map((f) => f.name)).toEqual(new Analyser().analyseText(edited).outline.functions.map((f) => f.name));
  expect(incremental.outline.functions.map((f) => f.name)).toContain('xdemo_retry_skb');
});
