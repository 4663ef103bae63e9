/**
 * Locksets along every path of a function: locks surely held (intersection
 * over paths) and possibly held (union), through gotos and early returns.
 * Calls to the file's own lock wrappers (`audit_ctl_lock()`, recognised by
 * their bodies) apply their net effect. The entry lockset of a function is the
 * set of locks every caller holds at every call site, so a config setter called
 * only under the control mutex is known to run under it.
 */
import { predecessors, reversePostOrder } from '../facts/cfg';
import type { FunctionFacts } from '../facts/types';

export interface LockEffect {
  /** Locks the function returns holding on every path. */
  acquires: string[];
  /** Locks the function releases without having taken them. */
  releases: string[];
}

export interface Locksets {
  mustIn: Set<string>[];
  mayIn: Set<string>[];
  exitMust: Set<string>;
  exitMay: Set<string>;
  /** Locks released where not possibly held (by this function's own taking). */
  releasedUnheld: Set<string>;
  /** Lock operations, in source order per node, with their offsets (own ops and wrapper calls). */
  opsByNode: Map<number, { at: number; op: 'acquire' | 'release'; lock: string }[]>;
}

/**
 * `entry`: locks held when the function is entered (what every caller holds).
 * With it, a helper that drops and retakes its caller's mutex is balanced, and
 * a path that drops it without retaking it is not.
 */
export function computeLocksets(facts: FunctionFacts, effectOf: (callee: string) => LockEffect | undefined, entry: ReadonlySet<string> = new Set()): Locksets {
  const { cfg } = facts;
  const opsByNode = new Map<number, { at: number; op: 'acquire' | 'release'; lock: string }[]>();
  const push = (node: number, at: number, op: 'acquire' | 'release', lock: string) => {
    (opsByNode.get(node) ?? opsByNode.set(node, []).get(node)!).push({ at, op, lock });
  };
  for (const l of facts.lockOps) push(l.node, l.at.start, l.op, l.lock);
  for (const c of facts.calls) {
    const eff = c.callee ? effectOf(c.callee) : undefined;
    if (!eff) continue;
    for (const l of eff.releases) push(c.node, c.at.start, 'release', l);
    for (const l of eff.acquires) push(c.node, c.at.start, 'acquire', l);
  }
  for (const list of opsByNode.values()) list.sort((a, b) => a.at - b.at);
  if (!opsByNode.size) {
    // no lock operation on any path (most functions): nothing is ever held
    const none = new Set<string>();
    return { mustIn: cfg.nodes.map(() => none), mayIn: cfg.nodes.map(() => none), exitMust: none, exitMay: none, releasedUnheld: new Set(), opsByNode };
  }

  const preds = predecessors(cfg);
  const order = reversePostOrder(cfg);
  const mustIn: (Set<string> | undefined)[] = cfg.nodes.map(() => undefined);
  const mayIn: Set<string>[] = cfg.nodes.map(() => new Set());
  const releasedUnheld = new Set<string>();
  mustIn[cfg.entry] = new Set(entry);
  mayIn[cfg.entry] = new Set(entry);

  const transfer = (id: number, must: Set<string>, may: Set<string>, record: boolean) => {
    const m = new Set(must);
    const y = new Set(may);
    for (const op of opsByNode.get(id) ?? []) {
      if (op.op === 'acquire') { m.add(op.lock); y.add(op.lock); }
      else {
        if (record && !y.has(op.lock)) releasedUnheld.add(op.lock);
        m.delete(op.lock);
        y.delete(op.lock);
      }
    }
    return [m, y] as const;
  };

  let changed = true;
  for (let iter = 0; changed && iter < 50; iter++) {
    changed = false;
    for (const id of order) {
      if (id === cfg.entry) continue;
      let must: Set<string> | undefined;
      const may = new Set<string>();
      for (const p of preds[id]) {
        if (!mustIn[p]) continue;
        const [m, y] = transfer(p, mustIn[p]!, mayIn[p], false);
        must = must ? new Set([...must].filter((x) => m.has(x))) : m;
        for (const x of y) may.add(x);
      }
      if (!must) continue;
      const prev = mustIn[id];
      if (!prev || !sameSet(prev, must) || !sameSet(mayIn[id], may)) {
        mustIn[id] = must;
        mayIn[id] = may;
        changed = true;
      }
    }
  }
  for (const id of order) if (mustIn[id]) transfer(id, mustIn[id]!, mayIn[id], true);
  return {
    mustIn: mustIn.map((s) => s ?? new Set()),
    mayIn,
    exitMust: mustIn[cfg.exit] ?? new Set(),
    exitMay: mayIn[cfg.exit],
    releasedUnheld,
    opsByNode,
  };
}

/** Locks surely held just before offset `at` (relative) inside CFG node `node`. */
export function heldAt(ls: Locksets, node: number, at: number): Set<string> {
  const held = new Set(ls.mustIn[node]);
  for (const op of ls.opsByNode.get(node) ?? []) {
    if (op.at >= at) break;
    if (op.op === 'acquire') held.add(op.lock);
    else held.delete(op.lock);
  }
  return held;
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
