/**
 * Hover text of a lock (a spinlock or mutex global, a lock field such as
 * `audit_cmd_mutex.lock`, or the control-lock struct itself): what it guards,
 * who takes it (directly or through the file's lock wrappers), who runs under
 * it, and in which contexts.
 */
import { ExplainEnv, blocks, bounded, code, contextsLine, link, plural, unique } from './text';
import { declaration } from './variableText';

export function lockText(env: ExplainEnv, name: string): string | undefined {
  const { model, index } = env;
  const global = model.file.globals.get(name);
  // The control lock is a struct: its locks are the fields taken (`.lock`).
  const locks = global?.kind === 'control-lock' ? index.locksOfGlobal.get(name) ?? [] : [name];
  const kind = global?.kind ?? (index.takes.has(name) ? 'lock' : undefined);
  if (!kind || !locks.some((l) => index.takes.has(l) || index.guardedBy.has(l))) return undefined;

  const parts = [`**${code(name)}** — ${kind === 'control-lock' ? 'control lock' : kind}`, declaration(env, name)].filter((x) => x);
  const lines: string[] = [];
  for (const lock of locks) {
    const prefix = locks.length > 1 || lock !== name ? `${code(lock)}: ` : '';
    const guarded = index.guardedBy.get(lock) ?? [];
    if (guarded.length) {
      const items = guarded.map((g) => `${code(g.variable)}${g.discipline === 'rcu' ? ' (RCU pointer: writers hold it)' : g.exceptions.length ? ` (${plural(g.exceptions.length, 'access', 'accesses')} without it)` : ''}`);
      lines.push(`**Guards** ${prefix}${bounded(items, 8)}`);
    }
    const takes = index.takes.get(lock) ?? [];
    const direct = takes.filter((t) => !t.via).map((t) => `${code(t.fn)} (${t.api}) ${link(env, t.at)}`);
    const wrapped = new Map<string, string[]>();
    for (const t of takes) {
      if (!t.via) continue;
      const list = wrapped.get(t.via) ?? [];
      if (!wrapped.has(t.via)) wrapped.set(t.via, list);
      list.push(`${code(t.fn)} ${link(env, t.at)}`);
    }
    const via = [...wrapped].map(([w, callers]) => `via ${code(w)}: ${bounded(callers, 4)}`);
    if (direct.length || via.length) lines.push(`**Taken** ${prefix}${[bounded(direct, 4), ...via].filter((x) => x).join('; ')}`);
    const under = index.heldOnEntry.get(lock) ?? [];
    if (under.length) lines.push(`**Callers hold it for** ${bounded(under.map(code), 5)}`);
    const ctx = unique(takes.flatMap((t) => [...(model.contexts.of.get(t.fn) ?? [])]));
    if (ctx.length) lines.push(`**Taken in** ${contextsLine(env, ctx)}`);
  }
  // Other guarded fields of the struct (the owner) are explained on their own hover.
  for (const f of index.fieldsOf.get(name) ?? []) {
    if (!locks.includes(f.variable) && !lines.some((l) => l.includes(code(f.variable)))) lines.push(`**Field** ${code(f.variable)}: ${f.discipline === 'lock' ? `written under ${f.locks.map(code).join(' + ')}` : f.discipline}`);
  }
  parts.push(blocks(lines));
  return parts.join('\n\n');
}
