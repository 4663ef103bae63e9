/**
 * Hover text of a call site: what this call does here, from the model. A call
 * of a file function: the queue it drains or fills from this site, the hooks
 * it binds, where a failed send's record goes, the locks held at the call;
 * then the callee's own facts. A call through a hook pointer: what each
 * function bound to it does with the record. A kernel API the model knows:
 * the queue operation with its bound, the send and its error routing, the
 * lock taken or released, the tasks a wake-up wakes.
 */
import type { CallFact, QueueOpFact } from '../../facts/types';
import type { NameUse } from '../../parse/outline';
import { heldAt } from '../../model/locksets';
import { instantiate } from '../../model/summaries';
import type { DrainSite } from '../../model/drains';
import { routeOutcome } from './drainText';
import { findingLines } from './findingText';
import { functionFold, functionLead, rolesOf } from './functionText';
import { ExplainEnv, bindingWhen, blocks, bounded, boundPhrase, boundWord, code, link, queueWord, unique } from './text';

const ORDINAL = ['1st', '2nd', '3rd'];

/** The call whose callee name (or hook pointer) `use` is, in function `fn`. */
export function callAt(env: ExplainEnv, fn: string, use: NameUse): CallFact | undefined {
  const entry = env.model.file.functions.get(fn);
  if (!entry) return undefined;
  return entry.facts.calls.find((c) => {
    if (c.callee !== use.name && c.viaParam?.name !== use.name) return false;
    // the name must be the called expression, before the arguments (a nested call is inside them)
    const argsStart = entry.base + (c.args[0]?.at.start ?? c.at.end);
    return use.span.start >= entry.base + c.at.start && use.span.end <= argsStart;
  });
}

export function callText(env: ExplainEnv, fn: string, call: CallFact): string | undefined {
  const lines = call.viaParam ? hookCallLines(env, fn, call) : call.callee && env.model.file.functions.has(call.callee) ? fileCallLines(env, fn, call) : apiCallLines(env, fn, call);
  if (!lines?.length) return undefined;
  const at = env.model.file.functions.get(fn)!.base + call.at.start;
  const here = blocks([...lines, heldLine(env, fn, call), ...findingLines(env, undefined, at)]);
  const callee = call.callee && env.model.file.functions.has(call.callee) ? call.callee : undefined;
  if (!callee) return here;
  return [here, functionLead(env, callee)!, '---', functionFold(env, callee)].join('\n\n');
}

/** `kauditd_send_queue(&audit_hold_queue, …)` — the call with the queue it is passed, if any. */
function callLabel(name: string, queue?: string): string {
  return code(`${name}(${queue ? `&${queue}, …` : '…'})`);
}

function fileCallLines(env: ExplainEnv, fn: string, call: CallFact): string[] {
  const { model, index } = env;
  const callee = call.callee!;
  const site = index.drainSiteOfCall.get(call);
  const roles = rolesOf(env, callee);
  const lines = [`**This call** ${callLabel(callee, site?.queue)} in ${code(fn)}${roles.length ? ` — ${roles.join(', ')}` : ''}`];
  const hooks = model.graph.bindings.filter((b) => b.call === call);
  if (hooks.length) lines.push(`**Binds** ${hooks.map((b) => `${code(b.param)} = ${b.fns.length ? b.fns.map((f) => `${code(f)}${bindingWhen(b, f)}`).join(' or ') : '`NULL`'}`).join(', ')}`);
  if (site) return [...lines, ...drainSiteLines(env, fn, site)];
  const summary = model.summaries.get(callee);
  if (!summary) return lines;
  // the callee's queue effects as this call's arguments leave them (`-ECONNREFUSED` rules out the -EAGAIN branch)
  const queues: string[] = [];
  const seen = new Set<string>();
  for (const e of instantiate(summary, call, model.file)) {
    const key = `${e.end}|${e.queue}|${e.site}`;
    if (seen.has(key) || !model.queues.has(e.queue)) continue;
    seen.add(key);
    const bound = model.queues.get(e.queue)!.enqueues.find((s) => s.site === e.site)?.bound;
    queues.push(`- enqueue ${e.end} ${code(e.queue)} (${queueWord(model, e.queue)}, ${boundWord(bound)}) · ${link(env, e.site)}`);
  }
  const drained = unique(summary.dequeues.map((q) => (q.startsWith('param:') ? passedQueue(call, Number(q.slice(6))) : q)).filter((q): q is string => !!q && model.queues.has(q)));
  if (drained.length) queues.unshift(`- takes records off ${drained.map(code).join(', ')}`);
  if (queues.length) lines.push('**Queues, from this call**', ...queues);
  if (summary.locks.acquires.length) lines.push(`**Returns holding** ${summary.locks.acquires.map(code).join(', ')}`);
  if (summary.locks.releases.length) lines.push(`**Releases** ${summary.locks.releases.map(code).join(', ')}, held by ${code(fn)}`);
  if (summary.sendsUnicast) lines.push('**Sends** to auditd (unicast)');
  return lines;
}

