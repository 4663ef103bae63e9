/**
 * Concurrency contexts from entry points: who can run a function at the same
 * time as whom. Entries are found from registrations in the file, never from
 * function names: `kthread_run(f, ...)`, `.input = f` in a netlink config,
 * `call_rcu(..., f)`, pernet ops, EXPORT_SYMBOL, `__init`/initcalls/`__setup`.
 */
import type { FileFacts } from '../facts/fileFacts';
import type { CallGraph } from './callgraph';

export type ContextKind = 'kthread' | 'netlink-input' | 'netlink-bind' | 'rcu-callback' | 'pernet' | 'init' | 'exported' | 'external';

export interface ExecContext {
  id: string;
  kind: ContextKind;
  entry: string;
  label: string;
}

export interface Contexts {
  all: ExecContext[];
  /** Function -> ids of the contexts that can run it. */
  of: Map<string, Set<string>>;
  /** Functions that only ever run at boot, single-threaded. */
  initOnly: Set<string>;
}

export function computeContexts(file: FileFacts, graph: CallGraph, consumer?: string): Contexts {
  const all: ExecContext[] = [];
  const add = (kind: ContextKind, entry: string, label: string) => {
    const id = `${kind}:${entry}`;
    if (!all.some((c) => c.id === id)) all.push({ id, kind, entry, label });
  };
  for (const h of graph.handedTo) {
    if (/^kthread_(run|create)/.test(h.api)) add('kthread', h.fn, h.fn === consumer ? `kauditd thread (${h.fn})` : `kthread ${h.fn}`);
    else if (/^call_rcu/.test(h.api)) add('rcu-callback', h.fn, `RCU callback ${h.fn} (softirq)`);
  }
  for (const b of file.bindings) {
    if (b.field === 'input') add('netlink-input', b.fn, `netlink input ${b.fn} (userspace control messages)`);
    else if (b.field === 'bind' || b.field === 'unbind') add('netlink-bind', b.fn, `netlink ${b.field} ${b.fn}`);
    else if ((b.field === 'init' || b.field === 'exit') && /pernet/.test(b.structType ?? '')) add('pernet', b.fn, `pernet ${b.field} ${b.fn}`);
  }
  for (const r of file.registrations) {
    if (/^EXPORT_SYMBOL/.test(r.macro) && file.functions.has(r.fn)) add('exported', r.fn, `exported ${r.fn} (any context: syscalls, softirq, other subsystems)`);
    else if (/initcall|__setup|early_param|module_init|module_exit/.test(r.macro)) add('init', r.fn, `boot ${r.fn} (${r.macro})`);
  }
  for (const [name, e] of file.functions) {
    if (e.isInit) add('init', name, `boot ${name} (__init)`);
  }
  // Non-static functions without an entry of their own are callable from other files.
  const entered = new Set(all.map((c) => c.entry));
  for (const [name, e] of file.functions) {
    if (!e.isStatic && !entered.has(name) && graph.callers(name).length === 0) add('external', name, `external caller of ${name}`);
  }

  const of = new Map<string, Set<string>>();
  for (const name of file.functions.keys()) of.set(name, new Set());
  for (const c of all) for (const fn of graph.reachable(c.entry)) of.get(fn)?.add(c.id);
  // A non-static function that is also called internally is still callable from outside.
  for (const [name, e] of file.functions) {
    if (!e.isStatic && of.get(name)!.size > 0 && ![...of.get(name)!].some((id) => id.endsWith(`:${name}`))) {
      const id = `external:${name}`;
      if (!all.some((c) => c.id === id)) all.push({ id, kind: 'external', entry: name, label: `external caller of ${name}` });
      for (const fn of graph.reachable(name)) of.get(fn)?.add(id);
    }
  }
  const byId = new Map(all.map((c) => [c.id, c]));
  const initOnly = new Set<string>();
  for (const [name, ids] of of) if (ids.size > 0 && [...ids].every((id) => byId.get(id)?.kind === 'init')) initOnly.add(name);
  return { all, of, initOnly };
}
