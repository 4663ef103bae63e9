/**
 * Every rule has a triggering fixture and a fixed twin (test/fixtures/rules).
 * A finding is expected exactly on the lines marked `/* expect: ID *\/`, and
 * nowhere else: a clean twin has no finding of any rule.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../server/src/rules/catalogue';
import { FIXTURES } from '../shared';
import { findingsOf } from './helpers';

const DIR = join(FIXTURES, 'rules');
const files = readdirSync(DIR).filter((f) => f.endsWith('.c')).sort();

function expected(text: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    const m = /\/\* expect: ([A-Z0-9 ]+) \*\//.exec(line);
    if (m) for (const id of m[1].trim().split(/\s+/)) out.push(`${id}:${i + 1}`);
  });
  return out.sort();
}

describe('rule fixtures', () => {
  it('cover every rule with a trigger and a clean twin', () => {
    for (const r of RULES) {
      expect(files.some((f) => f.startsWith(r.id) && f.endsWith('-trigger.c')), `${r.id} trigger`).toBe(true);
      expect(files.some((f) => f.startsWith(r.id) && f.endsWith('-clean.c')), `${r.id} clean`).toBe(true);
    }
  });

  for (const file of files) {
    it(file, () => {
      const text = readFileSync(join(DIR, file), 'utf8');
      const actual = findingsOf(text).map((f) => `${f.rule}:${f.span.line + 1}`).sort();
      expect(actual).toEqual(expected(text));
      if (file.endsWith('-trigger.c')) {
        const rule = file.slice(0, 5);
        expect(actual.some((k) => k.startsWith(rule)), `${file} must fire ${rule}`).toBe(true);
      }
    });
  }
});
