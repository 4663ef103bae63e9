/**
 * AL206 data races: one finding per variable, with every racing access as a
 * related location and a verdict from what the racing code does with the
 * value. Harmful (warning): a value dereferenced or used as an index, a
 * pointer or connection state passed on or copied out, an unlocked
 * read-modify-write. Benign (information): config words written under a lock
 * and read plain, an owner field only ever compared with `current`, words
 * (connection words included) only compared or loaded whole.
 */
import { kids, operatorOf, SourceView, stripParens } from '../facts/ast';
import { expandOrigins, valueOrigins } from '../facts/flows';
import type { Ast } from '../facts/ast';
import type { Loc } from '../facts/types';
import type { AccessSite, GuardInfo } from '../model/guards';
import { isOwnerIdiom } from '../model/ownerIdiom';
import { peerArgs } from '../model/roles';
import { unguardedWritesOf } from './lockRules';
import { isPointerValued, useSiteOf } from '../model/valueUse';
import type { RuleContext } from './context';
import type { Finding, Severity } from './finding';

export interface RaceVerdict {
  verdict: 'benign' | 'harmful';
  reason: string;
}

const SELF_EXCLUSIVE = new Set(['kthread', 'rcu-callback', 'init', 'pernet']);

/** Can code in context a run at the same time as code in context b? */
function concurrent(a: string, b: string): boolean {
  if (a !== b) return !(a.startsWith('init:') && b.startsWith('init:'));
  return !SELF_EXCLUSIVE.has(a.split(':')[0]);
}

export function raceVerdict(ctx: RuleContext, g: GuardInfo, racing: AccessSite[]): RaceVerdict {
  const { model } = ctx;
  const root = g.variable.split('.')[0];
  const kind = model.file.globals.get(root)?.kind;
  if (g.ownerIdiom && racing.every((r) => !r.write)) {
    return {
      verdict: 'benign',
      reason: `${g.variable} only ever holds the owning task or NULL, and readers only compare it with current: a task that owns ${g.locks[0] ?? 'the lock'} sees its own pointer (nobody else can write it meanwhile), a task that does not can never see itself, and aligned pointer stores do not tear`,
    };
  }
  if (model.connection.has(root) && racing.every((r) => r.held.includes('rcu_read_lock')) && g.locks.length) {
    return {
      verdict: 'harmful',
      reason: `${g.variable} is auditd connection state written under ${g.locks.join(', ')} and read under rcu_read_lock() only, which excludes no writer (nothing publishes it with rcu_assign_pointer() or waits for readers): a reader can combine fields of the old and the new connection, or use a net the writer has just released`,
    };
  }
  if (racing.some((r) => r.write && r.read)) {
    return { verdict: 'harmful', reason: `an unlocked read-modify-write of ${g.variable} races with other writers, so updates can be lost` };
  }
  // What the racing reads do with the value decides: following or handing on a stale pointer or
  // connection is harmful; comparing, logging or copying a whole word is not.
  const conn = model.connection.has(root);
  const pointer = isPointerValued(model.file, g.variable) || kind === 'list';
  if (conn && racing.some((r) => r.write)) {
    return { verdict: 'harmful', reason: `${g.variable} is auditd connection state stored by contexts that share no lock: a reset in one can overwrite the registration another has just made (auditd disconnected while it runs), or a registration can outlive the reset of a dead auditd` };
  }
  // what each racing read does with the value matters only for pointers and connection state
  const reads = conn || pointer ? racing.filter((r) => r.read && !r.write).map((r) => ({ r, ...useSiteOf(model.file.source, r.start, r.end) })) : [];
  const followed = reads.find((x) => x.use === 'deref' || x.use === 'index');
  if (followed) {
    return { verdict: 'harmful', reason: `${followed.r.fn}() ${followed.use === 'index' ? 'indexes with' : 'dereferences'} the value it read: it can follow ${conn ? 'a connection' : 'a pointer'} another context has just replaced or freed` };
  }
  // a connection word matters where it picks the peer of a send; a pointer wherever it goes
  const sendsTo = (x: (typeof reads)[number]) => x.use === 'arg' && x.argIndex !== undefined && peerArgs(x.callee, model.peerParams).includes(x.argIndex);
  const handedOn = reads.find((x) => (pointer && (x.use === 'arg' || x.use === 'copy')) || (conn && sendsTo(x)));
  if (handedOn) {
    return {
      verdict: 'harmful',
      reason: conn
        ? `${g.variable} is auditd connection state that ${handedOn.r.fn}() ${sendsTo(handedOn) ? 'sends to' : handedOn.use === 'arg' ? 'passes on' : 'copies out'} without the lock its writers hold: it can send to or hold a connection another context has just reset (a stale port, a released socket or net)`
        : `${g.variable} is a pointer that ${handedOn.r.fn}() ${handedOn.use === 'arg' ? 'passes on' : 'copies out'} without the lock its writers hold: it can use an object another context has just replaced or freed`,
    };
  }
  if (kind === 'queue') return { verdict: 'harmful', reason: `${g.variable} is a queue accessed outside its lock` };
  if (conn && !pointer) {
    return {
      verdict: 'benign',
      reason: `${g.variable} is an auditd connection word that the racing reads only compare, log or copy whole (none picks where a record is sent): a reader sees the old or the new connection's value, either a valid answer at the moment of the read, and an aligned word does not tear`,
    };
  }
  if (pointer) {
    return { verdict: 'harmful', reason: `${g.variable} is a pointer read without the lock its writers hold: whatever the reader does next can act on an object another context has just replaced or freed` };
  }
  if (g.discipline === 'lock' && racing.every((r) => !r.write)) {
    return {
      verdict: 'benign',
      reason: `${g.variable} is a configuration word written under ${g.locks.join(', ')} and read plain: a reader sees the old or the new value, both valid, and an aligned word does not tear; READ_ONCE() documents the intent and silences KCSAN`,
    };
  }
  if (kind === 'scalar') {
    return {
      verdict: 'benign',
      reason: `${g.variable} is a word-sized value only loaded and stored whole: an aligned word does not tear, readers see an old or a new value${racing.some((r) => r.write) ? ' and concurrent stores leave the last writer\'s value' : ''}`,
    };
  }
  return { verdict: 'harmful', reason: `plain writes to ${g.variable} from concurrent contexts with no common lock` };
}

