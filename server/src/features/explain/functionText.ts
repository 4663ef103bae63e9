/**
 * Hover text of a function, model first: its roles, what it does to the
 * backlog queues (with their bounds), the locks it takes or runs under,
 * whether it may sleep, the contexts that run it, who calls it (hook bindings
 * first), findings, and for a drain its routing. The signature and the first
 * paragraph of its kernel-doc come last, after a rule: the reader has the
 * doc comment on screen already, the model is what the hover adds.
 */
import type { QueueOpFact } from '../../facts/types';
import { kernelDocToMarkdown } from '../kernelDoc';
import { drainText } from './drainText';
import { findingLines } from './findingText';
import { ExplainEnv, bindingWhen, blocks, bounded, boundPhrase, boundWord, code, codeBlock, contextsLine, link, unique } from './text';

const MAX_INDIRECT = 3;

/** `at`: the absolute offset hovered, for the findings on its line and the binding it is an argument of. */
export function functionText(env: ExplainEnv, name: string, at?: number): string | undefined {
  const lead = functionLead(env, name, { at, drains: true });
  return lead && [lead, functionFold(env, name)].join('\n\n---\n\n');
}

/** The model's part: header, facts, findings and (with `drains`) the routing of a drain. */
export function functionLead(env: ExplainEnv, name: string, opts: { at?: number; drains?: boolean; header?: boolean } = {}): string | undefined {
  const entry = env.model.file.functions.get(name);
  if (!entry) return undefined;
  const facts = [
    ...(opts.header === false ? [] : [functionHeader(env, name)]),
    ...(opts.at !== undefined ? boundHere(env, name, opts.at) : []),
    ...queueLines(env, name),
    ...lockLines(env, name),
    contextLine(env, name),
    sleepLine(env, name),
    callerLine(env, name),
    ...findingLines(env, name, opts.at),
  ].filter((x): x is string => !!x);
  const parts = [blocks(facts)];
  if (opts.drains) for (const d of env.index.drainsOf.get(name) ?? []) parts.push(drainText(env, d));
  return parts.join('\n\n');
}

/** "**`kauditd_send_queue`** — drain" */
export function functionHeader(env: ExplainEnv, name: string): string {
  const roles = rolesOf(env, name);
  return `**${code(name)}**${roles.length ? ` — ${roles.join(', ')}` : ''}`;
}

export function rolesOf(env: ExplainEnv, name: string): string[] {
  return (env.model.roles.get(name) ?? []).filter((r) => r !== 'other');
}

/** What is already in the source: the signature and the kernel-doc's first paragraph. */
export function functionFold(env: ExplainEnv, name: string): string {
  const symbol = env.model.file.functions.get(name)!.symbol;
  const doc = firstParagraph(symbol.doc);
  return [codeBlock(symbol.signature), ...(doc ? [kernelDocToMarkdown(doc)] : [])].join('\n\n');
}

/** On a function passed as a hook argument: the binding made right here. */
function boundHere(env: ExplainEnv, name: string, at: number): string[] {
  const out: string[] = [];
  for (const b of env.index.bindingsOf.get(name) ?? []) {
    const base = env.model.file.functions.get(b.caller)!.base;
    const arg = b.call.args[b.paramIndex];
    if (!arg || at < base + arg.at.start || at >= base + arg.at.end) continue;
    const site = env.index.drainSiteOfCall.get(b.call);
    out.push(`**Bound here** as ${code(b.param)} of ${code(`${b.callee}(${site?.queue ? `&${site.queue}` : '…'})`)}${bindingWhen(b, name)}`);
  }
  return out;
}

/** Up to the first blank line: the one-line summary and the @param list. */
function firstParagraph(doc: string | undefined): string | undefined {
  if (!doc) return undefined;
  return doc.trim().split(/\n\s*\n/)[0];
}

