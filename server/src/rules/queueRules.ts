/**
 * Queue rules on the model: unbounded enqueues (AQ101), requeues that break
 * order or livelock a drain (AQ102/AQ103), transient errors routed to hold
 * (AQ104) and the consumer's flush order (AQ106).
 */
import { predecessors } from '../facts/cfg';
import type { CallFact } from '../facts/types';
import type { DrainInfo, DrainSite } from '../model/drains';
import { errorHookCalls } from '../model/drains';
import { instantiate } from '../model/summaries';
import type { RuleContext } from './context';
import type { Finding, RelatedLocation } from './finding';

const ROLE_WORD: Record<string, string> = { main: 'main backlog queue', retry: 'retry queue', hold: 'hold queue', other: 'backlog queue' };

export function unboundedEnqueue(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  const { model } = ctx;
  for (const q of model.queues.values()) {
    for (const s of q.enqueues) {
      if (s.bound !== 'none') continue;
      const span = ctx.lineSpan(s.site);
      const related: RelatedLocation[] = [];
      for (const b of model.graph.boundAt(s.fn)) {
        related.push(ctx.related(ctx.span(b.caller, b.call.at), `${s.fn}() is bound as ${b.param} of ${b.callee}() here`));
      }
      const g = model.file.globals.get(q.name);
      if (g) related.push(ctx.related(g.nameSpan, `${q.name} is declared here`));
      const consequence = q.role === 'retry'
        ? 'while auditd is connected but not reading, every failed send lands here, so the queue grows without limit and pins kernel memory'
        : q.role === 'hold'
          ? 'while no auditd is connected, every record is kept here, so the queue grows without limit'
          : 'nothing stops producers from growing the queue without limit';
      out.push(ctx.finding('AQ101', s.fn, span,
        `${s.fn}() appends to ${q.name} (${ROLE_WORD[q.role]}) with no audit_backlog_limit check on the path: ${consequence}.`,
        related, `${q.name}:${s.end}`));
    }
  }
  return out;
}

interface Requeue {
  hook: string;
  site: number;
  end: 'head' | 'tail';
}

/** Enqueues into the drained queue that a failure at this drain site can cause. */
function requeuesAt(ctx: RuleContext, drain: DrainInfo, site: DrainSite): { requeue: Requeue; hookCall: CallFact }[] {
  const { model } = ctx;
  const f = ctx.fn(drain.fn).facts;
  const out: { requeue: Requeue; hookCall: CallFact }[] = [];
  for (const { call } of errorHookCalls(drain, f)) {
    const binding = site.hooks.find((h) => h.paramIndex === call.viaParam!.index);
    for (const hook of binding?.fns ?? []) {
      const hs = model.summaries.get(hook);
      if (!hs) continue;
      for (const e of instantiate(hs, { ...call, callee: hook }, model.file)) {
        if (e.queue !== site.queue) continue;
        if (!out.some((o) => o.requeue.site === e.site)) out.push({ requeue: { hook: e.path[e.path.length - 1], site: e.site, end: e.end }, hookCall: call });
      }
    }
  }
  return out;
}