function passedQueue(call: CallFact, i: number): string | undefined {
  const arg = call.args[i];
  return arg?.kind === 'address' ? arg.name : undefined;
}

/** This site of a drain: the queue, its place in the flush order, where a failed send goes. */
function drainSiteLines(env: ExplainEnv, fn: string, site: DrainSite): string[] {
  const lines: string[] = [];
  if (site.queue) {
    const order = (env.index.drainCallsOf.get(fn) ?? []).filter((d) => d.site.queue);
    const i = order.findIndex((d) => d.site === site);
    const sequence = order.map((d) => queueWord(env.model, d.site.queue!)).join(' → ');
    lines.push(`**Drains** ${code(site.queue)} (${queueWord(env.model, site.queue)} queue)${order.length > 1 && i >= 0 ? `, ${ORDINAL[i] ?? `#${i + 1}`} of ${order.length} here: ${sequence}` : ''}`);
  }
  const byOutcome = new Map<string, string[]>();
  for (const r of site.routes) {
    const outcome = routeOutcome(env, r);
    byOutcome.set(outcome, [...(byOutcome.get(outcome) ?? []), code(r.error)]);
  }
  if (byOutcome.size) {
    lines.push('**A failed send goes**');
    for (const [outcome, errors] of byOutcome) lines.push(`- ${errors.join(', ')}: ${outcome}`);
  }
  if (site.exitsOnFailure) lines.push('After a failed send the loop ends.');
  return lines;
}

/** A call through a function-pointer parameter: what each bound function does with this call's record. */
function hookCallLines(env: ExplainEnv, fn: string, call: CallFact): string[] {
  const { model } = env;
  const p = call.viaParam!;
  const args = call.args.map((a) => a.text.replace(/\s+/g, ' ')).join(', ');
  const lines = [`**Hook call** ${code(`${p.name}(${args})`)} through a function pointer of ${code(fn)}`];
  const bindings = model.graph.bindingsOf(fn, p.index);
  if (!bindings.length) return [...lines, 'No call site in this file binds it.'];
  lines.push(`**Bound at** ${bindings.length} call ${bindings.length === 1 ? 'site' : 'sites'}`);
  for (const b of bindings) {
    const site = env.index.drainSiteOfCall.get(b.call);
    const at = model.file.functions.get(b.caller)!.base + b.call.at.start;
    const what = b.fns.length ? b.fns.map((f) => `${code(f)}${bindingWhen(b, f)} → ${hookEffect(env, f, call)}`).join('; ') : '`NULL`: not called';
    lines.push(`- ${callLabel(b.callee, site?.queue)} in ${code(b.caller)} ${link(env, at)}: ${what}`);
  }
  return lines;
}

/** What a function bound to a hook does with the record of this hook call: its enqueues as seen from here, or a drop. */
function hookEffect(env: ExplainEnv, f: string, call: CallFact): string {
  const { model } = env;
  const s = model.summaries.get(f);
  if (!s) return 'unknown';
  const outs = unique(instantiate(s, call, model.file).filter((e) => model.queues.has(e.queue)).map((e) => {
    const bound = model.queues.get(e.queue)!.enqueues.find((x) => x.site === e.site)?.bound;
    return `${queueWord(model, e.queue)} (${e.end}, ${boundWord(bound)})`;
  }));
  if (s.frees) outs.push(s.countsLost ? 'dropped (lost)' : '**dropped** (not counted)');
  if (!outs.length) return s.sendsMulticast ? 'multicast copy, record kept' : 'record kept';
  return outs.join(' or ');
}

function apiCallLines(env: ExplainEnv, fn: string, call: CallFact): string[] | undefined {
  const facts = env.model.file.functions.get(fn)!.facts;
  const api = code(call.callee!);
  const op = facts.queueOps.find((o) => o.at.start === call.at.start);
  if (op) return queueOpLines(env, fn, call, op);
  const fate = facts.fates.find((f) => f.at.start === call.at.start && (f.kind === 'send-unicast' || f.kind === 'send-multicast'));
  if (fate) return fate.kind === 'send-unicast' ? unicastLines(env, fn, call) : [`**${api}** here — copies the record to the multicast listeners`];
  const lock = facts.lockOps.find((l) => l.at.start === call.at.start);
  if (lock) {
    const guarded = env.index.guardedBy.get(lock.lock) ?? [];
    const what = lock.op === 'acquire' ? 'takes' : 'releases';
    return [`**${api}** here — ${what} ${code(lock.lock)}${lock.kind === 'rcu' ? ' (RCU read side)' : ` (${lock.kind})`}`, ...(guarded.length ? [`**It guards** ${bounded(guarded.map((g) => code(g.variable)), 6)}`] : [])];
  }
  if (/^wake_up\w*$/.test(call.callee!)) return wakeLines(env, call);
  return undefined;
}