interface RaceGroup {
  /** What the finding is about: a variable, or a connection struct whose fields race together. */
  subject: string;
  guards: GuardInfo[];
}

export function dataRaces(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  const { model } = ctx;
  // The fields of one connection struct (v4.11's auditd_conn) race for one reason: one finding.
  const groups = new Map<string, RaceGroup>();
  for (const g of model.guards.values()) {
    const root = g.variable.split('.')[0];
    const key = g.variable.includes('.') && model.connection.has(root) && model.file.globals.get(root)?.kind === 'struct' ? root : g.variable;
    (groups.get(key) ?? groups.set(key, { subject: key, guards: [] }).get(key)!).guards.push(g);
  }
  for (const group of groups.values()) {
    const racingAll: AccessSite[] = [];
    const writesAll: AccessSite[] = [];
    let first: GuardInfo | undefined;
    for (const g0 of group.guards) {
      const g = withoutUnguardedWrites(ctx, g0);
      const r = racingAccesses(ctx, g);
      if (!r) continue;
      first ??= g;
      racingAll.push(...r.racing);
      writesAll.push(...r.writes);
    }
    if (!first || !racingAll.length) continue;
    racingAll.sort((x, y) => x.start - y.start);
    const subjectGuard: GuardInfo = group.guards.length > 1 ? { ...first, variable: group.subject } : first;
    const { verdict, reason } = raceVerdict(ctx, subjectGuard, racingAll);
    const severity: Severity = verdict === 'benign' ? 'information' : 'warning';
    const head = racingAll[0];
    const fieldNote = (a: AccessSite) => (group.guards.length > 1 ? ` of ${a.variable}` : '');
    const related = [
      ...racingAll.slice(1).map((a) => ctx.related(ctx.abs(a.start, a.end), `plain ${a.write ? 'write' : 'read'}${fieldNote(a)} in ${a.fn}()`)),
      ...writesAll.filter((w) => !racingAll.includes(w)).slice(0, 6).map((w) => ctx.related(ctx.abs(w.start, w.end), `write${fieldNote(w)} in ${w.fn}()${w.held.length ? ` holding ${w.held.join(', ')}` : ''}`)),
    ];
    const fix = verdict === 'benign' ? ' Mark the accesses with READ_ONCE()/WRITE_ONCE() to document it.' : '';
    out.push(ctx.finding('AL206', head.fn, ctx.abs(head.start, head.end),
      `Data race on ${group.subject} (${verdict}): ${racingAll.length} plain access${racingAll.length > 1 ? 'es' : ''} race${racingAll.length > 1 ? '' : 's'} with writes from other contexts; ${reason}.${fix}`,
      related, group.subject, severity));
  }
  return out;
}