export function requeueRules(ctx: RuleContext): Finding[] {
  const byKey = new Map<string, Finding>();
  const add = (f: Finding) => {
    const prev = byKey.get(f.anchor);
    if (prev) prev.related.push(...f.related.filter((r) => !prev.related.some((p) => p.span.start === r.span.start)));
    else byKey.set(f.anchor, f);
  };
  for (const drain of ctx.model.drains) {
    for (const site of drain.sites) {
      if (!site.queue) continue;
      for (const { requeue, hookCall } of requeuesAt(ctx, drain, site)) {
        const related = [
          ctx.related(ctx.span(drain.fn, drain.loop.at), `${drain.fn}() drains ${site.queue} in this loop (${drain.singlePass ? 'single pass' : 'until the queue is empty'})`),
          ctx.related(ctx.span(site.caller, site.call.at), `${requeue.hook}() is bound to the drain of ${site.queue} here`),
          ctx.related(ctx.span(drain.fn, hookCall.at), `a failed send calls the hook here`),
        ];
        const span = ctx.lineSpan(requeue.site);
        const continues = !site.exitsOnFailure;
        if (continues && (!drain.singlePass || requeue.end === 'head')) {
          const why = requeue.end === 'head'
            ? `puts the failed record back at the head of ${site.queue}, the queue ${drain.fn}() is draining, and the loop keeps going after a failure: the same record is dequeued and fails again at once`
            : `puts the failed record back on ${site.queue}, the queue ${drain.fn}() is draining until empty, and the loop keeps going after a failure: records rotate through the queue for as long as sends fail`;
          add(ctx.finding('AQ103', requeue.hook, span, `${requeue.hook}() ${why}; kauditd spins (soft lockup) while auditd is stopped.`, related, `${site.queue}:${requeue.end}`));
        } else if (!continues) {
          // at the head, with the loop left at once, the record is the next one sent: order holds (information only)
          const why = requeue.end === 'head'
            ? `puts the failed record back at the head of ${site.queue} while ${drain.fn}() is draining it; order holds, because the loop is left right after the failure and the record is the next one sent, but a drain changed to keep going would dequeue the same record again at once and spin (AQ103)`
            : `puts the failed record at the tail of ${site.queue} and the drain stops after the failure, so the record now sits behind newer records and reaches auditd out of order`;
          add(ctx.finding('AQ102', requeue.hook, span, `${requeue.hook}() ${why}.`, related, `${site.queue}:${requeue.end}`, requeue.end === 'head' ? 'information' : undefined));
        }
      }
    }
    if (drain.queue) for (const f of inlineRequeues(ctx, drain)) add(f);
  }
  return [...byKey.values()];
}

/**
 * Drains written inline (v4.9's flush_hold_queue, v4.10's consumer loops): a failed record
 * put back on the queue being drained, directly (`skb_queue_head(&Q, skb)` of the record
 * just dequeued) or by a function handed the record (`audit_hold_skb(skb)`).
 */
function inlineRequeues(ctx: RuleContext, drain: DrainInfo): Finding[] {
  const q = ctx.model.queues.get(drain.queue!);
  if (!q) return [];
  const e = ctx.fn(drain.fn);
  const f = e.facts;
  const inLoop = (at: number) => at >= drain.loop.at.start && at <= drain.loop.at.end;
  const records = new Set(f.calls.filter((c) => c.callee && /dequeue/.test(c.callee) && c.resultVar && inLoop(c.at.start)).map((c) => c.resultVar!));
  const requeues: { fn: string; site: number; end: 'head' | 'tail'; at: number }[] = [];
  for (const s of q.enqueues) {
    if (s.fn === drain.fn && s.bound === 'same-queue' && inLoop(s.site - e.base)) requeues.push({ fn: s.fn, site: s.site, end: s.end, at: s.site - e.base });
  }
  for (const c of f.calls) {
    if (!c.callee || !inLoop(c.at.start)) continue;
    const cs = ctx.model.summaries.get(c.callee);
    if (!cs) continue;
    const recordArg = c.args.findIndex((a) => !!a.name && records.has(a.name));
    if (recordArg < 0) continue;
    for (const x of instantiate(cs, c, ctx.model.file)) {
      const viaRecord = cs.enqueues.find((y) => y.site === x.site)?.recordParam === recordArg;
      if (x.queue !== q.name || !viaRecord || requeues.some((r) => r.site === x.site)) continue;
      requeues.push({ fn: x.path[x.path.length - 1], site: x.site, end: x.end, at: c.at.start });
    }
  }
  const out: Finding[] = [];
  for (const r of requeues) {
    const exits = loopExitsAfter(ctx, drain, r.at);
    const related = [ctx.related(ctx.span(drain.fn, drain.loop.at), `${drain.fn}() drains ${q.name} in this loop`)];
    if (r.fn !== drain.fn) related.push(ctx.related(ctx.span(drain.fn, { start: r.at, end: r.at + 1 }), `the failed record is handed to ${r.fn}() here`));
    const span = ctx.lineSpan(r.site);
    if (!exits && (!drain.singlePass || r.end === 'head')) {
      out.push(ctx.finding('AQ103', r.fn, span, `${r.fn}() puts a failed record back on ${q.name} inside the loop of ${drain.fn}() that drains it, and nothing stops the loop after the failure: kauditd spins while sends fail.`, related, `${q.name}:${r.end}:inline`));
    } else if (exits) {
      out.push(ctx.finding('AQ102', r.fn, span, r.end === 'head'
        ? `${r.fn}() puts a failed record back at the head of ${q.name} while ${drain.fn}() drains it; order holds, because the loop stops right after the failure and the record is the next one sent, but a drain changed to keep going would dequeue the same record again at once and spin (AQ103).`
        : `${r.fn}() puts a failed record at the tail of ${q.name} and ${drain.fn}() stops draining, so the record now sits behind newer records and reaches auditd out of order.`,
      related, `${q.name}:${r.end}:inline`, r.end === 'head' ? 'information' : undefined));
    }
  }
  return out;
}

