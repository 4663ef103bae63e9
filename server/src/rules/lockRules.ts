/**
 * Locking and RCU rules: dereference outside the read side (AL201), plain
 * access to an `__rcu` pointer (AL202), unguarded writes (AL203), lock
 * imbalance (AL204) and sleeping in atomic context (AL205).
 */
import { heldAt } from '../model/locksets';
import type { AccessSite, GuardInfo } from '../model/guards';
import type { RuleContext } from './context';
import type { Finding } from './finding';

const CHECKED_DEREF = /^rcu_dereference(_bh|_sched)?$/;

export function rcuDerefOutsideReadSide(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  for (const g of ctx.model.guards.values()) {
    if (g.discipline !== 'rcu') continue;
    for (const a of g.accesses) {
      if (a.mode !== 'rcu' || !a.read || ctx.model.contexts.initOnly.has(a.fn)) continue;
      if (a.api && CHECKED_DEREF.test(a.api) && !a.held.includes('rcu_read_lock')) {
        out.push(ctx.finding('AL201', a.fn, ctx.abs(a.start, a.end),
          `${a.fn}() calls ${a.api}(${g.variable}) outside rcu_read_lock(): the connection it returns can be freed by call_rcu() at any moment, so using it is a use-after-free.`,
          [], `${g.variable}:${a.api}`));
      } else if (a.protectedBy && !a.held.includes(a.protectedBy)) {
        out.push(ctx.finding('AL201', a.fn, ctx.abs(a.start, a.end),
          `${a.fn}() claims ${a.protectedBy} protects ${g.variable} (lockdep_is_held) but does not hold it here: a concurrent writer can replace and free the pointer.`,
          [], `${g.variable}:${a.protectedBy}`));
      }
    }
  }
  return out;
}

export function rcuPlainAccess(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  for (const g of ctx.model.guards.values()) {
    if (g.discipline !== 'rcu') continue;
    const byFn = new Map<string, AccessSite[]>();
    for (const a of g.accesses) if (a.mode === 'plain') (byFn.get(a.fn) ?? byFn.set(a.fn, []).get(a.fn)!).push(a);
    for (const [fn, list] of byFn) {
      const first = list[0];
      out.push(ctx.finding('AL202', fn, ctx.abs(first.start, first.end),
        `${fn}() ${first.write ? 'writes' : 'reads'} the __rcu pointer ${g.variable} without the RCU accessors: use rcu_dereference()/rcu_assign_pointer() so readers never see a half-initialised connection and sparse/lockdep can check it.`,
        list.slice(1).map((a) => ctx.related(ctx.abs(a.start, a.end), `another plain ${a.write ? 'write' : 'read'} here`)), `${g.variable}`));
    }
  }
  return out;
}

/**
 * The writes of a variable that lack its guarding lock, when its writers share
 * no lock: the lock most writers hold (taken by the writer itself before one
 * its callers hold) and the writes without it. A lock every write holds
 * serialises the writers; other locks some happen to hold guard nothing here.
 */
export function unguardedWritesOf(model: RuleContext['model'], g: GuardInfo): { lock: string; writes: AccessSite[]; without: AccessSite[] } | undefined {
  if (g.discipline === 'atomic' || g.discipline === 'queue-internal') return undefined;
  // WRITE_ONCE() marks a race as intended, and rcu_assign_pointer() publishes safely to readers;
  // neither takes the lock the other writers hold to serialise among themselves
  const writes = g.accesses.filter((a) => a.write && (a.mode === 'plain' || a.mode === 'marked' || (g.discipline === 'rcu' && a.mode === 'rcu')) && !model.contexts.initOnly.has(a.fn));
  const candidates = [...new Set(writes.flatMap((w) => w.held).filter((l) => l !== 'rcu_read_lock'))];
  if (!candidates.length || candidates.some((l) => writes.every((w) => w.held.includes(l)))) return undefined;
  const score = (l: string) => writes.filter((w) => w.held.includes(l)).length * 2 + (writes.some((w) => w.held.includes(l) && !model.entryLocks.get(w.fn)?.has(l)) ? 1 : 0);
  const lock = candidates.sort((a, b) => score(b) - score(a) || a.localeCompare(b))[0];
  return { lock, writes, without: writes.filter((w) => !w.held.includes(lock)) };
}

export function unguardedWrite(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  const { model } = ctx;
  for (const g of model.guards.values()) {
    const u = unguardedWritesOf(model, g);
    if (!u) continue;
    const { lock, writes } = u;
    {
      const withLock = writes.filter((w) => w.held.includes(lock));
      const without = writes.filter((w) => !w.held.includes(lock));
      const byFn = new Map<string, AccessSite[]>();
      for (const w of without) (byFn.get(w.fn) ?? byFn.set(w.fn, []).get(w.fn)!).push(w);
      for (const [fn, list] of byFn) {
        out.push(ctx.finding('AL203', fn, ctx.abs(list[0].start, list[0].end),
          `${fn}() writes ${g.variable} without ${lock}, which its other writers hold: the write can interleave with theirs and leave ${g.variable} inconsistent with the state the lock protects.`,
          [...withLock.slice(0, 4).map((w) => ctx.related(ctx.abs(w.start, w.end), `${w.fn}() writes it holding ${lock}`)), ...list.slice(1).map((w) => ctx.related(ctx.abs(w.start, w.end), 'another unguarded write'))],
          `${g.variable}:${lock}`));
      }
    }
  }
  return out;
}

