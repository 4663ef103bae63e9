/**
 * Bounds written through a helper: a function of the file, or a function-like
 * macro defined in it, that answers "does queue q have room?" (or "is it
 * full?") for the queue it is passed. A condition calling one yields the atom
 * `pred:F:I:B:Q` (F returned B, 1 or 0, with queue Q as its argument I;
 * facts/conditions.ts); here each F is read once from its body, and those
 * atoms count as `bound:Q` wherever the model asks whether an enqueue is
 * bounded. A macro is read by parsing its body as the return expression of a
 * small function, so it is understood exactly as a function would be.
 */
import { SourceView } from '../facts/ast';
import { atomsFor } from '../facts/conditions';
import type { FileFacts } from '../facts/fileFacts';
import { buildFileFacts } from '../facts/fileFacts';
import type { FunctionFacts } from '../facts/types';
import { KernelCParser } from '../parse/cParser';
import { Outline } from '../parse/outline';

/** Predicate name -> (parameter index -> the result value that means "below the limit"). */
export type Predicates = Map<string, Map<number, boolean>>;

const macroCache = new Map<string, Map<number, boolean> | null>();

export function boundingPredicates(file: FileFacts): Predicates {
  const out: Predicates = new Map();
  for (const [name, e] of file.functions) {
    const p = predicateOf(e.facts, new SourceView(file.source.text, e.base));
    if (p) out.set(name, p);
  }
  // function-like macros that read a queue's length
  for (const m of macroDefinitions(file)) {
    if (out.has(m.name)) continue;
    const key = `${m.params.join(',')}|${m.body}`;
    let p = macroCache.get(key);
    if (p === undefined) {
      p = macroPredicate(m.params, m.body, file) ?? null;
      if (macroCache.size > 256) macroCache.clear();
      macroCache.set(key, p);
    }
    if (p) out.set(m.name, p);
  }
  return out;
}

/** Is the queue bounded under these atoms: `bound:Q`, `bound:*`, or a bounding predicate's answer for Q? */
export function atomsBound(atoms: Iterable<string>, queue: string, predicates: Predicates): boolean {
  for (const a of atoms) {
    if (a === `bound:${queue}` || a === 'bound:*') return true;
    if (!a.startsWith('pred:')) continue;
    const [, fn, idx, v, ...rest] = a.split(':');
    if (rest.join(':') !== queue) continue;
    const when = predicates.get(fn)?.get(Number(idx));
    if (when !== undefined && (v === '1') === when) return true;
  }
  return false;
}

function predicateOf(f: FunctionFacts, src: SourceView): Map<number, boolean> | undefined {
  if (!f.params.length || !f.limits.length && !f.calls.some((c) => /^skb_queue_len/.test(c.callee ?? ''))) return undefined;
  const returns = f.cfg.nodes.filter((n) => n.kind === 'return' && n.ast);
  if (!returns.length) return undefined;
  const out = new Map<number, boolean>();
  const ctx = {
    src,
    isLimit: (p: string) => f.limits.includes(p) || /backlog_limit$/.test(p),
    queueOf: (arg: import('../facts/ast').Ast) => {
      const t = src.of(arg).replace(/[\s()&]/g, '');
      const p = f.params.find((x) => x.name === t);
      return p ? `param:${p.name}` : undefined;
    },
  };
  for (const p of f.params) {
    for (const when of [true, false]) {
      // every return says "bounded" for this parameter when the result is `when`
      const ok = returns.every((r) => {
        const expr = r.ast!.children.find((c) => c.named && c.type !== 'comment');
        return !!expr && atomsFor(expr, when, ctx).some((a) => a === `bound:param:${p.name}` || a === 'bound:*');
      });
      if (ok) { out.set(p.index, when); break; }
    }
  }
  return out.size ? out : undefined;
}

interface MacroDef { name: string; params: string[]; body: string }

function macroDefinitions(file: FileFacts): MacroDef[] {
  const out: MacroDef[] = [];
  const text = file.source.text;
  for (const m of file.macros) {
    const def = text.slice(m.span.start, m.span.end);
    if (!def.includes('skb_queue_len')) continue;
    const mm = /^[ \t]*#[ \t]*define[ \t]+(\w+)\(([\w\s,]*)\)([\s\S]*)$/.exec(def);
    if (!mm) continue;
    const body = mm[3].replace(/\\\n/g, ' ').trim();
    out.push({ name: mm[1], params: mm[2].split(',').map((x) => x.trim()).filter(Boolean), body });
  }
  return out;
}

/** Parses `#define M(q) body` as `static int M(struct sk_buff_head *q) { return (body); }` with the file's globals in scope. */
function macroPredicate(params: string[], body: string, file: FileFacts): Map<number, boolean> | undefined {
  if (!params.length || body.length > 2000) return undefined;
  const globals = [...file.globals.values()].filter((g) => body.includes(g.name)).map((g) => `static ${g.kind === 'queue' ? 'struct sk_buff_head' : 'unsigned int'} ${g.name};`).join('\n');
  const text = `${globals}\nstatic int __auditlens_macro(${params.map((p) => `struct sk_buff_head *${p}`).join(', ')})\n{\n\treturn (${body});\n}\n`;
  try {
    const facts = buildFileFacts(new Outline(new KernelCParser().parse(text)));
    const e = facts.functions.get('__auditlens_macro');
    if (!e) return undefined;
    return predicateOf(e.facts, new SourceView(text, e.base));
  } catch {
    return undefined;
  }
}
