import { describe, expect, it } from 'vitest';
import { SymbolKind } from 'vscode-languageserver';
import { Analyser } from '../../server/src/analyser';
import { documentSymbols } from '../../server/src/features/symbols';
import { fixture } from '../shared';
import { lineOf } from '../lsp/positions';

describe('features/symbols on test/fixtures/lsp/mini_audit.c', () => {
  const text = fixture('lsp/mini_audit.c');
  const symbols = documentSymbols(new Analyser().analyseText(text));
  const byName = new Map(symbols.map((s) => [s.name, s]));

  it('lists functions, globals, structs and macros in document order with their LSP kinds', () => {
    expect(symbols.map((s) => [s.name, s.kind])).toEqual([
      ['MINI_BACKLOG_DEFAULT', SymbolKind.Constant],
      ['mini_queue_full', SymbolKind.Function], // function-like macro
      ['mini_conn', SymbolKind.Struct],
      ['audit_queue', SymbolKind.Variable],
      ['auditd_conn', SymbolKind.Variable],
      ['mini_conn_lock', SymbolKind.Variable], // DEFINE_SPINLOCK(...)
      ['mini_backlog_limit', SymbolKind.Variable],
      ['mini_enqueue', SymbolKind.Function],
      ['mini_flush', SymbolKind.Function],
      ['mini_log_end', SymbolKind.Function],
    ]);
  });

  it('gives each symbol its whole definition as range and its name as selectionRange', () => {
    const enqueue = byName.get('mini_enqueue')!;
    expect(enqueue.range.start).toEqual({ line: lineOf(text, /^static int mini_enqueue\(/), character: 0 });
    expect(enqueue.range.end.line).toBe(lineOf(text, /^\treturn 0;$/) + 1);
    expect(enqueue.selectionRange).toEqual({
      start: { line: enqueue.range.start.line, character: 'static int '.length },
      end: { line: enqueue.range.start.line, character: 'static int mini_enqueue'.length },
    });
    for (const s of symbols) {
      const lines = text.split('\n');
      const sel = s.selectionRange;
      expect(sel.start.line).toBe(sel.end.line);
      expect(lines[sel.start.line].slice(sel.start.character, sel.end.character)).toBe(s.name);
      // selectionRange must lie inside range (LSP requirement; VS Code drops the symbol otherwise)
      const inside = (a: { line: number; character: number }, b: { line: number; character: number }) =>
        a.line < b.line || (a.line === b.line && a.character <= b.character);
      expect(inside(s.range.start, sel.start) && inside(sel.end, s.range.end)).toBe(true);
    }
  });

  it('carries signature and type details', () => {
    expect(byName.get('mini_enqueue')!.detail).toBe('static int mini_enqueue(struct sk_buff *skb)');
    expect(byName.get('audit_queue')!.detail).toBe('static struct sk_buff_head');
    expect(byName.get('mini_conn')!.detail).toBe('struct');
  });
});
