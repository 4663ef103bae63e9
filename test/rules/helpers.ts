import { Analyser } from '../../server/src/analyser';
import type { Finding } from '../../server/src/rules/finding';

export function findingsOf(text: string): Finding[] {
  return new Analyser().analyseText(text).findings;
}

/** `RULE:function:line` (1-based) for compact, exact assertions. */
export function keys(findings: Finding[], minSeverity: 'information' | 'warning' = 'information'): string[] {
  return findings
    .filter((f) => minSeverity === 'information' || f.severity !== 'information')
    .map((f) => `${f.rule}:${f.function}:${f.span.line + 1}`);
}

export function lineOf(text: string, needle: string, occurrence = 0): number {
  let at = -1;
  for (let i = 0; i <= occurrence; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`needle not found: ${needle}`);
  }
  return text.slice(0, at).split('\n').length;
}
