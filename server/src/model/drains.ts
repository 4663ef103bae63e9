/**
 * Drains: loops that take records off a queue and send each one, with the
 * hooks bound at every call site and the routing they give each send error
 * (which error sends a record to which queue). Also whether one pass handles
 * each record at most once (today's `skb_tail = skb_peek_tail(queue)` bound)
 * and whether a failed send leaves the loop (v4.11's `if (!skb_hook) goto out;`).
 */
import { stripParens, kids, operatorOf, SourceView } from '../facts/ast';
import type { CfgNode } from '../facts/cfg';
import type { FileFacts } from '../facts/fileFacts';
import type { CallFact, FunctionFacts, LoopFact } from '../facts/types';
import type { CallGraph, HookBinding } from './callgraph';
import type { EnqueueSite, QueueInfo } from './queues';
import type { Summary } from './summaries';
import { instantiate } from './summaries';
import { valueOrigins } from '../facts/flows';
import { UNICAST_SENDS } from '../facts/apis';

export interface RouteOutcome {
  hook: string;
  queue?: string;
  end?: 'head' | 'tail';
  bound?: EnqueueSite['bound'];
  /** Freed instead of queued. */
  dropped?: boolean;
  /** The drop is counted by the loss counter. */
  counted?: boolean;
}

export interface Route {
  /** `-EAGAIN`, `-ECONNREFUSED`, `-EPERM`, or `-ECONNREFUSED (no socket)` for the `!sk` path. */
  error: string;
  outcomes: RouteOutcome[];
}

export interface DrainSite {
  caller: string;
  /** The global queue passed to the drain. */
  queue?: string;
  call: CallFact;
  /** Absolute offset of the call. */
  site: number;
  hooks: HookBinding[];
  routes: Route[];
  /** After a failed send the loop is left on this site (depends on hook nullness). */
  exitsOnFailure: boolean;
}

export interface DrainInfo {
  fn: string;
  loop: LoopFact;
  /** Absolute offset of the loop. */
  loopAt: number;
  /** Index of the queue parameter, when the drain takes the queue as a parameter. */
  queueParam?: number;
  /** Global queue drained inline (v4.10-style loops in the consumer). */
  queue?: string;
  /** Absolute offset of the dequeue that takes records off the queue. */
  dequeueAt: number;
  singlePass: boolean;
  singlePassWhy: string;
  /** Calls through hook parameters inside the loop. */
  hookCalls: CallFact[];
  sites: DrainSite[];
}

const SEND_ERRORS = ['-EAGAIN', '-ECONNREFUSED', '-EPERM'];

export function findDrains(file: FileFacts, graph: CallGraph, summaries: Map<string, Summary>, queues: Map<string, QueueInfo>): DrainInfo[] {
  const out: DrainInfo[] = [];
  for (const [fn, e] of file.functions) {
    const f = e.facts;
    const src = new SourceView(file.source.text, e.base);
    for (const loop of f.loops) {
      const inLoop = (at: { start: number; end: number }) => at.start >= loop.at.start && at.end <= loop.at.end;
      const deq = f.queueOps.find((q) => q.op === 'dequeue' && inLoop(q.at) && q.queue.kind !== 'local');
      if (!deq) continue;
      const sends = f.fates.some((x) => x.kind === 'send-unicast' && inLoop(x.at)) ||
        f.calls.some((c) => inLoop(c.at) && c.callee && summaries.get(c.callee)?.sendsUnicast);
      // a loop over a queue parameter that hands each record to a hook parameter is a drain too,
      // even where its send is not in view (a patch that shows only part of the function)
      const hands = deq.queue.kind === 'param' && f.calls.some((c) => inLoop(c.at) && c.viaParam);
      if (!sends && !hands) continue;
      // an outer loop that merely contains a drain loop is not itself the drain
      if (out.some((d) => d.fn === fn && d.loop.at.start >= loop.at.start && d.loop.at.end <= loop.at.end)) continue;
      const nested = f.loops.some((l) => l !== loop && l.at.start >= loop.at.start && l.at.end <= loop.at.end && f.queueOps.some((q) => q === deq && q.at.start >= l.at.start && q.at.end <= l.at.end));
      if (nested) continue;
      const { singlePass, why } = singlePassBound(f, loop, deq.queue.kind === 'param' ? deq.queue.name : deq.queue.name);
      const drain: DrainInfo = {
        fn, loop, loopAt: e.base + loop.at.start, dequeueAt: e.base + deq.at.start,
        queueParam: deq.queue.kind === 'param' ? deq.queue.index : undefined,
        queue: deq.queue.kind === 'global' ? deq.queue.name : undefined,
        singlePass, singlePassWhy: why,
        hookCalls: f.calls.filter((c) => c.viaParam && inLoop(c.at)),
        sites: [],
      };
      if (drain.queueParam !== undefined) {
        for (const edge of graph.callers(fn)) {
          if (edge.kind !== 'direct') continue;
          const arg = edge.call.args[drain.queueParam];
          const hooks = graph.bindings.filter((b) => b.call === edge.call);
          const site: DrainSite = {
            caller: edge.caller, call: edge.call, queue: arg?.kind === 'address' ? arg.name : undefined,
            site: file.functions.get(edge.caller)!.base + edge.call.at.start, hooks, routes: [],
            exitsOnFailure: false,
          };
          site.routes = routesFor(drain, site, file, summaries, queues);
          site.exitsOnFailure = leavesLoopAfterFailure(f, drain, hooks, src);
          drain.sites.push(site);
        }
      }
      out.push(drain);
    }
  }
  return out;
}

