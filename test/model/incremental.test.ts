/**
 * The editor's path (one parse per document, reparsed in place after each edit, facts of
 * unchanged functions reused) gives what analysing the same text from nothing gives: the
 * same syntax problems, functions, roles and findings, on random edit sequences over the
 * example and, when ../shared is there, today's audit.c and every history file. Edits type
 * inside and between functions, including characters that break the syntax for a while.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Analyser, FileAnalysis } from '../../server/src/analyser';
import { clearFactCache } from '../../server/src/facts/fileFacts';
import { CORPUS, HISTORY, hasShared, needsShared } from '../shared';
import { rng } from '../../server/src/simulate/scenario';

const PIECES = ['x', ' ', '\n', ';', '(', ')', '{', '}', '/*', '*/', '-EAGAIN', 'skb_queue_head(&audit_hold_queue, skb);', 'spin_lock(&l);', 'return;', '__rcu '];


/** Everything a user sees of an analysis, or the error it ended in. */
function seen(a: FileAnalysis): unknown {
  try {
    return {
      problems: a.parsed.problems,
      functions: a.outline.functions.map((f) => [f.name, f.span.start, f.span.end, f.bodySpan.start]),
      roles: [...a.model.roles],
      findings: a.findings.map((f) => ({ rule: f.rule, severity: f.severity, message: f.message, span: f.span, related: f.related, anchor: f.anchor })),
    };
  } catch (err) {
    return { threw: err instanceof Error ? err.message : String(err) };
  }
}

function check(text: string, seed: number, steps: number): void {
  const rand = rng(seed);
  const analyser = new Analyser();
  let current = text;
  void seen(analyser.update('file:///t/kernel/audit.c', current, 1));
  for (let i = 0; i < steps; i++) {
    const at = Math.floor(rand() * current.length);
    current = rand() < 0.25
      ? current.slice(0, at) + current.slice(Math.min(current.length, at + 1 + Math.floor(rand() * 20)))
      : current.slice(0, at) + PIECES[Math.floor(rand() * PIECES.length)] + current.slice(at);
    const incremental = seen(analyser.update('file:///t/kernel/audit.c', current, i + 2));
    clearFactCache();
    const fresh = seen(new Analyser().analyseText(current));
    expect(incremental, `after edit ${i + 1} at offset ${at} (seed ${seed})`).toEqual(fresh);
  }
}

describe('incremental analysis equals a fresh one', () => {
  test('the example, 40 random edits', () => {
    check(readFileSync(resolve(__dirname, '..', '..', 'examples', 'kauditd-demo.c'), 'utf8'), 5, 40);
  });

  test.skipIf(!hasShared)(needsShared('today\'s audit.c and every history file, 12 random edits each'), () => {
    const files = [CORPUS, ...readdirSync(HISTORY).filter((f) => f.endsWith('.c')).sort().map((f) => resolve(HISTORY, f))];
    for (const [i, f] of files.entries()) check(readFileSync(f, 'utf8'), 77 + i, 12);
  });
});
