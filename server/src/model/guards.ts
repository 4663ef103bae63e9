/**
 * Which lock or discipline guards each shared variable, inferred from its
 * accesses: the intersection of the locksets of its writes (boot-time writes
 * excluded), RCU for `__rcu` pointers, atomics, the skb queue's own lock; and
 * the accesses that do not follow it.
 */
import type { FileFacts, GlobalKind } from '../facts/fileFacts';
import type { AccessMode } from '../facts/types';
import type { CallGraph } from './callgraph';
import type { Contexts } from './contexts';
import { heldAt } from './locksets';
import type { Summary } from './summaries';
import { isOwnerIdiom } from './ownerIdiom';

export interface AccessSite {
  fn: string;
  variable: string;
  read: boolean;
  write: boolean;
  mode: AccessMode;
  api?: string;
  protectedBy?: string;
  /** Locks surely held, including those every caller holds. */
  held: string[];
  contexts: string[];
  /** Absolute offsets. */
  start: number;
  end: number;
  /** Written through a pointer parameter of this callee (`audit_do_config_change`). */
  through?: string;
}

export type Discipline = 'lock' | 'rcu' | 'atomic' | 'queue-internal' | 'init-only' | 'none';

export interface GuardInfo {
  variable: string;
  kind: GlobalKind | 'field';
  discipline: Discipline;
  /** Locks held at every (non-boot) write. */
  locks: string[];
  accesses: AccessSite[];
  /** Accesses that do not hold the guard (plain reads/writes outside it). */
  exceptions: AccessSite[];
  /**
   * An owner field (`audit_cmd_mutex.owner`): every concurrent write stores `current` or NULL
   * and every unguarded read only compares it with `current`. Such reads are benign races.
   */
  ownerIdiom: boolean;
}

/** Locks every caller holds when calling each function. */
export function entryLocks(file: FileFacts, graph: CallGraph, summaries: Map<string, Summary>, initOnly: Set<string>): Map<string, Set<string>> {
  const held = new Map<string, Set<string> | undefined>();
  // Callable from outside the file (non-static, exported): outside callers hold nothing we know of.
  for (const [name, e] of file.functions) held.set(name, graph.callers(name).length && e.isStatic ? undefined : new Set());
  // (a function only ever called at boot keeps what its boot callers hold)
  const order = graph.bottomUp().reverse();
  for (let iter = 0; iter < 6; iter++) {
    let changed = false;
    for (const name of order) {
      if (!file.functions.get(name)!.isStatic) continue;
      // Boot-time callers run single-threaded: they do not weaken what concurrent callers hold.
      const all = graph.callers(name);
      const concurrent = all.filter((e) => !initOnly.has(e.caller));
      const callers = concurrent.length ? concurrent : all;
      if (!callers.length) continue;
      let acc: Set<string> | undefined;
      for (const e of callers) {
        const callerHeld = held.get(e.caller);
        if (callerHeld === undefined && e.caller !== name) continue;
        const s = summaries.get(e.caller);
        if (!s) continue;
        const at = heldAt(s.locksets, e.call.node, e.call.at.start);
        for (const l of callerHeld ?? []) at.add(l);
        acc = acc ? new Set([...acc].filter((x) => at.has(x))) : at;
      }
      const prev = held.get(name);
      if (acc && (!prev || prev.size !== acc.size || [...acc].some((x) => !prev.has(x)))) {
        held.set(name, acc);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const out = new Map<string, Set<string>>();
  for (const [k, v] of held) {
    // a function that releases a lock it never took (an unlock wrapper) requires its caller to hold it
    const required = summaries.get(k)?.locks.releases ?? [];
    out.set(k, new Set([...(v ?? []), ...required]));
  }
  return out;
}

export function computeGuards(file: FileFacts, graph: CallGraph, summaries: Map<string, Summary>, contexts: Contexts, entry: Map<string, Set<string>>): Map<string, GuardInfo> {
  const sites = new Map<string, AccessSite[]>();
  const push = (s: AccessSite) => (sites.get(s.variable) ?? sites.set(s.variable, []).get(s.variable)!).push(s);
  for (const [fn, e] of file.functions) {
    const sum = summaries.get(fn)!;
    const ctx = [...(contexts.of.get(fn) ?? [])];
    const entryHeld = entry.get(fn) ?? new Set<string>();
    const heldFor = (node: number, at: number) => [...new Set([...entryHeld, ...heldAt(sum.locksets, node, at)])];
    for (const a of e.facts.accesses) {
      if (a.mode === 'address' && a.callee) {
        // `&G` handed to a function of the file that writes through that parameter
        const cs = summaries.get(a.callee);
        if (cs && a.argIndex !== undefined && cs.paramWrites.includes(a.argIndex)) {
          push({ fn, variable: a.variable, read: true, write: true, mode: 'plain', held: heldFor(a.node, a.at.start), contexts: ctx, start: e.base + a.at.start, end: e.base + a.at.end, through: a.callee });
        }
        continue;
      }
      if (a.mode === 'address') continue;
      push({ fn, variable: a.variable, read: a.read, write: a.write, mode: a.mode, api: a.api, protectedBy: a.protectedBy, held: heldFor(a.node, a.at.start), contexts: ctx, start: e.base + a.at.start, end: e.base + a.at.end });
    }
  }

  const out = new Map<string, GuardInfo>();
  for (const [variable, accesses] of sites) {
    const root = variable.split('.')[0];
    const g = file.globals.get(root);
    if (!g) continue;
    const kind: GuardInfo['kind'] = variable.includes('.') ? 'field' : g.kind;
    if (kind === 'spinlock' || kind === 'mutex' || kind === 'waitqueue') continue;
    const live = accesses.filter((a) => !contexts.initOnly.has(a.fn));
    const writes = live.filter((a) => a.write);
    let discipline: Discipline;
    let locks: string[] = [];
    if (g.isRcu) {
      discipline = 'rcu';
      locks = intersect(writes.map((w) => w.held));
    } else if (kind === 'atomic') discipline = 'atomic';
    else if (kind === 'queue') discipline = 'queue-internal';
    else if (!writes.length) discipline = accesses.some((a) => a.write) ? 'init-only' : 'none';
    else {
      locks = intersect(writes.map((w) => w.held)).filter((l) => l !== 'rcu_read_lock');
      discipline = locks.length ? 'lock' : 'none';
    }
    const exceptions = discipline === 'lock'
      ? live.filter((a) => a.mode === 'plain' && !locks.every((l) => a.held.includes(l)))
      : discipline === 'rcu'
        ? live.filter((a) => (a.mode === 'plain') || (a.mode === 'rcu' && a.read && !a.held.includes('rcu_read_lock') && !(a.protectedBy && a.held.includes(a.protectedBy)) && !locks.some((l) => a.held.includes(l))))
        : [];
    out.set(variable, { variable, kind, discipline, locks, accesses, exceptions, ownerIdiom: variable.includes('.') && isOwnerIdiom(file.source, writes, exceptions) });
  }
  return out;
}

function intersect(sets: string[][]): string[] {
  if (!sets.length) return [];
  return sets.reduce((acc, s) => acc.filter((x) => s.includes(x)));
}
