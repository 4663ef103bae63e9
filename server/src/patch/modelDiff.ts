/**
 * What a patch does to the queue model, in a reviewer's words: bounds gained
 * or lost, requeues that changed end, drains that became single-pass, errors
 * routed to another queue, hooks that now receive the error, roles that moved.
 */
import type { QueueModel } from '../model';

export interface ModelChange {
  file: string;
  fn?: string;
  message: string;
}

const BOUND_WORDS: Record<string, string> = {
  limit: 'bounded by the backlog limit',
  admission: 'bounded by admission control',
  'same-queue': 'bounded (it returns a record taken from the same queue)',
  none: 'unbounded',
};

export function modelChanges(pre: QueueModel, post: QueueModel, file: string): ModelChange[] {
  const out: ModelChange[] = [];
  const add = (message: string, fn?: string) => out.push({ file, fn, message });

  // enqueue bounds and ends, per function and queue
  const sites = (m: QueueModel) => {
    const map = new Map<string, { bound: string; ends: Set<string>; loose: boolean }>();
    for (const q of m.queues.values()) {
      for (const s of q.enqueues) {
        const k = `${s.fn}|${q.name}`;
        const cur = map.get(k) ?? { bound: s.bound, ends: new Set<string>(), loose: false };
        if (s.bound === 'none') cur.bound = 'none';
        if (s.loose) cur.loose = true;
        cur.ends.add(s.end);
        map.set(k, cur);
      }
    }
    return map;
  };
  const before = sites(pre);
  const after = sites(post);
  for (const [k, a] of after) {
    const [fn, queue] = k.split('|');
    const b = before.get(k);
    if (!b) {
      if (pre.file.functions.has(fn)) add(`${fn}() now puts records on ${queue} (${BOUND_WORDS[a.bound]})`, fn);
      continue;
    }
    if (b.bound !== a.bound && (b.bound === 'none' || a.bound === 'none')) add(`${fn}(): the enqueue to ${queue} is now ${BOUND_WORDS[a.bound]} (was ${BOUND_WORDS[b.bound]})`, fn);
    else if (a.bound === 'limit' && b.bound === 'limit' && a.loose !== b.loose) {
      add(a.loose
        ? `${fn}(): the limit check on ${queue} is now off by one (len <= limit): the queue can hold one record over the backlog limit`
        : `${fn}(): the limit check on ${queue} is now exact (len < limit): it no longer admits one record over the backlog limit`, fn);
    }
    const was = [...b.ends].sort().join('/');
    const now = [...a.ends].sort().join('/');
    if (was !== now) add(`${fn}() now puts records back at the ${now} of ${queue} (was the ${was})`, fn);
  }
  for (const [k] of before) {
    const [fn, queue] = k.split('|');
    if (!after.has(k) && post.file.functions.has(fn)) add(`${fn}() no longer puts records on ${queue}`, fn);
  }

  // drains: single pass, leaving the loop, routing
  for (const d of post.drains) {
    const old = pre.drains.find((x) => x.fn === d.fn && x.queue === d.queue);
    if (!old) continue;
    if (d.singlePass !== old.singlePass) {
      add(d.singlePass ? `${d.fn}(): the drain loop now makes a single pass (${d.singlePassWhy})` : `${d.fn}(): the drain loop no longer stops at a snapshot of the queue (it runs until the queue is empty)`, d.fn);
    }
    for (const s of d.sites) {
      const os = old.sites.find((x) => x.queue === s.queue && x.caller === s.caller);
      if (!os) continue;
      if (s.exitsOnFailure !== os.exitsOnFailure) {
        add(s.exitsOnFailure ? `${d.fn}(&${s.queue}) now leaves the loop after a failed send` : `${d.fn}(&${s.queue}) now keeps draining after a failed send`, d.fn);
      }
      for (const r of s.routes) {
        const or = os.routes.find((x) => x.error === r.error);
        if (!or) continue;
        const dest = (route: typeof r) => [...new Set(route.outcomes.filter((o) => o.queue).map((o) => o.queue!))].sort();
        const nowQ = dest(r);
        const wasQ = dest(or);
        if (nowQ.join() !== wasQ.join() && nowQ.length && wasQ.length) {
          add(`${r.error} from the drain of ${s.queue} now goes to ${nowQ.join(' or ')} instead of ${wasQ.join(' or ')}`, d.fn);
        }
      }
    }
  }

  // hooks that now receive the error, and roles
  for (const [fn, e] of post.file.functions) {
    const old = pre.file.functions.get(fn);
    if (!old) continue;
    if (e.facts.params.length > old.facts.params.length && post.graph.boundAt(fn).length) {
      add(`${fn}() now receives ${e.facts.params.slice(old.facts.params.length).map((p) => p.name).join(', ')}: the hook can tell why the send failed`, fn);
    }
    const was = (pre.roles.get(fn) ?? []).join(', ');
    const now = (post.roles.get(fn) ?? []).join(', ');
    if (was !== now) add(`${fn}(): roles ${was || 'none'} → ${now || 'none'}`, fn);
  }
  for (const fn of post.file.functions.keys()) if (!pre.file.functions.has(fn) && !fn.startsWith('__auditlens')) add(`${fn}() is new (${(post.roles.get(fn) ?? []).join(', ')})`, fn);
  for (const fn of pre.file.functions.keys()) if (!post.file.functions.has(fn) && !fn.startsWith('__auditlens')) add(`${fn}() is removed`, fn);
  return out;
}
