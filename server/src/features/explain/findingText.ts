/**
 * Findings in a hover: those on the hovered line with their rule id and one
 * sentence of consequence; on a function, the others in its body as links.
 * The editor shows a diagnostic's full message beside the hover already.
 */
import { RULE_BY_ID } from '../../rules/catalogue';
import type { Finding } from '../../rules/finding';
import { ExplainEnv, bounded, code, lineOf, link } from './text';

const MAX_SENTENCE = 240;

/** `fn`: list the function's other findings too; `at`: the hovered offset, whose line's findings are spelt out. */
export function findingLines(env: ExplainEnv, fn: string | undefined, at: number | undefined): string[] {
  const all = env.findings ?? [];
  if (!all.length) return [];
  const line = at !== undefined ? lineOf(env, at) - 1 : undefined;
  const here = all.filter((f) => f.span.line === line);
  const out = here.map((f) => `**${f.rule}** (${RULE_BY_ID.get(f.rule)?.name ?? f.severity}) ${link(env, f.span.start)}: ${consequence(f)}`);
  const elsewhere = fn ? all.filter((f) => f.function === fn && !here.includes(f)) : [];
  if (elsewhere.length) out.push(`**Findings in ${code(fn!)}** ${bounded(elsewhere.map((f) => `${f.rule} ${link(env, f.span.start)}`), 6)}`);
  return out;
}

/**
 * One sentence of a finding's message: its first, up to the first `;` when
 * that is long; when even that is too long, the rule's catalogue summary,
 * which is written as the consequence.
 */
export function consequence(f: Finding): string {
  let s = /^[\s\S]*?[.!?](?=\s+[A-Z(]|\s*$)/.exec(f.message)?.[0] ?? f.message;
  if (s.length > MAX_SENTENCE && s.includes('; ')) s = `${s.slice(0, s.indexOf('; '))}.`;
  if (s.length > MAX_SENTENCE) s = RULE_BY_ID.get(f.rule)?.summary ?? `${s.slice(0, MAX_SENTENCE)}…`;
  return escape(s.trim());
}

/** Messages are plain text: keep `*`, `<`, `[`, backticks and a word-initial `_` (`__audit_log_end`) from becoming markup. */
function escape(s: string): string {
  return s.replace(/([\\`*<\[])/g, '\\$1').replace(/(^|\W)_/g, '$1\\_');
}
