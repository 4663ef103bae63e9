/**
 * A plain-JavaScript copy of one subtree (usually one function definition).
 *
 * Every property read on a native tree-sitter node is a call across N-API, so the
 * analyses (CFG, facts, the interpreter) never walk native nodes: they walk this
 * copy, made once per function text with a single TreeCursor pass (three native
 * reads per named node, one per token). Offsets are relative to the subtree's
 * start, so a copy stays valid wherever the same function text moves in the file.
 */
import type { SyntaxNode, TreeCursor } from './engine';

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

interface TypeInfo {
  type: string;
  named: boolean;
  leaf: boolean;
  /** Tokens carry nothing but their type: one shared, frozen node per token type. */
  token?: Ast;
}

const typeInfo: (TypeInfo | undefined)[] = [];
const NO_CHILDREN: Ast[] = Object.freeze([]) as unknown as Ast[];
const FIELD_PARENTS = new Set(['for_statement', 'case_statement']);
/** Named node types that never have children worth copying: do not even try to descend. */
const LEAVES = new Set([
  'identifier', 'field_identifier', 'type_identifier', 'statement_identifier', 'primitive_type', 'number_literal',
  'char_literal', 'string_literal', 'concatenated_string', 'comment', 'null', 'true', 'false', 'system_lib_string',
  'preproc_arg', 'escape_sequence', 'string_content',
]);

/**
 * Deepest tree the analyses read. Their walks (CFG, conditions, flows, the interpreter)
 * recurse on the tree, a few frames a level; real kernel functions stay under 60 levels.
 * A deeper function (10,000 nested braces, a 2,000-term expression) is not analysed
 * rather than blowing the stack for the whole file.
 */
export const MAX_AST_DEPTH = 600;

/**
 * Largest function the analyses read, in syntax nodes. The largest function of
 * kernel/audit.c has about 6,000; every node costs its copy, CFG and facts a few hundred
 * bytes, so a generated function of a million statements would cost gigabytes.
 */
export const MAX_AST_NODES = 100_000;

/** A function nested deeper, or larger, than the analyses read: it is reported "not analysed". */
export class NestingTooDeep extends Error {
  constructor(what = `nested more than ${MAX_AST_DEPTH} syntax levels deep (blocks, conditions or expressions); the analysis reads at most ${MAX_AST_DEPTH}`) {
    super(what);
  }
}

export function mirror(root: SyntaxNode): Ast {
  const cursor = root.walk();
  try {
    return copyTree(cursor, root.startIndex);
  } finally {
    cursor.delete?.();
  }
}

function copyTree(cursor: TreeCursor, base: number): Ast {
  const info = (): TypeInfo => {
    const id = cursor.nodeTypeId;
    let i = typeInfo[id];
    if (!i) {
      const named = cursor.nodeIsNamed;
      const type = cursor.nodeType;
      i = { type, named, leaf: !named || LEAVES.has(type) };
      if (!named) i.token = Object.freeze({ type, named: false, start: -1, end: -1, children: NO_CHILDREN });
      typeInfo[id] = i;
    }
    return i;
  };
  // Few allocations per node: the walk copies ~16,000 nodes for audit.c, and garbage is what costs.
  const make = (parentType: string | undefined, i: TypeInfo): Ast => {
    if (i.token) return i.token;
    const node: Ast & { children: Ast[]; field?: string } = {
      type: i.type, named: true, start: cursor.startIndex - base, end: cursor.endIndex - base, children: i.leaf ? NO_CHILDREN : [],
    };
    if (parentType && FIELD_PARENTS.has(parentType)) {
      const f = cursor.currentFieldName;
      if (f) node.field = f;
    }
    return node;
  };
  const top = make(undefined, info());
  const stack: Ast[] = [top];
  if (!cursor.gotoFirstChild()) return top;
  let count = 1;
  for (;;) {
    const parent = stack[stack.length - 1];
    const i = info();
    const node = make(parent.type, i);
    if (++count > MAX_AST_NODES) throw new NestingTooDeep(`larger than the analysis reads: more than ${MAX_AST_NODES.toLocaleString('en')} syntax nodes (the largest function of kernel/audit.c has about 6,000)`);
    parent.children.push(node);
    if (!i.leaf && cursor.gotoFirstChild()) {
      stack.push(node);
      if (stack.length > MAX_AST_DEPTH) throw new NestingTooDeep();
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
