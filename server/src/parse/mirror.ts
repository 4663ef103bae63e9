/**
 * A plain-JavaScript copy of one subtree (usually one function definition).
 *
 * Every property read on a native tree-sitter node is a call across N-API, so the
 * analyses (CFG, facts, the interpreter) never walk native nodes: they walk this
 * copy, made once per function text with a single TreeCursor pass (three native
 * reads per named node, one per token). Offsets are relative to the subtree's
 * start, so a copy stays valid wherever the same function text moves in the file.
 */
import type { SyntaxNode } from './cParser';

export interface Ast {
  /** tree-sitter node type; for tokens, the token itself (`==`, `->`, `if`). */
  readonly type: string;
  readonly named: boolean;
  /** Offsets relative to the mirrored root's start (UTF-16 units). */
  readonly start: number;
  readonly end: number;
  /** Only set for children of nodes whose children are not positional (for_statement). */
  readonly field?: string;
  readonly children: Ast[];
}

const typeInfo = new Map<number, { type: string; named: boolean }>();
const FIELD_PARENTS = new Set(['for_statement', 'case_statement']);

export function mirror(root: SyntaxNode): Ast {
  const base = root.startIndex;
  const cursor = root.walk();
  const make = (parentType: string | undefined): Ast & { children: Ast[] } => {
    const id = cursor.nodeTypeId;
    let info = typeInfo.get(id);
    if (!info) {
      info = { type: cursor.nodeType, named: cursor.nodeIsNamed };
      typeInfo.set(id, info);
    }
    const node: Ast & { children: Ast[]; field?: string } = {
      type: info.type,
      named: info.named,
      start: cursor.startIndex - base,
      end: cursor.endIndex - base,
      children: [],
    };
    if (parentType && FIELD_PARENTS.has(parentType)) {
      const f = cursor.currentFieldName;
      if (f) node.field = f;
    }
    return node;
  };
  const top = make(undefined);
  const stack: Ast[] = [top];
  if (!cursor.gotoFirstChild()) return top;
  for (;;) {
    const parent = stack[stack.length - 1];
    const node = make(parent.type);
    parent.children.push(node);
    // comments and string bodies carry nothing the analyses need below them
    if (node.type !== 'comment' && node.type !== 'string_literal' && cursor.gotoFirstChild()) {
      stack.push(node);
      continue;
    }
    while (!cursor.gotoNextSibling()) {
      // the cursor is rooted at `root`: climbing back to it ends the copy
      if (!cursor.gotoParent()) return top;
      stack.pop();
      if (stack.length === 0) return top;
    }
  }
}

/** Named children only. */
export function named(node: Ast): Ast[] {
  return node.children.filter((c) => c.named && c.type !== 'comment');
}

export function textOf(src: string, node: Ast, base = 0): string {
  return src.slice(base + node.start, base + node.end);
}
