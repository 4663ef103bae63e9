/**
 * Small, allocation-light helpers over the mirrored AST (parse/mirror.ts).
 * Everything here is pure JavaScript: no native tree-sitter calls.
 */
import type { Ast } from '../parse/mirror';

export type { Ast };

/** Named, non-comment children. */
export function kids(n: Ast): Ast[] {
  const out: Ast[] = [];
  for (const c of n.children) if (c.named && c.type !== 'comment') out.push(c);
  return out;
}

export function stripParens(n: Ast): Ast {
  let cur = n;
  while (cur.type === 'parenthesized_expression') {
    const inner = kids(cur)[0];
    if (!inner) break;
    cur = inner;
  }
  return cur;
}

/** The operator token of a binary/unary/assignment/update/field expression. */
export function operatorOf(n: Ast): string | undefined {
  for (const c of n.children) if (!c.named) return c.type;
  return undefined;
}

/** Source text of a node; `base` is the absolute offset of the mirrored root. */
export class SourceView {
  constructor(readonly text: string, readonly base: number) {}
  of(n: Ast): string {
    return this.text.slice(this.base + n.start, this.base + n.end);
  }
}

/** Pre-order traversal that does not descend into nodes for which `enter` returns false. */
export function walk(n: Ast, enter: (n: Ast, parent: Ast | undefined) => boolean | void, parent?: Ast): void {
  if (enter(n, parent) === false) return;
  for (const c of n.children) if (c.named) walk(c, enter, n);
}

const MARKED_LOADS = new Set(['READ_ONCE', 'data_race', 'smp_load_acquire']);

/** Identifier-like text of an expression: `x`, `x.f`, `x->f`, `*x`, `&x` stripped to the base path. */
export function pathOf(n: Ast, src: SourceView): string | undefined {
  const e = stripParens(n);
  switch (e.type) {
    case 'identifier':
      return src.of(e);
    case 'field_expression': {
      const [obj, field] = kids(e);
      const base = obj && pathOf(obj, src);
      const op = operatorOf(e);
      return base && field ? `${base}${op === '->' ? '->' : '.'}${src.of(field)}` : undefined;
    }
    case 'pointer_expression': {
      const inner = kids(e)[0];
      return inner ? pathOf(inner, src) : undefined;
    }
    case 'call_expression': {
      // READ_ONCE(x) has x's value: conditions on it are conditions on x
      const [fn, args] = kids(e);
      if (!fn || !args || !MARKED_LOADS.has(src.of(fn))) return undefined;
      const first = kids(args)[0];
      return first ? pathOf(first, src) : undefined;
    }
    default:
      return undefined;
  }
}

/** For `&X` returns X's path; otherwise undefined. */
export function addressOf(n: Ast, src: SourceView): string | undefined {
  const e = stripParens(n);
  if (e.type === 'pointer_expression' && operatorOf(e) === '&') {
    const inner = kids(e)[0];
    return inner ? pathOf(inner, src) : undefined;
  }
  return undefined;
}
