/**
 * The "lock owner" idiom (`audit_cmd_mutex.owner`): a field set to `current`
 * and cleared to `NULL` by the lock's holder, and read without the lock only
 * to compare it with `current`. A reader then sees its own task pointer only
 * if it stored it itself, so the unlocked read cannot give a wrong answer and
 * the race KCSAN reports is benign. Read off the syntax at the model's access
 * sites; nothing here knows a function name.
 */
import type { ParsedSource, SyntaxNode } from '../parse/cParser';
import type { AccessSite } from './guards';

export function isOwnerIdiom(source: ParsedSource, writes: readonly AccessSite[], unlockedReads: readonly AccessSite[]): boolean {
  if (!unlockedReads.length || unlockedReads.some((r) => r.write)) return false;
  const stored = writes.map((w) => storedValue(source, w));
  if (!stored.includes('current') || stored.some((v) => v !== 'current' && v !== 'NULL')) return false;
  return unlockedReads.every((r) => comparedWithCurrent(source, r));
}

function nodeAt(source: ParsedSource, a: AccessSite): SyntaxNode | null {
  let n: SyntaxNode | null = source.tree.rootNode.descendantForIndex(a.start, Math.max(a.start, a.end - 1));
  while (n && !(n.startIndex <= a.start && n.endIndex >= a.end)) n = n.parent;
  return n;
}

/** The enclosing expression once parentheses are skipped. */
function context(n: SyntaxNode): { parent: SyntaxNode | null; child: SyntaxNode } {
  let child = n;
  let parent = n.parent;
  while (parent && parent.type === 'parenthesized_expression') {
    child = parent;
    parent = parent.parent;
  }
  return { parent, child };
}

/** `x = current;` -> `current`. */
function storedValue(source: ParsedSource, w: AccessSite): string | undefined {
  const n = nodeAt(source, w);
  const { parent } = n ? context(n) : { parent: null };
  if (!parent || parent.type !== 'assignment_expression') return undefined;
  return parent.childForFieldName('right')?.text.replace(/[()\s]/g, '');
}

/** `current == x` or `x != current`. */
function comparedWithCurrent(source: ParsedSource, r: AccessSite): boolean {
  const n = nodeAt(source, r);
  if (!n) return false;
  const { parent, child } = context(n);
  if (!parent || parent.type !== 'binary_expression') return false;
  const op = parent.childForFieldName('operator')?.type;
  if (op !== '==' && op !== '!=') return false;
  const left = parent.childForFieldName('left');
  const other = left && left.startIndex === child.startIndex ? parent.childForFieldName('right') : left;
  return other?.text.replace(/[()\s]/g, '') === 'current';
}
