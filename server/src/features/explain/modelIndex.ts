/**
 * Lookups the explanations need, built once per queue model (lazily, on the
 * first hover) so that each hover only reads maps: who binds a hook, which
 * drain site a call is, what a lock guards and who takes it, how an error code
 * is routed, who sleeps on each wait queue.
 */
import type { QueueModel } from '../../model';
import type { HookBinding } from '../../model/callgraph';
import type { ExecContext } from '../../model/contexts';
import type { DrainInfo, DrainSite, Route } from '../../model/drains';
import type { GuardInfo } from '../../model/guards';
import type { CallFact } from '../../facts/types';

/** Where a lock is taken: directly (`mutex_lock`) or through a wrapper of the file that returns holding it. */
export interface LockTake {
  fn: string;
  /** Absolute offset of the lock call or the wrapper call. */
  at: number;
  api: string;
  /** The file's wrapper called, when taken through one (`audit_ctl_lock`). */
  via?: string;
}

export interface RoutedError {
  drain: DrainInfo;
  site: DrainSite;
  route: Route;
}

export interface ModelIndex {
  contextById: Map<string, ExecContext>;
  /** Function -> hook bindings that pass it (as `err_hook`, `skb_hook`...). */
  bindingsOf: Map<string, HookBinding[]>;
  drainsOf: Map<string, DrainInfo[]>;
  /** Drain call site by its call fact (to name the queue a binding's call passes). */
  drainSiteOfCall: Map<CallFact, DrainSite>;
  /** Function -> the drain calls it makes, in source order (the flush order). */
  drainCallsOf: Map<string, { drain: DrainInfo; site: DrainSite }[]>;
  /** Lock -> variables whose writes hold it (GuardInfo.locks). */
  guardedBy: Map<string, GuardInfo[]>;
  /** Lock -> where it is taken. */
  takes: Map<string, LockTake[]>;
  /** Lock -> functions every caller of which holds it. */
  heldOnEntry: Map<string, string[]>;
  /** Global -> lock names rooted at it (`audit_cmd_mutex` -> `audit_cmd_mutex.lock`). */
  locksOfGlobal: Map<string, string[]>;
  /** Global -> guarded field paths (`audit_cmd_mutex` -> `audit_cmd_mutex.owner`). */
  fieldsOf: Map<string, GuardInfo[]>;
  /** Errno name without sign (`EAGAIN`) -> drain routes that mention it. */
  routesOf: Map<string, RoutedError[]>;
  /** Wait queue -> functions that sleep on it (`wait_event*`, `add_wait_queue*`, `prepare_to_wait*`). */
  sleepersOn: Map<string, string[]>;
  /** Functions the consumer thread runs (its wake-up queue is the one it sleeps on itself). */
  consumerReach: Set<string>;
}

/** Joining or waiting on a wait queue, as `model/backlogWait.ts` reads it. */
const SLEEPS_ON = /^(wait_event\w*|___wait_event|add_wait_queue(_exclusive)?|prepare_to_wait\w*)$/;

const cache = new WeakMap<QueueModel, ModelIndex>();

export function indexOf(model: QueueModel): ModelIndex {
  let index = cache.get(model);
  if (!index) {
    index = buildIndex(model);
    cache.set(model, index);
  }
  return index;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** `audit_cmd_mutex.lock` -> `audit_cmd_mutex`. */
export function rootOf(path: string): string {
  return path.split(/\.|->/)[0];
}

function buildIndex(model: QueueModel): ModelIndex {
  const { file, graph, summaries } = model;
  const index: ModelIndex = {
    contextById: new Map(model.contexts.all.map((c) => [c.id, c])),
    bindingsOf: new Map(),
    drainsOf: new Map(),
    drainSiteOfCall: new Map(),
    drainCallsOf: new Map(),
    guardedBy: new Map(),
    takes: new Map(),
    heldOnEntry: new Map(),
    locksOfGlobal: new Map(),
    fieldsOf: new Map(),
    routesOf: new Map(),
    sleepersOn: new Map(),
    consumerReach: model.consumer ? graph.reachable(model.consumer) : new Set(),
  };

  for (const b of graph.bindings) for (const fn of b.fns) push(index.bindingsOf, fn, b);

  for (const d of model.drains) {
    push(index.drainsOf, d.fn, d);
    for (const s of d.sites) {
      index.drainSiteOfCall.set(s.call, s);
      push(index.drainCallsOf, s.caller, { drain: d, site: s });
      for (const route of s.routes) {
        const m = /^-?(E[A-Z0-9]+)/.exec(route.error);
        if (m) push(index.routesOf, m[1], { drain: d, site: s, route });
      }
    }
  }

  for (const g of model.guards.values()) {
    for (const l of g.locks) push(index.guardedBy, l, g);
    if (g.kind === 'field') push(index.fieldsOf, rootOf(g.variable), g);
  }

  const lockNames = new Set<string>();
  for (const [fn, e] of file.functions) {
    for (const op of e.facts.lockOps) {
      lockNames.add(op.lock);
      if (op.op === 'acquire') push(index.takes, op.lock, { fn, at: e.base + op.at.start, api: op.api });
    }
    for (const call of e.facts.calls) {
      const w = call.callee && SLEEPS_ON.test(call.callee) ? call.args[0] : undefined;
      if (w?.name && file.globals.get(w.name)?.kind === 'waitqueue' && !index.sleepersOn.get(w.name)?.includes(fn)) push(index.sleepersOn, w.name, fn);
      const acquires = call.callee ? summaries.get(call.callee)?.locks.acquires : undefined;
      for (const lock of acquires ?? []) push(index.takes, lock, { fn, at: e.base + call.at.start, api: call.callee!, via: call.callee });
    }
  }
  for (const [fn, held] of model.entryLocks) for (const lock of held) push(index.heldOnEntry, lock, fn);
  for (const calls of index.drainCallsOf.values()) calls.sort((a, b) => a.site.site - b.site.site);
  for (const lock of lockNames) if (lock !== rootOf(lock)) push(index.locksOfGlobal, rootOf(lock), lock);
  return index;
}