/**
 * A write that lacks the lock its fellow writers hold is AL203's finding; the
 * race judged here is what the other accesses do, as if that write were fixed
 * (one finding per cause: an owner stored before the lock is taken is AL203,
 * and the owner idiom's reads stay benign).
 */
export function withoutUnguardedWrites(ctx: RuleContext, g: GuardInfo): GuardInfo {
  const u = unguardedWritesOf(ctx.model, g);
  if (!u || !u.without.length) return g;
  const flagged = new Set(u.without);
  const accesses = g.accesses.filter((a) => !flagged.has(a));
  // the guard the other writers keep, and the plain accesses outside it
  const locks = [u.lock];
  const live = accesses.filter((a) => !ctx.model.contexts.initOnly.has(a.fn));
  const exceptions = live.filter((a) => a.mode === 'plain' && !a.held.includes(u.lock));
  // the idiom is judged on every value stored (the misplaced store included)
  const writes = g.accesses.filter((a) => a.write && !ctx.model.contexts.initOnly.has(a.fn));
  const discipline = g.discipline === 'rcu' ? 'rcu' : 'lock';
  return { ...g, accesses, exceptions, locks, discipline, ownerIdiom: g.variable.includes('.') && isOwnerIdiom(ctx.model.file.source, writes, exceptions) };
}

/** The plain accesses of one variable that race with a write from a concurrent context, or undefined when it is not raced. */
function racingAccesses(ctx: RuleContext, g: GuardInfo): { racing: AccessSite[]; writes: AccessSite[] } | undefined {
  const { model } = ctx;
  if (g.discipline === 'atomic' || g.discipline === 'queue-internal' || g.discipline === 'init-only' || g.discipline === 'rcu') return undefined;
  const root = model.file.globals.get(g.variable.split('.')[0]);
  if (!root || root.kind === 'array' || root.kind === 'struct' && !g.variable.includes('.')) return undefined;
  const live = g.accesses.filter((a) => !model.contexts.initOnly.has(a.fn) && a.mode === 'plain');
  const writes = g.accesses.filter((a) => a.write && !model.contexts.initOnly.has(a.fn));
  if (!writes.length) return undefined;
  const unguarded = (a: AccessSite) => (g.discipline === 'lock' ? !g.locks.every((l) => a.held.includes(l)) : true);
  const racing = live.filter((a) => unguarded(a) && writes.some((w) => w !== a &&
    a.contexts.some((ca) => w.contexts.some((cw) => concurrent(ca, cw))) &&
    !a.held.some((l) => w.held.includes(l) && l !== 'rcu_read_lock')));
  return racing.length ? { racing, writes } : undefined;
}

/**
 * AL206 on a backlog queue's length: every enqueue and dequeue updates
 * `qlen` under the queue's own lock, and `skb_queue_len()` reads it plain.
 * A reader outside that lock, in a context that can run beside a writer, is a
 * data race (KCSAN reported it on the main queue in 2026; upstream now reads
 * with `skb_queue_len_lockless()`). One finding per queue, every racing
 * reader related. The value only feeds limit checks and status replies, so
 * the race is benign: a stale length admits or waits for one record more.
 */
/** Why a queue length read outside the queue's lock is benign (AL206 and KCSAN triage say the same). */
export const QUEUE_LENGTH_REASON = 'the length only feeds limit checks and status replies, so a stale value admits or waits for one record more, and an aligned word does not tear';

