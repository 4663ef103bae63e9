/**
 * Bugs put into today's kernel/audit.c (read from ../shared at test time) in
 * places no fixture has: each mutant must raise its rule, once, where the bug
 * is, and nothing else at warning or above beyond the file's own two AC301.
 */
import { describe, expect, it } from 'vitest';
import { CORPUS, hasShared, needsShared, readShared } from '../shared';
import { findingsOf } from './helpers';

import { applyMutant as apply, CLEAN_REWRITES, MUTANTS } from './corpusMutants';

const serious = (text: string) => findingsOf(text).filter((f) => f.severity !== 'information');

describe.skipIf(!hasShared)(needsShared('mutants of kernel/audit.c (2026)'), () => {
  for (const m of MUTANTS) {
    it(`${m.rule}: ${m.name}`, () => {
      const text = apply(readShared(CORPUS), m);
      const lines = text.split('\n');
      const found = serious(text).filter((f) => f.rule !== 'AC301');
      expect(found.map((f) => f.rule), found.map((f) => f.message).join('\n')).toEqual([m.rule]);
      expect(lines[found[0].span.line]).toContain(m.at);
    });
  }
  for (const m of CLEAN_REWRITES) {
    it(`clean: ${m.name}`, () => {
      const text = apply(readShared(CORPUS), m);
      expect(serious(text).map((f) => f.rule)).toEqual(['AC301', 'AC301']);
    });
  }
});
