import { beforeAll, describe, expect, it } from 'vitest';
import { KernelCParser } from '../../server/src/parse/cParser';
import { Outline } from '../../server/src/parse/outline';
import { CORPUS, hasShared, needsShared, readShared } from '../shared';

describe.skipIf(!hasShared)(needsShared('kernel/audit.c (2026) parse'), () => {
  let text: string;
  let parsed: ReturnType<KernelCParser['parse']>;
  let outline: Outline;
  beforeAll(() => {
    text = readShared(CORPUS);
    parsed = new KernelCParser().parse(text);
    outline = new Outline(parsed);
  });

  it('has no syntax errors after normalisation', () => {
    expect(parsed.problems.map((p) => `${p.line + 1}:${p.column + 1} ${p.kind}`)).toEqual([]);
  });

  it('finds all 85 function definitions with names and line ranges', () => {
    expect(outline.functions).toHaveLength(85);
    const byName = new Map(outline.functions.map((f) => [f.name, f]));
    // spot checks against the file as written (1-based lines)
    const at = (name: string) => {
      const f = byName.get(name)!;
      return [f.span.line + 1, f.span.endLine + 1];
    };
    const lineOf = (re: RegExp) => text.split('\n').findIndex((l) => re.test(l)) + 1;
    expect(at('kauditd_rehold_skb')[0]).toBe(lineOf(/^static void kauditd_rehold_skb\(/));
    expect(at('audit_log_vformat')[0]).toBe(lineOf(/^static __printf\(2, 0\)$/));
    expect(at('audit_net_init')[0]).toBe(lineOf(/^static int __net_init audit_net_init/));
    expect(at('audit_init')[0]).toBe(lineOf(/^static int __init audit_init\(void\)/));
    for (const f of outline.functions) {
      expect(text.split('\n')[f.span.endLine]).toMatch(/^}/);
      expect(f.span.endLine).toBeGreaterThan(f.span.line);
    }
  });
});
