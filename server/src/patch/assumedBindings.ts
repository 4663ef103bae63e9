/**
 * Review without a base: the drain's call sites (in kauditd_thread) are usually
 * outside the patch, and without them no hook is bound to any queue. When the
 * rebuilt functions contain a drain of a queue parameter and hooks but no call
 * of the drain, a consumer is synthesised that binds the hooks the way their
 * shapes say they are meant to be bound. Every finding that leans on it says so.
 */
import { Analyser } from '../analyser';

export const ASSUMED_CONSUMER = '__auditlens_assumed_consumer';

interface Hook {
  name: string;
  /** Global queues the hook puts its record on, and whether audit_default guards the hold enqueue. */
  queues: Set<string>;
  holdNeedsDefault: boolean;
  params: number;
}

/** Source of a consumer binding the hooks to the drain, or undefined when nothing needs assuming. */
export function assumedConsumer(imageText: string): { source: string; bindings: string[] } | undefined {
  const analysis = new Analyser().analyseText(imageText);
  const m = analysis.model;
  const drain = m.drains.find((d) => d.queueParam !== undefined);
  if (!drain || drain.sites.length) return undefined;
  const drainFacts = m.file.functions.get(drain.fn)!.facts;
  const fps = drainFacts.params.filter((p) => p.isFunctionPointer);
  if (!fps.length) return undefined;
  const errHook = fps[fps.length - 1];
  const hooks: Hook[] = [];
  for (const [name, e] of m.file.functions) {
    if (name === drain.fn || !/sk_buff\s*\*/.test(e.facts.params[0]?.type ?? '')) continue;
    const queues = new Set<string>();
    let holdNeedsDefault = false;
    for (const op of e.facts.queueOps) {
      if (op.op !== 'enqueue' || op.queue.kind !== 'global' || op.recordParam !== 0) continue;
      queues.add(op.queue.name);
      if (/hold/.test(op.queue.name) && e.facts.atoms[op.node].has('true:audit_default')) holdNeedsDefault = true;
    }
    if (queues.size) hooks.push({ name, queues, holdNeedsDefault, params: e.facts.params.length });
  }
  const queueNames = [...m.file.globals.values()].filter((g) => g.kind === 'queue').map((g) => g.name);
  const hold = queueNames.find((q) => /hold/.test(q));
  const retry = queueNames.find((q) => /retry/.test(q));
  const main = queueNames.find((q) => q !== hold && q !== retry) ?? 'audit_queue';
  // the hold queue's own failures go back to it as they are; the retry queue's go to the
  // function that keeps records for a future auditd; the main queue's to the retry queue
  const plan: [string | undefined, Hook | undefined][] = [
    [hold, hooks.find((h) => hold && h.queues.size === 1 && h.queues.has(hold) && !h.holdNeedsDefault)],
    [retry, hooks.find((h) => hold && h.queues.has(hold) && h.holdNeedsDefault)],
    [main, hooks.find((h) => retry && h.queues.size === 1 && h.queues.has(retry))],
  ];
  const calls: string[] = [];
  const bindings: string[] = [];
  for (const [queue, hook] of plan) {
    if (!queue || !hook) continue;
    const args = drainFacts.params.map((p, i) => {
      if (i === drain.queueParam) return `&${queue}`;
      if (p.name === errHook.name) return hook.name;
      if (p.isFunctionPointer) return 'NULL';
      if (/sock\s*\*/.test(p.type)) return 'sk';
      return /retry|limit/.test(p.name) ? '5' : '0';
    });
    calls.push(`\t\t${drain.fn}(${args.join(', ')});`);
    bindings.push(`${hook.name}() as ${errHook.name} of ${drain.fn}(&${queue})`);
  }
  if (!calls.length) return undefined;
  if (!main || !m.file.globals.has(main)) calls.unshift(`\t\t/* main queue assumed: ${main} */`);
  const source = [
    '',
    `/* AuditLens: the drain's call sites are outside the patch; bindings assumed from the hooks' shapes */`,
    `static struct sk_buff_head ${m.file.globals.has(main) ? '__auditlens_unused_queue' : main};`,
    `static int ${ASSUMED_CONSUMER}(void *unused)`,
    '{',
    '\tstruct sock *sk = __auditlens_sock;',
    '',
    '\twhile (!kthread_should_stop()) {',
    ...calls,
    '\t}',
    '\treturn 0;',
    '}',
    `static int __init __auditlens_assumed_start(void)`,
    '{',
    `\tkthread_run(${ASSUMED_CONSUMER}, NULL, "kauditd");`,
    '\treturn 0;',
    '}',
    '',
  ].join('\n');
  return { source, bindings };
}
