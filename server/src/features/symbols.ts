/**
 * textDocument/documentSymbol: the file's functions, globals, structs and
 * macros from the cached Outline, in document order.
 */
import { DocumentSymbol, SymbolKind } from 'vscode-languageserver';
import type { FileAnalysis } from '../analyser';
import type { FileSymbol, FunctionSymbol } from '../parse/outline';
import { toRange } from './convert';

export function documentSymbols(analysis: Pick<FileAnalysis, 'parsed' | 'outline'>): DocumentSymbol[] {
  const { outline, parsed } = analysis;
  const lines = parsed.lines;
  const all: FileSymbol[] = [...outline.functions, ...outline.globals, ...outline.structs, ...outline.macros];
  all.sort((a, b) => a.span.start - b.span.start || a.nameSpan.start - b.nameSpan.start);
  return all.map((s) => {
    const { kind, detail } = describe(s, parsed.text);
    return {
      name: s.name,
      kind,
      detail,
      range: toRange(lines, s.span),
      selectionRange: toRange(lines, s.nameSpan),
    };
  });
}

function describe(s: FileSymbol, text: string): { kind: SymbolKind; detail?: string } {
  switch (s.kind) {
    case 'function':
      return { kind: SymbolKind.Function, detail: (s as FunctionSymbol).signature };
    case 'global':
      // `DEFINE_SPINLOCK(x)` and friends declare a global through a macro: the type is the macro.
      return { kind: SymbolKind.Variable, detail: [s.isStatic ? 'static' : '', s.type ?? ''].filter(Boolean).join(' ') || undefined };
    case 'struct':
      return { kind: SymbolKind.Struct, detail: 'struct' };
    case 'macro':
      // LSP has no macro kind; like clangd, a function-like macro reads as a function.
      return text.charCodeAt(s.nameSpan.end) === 40 /* ( */
        ? { kind: SymbolKind.Function, detail: '#define (macro)' }
        : { kind: SymbolKind.Constant, detail: '#define' };
  }
}
