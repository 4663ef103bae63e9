import { describe, expect, it } from 'vitest';
import { Analyser } from '../../server/src/analyser';
import { definition, references } from '../../server/src/features/navigation';
import { fixture } from '../shared';
import { positionOf } from '../lsp/positions';

const URI = 'file:///fixtures/mini_audit.c';

describe('features/navigation on test/fixtures/lsp/mini_audit.c', () => {
  const text = fixture('lsp/mini_audit.c');
  const analysis = new Analyser().analyseText(text);
  const lines = text.split('\n');
  const textAt = (r: { start: { line: number; character: number }; end: { character: number } }) =>
    lines[r.start.line].slice(r.start.character, r.end.character);

  it('goes from a call to the function definition name', () => {
    const call = positionOf(text, 'mini_enqueue(skb)', 0, 3);
    const defs = definition(analysis, URI, call);
    expect(defs).toHaveLength(1);
    expect(defs[0].uri).toBe(URI);
    expect(defs[0].range.start).toEqual(positionOf(text, 'mini_enqueue(struct', 0, 0));
    expect(textAt(defs[0].range)).toBe('mini_enqueue');
  });

  it('goes from a use of a global to its declaration, and from a parameter to the parameter', () => {
    const use = positionOf(text, '&audit_queue, skb', 0, 1);
    expect(definition(analysis, URI, use).map((l) => l.range.start)).toEqual([positionOf(text, 'audit_queue;')]);
    // `skb` inside mini_log_end is its own parameter, not mini_enqueue's
    const param = positionOf(text, 'mini_enqueue(skb)', 0, 'mini_enqueue('.length);
    expect(definition(analysis, URI, param).map((l) => l.range.start)).toEqual([positionOf(text, 'mini_log_end(struct sk_buff *skb)', 0, 'mini_log_end(struct sk_buff *'.length)]);
  });

  it('finds every reference of a global, with and without the declaration, in document order', () => {
    const at = positionOf(text, 'audit_queue;');
    const all = references(analysis, URI, at, true);
    expect(all.map((l) => textAt(l.range))).toEqual(['audit_queue', 'audit_queue', 'audit_queue', 'audit_queue']);
    expect(all[0].range.start).toEqual(at);
    const uses = references(analysis, URI, at, false);
    expect(uses).toHaveLength(3);
    expect(uses.map((l) => l.range.start.line)).toEqual(all.slice(1).map((l) => l.range.start.line));
  });

  it('keeps a parameter\'s references inside its function', () => {
    const at = positionOf(text, 'kfree_skb(skb)', 0, 'kfree_skb('.length);
    const refs = references(analysis, URI, at, true);
    // mini_enqueue's skb: parameter, kfree_skb(skb), skb_queue_tail(..., skb)
    expect(refs).toHaveLength(3);
    const fnStart = positionOf(text, 'static int mini_enqueue').line;
    const fnEnd = positionOf(text, '/* mini_flush').line;
    for (const r of refs) expect(r.range.start.line > fnStart - 1 && r.range.start.line < fnEnd).toBe(true);
  });

  it('answers nothing off a name', () => {
    expect(definition(analysis, URI, { line: 0, character: 0 })).toEqual([]);
    expect(references(analysis, URI, positionOf(text, '\n\n', 0, 1), true)).toEqual([]);
  });
});
