/**
 * Review without a base: the drain's call sites (in kauditd_thread) are usually
 * outside the patch, and without them no hook is bound to any queue. When the
 * rebuilt functions contain a drain of a queue parameter and hooks but no call
 * of the drain, a consumer is synthesised that binds the hooks the way their
 * shapes say they are meant to be bound. Every finding that leans on it says so.
 */
import { Analyser } from '../analyser';

export const ASSUMED_CONSUMER = '__auditlens_assumed_consumer';
/** The drain assumed when the patch shows hooks but no drain at all. */
export const ASSUMED_DRAIN = '__auditlens_assumed_drain';

/**
 * The drain a hook shown alone is assumed to serve: the design since 2022 (written here in
 * our own words), which keeps going after a failed send and makes one pass, bounded by the
 * tail taken before the loop. `hookArgs` is 1 for the one-argument hooks before 2022.
 */
function assumedDrain(hookArgs: number): string {
  const hookType = hookArgs > 1 ? 'struct sk_buff *skb, int error' : 'struct sk_buff *skb';
  const fail = (err: string) => (hookArgs > 1 ? `(*err_hook)(skb, ${err})` : '(*err_hook)(skb)');
  return [
    '',
    `/* AuditLens: no drain is in the patch; assumed the one-pass drain that keeps going after a failed send (2022 on) */`,
    `static int ${ASSUMED_DRAIN}(struct sock *sk, u32 portid, struct sk_buff_head *queue, unsigned int retry_limit,`,
    `			 void (*skb_hook)(struct sk_buff *skb), void (*err_hook)(${hookType}))`,
    '{',
    '	struct sk_buff *skb = NULL, *last;',
    '	unsigned int failed = 0;',
    '	int rc = 0;',
    '',
    '	last = skb_peek_tail(queue);',
    '	while ((skb != last) && (skb = skb_dequeue(queue))) {',
    '		if (skb_hook)',
    '			(*skb_hook)(skb);',
    '		if (!sk) {',
    '			if (err_hook)',
    `				${fail('-ECONNREFUSED')};`,
    '			continue;',
    '		}',
    'again:',
    '		skb_get(skb);',
    '		rc = netlink_unicast(sk, skb, portid, 0);',
    '		if (rc >= 0) {',
    '			consume_skb(skb);',
    '			failed = 0;',
    '			continue;',
    '		}',
    '		if (++failed < retry_limit && rc == -EAGAIN)',
    '			goto again;',
    '		sk = NULL;',
    '		if (err_hook)',
    `			${fail('rc')};`,
    '		if (rc == -EAGAIN)',
    '			rc = 0;',
    '	}',
    '	return rc >= 0 ? 0 : rc;',
    '}',
  ].join('\n');
}

interface Hook {
  name: string;
  /** Global queues the hook puts its record on, and whether audit_default guards the hold enqueue. */
  queues: Set<string>;
  holdNeedsDefault: boolean;
  params: number;
}

/** Source of a consumer binding the hooks to the drain, or undefined when nothing needs assuming. */
export function assumedConsumer(imageText: string): { source: string; bindings: string[] } | undefined {
  let analysis = new Analyser().analyseText(imageText);
  let m = analysis.model;
  let drain = m.drains.find((d) => d.queueParam !== undefined);
  let drainSource = '';
  if (!drain && !m.drains.length) {
    // hooks shown alone (a requeue changed in kauditd_rehold_skb()): assume the drain they serve
    const hookArgs = [...m.file.functions.values()].find((e) => /sk_buff\s*\*/.test(e.facts.params[0]?.type ?? '') && e.facts.queueOps.some((op) => op.op === 'enqueue' && op.queue.kind === 'global' && op.recordParam === 0))?.facts.params.length;
    if (hookArgs === undefined) return undefined;
    drainSource = assumedDrain(hookArgs);
    analysis = new Analyser().analyseText(imageText + drainSource);
    m = analysis.model;
    drain = m.drains.find((d) => d.fn === ASSUMED_DRAIN);
    if (!drain) return undefined;
  }
  if (!drain || drain.sites.length) return undefined;
  const drainFacts = m.file.functions.get(drain.fn)!.facts;
  const fps = drainFacts.params.filter((p) => p.isFunctionPointer);
  if (!fps.length) return undefined;
  const errHook = fps[fps.length - 1];
  const hooks: Hook[] = [];
  for (const [name, e] of m.file.functions) {
    if (name === drain.fn || !/sk_buff\s*\*/.test(e.facts.params[0]?.type ?? '')) continue;
    // a function the patch already calls is no hook waiting to be bound
    if (drainSource && m.graph.callers(name).length) continue;
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
    bindings.push(`${hook.name}() as ${errHook.name} of ${drain.fn === ASSUMED_DRAIN ? `an assumed one-pass drain that keeps going after a failed send (&${queue})` : `${drain.fn}(&${queue})`}`);
  }
  if (!calls.length) return undefined;
  if (!main || !m.file.globals.has(main)) calls.unshift(`\t\t/* main queue assumed: ${main} */`);
  const source = drainSource + [
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
