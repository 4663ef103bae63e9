/**
 * File-level symbols of one parse: functions (with signature and kernel-doc),
 * globals (including `DEFINE_SPINLOCK(x)`-style definitions), structs and macros,
 * and name lookup for definition/references. Purely syntactic; built with
 * queries, never with recursive `children` walks.
 */
import type { ParsedSource, SyntaxNode } from './cParser';
import { compileQuery } from './cParser';
import namesScm from './queries/names.scm';
import localsScm from './queries/locals.scm';

export interface Span {
  start: number;
  end: number;
  /** 0-based */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export type SymbolKind = 'function' | 'global' | 'struct' | 'macro';

export interface FileSymbol {
  kind: SymbolKind;
  name: string;
  /** The whole definition. */
  span: Span;
  /** The defining name. */
  nameSpan: Span;
  /** For globals: the declared type as written (`struct sk_buff_head`, `DEFINE_SPINLOCK`). */
  type?: string;
  /** For globals: `static` or not. */
  isStatic?: boolean;
}

export interface FunctionSymbol extends FileSymbol {
  kind: 'function';
  /** Signature as written in the user's text, whitespace collapsed. */
  signature: string;
  /** The kernel-doc or plain comment right above the definition, if any. */
  doc?: string;
  bodySpan: Span;
}

export interface NameUse {
  name: string;
  span: Span;
  isType: boolean;
}

export function spanOf(node: SyntaxNode): Span {
  return {
    start: node.startIndex,
    end: node.endIndex,
    line: node.startPosition.row,
    column: node.startPosition.column,
    endLine: node.endPosition.row,
    endColumn: node.endPosition.column,
  };
}

/** The identifier a (possibly nested) declarator declares. */
export function declaredName(declarator: SyntaxNode | null): SyntaxNode | null {
  let d = declarator;
  for (let guard = 0; d && guard < 16; guard++) {
    if (d.type === 'identifier' || d.type === 'field_identifier' || d.type === 'type_identifier') return d;
    const inner = d.childForFieldName('declarator');
    if (inner) { d = inner; continue; }
    // parenthesized_declarator has no field: its first named child is the inner declarator.
    d = d.type === 'parenthesized_declarator' ? d.firstNamedChild : null;
  }
  return null;
}

function isFunctionDeclarator(declarator: SyntaxNode | null): boolean {
  let d = declarator;
  for (let guard = 0; d && guard < 16; guard++) {
    if (d.type === 'function_declarator') return true;
    d = d.childForFieldName('declarator');
  }
  return false;
}

export class Outline {
  readonly functions: FunctionSymbol[] = [];
  readonly globals: FileSymbol[] = [];
  readonly structs: FileSymbol[] = [];
  readonly macros: FileSymbol[] = [];
  private byName?: Map<string, FileSymbol[]>;
  private uses?: Map<string, NameUse[]>;

  constructor(readonly source: ParsedSource) {
    // File-level nodes are few (about 240 in audit.c): walking them is ~50x cheaper
    // than a query over the whole tree, which visits every node natively.
    const visit = (nodes: SyntaxNode[]) => {
      for (const node of nodes) {
        switch (node.type) {
          case 'function_definition':
            this.addFunction(node);
            break;
          case 'declaration':
            this.addDeclaration(node);
            break;
          case 'struct_specifier':
          case 'union_specifier':
            this.addStruct(node);
            break;
          case 'type_definition': {
            const t = node.childForFieldName('type');
            if (t && (t.type === 'struct_specifier' || t.type === 'union_specifier')) this.addStruct(t);
            break;
          }
          case 'preproc_def':
          case 'preproc_function_def': {
            const nameNode = node.childForFieldName('name');
            if (nameNode) this.macros.push({ kind: 'macro', name: nameNode.text, span: spanOf(node), nameSpan: spanOf(nameNode) });
            break;
          }
          case 'preproc_ifdef':
          case 'preproc_if':
          case 'preproc_else':
          case 'preproc_elif':
          case 'preproc_elifdef':
            visit(node.namedChildren);
            break;
        }
      }
    };
    visit(source.tree.rootNode.namedChildren);
  }

  private addFunction(node: SyntaxNode): void {
    const declarator = node.childForFieldName('declarator');
    const nameNode = declaredName(declarator);
    const body = node.childForFieldName('body');
    if (!nameNode || !body) return;
    this.functions.push({
      kind: 'function',
      name: nameNode.text,
      span: spanOf(node),
      nameSpan: spanOf(nameNode),
      bodySpan: spanOf(body),
      signature: this.source.text.slice(node.startIndex, body.startIndex).replace(/\s+/g, ' ').trim(),
      doc: docCommentBefore(node),
    });
  }

  private addDeclaration(node: SyntaxNode): void {
    const text = this.source.text;
    const typeNode = node.childForFieldName('type');
    if (typeNode && (typeNode.type === 'struct_specifier' || typeNode.type === 'union_specifier')) this.addStruct(typeNode);
    const isStatic = /^\s*static\b/.test(text.slice(node.startIndex, typeNode?.startIndex ?? node.startIndex));
    for (const declarator of node.childrenForFieldName('declarator')) {
      if (isFunctionDeclarator(declarator)) continue; // prototype, not a global
      const nameNode = declaredName(declarator);
      if (!nameNode) continue;
      this.globals.push({
        kind: 'global',
        name: nameNode.text,
        span: spanOf(node),
        nameSpan: spanOf(nameNode),
        type: typeNode ? typeNode.text.replace(/\s+/g, ' ') : undefined,
        isStatic,
      });
    }
  }

