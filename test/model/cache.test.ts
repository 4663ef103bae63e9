import { describe, expect, it } from 'vitest';
import { Analyser } from '../../server/src/analyser';
import { clearFactCache, factCacheSize } from '../../server/src/facts/fileFacts';
import { versionFixture } from './helpers';
import { parserEngine } from '../../server/src/parse/engine';

describe('per-function fact cache', () => {
  it('re-extracts only the edited function on a new document version', () => {
    clearFactCache();
    const analyser = new Analyser();
    const text = versionFixture('v2022');
    const first = analyser.update('file:///a/kernel/audit.c', text, 1).model;
    expect(first.file.extracted).toBeGreaterThan(20);
    const edited = text.replace('skb_queue_tail(&audit_hold_queue, skb);\n}', 'skb_queue_head(&audit_hold_queue, skb);\n}');
    expect(edited).not.toBe(text);
    const second = analyser.update('file:///a/kernel/audit.c', edited, 2).model;
    expect(second.file.extracted).toBe(1);
    // and the model follows the edit
    const rehold = [...second.queues.get('audit_hold_queue')!.enqueues].find((s) => s.end === 'head');
    expect(rehold?.fn).toBe('kauditd_rehold_skb');
  });
});

describe('typing into a name re-extracts only what uses the name', () => {
  it('renaming a function re-extracts it and its callers, not the whole file', () => {
    clearFactCache();
    const analyser = new Analyser();
    const text = versionFixture('v2022');
    const first = analyser.update('file:///r/kernel/audit.c', text, 1).model;
    const total = first.file.functions.size;
    // the definition of kauditd_rehold_skb typed into, one letter at a time
    const callers = first.graph.callers('kauditd_rehold_skb').length + [...first.file.functions.values()].filter((e) => e.facts.bindings.some((b) => b.fn === 'kauditd_rehold_skb')).length;
    let renamed = text;
    for (const [v, suffix] of ['x', 'xy', 'xyz'].entries()) {
      renamed = text.replace('static void kauditd_rehold_skb(', `static void kauditd_rehold_skb${suffix}(`);
      const m = analyser.update('file:///r/kernel/audit.c', renamed, v + 2).model;
      expect(m.file.functions.has(`kauditd_rehold_skb${suffix}`)).toBe(true);
      // the renamed function, and those whose text names it (the name is no longer a function there)
      expect(m.file.extracted).toBeLessThanOrEqual(1 + Math.max(callers, 2));
      expect(m.file.extracted).toBeLessThan(total / 4);
    }
    // and the analysis is what a fresh one says
    const fresh = new Analyser().analyseText(renamed);
    expect(analyser.get('file:///r/kernel/audit.c')!.findings.map((f) => `${f.rule} ${f.function} ${f.message}`)).toEqual(fresh.findings.map((f) => `${f.rule} ${f.function} ${f.message}`));
  });
});

describe('the fact cache stays bounded over a long session', () => {
  it('forgets old versions of the edited function first, by the size of their text', () => {
    clearFactCache();
    const analyser = new Analyser();
    const base = versionFixture('v2022');
    // one large function (about 60 KB of statements) typed into many times
    const big = `static void audit_bulk(void)\n{\n${Array.from({ length: 3000 }, (_, i) => `\tx${i % 7} = ${i};`).join('\n')}\n}\n`;
    let text = `${base}\n${big}`;
    const at = text.indexOf('x3 = 3;') + 'x3 = '.length; // typing digits into a constant
    void analyser.update('file:///a/kernel/audit.c', text, 1).model;
    for (let v = 2; v < 40; v++) {
      text = `${text.slice(0, at)}${v % 10}${text.slice(at)}`;
      expect(analyser.update('file:///a/kernel/audit.c', text, v).model.file.extracted).toBe(1);
    }
    const size = factCacheSize();
    // 38 versions of a 60 KB function would be 2.3 MB of text: the cache keeps it under its budget
    expect(size.textChars).toBeLessThanOrEqual(768 * 1024);
    expect(size.textChars).toBeGreaterThan(big.length);
  });
});

describe('superseded versions of an open document', () => {
  it('leave the fact cache as the document changes, so it holds one version of each function', () => {
    clearFactCache();
    const analyser = new Analyser();
    let text = versionFixture('v2022');
    const functions = analyser.update('file:///b/kernel/audit.c', text, 1).model.file.functions.size;
    const at = text.indexOf('skb_queue_tail(&audit_hold_queue, skb);');
    for (let v = 2; v < 30; v++) {
      text = `${text.slice(0, at)} ${text.slice(at)}`;
      void analyser.update('file:///b/kernel/audit.c', text, v).model;
    }
    expect(factCacheSize().functions).toBe(functions);
    // another document's functions are not dropped by this one's edits
    void analyser.update('file:///c/kernel/audit.c', versionFixture('v4_10'), 1).model;
    text = `${text.slice(0, at)} ${text.slice(at)}`;
    void analyser.update('file:///b/kernel/audit.c', text, 40).model;
    expect(analyser.update('file:///c/kernel/audit.c', `${versionFixture('v4_10')}\n`, 2).model.file.extracted).toBe(0);
  });

  it('give their WebAssembly tree back once their analysis is built; reading it afterwards throws', () => {
    const analyser = new Analyser();
    const text = versionFixture('v2022');
    const first = analyser.update('file:///d/kernel/audit.c', text, 1);
    void first.findings;
    const second = analyser.update('file:///d/kernel/audit.c', text.replace('skb_queue_tail(&audit_hold_queue, skb);', 'skb_queue_head(&audit_hold_queue, skb);'), 2);
    void second.findings;
    if (parserEngine().name === 'wasm') expect(() => first.parsed.tree.rootNode).toThrow(/released/);
    // the model and findings built before stay readable
    expect(first.findings.length).toBeGreaterThan(0);
    expect(second.parsed.tree.rootNode.hasError).toBe(false);
  });
});