/** The loop stops at a snapshot of the queue's tail or length taken before it starts. */
function singlePassBound(f: FunctionFacts, loop: LoopFact, queueName: string): { singlePass: boolean; why: string } {
  const snapshots = f.calls.filter((c) => c.callee && /^(skb_peek_tail|skb_queue_len(_lockless)?)$/.test(c.callee) && c.resultVar && c.at.start < loop.at.start &&
    (c.args[0]?.name === queueName));
  for (const s of snapshots) {
    if (new RegExp(`\\b${s.resultVar}\\b`).test(loop.condition)) {
      return { singlePass: true, why: `stops at ${s.resultVar}, the ${s.callee === 'skb_peek_tail' ? 'tail' : 'length'} of the queue taken before the loop (${s.callee})` };
    }
  }
  return { singlePass: false, why: 'the loop runs until the queue is empty, so records returned to the queue are dequeued again in the same pass' };
}

/** Error-hook calls of a drain loop: after the send (a failed send), or where the socket is known NULL. */
/** The unicast send inside a drain's loop, when the drain is in view. */
export function drainSend(drain: DrainInfo, f: FunctionFacts): CallFact | undefined {
  return f.calls.find((c) => !!c.callee && UNICAST_SENDS.has(c.callee) && c.at.start >= drain.loop.at.start && c.at.end <= drain.loop.at.end);
}

export function errorHookCalls(drain: DrainInfo, f: FunctionFacts): { call: CallFact; noSocket: boolean }[] {
  const send = drainSend(drain, f);
  const sock = send?.args[0]?.name ?? f.params.find((p) => /struct\s+sock\s*\*/.test(p.type))?.name;
  // Without the send in view (a patch showing part of the drain), the error hook is the last
  // function-pointer parameter: the per-record hook comes first in every design since v4.11.
  const hookParams = f.params.filter((p) => p.isFunctionPointer);
  const errHook = hookParams.length > 1 ? hookParams[hookParams.length - 1].name : hookParams[0]?.name;
  const out: { call: CallFact; noSocket: boolean }[] = [];
  for (const hc of drain.hookCalls) {
    const noSocket = !!sock && f.atoms[hc.node].has(`false:${sock}`);
    const afterSend = send ? hc.at.start > send.at.start : hc.viaParam?.name === errHook;
    if (noSocket || afterSend) out.push({ call: hc, noSocket });
  }
  return out;
}

/**
 * The errors the no-socket path passes when it passes a variable: a constant it is set to
 * (`int gone = -ECONNREFUSED;`), and every send error when it is set from a send's result
 * (`gone = rc;` after the failure that cleared the socket). A constant or no variable at
 * all means the connection is gone (-ECONNREFUSED), as before.
 */
function noSocketErrors(f: FunctionFacts, name: string | undefined): string[] {
  if (!name) return ['-ECONNREFUSED'];
  const origins = valueOrigins(f.flows).get(name) ?? new Set<string>();
  const sendResults = new Set(f.calls.filter((c) => c.callee && UNICAST_SENDS.has(c.callee) && c.resultVar).map((c) => c.resultVar!));
  const out = new Set<string>();
  for (const o of origins) {
    if (/^E[A-Z0-9]+$/.test(o)) out.add(`-${o}`);
    else if (sendResults.has(o)) for (const e of SEND_ERRORS) out.add(e);
  }
  return out.size ? [...out] : ['-ECONNREFUSED'];
}

