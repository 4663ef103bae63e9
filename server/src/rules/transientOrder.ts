/**
 * AQ109, order broken across one transient failure: a drain that keeps going
 * after a send fails with -EAGAIN, with its socket cleared, routes the failed
 * record one way (the error hook keeps -EAGAIN records for retry) and every
 * record behind it another (the same hook, called with a fatal errno on the
 * no-socket path, holds them). When the consumer flushes the second queue
 * before the first, the records behind the failed one reach auditd before it.
 * Found on the drain's routes, not on names: the -EAGAIN route and the
 * no-socket route of the same drain site, and the flush order the design
 * fixes (hold, retry, main).
 */
import type { DrainInfo, DrainSite } from '../model/drains';
import { drainSend, errorHookCalls } from '../model/drains';
import type { RuleContext } from './context';
import type { Finding } from './finding';

/** The order the consumer flushes the queues in (AQ106 reports a consumer that does otherwise). */
const FLUSH_RANK: Record<string, number> = { hold: 0, retry: 1, main: 2 };

export function orderAcrossTransientFailure(ctx: RuleContext): Finding[] {
  const { model } = ctx;
  // a send that blocks never fails with -EAGAIN: there is no transient failure to reorder around
  if (model.transient.eagain === 'no') return [];
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const drain of model.drains) {
    const f = ctx.fn(drain.fn).facts;
    const cleared = socketClearedInLoop(ctx, drain);
    if (!cleared) continue;
    const noSocketCall = errorHookCalls(drain, f).find((h) => h.noSocket)?.call;
    if (!noSocketCall) continue;
    for (const site of drain.sites) {
      if (site.exitsOnFailure || !site.queue) continue;
      const transient = site.routes.find((r) => r.error === '-EAGAIN');
      // the records behind meet the error that cleared the socket, when the drain passes it on
      const behind = site.routes.find((r) => r.error === '-EAGAIN (no socket)') ?? site.routes.find((r) => r.error.endsWith('(no socket)'));
      if (!transient || !behind) continue;
      const rank = (q: string | undefined) => (q ? FLUSH_RANK[model.queues.get(q)?.role ?? ''] : undefined);
      // `sk ? retry_hook : hold_hook` chosen when the drain was called: a pass that sent (and
      // failed) began with a socket, so the records behind the failure meet the true arm
      const trueArm = armChosenBySocket(ctx, drain, site, noSocketCall.viaParam?.index, cleared.sock);
      for (const failed of transient.outcomes) {
        const a = rank(failed.queue);
        if (a === undefined || failed.dropped) continue;
        for (const later of behind.outcomes) {
          const b = rank(later.queue);
          if (b === undefined || later.dropped || b >= a) continue;
          if (trueArm && later.hook !== trueArm) continue;
          const key = `${drain.fn}|${site.queue}|${failed.queue}|${later.queue}`;
          if (seen.has(key)) continue;
          seen.add(key);
          // the enqueue the hook makes, itself or through a function it calls
          const enqueueOf = (hook: string, queue: string) => model.queues.get(queue)!.enqueues.find((s) => s.fn === hook) ?? model.summaries.get(hook)?.enqueues.find((e) => e.queue === queue);
          const failedEnq = enqueueOf(failed.hook, failed.queue!);
          const laterEnq = enqueueOf(later.hook, later.queue!);
          const consumer = model.consumer;
          const related = [
            ctx.related(ctx.span(drain.fn, cleared.at), `after a failed send ${drain.fn}() clears the socket here and keeps going`),
            ...(failedEnq ? [ctx.related(ctx.lineSpan(failedEnq.site), `the record that failed with -EAGAIN is put on ${failed.queue} here`)] : []),
            ...(laterEnq ? [ctx.related(ctx.lineSpan(laterEnq.site), `the records behind it go to ${later.queue} here`)] : []),
            ctx.related(ctx.span(site.caller, site.call.at), `${site.caller}() drains ${site.queue} with ${failed.hook === later.hook ? `${failed.hook}()` : `${failed.hook}() and ${later.hook}()`} as the error hook here`),
          ];
          out.push(ctx.finding('AQ109', drain.fn, ctx.span(drain.fn, noSocketCall.at),
            `When a send from ${site.queue} fails with -EAGAIN, ${drain.fn}() clears its socket and keeps going: the failed record goes to ${failed.queue}, but every record behind it reaches this call with no socket and goes to ${later.queue}, which ${consumer ? `${consumer}()` : 'the consumer'} flushes first, so those later records reach auditd before the one that failed (one record out of order per failed pass; audit records carry their own serial numbers).`,
            related, `${site.queue}:${failed.queue}>${later.queue}`));
        }
      }
    }
  }
  return out;
}

/**
 * The hook a ternary binding picks when the drain is called with a socket (`sk ? f : g` with
 * the drain's own socket parameter receiving `sk`): f. Undefined for a plain binding.
 */
function armChosenBySocket(ctx: RuleContext, drain: DrainInfo, site: DrainSite, paramIndex: number | undefined, sock: string): string | undefined {
  if (paramIndex === undefined) return undefined;
  const binding = site.hooks.find((h) => h.paramIndex === paramIndex);
  const choices = binding?.call.args[binding.paramIndex]?.choices;
  if (!binding?.condition || !choices || choices.length !== 2) return undefined;
  const condIndex = site.call.args.findIndex((a) => a.text.trim() === binding.condition!.trim());
  return condIndex >= 0 && ctx.fn(drain.fn).facts.params[condIndex]?.name === sock ? choices[0] : undefined;
}

/** Where the drain's loop stores NULL into the socket it sends on (`sk = NULL;`), relative to the function. */
function socketClearedInLoop(ctx: RuleContext, drain: DrainInfo): { at: { start: number; end: number }; sock: string } | undefined {
  const e = ctx.fn(drain.fn);
  const sock = drainSend(drain, e.facts)?.args[0]?.name;
  if (!sock) return undefined;
  const text = ctx.source.text.slice(e.base + drain.loop.at.start, e.base + drain.loop.at.end);
  const m = new RegExp(`\\b${sock}\\s*=\\s*(NULL|0)\\s*;`).exec(text);
  return m ? { at: { start: drain.loop.at.start + m.index, end: drain.loop.at.start + m.index + m[0].length }, sock } : undefined;
}
