/**
 * Hover text of a backlog queue: its role in the queue state model, its
 * admission control, every enqueue with its end and bound, who takes records
 * off it, and where it is touched from.
 */
import type { QueueRole } from '../../model/queues';
import { ExplainEnv, blocks, bounded, boundPhrase, code, countByContext, link, siteLinks } from './text';
import { declaration } from './variableText';

/** One sentence per role, from DESIGN.md's queue state model. */
const ROLE_SENTENCE: Record<QueueRole, string> = {
  main: 'The main backlog: every new record waits here for the consumer thread to send it to auditd.',
  retry: 'Records whose unicast to auditd failed transiently; sent again before the main queue.',
  hold: 'Records kept while no auditd is connected (only with `audit=1`); sent first once one connects.',
  other: 'A backlog queue the model could not place as main, retry or hold.',
};

export function queueText(env: ExplainEnv, name: string): string | undefined {
  const q = env.model.queues.get(name);
  if (!q) return undefined;
  const { model } = env;
  const parts = [`**${code(name)}** — ${q.role === 'other' ? 'backlog queue' : `${q.role} queue`}`, declaration(env, name), ROLE_SENTENCE[q.role]];

  const lines: string[] = [];
  if (q.admission) {
    lines.push(`**Admission**: ${code(q.admission.fn)} waits while ${code(q.admission.condition.replace(/\s+/g, ' '))} ${link(env, q.admission.loopAt)}`);
  }
  if (q.enqueues.length) {
    lines.push('**Enqueued**');
    for (const s of q.enqueues) lines.push(`- ${s.end} in ${code(s.fn)} — ${boundPhrase(env, s)} · ${link(env, s.site)}`);
  } else {
    lines.push('**Enqueued** nowhere in this file');
  }

  const drainedAt = model.drains.flatMap((d) => d.sites.filter((s) => s.queue === name).map((s) => `${code(d.fn)} from ${code(s.caller)} ${link(env, s.site)}`));
  for (const d of model.drains) if (d.queue === name) drainedAt.push(`inline loop in ${code(d.fn)} ${link(env, d.loopAt)}`);
  const dequeuers = q.dequeuedBy.map((fn) => {
    const roles = (model.roles.get(fn) ?? []).filter((r) => r !== 'other');
    return `${code(fn)}${roles.length ? ` (${roles.join(', ')})` : ''}`;
  });
  if (dequeuers.length) lines.push(`**Dequeued by** ${bounded(dequeuers)}${drainedAt.length ? `; drained by ${drainedAt.join(', ')}` : ''}`);

  const guard = model.guards.get(name);
  if (guard) {
    if (guard.discipline === 'queue-internal') lines.push('**Guard**: the queue\'s own spinlock (the `skb_queue_*` helpers take it)');
    lines.push(`**Operations** ${guard.accesses.length}: ${countByContext(env, guard.accesses)} — ${siteLinks(env, guard.accesses.map((a) => a.start))}`);
  }
  parts.push(blocks(lines));
  return parts.join('\n\n');
}