function queueOpLines(env: ExplainEnv, fn: string, call: CallFact, op: QueueOpFact): string[] | undefined {
  const { model } = env;
  const api = code(call.callee!);
  const entry = model.file.functions.get(fn)!;
  let queue: string;
  if (op.queue.kind === 'global' && model.queues.has(op.queue.name)) queue = `${code(op.queue.name)} (${queueWord(model, op.queue.name)} queue)`;
  else if (op.queue.kind === 'param') {
    const passed = unique((env.index.drainsOf.get(fn) ?? []).flatMap((d) => d.sites.map((s) => s.queue)).filter((q): q is string => !!q));
    queue = `${code(op.queue.name)}${passed.length ? ` (callers pass ${passed.map(code).join(', ')})` : ''}`;
  } else return undefined;
  const verb: Record<string, string> = { enqueue: `adds the record at the ${op.end} of`, dequeue: `takes the record at the ${op.end} off`, peek: `looks at the ${op.end} of`, len: 'reads the length of', purge: 'frees every record on', init: 'initialises', unlink: 'unlinks the record from' };
  const lines = [`**${api}** here — ${verb[op.op] ?? op.op} ${queue}`];
  if (op.op === 'enqueue' && op.queue.kind === 'global') {
    const site = model.queues.get(op.queue.name)!.enqueues.find((s) => s.site === entry.base + call.at.start);
    lines.push(`**Bound** ${site ? boundPhrase(env, site) : 'unknown'}`);
  }
  if (op.op === 'len') lines.push('Read without the queue\'s spinlock: the length may be stale by the time it is used.');
  const drain = (env.index.drainsOf.get(fn) ?? []).find((d) => d.dequeueAt === entry.base + call.at.start);
  if (drain) lines.push(`The drain loop ${link(env, drain.loopAt)} takes each record here: ${drain.singlePass ? 'single pass' : '**not single-pass**'}.`);
  return lines;
}

/** A unicast send: inside a drain loop, where each call site's hooks send a failed record; else what the function does with the result. */
function unicastLines(env: ExplainEnv, fn: string, call: CallFact): string[] {
  const entry = env.model.file.functions.get(fn)!;
  const lines = [`**${code(call.callee!)}** here — sends the record to auditd (unicast), which consumes it`];
  const drain = (env.index.drainsOf.get(fn) ?? []).find((d) => call.at.start >= d.loop.at.start && call.at.end <= d.loop.at.end);
  if (drain?.sites.length) {
    lines.push(`**A failed send goes**, by the hooks bound at each call of ${code(fn)}`);
    for (const s of drain.sites) {
      const byOutcome = new Map<string, string[]>();
      for (const r of s.routes) {
        const outcome = routeOutcome(env, r);
        byOutcome.set(outcome, [...(byOutcome.get(outcome) ?? []), code(r.error)]);
      }
      const routes = [...byOutcome].map(([outcome, errors]) => `${errors.join(', ')}: ${outcome}`).join('; ');
      lines.push(`- from ${s.queue ? code(s.queue) : '?'} ${link(env, s.site)}: ${routes || 'not routed'}`);
    }
    return lines;
  }
  const result = call.resultVar;
  const tests = result ? entry.facts.errors.filter((e) => e.how === 'compare' && e.variable === result && e.at.start > call.at.start) : [];
  if (result) lines.push(`**Result** in ${code(result)}${tests.length ? `, tested against ${unique(tests.map((t) => code(t.code))).join(', ')} ${tests.map((t) => link(env, entry.base + t.at.start)).join(', ')}` : ''} (not in a drain loop: no hook routes the record)`);
  return lines;
}

/** `wake_up(&W)`: who sleeps on W — the consumer (its own wake-up) or tasks waiting for room in the backlog. */
function wakeLines(env: ExplainEnv, call: CallFact): string[] | undefined {
  const w = call.args[0]?.name;
  if (!w || env.model.file.globals.get(w)?.kind !== 'waitqueue') return undefined;
  const sleepers = env.index.sleepersOn.get(w) ?? [];
  const consumer = sleepers.filter((f) => env.index.consumerReach.has(f));
  const others = sleepers.filter((f) => !env.index.consumerReach.has(f));
  const admission = new Set(env.model.admission.map((a) => a.fn));
  const lines = [`**${code(call.callee!)}** here — wakes the tasks sleeping on ${code(w)}`];
  if (consumer.length) lines.push(`- the consumer thread (${code(env.model.consumer!)}), to drain the queues`);
  if (others.length) lines.push(`- ${others.some((f) => admission.has(f)) ? 'producers waiting for room in the backlog' : 'other waiters'}: ${bounded(others.map(code), 4)}`);
  if (!sleepers.length) lines.push('- nobody in this file sleeps on it');
  return lines;
}

/** Locks surely held at the call: the function's own lockset there and what every caller holds. */
function heldLine(env: ExplainEnv, fn: string, call: CallFact): string {
  const summary = env.model.summaries.get(fn);
  const held = new Set([...(env.model.entryLocks.get(fn) ?? []), ...(summary ? heldAt(summary.locksets, call.node, call.at.start) : [])]);
  return held.size ? `**Held here** ${[...held].map(code).join(', ')}` : '**Held here** no lock';
}
