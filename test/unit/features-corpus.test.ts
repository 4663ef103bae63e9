/** The editor features on the real kernel/audit.c (2026) from ../shared, when present. */
import { beforeAll, describe, expect, it } from 'vitest';
import { MarkupContent, SymbolKind } from 'vscode-languageserver';
import { Analyser, FileAnalysis } from '../../server/src/analyser';
import { analysisDiagnostics } from '../../server/src/features/diagnostics';
import { hover } from '../../server/src/features/hover';
import { definition, references } from '../../server/src/features/navigation';
import { documentSymbols } from '../../server/src/features/symbols';
import { CORPUS, hasShared, needsShared, readShared } from '../shared';
import { positionOf } from '../lsp/positions';

describe.skipIf(!hasShared)(needsShared('features on kernel/audit.c (2026)'), () => {
  const uri = 'file:///linux/kernel/audit.c';
  let text: string;
  let analysis: FileAnalysis;
  beforeAll(() => {
    text = readShared(CORPUS);
    analysis = new Analyser().update(uri, text, 1);
  });

  it('lists the 85 functions and the queues as symbols', () => {
    const symbols = documentSymbols(analysis);
    const functions = symbols.filter((s) => s.kind === SymbolKind.Function && !s.detail?.startsWith('#define'));
    expect(functions).toHaveLength(85);
    for (const q of ['audit_queue', 'audit_retry_queue', 'audit_hold_queue', 'auditd_conn']) {
      expect(symbols.find((s) => s.name === q)?.kind).toBe(SymbolKind.Variable);
    }
  });

  it('has no diagnostics (no syntax errors after normalisation)', () => {
    expect(analysisDiagnostics(uri, analysis).filter((d) => d.code === 'syntax')).toEqual([]);
  });

  it('hovers a kauditd_send_queue call with what it does there, then its kernel-doc', () => {
    const h = hover(analysis, positionOf(text, 'rc = kauditd_send_queue(', 0, 'rc = '.length + 3))!;
    const value = (h.contents as MarkupContent).value;
    expect(value).toMatch(/^\*\*This call\*\* `kauditd_send_queue\(&audit_hold_queue, …\)` in `kauditd_thread` — drain/);
    expect(value).toMatch(/\n\n---\n\n```c\nstatic int kauditd_send_queue\(struct sock \*sk, u32 portid, struct sk_buff_head \*queue,/);
    expect(value).toContain('Helper for kauditd_thread to flush skb queues');
    expect(value).toContain('- `err_hook`:');
  });

  it('navigates from a use of auditd_conn to its declaration and back to its uses', () => {
    const use = positionOf(text, 'rcu_dereference(auditd_conn)', 0, 'rcu_dereference('.length);
    const [def] = definition(analysis, uri, use);
    expect(text.split('\n')[def.range.start.line]).toMatch(/^static struct auditd_connection __rcu \*auditd_conn/);
    const refs = references(analysis, uri, use, false);
    expect(refs.length).toBeGreaterThanOrEqual(4);
    expect(refs.map((r) => r.range.start)).toContainEqual(use);
  });
});