export function lockImbalance(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  const { model } = ctx;
  // (function, lock) pairs left mixed at exit; a caller mixed only because it calls one of them is the same cause
  const mixed = new Set<string>();
  for (const [fn, s] of model.summaries) for (const l of s.locksets.exitMay) if (!s.locksets.exitMust.has(l)) mixed.add(`${fn}|${l}`);
  for (const [fn, s] of model.summaries) {
    const e = ctx.fn(fn);
    const ls = s.locksets;
    const acquired = new Set(e.facts.lockOps.filter((o) => o.op === 'acquire').map((o) => o.lock));
    const entry = model.entryLocks.get(fn) ?? new Set<string>();
    for (const lock of ls.exitMay) {
      if (ls.exitMust.has(lock)) continue; // a lock wrapper returns holding it on every path
      if (e.facts.calls.some((c) => c.callee && c.callee !== fn && mixed.has(`${c.callee}|${lock}`)) && !acquired.has(lock)) continue;
      const acq = e.facts.lockOps.find((o) => o.op === 'acquire' && o.lock === lock);
      const callerHeld = entry.has(lock);
      // paths that end without the lock (drop not retaken) or with it (taken, not released)
      const odd = e.facts.cfg.nodes.filter((n) => n.kind === 'return' && n.ast && (callerHeld ? !ls.mustIn[n.id].has(lock) || !ls.mayIn[n.id].has(lock) : ls.mayIn[n.id].has(lock)));
      out.push(ctx.finding('AL204', fn, acq ? ctx.span(fn, acq.at) : e.symbol.nameSpan,
        callerHeld
          ? `${fn}() drops ${lock}, which its callers hold, and returns on some paths without taking it back: the caller goes on unprotected and its own unlock then releases a lock it no longer holds.`
          : `${fn}() returns with ${lock} still held on some paths and released on others: the next taker deadlocks${lock === 'rcu_read_lock' ? ' (or the RCU grace period never ends)' : ''}.`,
        odd.map((n) => ctx.related(ctx.span(fn, n.ast!), callerHeld ? `${lock} may not be held at this return` : `${lock} may still be held at this return`)), `${lock}:held`));
    }
    for (const lock of ls.releasedUnheld) {
      if (!acquired.has(lock)) continue; // an unlock wrapper releases what its caller took
      const rel = e.facts.lockOps.filter((o) => o.op === 'release' && o.lock === lock);
      const second = rel[rel.length - 1];
      out.push(ctx.finding('AL204', fn, second ? ctx.span(fn, second.at) : e.symbol.nameSpan,
        `${fn}() releases ${lock} on a path where it no longer holds it: a double unlock corrupts the lock state.`, [], `${lock}:double`));
    }
  }
  return out;
}

export function sleepInAtomic(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  const { model } = ctx;
  const atomicLocks = new Set<string>(['rcu_read_lock']);
  for (const e of model.file.functions.values()) for (const o of e.facts.lockOps) if (o.kind === 'spin' || o.kind === 'rcu' || o.kind === 'rwlock') atomicLocks.add(o.lock);
  for (const g of model.file.globals.values()) if (g.kind === 'spinlock') atomicLocks.add(g.name);
  for (const [fn, e] of model.file.functions) {
    const s = model.summaries.get(fn)!;
    const entry = model.entryLocks.get(fn) ?? new Set<string>();
    const check = (node: number, at: number, end: number, what: string) => {
      const held = [...entry, ...heldAt(s.locksets, node, at)].filter((l) => atomicLocks.has(l));
      if (!held.length) return;
      const lock = held[held.length - 1];
      out.push(ctx.finding('AL205', fn, ctx.span(fn, { start: at, end }),
        `${fn}() ${what} while holding ${lock === 'rcu_read_lock' ? 'the RCU read lock' : `the spinlock ${lock}`}: sleeping in atomic context can deadlock the CPU${lock === 'rcu_read_lock' ? ' or stall RCU grace periods' : ''} ("scheduling while atomic").`,
        [], `${lock}:${what}`));
    };
    for (const sl of e.facts.sleeps) check(sl.node, sl.at.start, sl.at.end, sl.reason.replace(/^\w+\(\)/, (m) => `calls ${m}, which`).replace(/ may sleep/, ' may sleep'));
    for (const c of e.facts.calls) {
      const cs = c.callee ? model.summaries.get(c.callee) : undefined;
      if (cs?.sleeps) check(c.node, c.at.start, c.at.end, `calls ${c.callee}(), which may sleep (${cs.sleeps.path.join(' → ')}: ${cs.sleeps.reason})`);
    }
  }
  return out;
}
