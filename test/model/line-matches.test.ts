/**
 * fileFacts' line-anchored scans (registrations, #defines in bodies) try a regex only at the
 * starts of lines that begin with the words they look for: they must find exactly what the /gm scan over every offset finds, on LF, CR-only and
 * CRLF text and where a match runs over lines.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';
import { lineMatches } from '../../server/src/facts/fileFacts';
import { CORPUS, hasShared } from '../shared';

const REGISTRATION = /^[ \t]*(EXPORT_SYMBOL(?:_GPL)?|__setup|early_param|(?:\w+_)?initcall|module_init|module_exit|late_initcall_sync)\s*\(([^;]*)\)\s*;/gm;
const DEFINE = /^[ \t]*#[ \t]*define[ \t]+(\w+)[ \t]+\(?[ \t]*(-?(?:0x[0-9a-fA-F]+|\d+))[uUlL]*[ \t]*\)?[ \t]*$/gm;
const WORDS = /EXPORT_SYMBOL|__setup|early_param|initcall|module_init|module_exit/g;

test('line-start scans find what a scan of every offset finds', () => {
  const base = hasShared ? readFileSync(CORPUS, 'utf8') : readFileSync(resolve(__dirname, '..', '..', 'examples', 'kauditd-demo.c'), 'utf8');
  const own = '#define A 1\n  # define B (0x10)\nEXPORT_SYMBOL(f);\ncore_initcall(\n  g\n); __setup("x", h);\n\tmodule_init(i) ;\n';
  for (const text of [base, own, own.replace(/\n/g, '\r'), own.replace(/\n/g, '\r\n'), base.replace(/\n/g, '\r\n'), base.replace(/;\n/g, ';')]) {
    for (const [re, anchor] of [[REGISTRATION, WORDS], [DEFINE, /#/g]] as const) {
      const want = [...text.matchAll(re)].map((m) => [m.index, m[0]]);
      const got = [...lineMatches(text, new RegExp(re.source, 'my'), anchor)].map((m) => [m.index, m[0]]);
      expect(got).toEqual(want);
    }
  }
  expect([...lineMatches(own, new RegExp(REGISTRATION.source, 'my'), WORDS)].map((m) => m[1])).toEqual(['EXPORT_SYMBOL', 'core_initcall', 'module_init']);
});
