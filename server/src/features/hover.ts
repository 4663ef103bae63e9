/**
 * textDocument/hover, first version: what the name under the cursor is, from
 * the cached Outline only (no analysis runs on hover). Functions show their
 * signature and kernel-doc; globals their declaration; macros their #define;
 * structs their tag. Locals shadowing a file-level name get no hover.
 */
import { Hover, MarkupKind, Position } from 'vscode-languageserver';
import type { FileAnalysis } from '../analyser';
import type { FileSymbol, FunctionSymbol } from '../parse/outline';
import { toOffset, toRange } from './convert';

const MAX_DECLARATION_CHARS = 240;
const MAX_MACRO_LINES = 8;

export function hover(analysis: Pick<FileAnalysis, 'parsed' | 'outline'>, position: Position): Hover | null {
  const { outline, parsed } = analysis;
  const offset = toOffset(parsed.lines, position);
  const use = outline.nameAt(offset);
  if (!use) return null;
  if (!use.isType) {
    const fn = outline.functionAt(offset);
    if (fn && outline.localsOf(fn).has(use.name)) return null;
  }
  const symbols = outline.lookup(use.name).filter((s) => (s.kind === 'struct') === use.isType);
  const value = render(symbols, parsed.text);
  if (!value) return null;
  return { contents: { kind: MarkupKind.Markdown, value }, range: toRange(parsed.lines, use.span) };
}

function render(symbols: FileSymbol[], text: string): string | undefined {
  const fn = symbols.find((s): s is FunctionSymbol => s.kind === 'function');
  if (fn) return renderFunction(fn);
  const globals = symbols.filter((s) => s.kind === 'global');
  if (globals.length) {
    // A global may be declared (extern) and defined; show each distinct declaration once.
    const decls = [...new Set(globals.map((g) => declarationText(text, g)))].slice(0, 3);
    return codeBlock(decls.join('\n'));
  }
  const macro = symbols.find((s) => s.kind === 'macro');
  if (macro) {
    const lines = text.slice(macro.span.start, macro.span.end).trimEnd().split('\n');
    const shown = lines.slice(0, MAX_MACRO_LINES).join('\n') + (lines.length > MAX_MACRO_LINES ? '\n…' : '');
    return codeBlock(shown);
  }
  const struct = symbols.find((s) => s.kind === 'struct');
  if (struct) return codeBlock(`struct ${struct.name}`);
  return undefined;
}

function renderFunction(fn: FunctionSymbol): string {
  const parts = [codeBlock(fn.signature)];
  if (fn.doc) parts.push(kernelDocToMarkdown(fn.doc));
  return parts.join('\n\n---\n\n');
}

function declarationText(text: string, g: FileSymbol): string {
  const decl = text.slice(g.span.start, g.span.end).replace(/\s+/g, ' ').trim();
  return decl.length > MAX_DECLARATION_CHARS ? decl.slice(0, MAX_DECLARATION_CHARS) + ' …' : decl;
}

function codeBlock(code: string): string {
  return '```c\n' + code + '\n```';
}

/**
 * kernel-doc to Markdown, lightly: `@param:` lines become a list, `%CONST`,
 * `&struct x` and `@param` references become code, and characters Markdown would
 * take as markup are escaped. Paragraphs (blank-line separated) are kept.
 */
export function kernelDocToMarkdown(doc: string): string {
  const out: string[] = [];
  for (const raw of doc.split('\n')) {
    const line = raw.trimEnd();
    const param = /^\s*@(\w+|\.\.\.):\s*(.*)$/.exec(line);
    if (param) {
      out.push(`- \`${param[1]}\`: ${inline(param[2])}`);
      continue;
    }
    out.push(inline(line));
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

function inline(s: string): string {
  const escaped = s.replace(/([\\`*<>\[\]])/g, '\\$1').replace(/^(\s*)([#>+-])/, '$1\\$2');
  return escaped
    .replace(/%([A-Z_][A-Z0-9_]*)/g, '`$1`')
    .replace(/&(struct|union|enum)\s+(\w+)/g, '`$1 $2`')
    .replace(/(^|[^\w`])@(\w+)/g, '$1`$2`');
}
