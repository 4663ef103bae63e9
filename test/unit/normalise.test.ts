import { describe, expect, it } from 'vitest';
import { normaliseKernelSource } from '../../server/src/parse/normalise';
import { KernelCParser } from '../../server/src/parse/cParser';
import { CORPUS, hasShared, needsShared, readShared } from '../shared';

const keepsLayout = (src: string) => {
  const { text } = normaliseKernelSource(src);
  expect(text.length).toBe(src.length);
  // every newline stays where it was; only blanked characters changed, and only to spaces
  for (let i = 0; i < src.length; i++) {
    if (src[i] === '\n' || text[i] === '\n') expect(text[i]).toBe(src[i]);
    else if (text[i] !== src[i]) expect(text[i]).toBe(' ');
  }
  return text;
};

describe('kernel idiom normalisation', () => {
  it('blanks annotations, keeping offsets', () => {
    const src = 'static struct auditd_connection __rcu *auditd_conn;\nstatic int __init audit_init(void) { return 0; }\n';
    const out = keepsLayout(src);
    expect(out).toBe(src.replace('__rcu', '     ').replace('__init', '      '));
  });

  it('blanks attribute macros with their arguments, across lines', () => {
    const src = 'static __printf(2,\n 0)\nvoid f(const char *fmt, ...) { }\nvoid g(void) __must_hold(&l) __acquires(x);\n';
    const out = keepsLayout(src);
    expect(out).not.toMatch(/__printf|__must_hold|__acquires/);
    expect(out.split('\n')[1]).toBe('   ');
    expect(new KernelCParser().parse(src).problems).toEqual([]);
  });

  it('turns GNU case ranges into plain cases', () => {
    const src = 'int f(int t) { switch (t) { case 1 ... 9: return 1; case A ... B: return 2; } return 0; }\n';
    const out = keepsLayout(src);
    expect(out).toContain('case 1      : return 1;');
    expect(new KernelCParser().parse(src).problems).toEqual([]);
  });

  it('keeps varargs and sizeof(struct x) untouched, and drops only the keyword of type arguments', () => {
    const src = 'void f(int a, ...);\nvoid g(void *p) { struct s *x = container_of(p, struct s, rcu); int n = sizeof(struct s); }\n';
    const out = keepsLayout(src);
    expect(out).toContain('void f(int a, ...);');
    expect(out).toContain('container_of(p,        s, rcu)');
    expect(out).toContain('sizeof(struct s)');
    expect(new KernelCParser().parse(src).problems).toEqual([]);
  });

  it('leaves strings and comments alone', () => {
    const src = 'const char *s = "__rcu case 1 ... 2:"; /* __init */\n';
    expect(keepsLayout(src)).toBe(src);
  });

  it.skipIf(!hasShared)(needsShared('keeps the corpus layout byte for byte except blanked idioms'), () => {
    const src = readShared(CORPUS);
    keepsLayout(src);
    const raw = normaliseKernelSource(src);
    expect(new Set(raw.blanks.map((b) => b.kind))).toEqual(new Set(['annotation', 'case-range', 'type-argument']));
  });
});

describe('incremental reparse', () => {
  const parser = new KernelCParser();
  const base = 'static struct sk_buff_head audit_queue;\nstatic void f(struct sk_buff *skb)\n{\n\tskb_queue_tail(&audit_queue, skb);\n}\n\nstatic int g(void)\n{\n\treturn 1;\n}\n';

  it('gives the same tree as a fresh parse after edits, including ones that change normalisation', () => {
    let cur = parser.parse(base);
    const edits: [string, string][] = [
      ['return 1;', 'return 2;'],
      ['static struct sk_buff_head audit_queue;', 'static struct sk_buff_head __rc audit_queue;'],
      ['__rc audit_queue', '__rcu audit_queue'], // completing the annotation blanks it
      ['skb_queue_tail', 'skb_queue_head'],
      ['{\n\treturn 2;', '{\n\tif (x\n\treturn 2;'], // introduce a syntax error
      ['if (x\n', 'if (x)\n'],
    ];
    for (const [from, to] of edits) {
      const next = cur.text.replace(from, to);
      expect(next).not.toBe(cur.text);
      const incremental = parser.reparse(cur, next);
      const fresh = parser.parse(next);
      expect(incremental.incremental).toBe(true);
      expect(incremental.tree.rootNode.toString()).toBe(fresh.tree.rootNode.toString());
      expect(incremental.problems.length).toBe(fresh.problems.length);
      cur = incremental;
    }
  });
});
