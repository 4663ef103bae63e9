/**
 * What a read of a shared variable is used for, read off the syntax at the
 * access: dereferenced or indexed (a stale value is followed), passed to a
 * call or copied out (the value travels on), or only compared or computed
 * with (a stale value gives an old but valid answer). And whether the
 * variable holds a pointer: a global declared with `*`, or a member declared
 * with `*` in its struct. Race verdicts (rules/races.ts) rest on both.
 */
import type { FileFacts } from '../facts/fileFacts';
import type { ParsedSource, SyntaxNode } from '../parse/cParser';

export type ValueUse = 'deref' | 'index' | 'arg' | 'copy' | 'compare' | 'other';

export interface UseSite {
  use: ValueUse;
  /** For 'arg': the callee (when named) and the argument's position. */
  callee?: string;
  argIndex?: number;
}

function nodeAt(source: ParsedSource, start: number, end: number): SyntaxNode | null {
  let n: SyntaxNode | null = source.tree.rootNode.descendantForIndex(start, Math.max(start, end - 1));
  while (n && !(n.startIndex <= start && n.endIndex >= end)) n = n.parent;
  return n;
}

export function useSiteOf(source: ParsedSource, start: number, end: number): UseSite {
  let child = nodeAt(source, start, end);
  if (!child) return { use: 'other' };
  let parent = child.parent;
  // READ_ONCE(x) and (x) are the value itself
  while (parent && (parent.type === 'parenthesized_expression' || parent.type === 'argument_list' && /^(READ_ONCE|data_race)$/.test(parent.parent?.childForFieldName('function')?.text ?? ''))) {
    child = parent.type === 'argument_list' ? parent.parent! : parent;
    parent = child.parent;
  }
  if (!parent) return { use: 'other' };
  switch (parent.type) {
    case 'field_expression':
      return { use: parent.childForFieldName('argument')?.startIndex === child.startIndex && parent.children.some((c) => c.type === '->') ? 'deref' : 'other' };
    case 'pointer_expression':
      return { use: parent.children.some((c) => c.type === '*') ? 'deref' : 'other' };
    case 'subscript_expression':
      return { use: parent.childForFieldName('argument')?.startIndex === child.startIndex ? 'deref' : 'index' };
    case 'argument_list': {
      const fn = parent.parent?.childForFieldName('function');
      const argIndex = parent.namedChildren.filter((c) => c.type !== 'comment').findIndex((c) => c.startIndex === child!.startIndex);
      return { use: 'arg', callee: fn?.type === 'identifier' ? fn.text : undefined, argIndex };
    }
    case 'init_declarator':
    case 'return_statement':
      return { use: 'copy' };
    case 'assignment_expression':
      return { use: parent.childForFieldName('right')?.startIndex === child.startIndex ? 'copy' : 'other' };
    case 'binary_expression':
    case 'unary_expression':
    case 'if_statement':
    case 'while_statement':
    case 'conditional_expression':
      return { use: 'compare' };
    default:
      return { use: 'other' };
  }
}

/** Does the variable (a global or a field path) hold a pointer? */
export function isPointerValued(file: FileFacts, variable: string): boolean {
  const [root, ...path] = variable.split('.');
  const g = file.globals.get(root);
  if (!g) return false;
  if (!path.length) return g.kind === 'pointer' || g.kind === 'rcu-pointer' || g.kind === 'list';
  const text = file.source.text;
  const decl = text.slice(g.span.start, g.span.end);
  const inline = /\{([\s\S]*)\}/.exec(decl)?.[1];
  const tag = /struct\s+(\w+)/.exec(g.type)?.[1];
  const body = inline ?? (tag ? new RegExp(`struct\\s+${tag}\\s*\\{([\\s\\S]*?)\\}\\s*;`).exec(text)?.[1] : undefined);
  if (!body) return false;
  const member = path[path.length - 1];
  return new RegExp(`\\*\\s*${member}\\s*[;,\\[]`).test(body);
}