function queueLines(env: ExplainEnv, name: string): string[] {
  const { model } = env;
  const entry = model.file.functions.get(name)!;
  const items: string[] = [];
  const checks: string[] = [];
  const named = new Set<string>();
  for (const op of entry.facts.queueOps) {
    const listed = op.op !== 'len' && op.op !== 'peek' && op.op !== 'init';
    const queue = queueName(env, name, op, listed ? named : undefined);
    if (!queue) continue;
    const at = link(env, entry.base + op.at.start);
    if (op.op === 'enqueue' && op.queue.kind === 'global') {
      const site = model.queues.get(op.queue.name)?.enqueues.find((s) => s.site === entry.base + op.at.start);
      items.push(`- enqueue ${op.end} ${queue} — ${site ? boundPhrase(env, site) : 'bound unknown'} · ${at}`);
    } else if (!listed) {
      checks.push(`${op.op}${op.end ? ` ${op.end}` : ''} ${queue} ${at}`);
    } else {
      items.push(`- ${op.op}${op.end ? ` ${op.end}` : ''} ${queue} · ${at}`);
    }
  }
  // Queues this function has drained by passing them to a drain, in call order (the flush order).
  for (const { drain, site } of env.index.drainCallsOf.get(name) ?? []) {
    if (!site.queue) continue;
    const hooks = site.hooks.filter((h) => h.fns.length).map((h) => `${h.param} ${h.fns.map(code).join(' / ')}`);
    items.push(`- drains ${code(site.queue)} with ${code(drain.fn)}${hooks.length ? ` (${hooks.join(', ')})` : ''} · ${link(env, site.site)}`);
  }
  for (const a of model.admission) {
    if (a.fn === name) items.push(`- backlog wait on ${code(a.queue)}: waits while ${code(a.condition.replace(/\s+/g, ' '))} · ${link(env, a.loopAt)}`);
  }

  // Enqueues done by callees on this function's behalf (`auditd_reset` → hold queue).
  const summary = model.summaries.get(name);
  const seen = new Set<string>();
  const indirect: string[] = [];
  for (const e of summary?.enqueues ?? []) {
    if (e.path.length < 2 || e.queue.startsWith('param:')) continue;
    const key = `${e.queue}@${e.site}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const bound = model.queues.get(e.queue)?.enqueues.find((s) => s.site === e.site)?.bound;
    const via = e.path.length > 3 ? `${code(e.path[1])} … ${code(e.path[e.path.length - 1])}` : e.path.slice(1).map(code).join(' → ');
    indirect.push(`- via ${via}: enqueue ${e.end} ${code(e.queue)} (${boundWord(bound)}) · ${link(env, e.site)}`);
  }
  items.push(...indirect.slice(0, MAX_INDIRECT));
  if (indirect.length > MAX_INDIRECT) items.push(`- +${indirect.length - MAX_INDIRECT} more through callees`);
  if (checks.length) items.push(`- also: ${bounded(checks, 4)}`);
  return items.length ? ['**Queues**', ...items] : [];
}

/** A backlog queue operated on, as Markdown; parameter queues name what their callers pass. Local lists are not backlog queues. */
function queueName(env: ExplainEnv, fn: string, op: QueueOpFact, named?: Set<string>): string | undefined {
  if (op.queue.kind === 'global') return env.model.queues.has(op.queue.name) ? code(op.queue.name) : undefined;
  if (op.queue.kind !== 'param') return undefined;
  // what the callers pass is said once, at the first listed operation on the parameter
  if (!named || named.has(op.queue.name)) return code(op.queue.name);
  named.add(op.queue.name);
  const index = op.queue.index;
  const passed = unique((env.index.drainsOf.get(fn) ?? []).flatMap((d) => (d.queueParam === index ? d.sites.map((s) => s.queue) : [])).filter((q): q is string => !!q));
  return `${code(op.queue.name)}${passed.length ? ` (${passed.map(code).join(', ')} at the call sites)` : ' (parameter)'}`;
}

function lockLines(env: ExplainEnv, name: string): string[] {
  const { model } = env;
  const entry = model.file.functions.get(name)!;
  const summary = model.summaries.get(name);
  const out: string[] = [];
  const taken = new Map<string, string>();
  for (const op of entry.facts.lockOps) {
    if (op.op === 'acquire' && !taken.has(op.lock)) taken.set(op.lock, `${code(op.lock)}${op.api === op.lock ? '' : ` (${op.api})`} ${link(env, entry.base + op.at.start)}`);
  }
  for (const call of entry.facts.calls) {
    for (const lock of (call.callee && model.summaries.get(call.callee)?.locks.acquires) || []) {
      if (!taken.has(lock)) taken.set(lock, `${code(lock)} via ${code(call.callee!)} ${link(env, entry.base + call.at.start)}`);
    }
  }
  if (taken.size) out.push(`**Takes** ${[...taken.values()].join(', ')}`);
  if (summary?.locks.acquires.length) out.push(`**Returns holding** ${summary.locks.acquires.map(code).join(', ')} (a lock wrapper)`);
  if (summary?.locks.releases.length) out.push(`**Releases** ${summary.locks.releases.map(code).join(', ')}, taken by its caller`);
  const onEntry = [...(model.entryLocks.get(name) ?? [])];
  if (onEntry.length) out.push(`**Runs under** ${onEntry.map(code).join(', ')}: every caller holds it`);
  // saying so spares the reader a search: the drain relies on its caller for locking
  if (!out.length) out.push('**Locks** takes none; its callers hold none in common');
  return out;
}

function sleepLine(env: ExplainEnv, name: string): string | undefined {
  const s = env.model.summaries.get(name)?.sleeps;
  if (!s) return undefined;
  const via = s.path.length > 1 ? ` — via ${s.path.slice(1).map(code).join(' → ')}` : '';
  return `**May sleep**: ${s.reason}${via}`;
}

function contextLine(env: ExplainEnv, name: string): string | undefined {
  if (env.model.contexts.initOnly.has(name)) return '**Runs in** boot only (single-threaded)';
  const ids = env.model.contexts.of.get(name);
  if (!ids?.size) return undefined;
  return `**Runs in** ${contextsLine(env, ids)}`;
}

function callerLine(env: ExplainEnv, name: string): string | undefined {
  const { model, index } = env;
  const parts: string[] = [];
  for (const b of index.bindingsOf.get(name) ?? []) {
    const site = index.drainSiteOfCall.get(b.call);
    const base = model.file.functions.get(b.caller)!.base;
    parts.push(`as ${code(b.param)} of ${code(`${b.callee}(${site?.queue ? `&${site.queue}` : '…'})`)} in ${code(b.caller)}${bindingWhen(b, name)} ${link(env, base + b.call.at.start)}`);
  }
  for (const h of model.graph.handedTo) {
    if (h.fn === name) parts.push(`handed to ${code(h.api)} in ${code(h.caller)} ${link(env, model.file.functions.get(h.caller)!.base + h.call.at.start)}`);
  }
  for (const b of model.file.bindings) {
    if (b.fn === name) parts.push(`bound to ${code(`.${b.field}`)}${b.structType ? ` of ${code(b.structType)}` : ''}${b.inFunction ? ` in ${code(b.inFunction)}` : ''} ${link(env, b.at.start)}`);
  }
  const direct = new Map<string, number>();
  for (const e of model.graph.callers(name)) {
    if (e.kind === 'direct' && !direct.has(e.caller)) direct.set(e.caller, model.file.functions.get(e.caller)!.base + e.call.at.start);
  }
  if (direct.size) parts.push(`by ${bounded([...direct].map(([caller, at]) => `${code(caller)} ${link(env, at)}`))}`);
  return parts.length ? `**Called** ${parts.join('; ')}` : undefined;
}