function routesFor(drain: DrainInfo, site: DrainSite, file: FileFacts, summaries: Map<string, Summary>, queues: Map<string, QueueInfo>): Route[] {
  const routes: Route[] = [];
  const drainFacts = file.functions.get(drain.fn)!.facts;
  for (const { call: hc, noSocket } of errorHookCalls(drain, drainFacts)) {
    const binding = site.hooks.find((h) => h.paramIndex === hc.viaParam!.index);
    if (!binding || !binding.fns.length) continue;
    const atoms = drainFacts.atoms[hc.node];
    const errArgIndex = hc.args.length > 1 ? hc.args.length - 1 : -1;
    const errArg = errArgIndex >= 0 ? hc.args[errArgIndex] : undefined;
    let errors: string[];
    if (errArg?.kind === 'const') errors = [errArg.text.replace(/\s+/g, '')];
    else if (noSocket) errors = noSocketErrors(drainFacts, errArg?.name);
    else errors = SEND_ERRORS.filter((e) => !(errArg?.name && atoms.has(`ne:${errArg.name}:${e}`)));
    // `c ? f : g` bound where the drain's own parameter P receives c: the arm follows P at the call.
    const choices = binding.call.args[binding.paramIndex]?.choices;
    const condIndex = binding.condition ? site.call.args.findIndex((a) => a.text.trim() === binding.condition!.trim()) : -1;
    const condParam = condIndex >= 0 ? drainFacts.params[condIndex]?.name : undefined;
    let hooks = binding.fns;
    if (choices && choices.length === 2 && condParam) {
      // the hook was chosen when the drain was called: no socket then means the false arm; a send means the true arm
      // a send happened, so the socket was set when the drain was called: the true arm. Without a
      // socket the call may have chosen the false arm, or an earlier failure in this pass cleared it.
      if (!noSocket) hooks = binding.fns.filter((fn) => fn === choices[0]);
    }
    for (const err of errors) {
      const outcomes: RouteOutcome[] = [];
      for (const hook of hooks) {
        const hs = summaries.get(hook);
        if (!hs) continue;
        const hookParams = file.functions.get(hook)!.facts.params;
        const asCalled: CallFact = { ...hc, callee: hook, args: hc.args.map((a, i) => (i === errArgIndex ? { ...a, kind: 'const', text: err } : a)) };
        for (const x of instantiate(hs, asCalled, file)) {
          const q = queues.get(x.queue);
          const s = q?.enqueues.find((y) => y.site === x.site);
          outcomes.push({ hook, queue: x.queue, end: x.end, bound: s?.bound ?? (x.limitGuarded ? 'limit' : 'none') });
        }
        if (hs.frees) outcomes.push({ hook, dropped: true, counted: hs.countsLost });
        void hookParams;
      }
      routes.push({ error: noSocket ? `${err} (no socket)` : err, outcomes });
    }
  }
  return routes;
}

/** After the error hook, does the loop end on this call site (e.g. `if (!skb_hook) goto out;` with no skb hook)? */
function leavesLoopAfterFailure(f: FunctionFacts, drain: DrainInfo, hooks: HookBinding[], src: SourceView): boolean {
  const nullParams = new Set(hooks.filter((h) => h.fns.length === 0).map((h) => h.param));
  const nonNull = new Set(hooks.filter((h) => h.fns.length > 0).map((h) => h.param));
  const cfg = f.cfg;
  const loop = drain.loop;
  const head = loop.head;
  const inside = (n: CfgNode) => !n.ast || (n.ast.start >= loop.at.start && n.ast.end <= loop.at.end);
  // error-hook calls that follow a failed send (not the `!sk` path, which never sent)
  const starts = errorHookCalls(drain, f).filter((h) => !h.noSocket).map((h) => h.call.node);
  if (!starts.length) return false;
  const evalCond = (n: CfgNode): boolean | undefined => {
    if (!n.ast) return undefined;
    const e = stripParens(n.ast);
    if (e.type === 'unary_expression' && operatorOf(e) === '!') {
      const id = kids(e)[0] && src.of(stripParens(kids(e)[0]));
      if (id && nullParams.has(id)) return true;
      if (id && nonNull.has(id)) return false;
    }
    if (e.type === 'identifier') {
      const id = src.of(e);
      if (nullParams.has(id)) return false;
      if (nonNull.has(id)) return true;
    }
    return undefined;
  };
  for (const startNode of starts) {
    const seen = new Set<number>();
    const stack = [startNode];
    let leaves = false;
    let loops = false;
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      if (id === head && id !== startNode) { loops = true; continue; }
      const n = cfg.nodes[id];
      if (n.kind === 'exit' || n.kind === 'return' || (n.ast && !inside(n))) { leaves = true; continue; }
      if (n.kind === 'label' && n.succ[0] && cfg.nodes[n.succ[0].to].ast && !inside(cfg.nodes[n.succ[0].to])) { leaves = true; continue; }
      const v = n.kind === 'cond' ? evalCond(n) : undefined;
      for (const edge of n.succ) if (v === undefined || edge.branch === undefined || edge.branch === v) stack.push(edge.to);
    }
    if (leaves && !loops) return true;
  }
  return false;
}