export function queueLengthRaces(ctx: RuleContext): Finding[] {
  const { model } = ctx;
  const out: Finding[] = [];
  for (const q of model.queues.values()) {
    const g = model.guards.get(q.name);
    if (!g) continue;
    const live = g.accesses.filter((a) => !model.contexts.initOnly.has(a.fn) && a.mode === 'queue');
    const writers = live.filter((a) => a.write);
    const ownLock = `${q.name}.lock`;
    const racing = live.filter((a) => a.api === 'skb_queue_len' && !a.held.includes(ownLock) &&
      writers.some((w) => a.contexts.some((ca) => w.contexts.some((cw) => concurrent(ca, cw)))));
    if (!racing.length) continue;
    const variable = `${q.name}.qlen`;
    const writerFns = [...new Set(writers.map((w) => w.fn))];
    const related = [
      ...racing.slice(1).map((a) => ctx.related(ctx.abs(a.start, a.end), `plain read through skb_queue_len() in ${a.fn}()`)),
      ...writers.filter((w, i) => writers.findIndex((x) => x.fn === w.fn) === i).slice(0, 4).map((w) => ctx.related(ctx.abs(w.start, w.end), `${w.fn}() updates the length through ${w.api}() under ${ownLock}`)),
    ];
    const first = racing[0];
    out.push(ctx.finding('AL206', first.fn, ctx.abs(first.start, first.end),
      `Data race on ${variable} (benign): ${racing.length} skb_queue_len() read${racing.length > 1 ? 's' : ''} outside ${ownLock} race${racing.length > 1 ? '' : 's'} with the enqueues and dequeues of ${writerFns.slice(0, 3).map((f) => `${f}()`).join(', ')}${writerFns.length > 3 ? ' and others' : ''}; ${QUEUE_LENGTH_REASON}. Read it with skb_queue_len_lockless() (READ_ONCE) to document it, as upstream does since 2026.`,
      related, variable, 'information'));
  }
  return out;
}

/**
 * AL206 (harmful) on an in-place write into an RCU-protected object: a local
 * that points into the object an RCU pointer publishes (`ac =
 * rcu_dereference(auditd_conn)`) written through (`ac->portid = ...`).
 * Readers under rcu_read_lock() read that object with no lock at all; an RCU
 * update must copy the object, change the copy and publish it with
 * rcu_assign_pointer(). One finding per function and pointer.
 */
export function rcuInPlaceWrites(ctx: RuleContext): Finding[] {
  const { model } = ctx;
  const rcuGlobals = new Set([...model.file.globals.values()].filter((g) => g.isRcu).map((g) => g.name));
  if (!rcuGlobals.size) return [];
  const out: Finding[] = [];
  for (const [fn, e] of model.file.functions) {
    if (model.contexts.initOnly.has(fn)) continue;
    const f = e.facts;
    // only a function that reads the pointer can hold a local pointing into its object
    if (!f.accesses.some((a) => rcuGlobals.has(a.variable))) continue;
    const origins = valueOrigins(f.flows);
    // the RCU pointer a local's value was read from, if any
    const pointsInto = (local: string): string | undefined => [...expandOrigins([local], origins)].find((x) => rcuGlobals.has(x) && !f.locals.includes(x));
    const src = new SourceView(model.file.source.text, e.base);
    const writes: { at: Loc; local: string; field: string; global: string }[] = [];
    for (const node of f.cfg.nodes) {
      if (!node.ast || node.kind === 'cond' || node.kind === 'switch') continue;
      inPlaceWrites(node.ast, src, (at, local, field) => {
        if (!f.locals.includes(local)) return;
        const g = pointsInto(local);
        if (g) writes.push({ at, local, field, global: g });
      });
    }
    const byGlobal = new Map<string, typeof writes>();
    for (const w of writes) (byGlobal.get(w.global) ?? byGlobal.set(w.global, []).get(w.global)!).push(w);
    for (const [g, list] of byGlobal) {
      const first = list[0];
      out.push(ctx.finding('AL206', fn, ctx.span(fn, first.at),
        `Data race on ${g} (harmful): ${fn}() writes ${first.local}->${first.field} in place inside the object ${g} publishes, while readers under rcu_read_lock() read it with no lock: they can see a half-updated connection. An RCU update copies the object, changes the copy and publishes it with rcu_assign_pointer().`,
        list.slice(1).map((w) => ctx.related(ctx.span(fn, w.at), `another in-place write (${w.local}->${w.field})`)), `${g}:in-place`, 'warning'));
    }
  }
  return out;
}

function inPlaceWrites(n: Ast, src: SourceView, cb: (at: Loc, local: string, field: string) => void): void {
  if (n.type === 'assignment_expression' || n.type === 'update_expression') {
    const target = stripParens(kids(n)[0] ?? n);
    if (target.type === 'field_expression' && operatorOf(target) === '->') {
      const [obj, field] = kids(target);
      if (obj && field && stripParens(obj).type === 'identifier') cb({ start: target.start, end: target.end }, src.of(stripParens(obj)), src.of(field));
    }
  }
  for (const c of kids(n)) if (c.type !== 'compound_statement') inPlaceWrites(c, src, cb);
}
