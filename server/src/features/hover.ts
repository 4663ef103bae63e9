/**
 * textDocument/hover. On names the queue model knows (functions, calls,
 * backlog queues, locks, the RCU pointer, config words, guarded fields, routed
 * errno) it shows the model's explanation (features/explain.ts), model first
 * and the signature and kernel-doc after it; otherwise, or when the model
 * fails, what the name is from the Outline: a function's signature and
 * kernel-doc, a global's declaration, a macro's #define, a struct's tag.
 * Locals shadowing a file-level name get no hover.
 */
import { Hover, MarkupKind, Position } from 'vscode-languageserver';
import type { FileAnalysis } from '../analyser';
import type { FileSymbol, FunctionSymbol } from '../parse/outline';
import type { Finding } from '../rules/finding';
import { toOffset, toRange } from './convert';
import { explainAt } from './explain';
import { kernelDocToMarkdown } from './kernelDoc';

export { kernelDocToMarkdown };

export interface HoverOptions {
  /** The document's URI, so that line references in the explanation are links. */
  uri?: string;
  /** Told when the model's explanation fails; the plain hover is shown instead. */
  onError?: (what: string, err: unknown) => void;
}

const MAX_DECLARATION_CHARS = 240;
const MAX_MACRO_LINES = 8;

/** `findings`, when the analysis has them (cached once diagnostics are out), are named on their lines. */
type Hoverable = Pick<FileAnalysis, 'parsed' | 'outline' | 'model'> & { readonly findings?: readonly Finding[] };

export function hover(analysis: Hoverable, position: Position, options: HoverOptions = {}): Hover | null {
  const { outline, parsed } = analysis;
  const offset = toOffset(parsed.lines, position);
  const use = outline.nameAt(offset);
  if (!use) return null;
  const explained = explain(analysis, offset, options);
  if (explained) return { contents: { kind: MarkupKind.Markdown, value: explained }, range: toRange(parsed.lines, use.span) };
  if (!use.isType) {
    const fn = outline.functionAt(offset);
    if (fn && outline.localsOf(fn).has(use.name)) return null;
  }
  const symbols = outline.lookup(use.name).filter((s) => (s.kind === 'struct') === use.isType);
  const value = render(symbols, parsed.text);
  if (!value) return null;
  return { contents: { kind: MarkupKind.Markdown, value }, range: toRange(parsed.lines, use.span) };
}

function explain(analysis: Hoverable, offset: number, options: HoverOptions): string | undefined {
  try {
    return explainAt(analysis, offset, options.uri, analysis.findings);
  } catch (err) {
    options.onError?.('explaining the queue model', err);
    return undefined;
  }
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