/** After the requeue at `rel`, does every path to the loop head clear a flag the loop condition needs? */
function loopExitsAfter(ctx: RuleContext, drain: DrainInfo, rel: number): boolean {
  const f = ctx.fn(drain.fn).facts;
  const cfg = f.cfg;
  const head = cfg.nodes[drain.loop.head];
  const needs = [...(head.succ.find((x) => x.branch === true) ? f.atoms[head.succ.find((x) => x.branch === true)!.to] : [])]
    .filter((a) => a.startsWith('true:')).map((a) => a.slice(5));
  if (!needs.length) return false;
  const start = cfg.nodes.find((n) => n.ast && n.ast.start <= rel && n.ast.end > rel && n.kind === 'stmt');
  if (!start) return false;
  const src = ctx.source.text;
  const base = ctx.fn(drain.fn).base;
  const storesZero = (v: string) => new RegExp(`\\b${v.replace(/[.>-]/g, '\\$&')}\\s*=\\s*(0|NULL|false)\\b`);
  // functions that (transitively) store 0/NULL into a flag the loop needs: v4.9's sender resets audit_pid
  const clearingFns = new Set<string>();
  for (const [name, fe] of ctx.model.file.functions) {
    const body = src.slice(fe.symbol.bodySpan.start, fe.symbol.bodySpan.end);
    if (needs.some((v) => ctx.model.file.globals.has(v) && storesZero(v).test(body))) clearingFns.add(name);
  }
  const clears = (id: number) => {
    const a = cfg.nodes[id].ast;
    if (!a) return false;
    const t = src.slice(base + a.start, base + a.end);
    if (needs.some((v) => storesZero(v).test(t))) return true;
    return f.calls.some((c) => c.node === id && c.callee && [...ctx.model.graph.reachable(c.callee)].some((r) => clearingFns.has(r)));
  };
  // every path from the requeue back to the head, or from the head to the requeue, clears the flag
  const allPathsClear = (from: number, next: (id: number) => number[]): boolean => {
    const seen = new Set<number>();
    const stack = [from];
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      if (clears(id)) continue;
      if (id === drain.loop.head && id !== from) return false;
      for (const n of next(id)) stack.push(n);
    }
    return true;
  };
  const preds = predecessors(cfg);
  return allPathsClear(start.id, (id) => cfg.nodes[id].succ.map((e) => e.to)) || allPathsClear(start.id, (id) => preds[id]);
}