  private addStruct(node: SyntaxNode): void {
    const nameNode = node.childForFieldName('name');
    if (nameNode && node.childForFieldName('body')) this.structs.push({ kind: 'struct', name: nameNode.text, span: spanOf(node), nameSpan: spanOf(nameNode) });
  }

  /** All file-level symbols named `name` (a global may be declared and then defined). */
  lookup(name: string): FileSymbol[] {
    if (!this.byName) {
      const m = new Map<string, FileSymbol[]>();
      for (const s of [...this.functions, ...this.globals, ...this.structs, ...this.macros]) {
        const list = m.get(s.name);
        if (list) list.push(s);
        else m.set(s.name, [s]);
      }
      this.byName = m;
    }
    return this.byName.get(name) ?? [];
  }

  functionAt(offset: number): FunctionSymbol | undefined {
    // functions come from the query in document order
    let lo = 0;
    let hi = this.functions.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const f = this.functions[mid];
      if (offset < f.span.start) hi = mid - 1;
      else if (offset >= f.span.end) lo = mid + 1;
      else return f;
    }
    return undefined;
  }

  /** Every use of `name` in the file (identifiers and type names). */
  usesOf(name: string): NameUse[] {
    if (!this.uses) {
      const m = new Map<string, NameUse[]>();
      for (const cap of compileQuery(namesScm).captures(this.source.tree.rootNode)) {
        const n = cap.node;
        const use: NameUse = { name: n.text, span: spanOf(n), isType: cap.name === 'type' };
        const list = m.get(use.name);
        if (list) list.push(use);
        else m.set(use.name, [use]);
      }
      this.uses = m;
    }
    return this.uses.get(name) ?? [];
  }

  /** The name under `offset`, if any. */
  nameAt(offset: number): NameUse | undefined {
    const root = this.source.tree.rootNode;
    const node = root.descendantForIndex(offset, offset);
    if (!node || (node.type !== 'identifier' && node.type !== 'type_identifier' && node.type !== 'field_identifier')) {
      // Cursor just after the name: look one character back.
      const before = offset > 0 ? root.descendantForIndex(offset - 1, offset - 1) : null;
      if (!before || (before.type !== 'identifier' && before.type !== 'type_identifier' && before.type !== 'field_identifier')) return undefined;
      return { name: before.text, span: spanOf(before), isType: before.type === 'type_identifier' };
    }
    return { name: node.text, span: spanOf(node), isType: node.type === 'type_identifier' };
  }

  /** Parameters and locals a function declares (by name → declaring identifier). */
  localsOf(fn: FunctionSymbol): Map<string, Span> {
    const m = new Map<string, Span>();
    const node = this.source.tree.rootNode.descendantForIndex(fn.span.start, fn.span.end - 1);
    const def = node && node.type === 'function_definition' ? node : null;
    if (!def) return m;
    for (const cap of compileQuery(localsScm).captures(def)) {
      if (!m.has(cap.node.text)) m.set(cap.node.text, spanOf(cap.node));
    }
    return m;
  }

  /** Definition of the name at `offset`: a local of the enclosing function, else file-level symbols. */
  definitionAt(offset: number): Span[] {
    const use = this.nameAt(offset);
    if (!use) return [];
    const fn = this.functionAt(offset);
    if (fn && !use.isType) {
      const local = fn ? this.localsOf(fn).get(use.name) : undefined;
      if (local) return [local];
    }
    return this.lookup(use.name).map((s) => s.nameSpan);
  }

  /** References of the name at `offset`, respecting function-level shadowing. */
  referencesAt(offset: number, includeDeclaration = true): Span[] {
    const use = this.nameAt(offset);
    if (!use) return [];
    const fn = this.functionAt(offset);
    const local = fn && !use.isType ? this.localsOf(fn).get(use.name) : undefined;
    const all = this.usesOf(use.name).filter((u) => u.isType === use.isType);
    let spans: Span[];
    if (local && fn) {
      spans = all.filter((u) => u.span.start >= fn.span.start && u.span.end <= fn.span.end).map((u) => u.span);
    } else {
      const shadowing = new Set(this.functions.filter((f) => this.localsOf(f).has(use.name)));
      spans = all.filter((u) => {
        const owner = this.functionAt(u.span.start);
        return !owner || !shadowing.has(owner);
      }).map((u) => u.span);
    }
    if (!includeDeclaration) {
      const decls = new Set((local ? [local] : this.lookup(use.name).map((s) => s.nameSpan)).map((s) => s.start));
      spans = spans.filter((s) => !decls.has(s.start));
    }
    return spans;
  }
}

/** The comment immediately above a definition (no blank line between), cleaned of its markers. */
function docCommentBefore(node: SyntaxNode): string | undefined {
  const prev = node.previousSibling;
  if (!prev || prev.type !== 'comment') return undefined;
  if (node.startPosition.row - prev.endPosition.row > 1) return undefined;
  const raw = prev.text;
  if (raw.startsWith('//')) return raw.replace(/^\/\/\s?/gm, '').trim();
  return raw
    .replace(/^\/\*+/, '')
    .replace(/\*+\/$/, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}
