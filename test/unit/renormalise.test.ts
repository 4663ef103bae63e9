/**
 * Re-normalising only the top-level blocks around an edit (parse/normalise.ts renormalise)
 * gives exactly what normalising the whole edited text gives: the same text, blanks and
 * resume points, on random edit sequences that type the characters that change how C is
 * read (braces, comment and string delimiters, directives, case ranges, annotations).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { normaliseKernelSource, renormalise, type NormalisedSource } from '../../server/src/parse/normalise';
import { CORPUS, HISTORY, hasShared, needsShared } from '../shared';
import { rng } from '../../server/src/simulate/scenario';

const FIXTURES = resolve(__dirname, '..', 'fixtures');
const PIECES = ['{', '}', '}\n', '/*', '*/', '//', '"', "'", '\n#define X 1\n', '\\\n', '(', ')', ';', ' ... ', 'case 1 ... 3:', '__rcu ', '__printf(1, 2) ', 'list_for_each_entry(p, h, f) ', 'x', ' ', '\n'];


function commonWindow(a: string, b: string) {
  const max = Math.min(a.length, b.length);
  let p = 0;
  while (p < max && a[p] === b[p]) p++;
  let q = 0;
  while (q < max - p && a[a.length - 1 - q] === b[b.length - 1 - q]) q++;
  return { start: p, oldEnd: a.length - q, newEnd: b.length - q };
}

/** `steps` random edits of `text`, each checked against a whole normalisation. */
function check(text: string, seed: number, steps: number): number {
  const rand = rng(seed);
  let current = text;
  let norm: NormalisedSource = normaliseKernelSource(current);
  let partial = 0;
  for (let i = 0; i < steps; i++) {
    const at = Math.floor(rand() * current.length);
    const next = rand() < 0.3
      ? current.slice(0, at) + current.slice(Math.min(current.length, at + 1 + Math.floor(rand() * 40)))
      : current.slice(0, at) + PIECES[Math.floor(rand() * PIECES.length)] + current.slice(at);
    if (next === current) continue;
    const w = commonWindow(current, next);
    const got = renormalise(norm, next, w.start, w.oldEnd, w.newEnd);
    const want = normaliseKernelSource(next);
    if (got.window) partial++;
    expect(got.text === want.text, `text after edit ${i} at ${at} (seed ${seed})`).toBe(true);
    expect(got.blanks).toEqual(want.blanks);
    expect(got.resumePoints).toEqual(want.resumePoints);
    current = next;
    norm = got;
  }
  return partial;
}

describe('renormalise equals a whole normalisation', () => {
  const fixtures = readdirSync(resolve(FIXTURES, 'versions')).filter((f) => f.endsWith('.c'));
  test.each(fixtures)('fixture %s, 60 random edits', (f) => {
    check(readFileSync(resolve(FIXTURES, 'versions', f), 'utf8'), f.length * 7919, 60);
  });

  test('the example: most edits are re-read locally, not from the start', () => {
    const partial = check(readFileSync(resolve(__dirname, '..', '..', 'examples', 'kauditd-demo.c'), 'utf8'), 17, 150);
    expect(partial).toBeGreaterThan(75);
  });

  test.skipIf(!hasShared)(needsShared('today\'s audit.c and every history file, 80 random edits each'), () => {
    const files = [CORPUS, ...readdirSync(HISTORY).filter((f) => f.endsWith('.c')).map((f) => resolve(HISTORY, f))];
    for (const [i, f] of files.entries()) check(readFileSync(f, 'utf8'), 1000 + i, 80);
  });
});
