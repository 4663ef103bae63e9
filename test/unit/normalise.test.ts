import { describe, expect, it } from 'vitest';
import { normaliseKernelSource } from '../../server/src/parse/normalise';
import { Analyser } from '../../server/src/analyser';
import { KernelCParser, type SyntaxNode } from '../../server/src/parse/cParser';
import { CORPUS, hasShared, HISTORY, needsShared, readShared } from '../shared';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const keepsLayout = (src: string) => {
  const { text, blanks } = normaliseKernelSource(src);
  expect(text.length).toBe(src.length);
  // where a loop macro's name became `while`, those five characters are the only non-spaces written
  const written = new Set(blanks.flatMap((b) => (b.replacement ? [...b.replacement].map((_, i) => b.start + i) : [])));
  // every newline stays where it was; only blanked characters changed, and only to spaces
  for (let i = 0; i < src.length; i++) {
    if (src[i] === '\n' || text[i] === '\n') expect(text[i]).toBe(src[i]);
    else if (text[i] !== src[i] && !written.has(i)) expect(text[i]).toBe(' ');
  }
  return text;
};

const types = (n: SyntaxNode): string[] => [n.type, ...n.children.flatMap(types)];

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

  it('reads multi-word type arguments of the type-argument macros as a family, keeping prototypes whole', () => {
    const src = [
      'int f(int v, void *p, struct list_head *h)',
      '{',
      '\tint a = max_t(unsigned int, v, 1);',
      '\tlong b = clamp_t(unsigned long, v, 1, 9);',
      '\tlong c = min_t(long long, v, 2);',
      '\tconst char *d = max_t(const char *, p, p);',
      '\tstruct s *e = list_first_entry(h, const struct s, node);',
      '\tsize_t g = sizeof_field(struct s, node) + offsetof(struct s, node);',
      '\treturn a + b + c + (d != 0) + (e != 0) + g + max_t(u32, v, 3);',
      '}',
      'int proto(unsigned int x, struct s *q, const char *fmt, ...);',
      '',
    ].join('\n');
    const out = keepsLayout(src);
    expect(out).toContain('max_t(         int, v, 1)');
    expect(out).toContain('clamp_t(         long, v, 1, 9)');
    expect(out).toContain('min_t(     long, v, 2)');
    expect(out).toContain('max_t(      char  , p, p)');
    expect(out).toContain('list_first_entry(h,              s, node)');
    expect(out).toContain('sizeof_field(       s, node)');
    expect(out).toContain('offsetof(struct s, node)'); // a type operator tree-sitter reads as it is
    expect(out).toContain('max_t(u32, v, 3)');
    expect(out).toContain('int proto(unsigned int x, struct s *q, const char *fmt, ...);');
    expect(new KernelCParser().parse(src).problems).toEqual([]);
  });

  it('reads iteration macros as loop heads, with a block or a single statement, in any statement position', () => {
    const src = [
      'void f(struct list_head *h, struct sk_buff_head *q, int x)',
      '{',
      '\tstruct s *p, *n;',
      '\tstruct sk_buff *skb, *tmp;',
      '\tint cpu;',
      '\tDECLARE_WAITQUEUE(wait, current);',
      '\tDEFINE_WAIT(w);',
      '\ttypeof(*p) *r = p;',
      '\tlist_for_each_entry(p, h, node) {',
      '\t\tp->v++;',
      '\t}',
      '\tlist_for_each_entry_safe(p, n, h, node)',
      '\t\tkfree(p);',
      '\tif (x)',
      '\t\tskb_queue_walk_safe(q, skb, tmp)',
      '\t\t\tif (skb->len)',
      '\t\t\t\tx--;',
      '\telse',
      '\t\tfor_each_possible_cpu(cpu) { x += cpu; }',
      '\tlist_del(h);',
      '}',
      'DEFINE_MUTEX(m);',
      '',
    ].join('\n');
    const out = keepsLayout(src);
    expect(out).toContain('\twhile              (p, h, node) {');
    expect(out).toContain('\twhile                   (p, n, h, node)');
    expect(out).toContain('\t\twhile              (q, skb, tmp)');
    expect(out).toContain('\t\twhile                (cpu) { x += cpu; }');
    expect(out).toContain('\tlist_del(h);'); // a call is a call
    expect(out).toContain('DEFINE_MUTEX(m);'); // file scope: never a loop
    expect(out).toContain('\tDECLARE_WAITQUEUE(wait, current);\n\tDEFINE_WAIT(w);\n\ttypeof(*p) *r = p;'); // declarations stay
    const parsed = new KernelCParser().parse(src);
    expect(parsed.problems).toEqual([]);
    expect(types(parsed.tree.rootNode).filter((t) => t === 'while_statement')).toHaveLength(4);
  });

  it('lets the rules see into an iteration macro\'s body: a sleep under a spinlock inside one is found, in either shape', () => {
    const header = 'static DEFINE_SPINLOCK(l);\nstruct s { struct list_head node; int v; };\n';
    const inBlock = `${header}void walk(struct list_head *h)\n{\n\tstruct s *p;\n\n\tspin_lock(&l);\n\tlist_for_each_entry(p, h, node) {\n\t\tmsleep(1);\n\t}\n\tspin_unlock(&l);\n}\n`;
    const bare = `${header}void drain_all(struct sk_buff_head *q)\n{\n\tstruct sk_buff *skb, *tmp;\n\n\tspin_lock(&l);\n\tskb_queue_walk_safe(q, skb, tmp)\n\t\tmsleep(1);\n\tspin_unlock(&l);\n}\n`;
    for (const src of [inBlock, bare]) {
      const a = new Analyser().analyseText(src);
      expect(a.parsed.problems).toEqual([]);
      const sleeps = a.findings.filter((f) => f.rule === 'AL205');
      expect(sleeps, src).toHaveLength(1);
      expect(src.slice(sleeps[0].span.start, sleeps[0].span.end)).toContain('msleep');
      // the clean twin: the same walk outside the lock
      const clean = new Analyser().analyseText(src.replace('\tspin_lock(&l);\n', '').replace('\tspin_unlock(&l);\n', ''));
      expect(clean.findings.filter((f) => f.rule === 'AL205' || f.rule === 'AL204')).toEqual([]);
    }
  });

  it.skipIf(!hasShared)(needsShared('parses every kernel/audit.c under corpus/history with no syntax error'), () => {
    for (const file of readdirSync(HISTORY).filter((f) => f.endsWith('.c'))) {
      const src = readShared(join(HISTORY, file));
      keepsLayout(src);
      expect(new KernelCParser().parse(src).problems.map((p) => `${file}:${p.line + 1}:${p.column + 1}`)).toEqual([]);
    }
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
      // broken code is parsed afresh (tree-sitter's recovery depends on the subtrees it reuses)
      expect(incremental.incremental).toBe(!fresh.tree.rootNode.hasError);
      expect(incremental.tree.rootNode.toString()).toBe(fresh.tree.rootNode.toString());
      expect(incremental.problems.length).toBe(fresh.problems.length);
      cur = incremental;
    }
  });
});