export function transientToHold(ctx: RuleContext): Finding[] {
  const { model } = ctx;
  const byKey = new Map<string, Finding>();
  // with a blocking send there is no transient failure to misroute
  if (model.transient.eagain === 'no') return [];
  const assumed = model.transient.eagain === 'unknown' ? ` (Assumed: ${model.transient.why}; with the default blocking timeout no send fails with -EAGAIN.)` : '';
  for (const drain of model.drains) {
    const f = ctx.fn(drain.fn).facts;
    for (const site of drain.sites) {
      const q = site.queue ? model.queues.get(site.queue) : undefined;
      if (!q || q.role === 'hold') continue;
      const route = site.routes.find((r) => r.error === '-EAGAIN');
      if (!route) continue;
      for (const o of route.outcomes) {
        if (o.dropped || !o.queue || model.queues.get(o.queue)?.role !== 'hold') continue;
        const hookFacts = ctx.fn(o.hook).facts;
        const enq = model.queues.get(o.queue)!.enqueues.find((s) => s.fn === o.hook) ??
          model.summaries.get(o.hook)!.enqueues.find((e) => e.queue === o.queue);
        if (!enq) continue;
        const takesError = hookFacts.params.length > 1;
        const hookCall = errorHookCalls(drain, f).find((h) => !h.noSocket)?.call;
        const related = [
          ctx.related(ctx.span(site.caller, site.call.at), `${o.hook}() is bound as the error hook of the drain of ${q.name} here`),
          ...(hookCall ? [ctx.related(ctx.span(drain.fn, hookCall.at), `${drain.fn}() passes a failed send to the hook here`)] : []),
        ];
        const msg = takesError
          ? `${o.hook}() sends a record that failed with -EAGAIN from ${q.name} to ${o.queue}: a transient failure (auditd slow or stopped) is treated as auditd gone, so the record waits for a new auditd instead of being retried.`
          : `${o.hook}() takes no error code, so every failure from ${q.name}, transient -EAGAIN included, lands on ${o.queue}: records that only needed a retry wait for a new auditd instead.`;
        const timeout = model.transient.at !== undefined ? [ctx.related(ctx.lineSpan(model.transient.at), 'this is what lets a send fail with -EAGAIN')] : [];
        const key = `AQ104|${o.hook}|${o.queue}`;
        const prev = byKey.get(key);
        if (prev) prev.related.push(...related);
        else byKey.set(key, ctx.finding('AQ104', o.hook, ctx.lineSpan(enq.site), msg + assumed, [...related, ...timeout], `${o.queue}`));
      }
    }
  }
  return [...byKey.values()];
}

export function flushOrder(ctx: RuleContext): Finding[] {
  const { model } = ctx;
  const consumer = model.consumer;
  if (!consumer) return [];
  const e = ctx.fn(consumer);
  const rank: Record<string, number> = { hold: 0, retry: 1, main: 2 };
  const events: { at: number; queue: string; span: { start: number; end: number } }[] = [];
  for (const d of model.drains) {
    for (const s of d.sites) if (s.caller === consumer && s.queue) events.push({ at: s.site, queue: s.queue, span: s.call.at });
    // an inline drain counts where it takes records off its queue (v4.9's loop also calls the hold flush)
    if (d.fn === consumer && d.queue) events.push({ at: d.dequeueAt, queue: d.queue, span: { start: d.dequeueAt - e.base, end: d.dequeueAt - e.base + 1 } });
  }
  // calls to functions that drain one global queue (v4.9's flush_hold_queue())
  for (const c of e.facts.calls) {
    const d = model.drains.find((x) => x.fn === c.callee && x.queue);
    if (d) events.push({ at: e.base + c.at.start, queue: d.queue!, span: c.at });
  }
  events.sort((a, b) => a.at - b.at);
  const out: Finding[] = [];
  let maxRank = -1;
  let maxEvent: (typeof events)[number] | undefined;
  for (const ev of events) {
    const r = rank[model.queues.get(ev.queue)?.role ?? ''];
    if (r === undefined) continue;
    if (r < maxRank && maxEvent) {
      out.push(ctx.finding('AQ106', consumer, ctx.span(consumer, ev.span),
        `${consumer}() drains ${ev.queue} after ${maxEvent.queue}: records waiting in ${ev.queue} are older than those just sent from ${maxEvent.queue}, so auditd receives them out of order (the order must be hold, retry, main).`,
        [ctx.related(ctx.span(consumer, maxEvent.span), `${maxEvent.queue} is drained first here`)], `${ev.queue}<${maxEvent.queue}`));
    }
    if (r > maxRank) { maxRank = r; maxEvent = ev; }
  }
  return out;
}
