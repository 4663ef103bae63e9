/**
 * "AuditLens: Show Model Summary": the ModelSummary of a file as one Markdown
 * document a reviewer can keep open beside the code. Lines are plain `L128`:
 * VS Code's Markdown preview, where the page is read, does not follow
 * `file:` links. Everything shown is in the summary; nothing is recomputed.
 */
import { functionLabel } from '../report/checkReport';
import type { RouteOutcome } from '../model/drains';
import { RULE_BY_ID } from '../rules/catalogue';
import { boundWord, code, plural } from './explain/text';
import { uriFileName, type TrackedDocument } from './documents';
import { modelSummary, type DrainSummary, type EnqueueSummary, type FindingCounts, type ModelSummary, type QueueSummary } from './modelSummary';
import type { ModelSummaryReply } from './requests';

export interface SummaryTextOptions {
  /** Shown in the title (`audit.c`). */
  name: string;
}

/** "1 error, 2 warnings", "11 information". */
export function severityCounts(c: FindingCounts): string {
  return [c.error && plural(c.error, 'error'), c.warning && plural(c.warning, 'warning'), c.information && `${c.information} information`].filter(Boolean).join(', ');
}

/** "2 findings (1 error, 1 information)", "no findings". */
export function findingsPhrase(c: FindingCounts): string {
  const total = c.error + c.warning + c.information;
  return total ? `${plural(total, 'finding')} (${severityCounts(c)})` : 'no findings';
}

/** The `auditlens/modelSummary` answer for an open document: the summary, or why there is none. */
export function modelSummaryReply(tracked: TrackedDocument | undefined, uri: string): ModelSummaryReply {
  if (!tracked) return { error: 'AuditLens has not been sent this document: open a C file of the workspace' };
  if (tracked.kind === 'patch') return { error: 'this is a patch; the model summary is of a C file (open the file the patch applies to)' };
  if (tracked.skipped) return { error: `not analysed: ${tracked.skipped.bytes} bytes, over auditlens.maxFileSize (${tracked.skipped.limit})` };
  if (!tracked.analysis) return { error: 'not audit code: AuditLens models kernel/audit.c and C files that declare audit_queue or auditd_conn' };
  const name = uriFileName(uri);
  return { title: `${name}: queue model`, markdown: modelSummaryMarkdown(modelSummary(tracked.analysis), { name }) };
}

export function modelSummaryMarkdown(s: ModelSummary, options: SummaryTextOptions): string {
  const at = (line: number) => `L${line}`;
  const out: string[] = [`# Queue model of ${options.name}`, ''];
  const headline = [
    s.consumer ? `consumer ${code(s.consumer.name)}` : 'no consumer',
    plural(s.queues.length, 'backlog queue'),
    plural(s.drains.length, 'drain'),
    plural(s.functions, 'function'),
    findingsPhrase(s.findings),
  ];
  if (s.syntaxErrors) headline.push(plural(s.syntaxErrors, 'syntax error'));
  if (s.notAnalysed.length) headline.push(`${s.notAnalysed.length} not analysed`);
  out.push(headline.join(' · '), '');
  if (s.notAnalysed.length) {
    // first: what follows describes the file without these
    out.push('## Not analysed', '');
    for (const n of s.notAnalysed) out.push(`- ${n.name ? code(n.name) : functionLabel(n.name)} (${at(n.line)}): ${n.reason}. Nothing below includes it.`);
    out.push('');
  }

  out.push('## Backlog queues', '');
  if (!s.queues.length) out.push('None: no global `struct sk_buff_head` is declared in this file.', '');
  for (const q of s.queues) out.push(...queueLines(q, at), '');

  out.push('## Drains', '');
  if (!s.drains.length) out.push('None: no loop here takes records off a backlog queue and sends them.', '');
  for (const d of s.drains) out.push(...drainLines(d, at), '');

  out.push('## Consumer', '');
  if (s.consumer) {
    const order = s.consumer.flushOrder.length ? ` drains ${s.consumer.flushOrder.map(code).join(', then ')}` : ' drains its queues inline';
    out.push(`${code(s.consumer.name)} (${at(s.consumer.line)})${order}.`, '');
  } else {
    out.push('None found: no kthread started here both takes records off a backlog queue and sends them to auditd (a fragment of the file, or not the audit core). Simulation needs one.', '');
  }

  out.push('## Producers', '');
  if (!s.producers.length) out.push('None: nothing outside the consumer enqueues on the main queue.');
  for (const p of s.producers) out.push(`- ${code(p.name)} (${at(p.line)}) enqueues on ${p.queues.map(code).join(', ') || 'the main queue'}`);
  out.push('');

  out.push('## Requeue hooks', '');
  if (!s.requeueHooks.length) out.push('None: no function puts a record it was given back on a backlog queue.');
  for (const h of s.requeueHooks) {
    const puts = h.enqueues.map((e) => `${e.end} of ${code(e.queue)} (${boundWord(e.bound)}, ${at(e.line)})`).join('; ');
    const bound = h.boundAt.map((b) => `${code(b.param)} of ${code(b.drain)} from ${code(b.caller)}${b.queue ? ` on ${code(b.queue)}` : ''} (${at(b.line)})`);
    const reached = bound.length ? `; bound as ${bound.join(', ')}` : h.calledBy.length ? `; called by ${h.calledBy.map(code).join(', ')}` : '; neither bound at a drain call site nor called in this file';
    out.push(`- ${code(h.name)} (${at(h.line)}): ${puts || 'no direct enqueue'}${reached}`);
  }
  out.push('');

  out.push('## auditd connection', '');
  if (!s.connection.globals.length) out.push('No connection globals found (no `__rcu` pointer and no global a unicast sends to).');
  for (const g of s.connection.globals) {
    const how = g.discipline === 'rcu' ? 'RCU pointer' : g.discipline === 'lock' ? 'guarded by a lock' : g.discipline === 'none' ? 'no common lock' : g.discipline;
    out.push(`- ${code(g.name)}: ${how}${g.writersHold.length ? `; writers hold ${g.writersHold.map(code).join(' + ')}` : ''}; ${plural(g.accesses, 'access', 'accesses')}`);
  }
  if (s.connection.functions.length) out.push(`- connection functions: ${s.connection.functions.map((f) => `${code(f.name)} (${at(f.line)})`).join(', ')}`);
  out.push('');

  out.push('## Locks', '');
  if (!s.locks.length) out.push('None taken in this file.');
  else {
    out.push('| lock | guards (every write holds it) | taken in |', '| --- | --- | --- |');
    for (const l of s.locks) out.push(`| ${l.name === 'rcu_read_lock' ? 'RCU read side (`rcu_read_lock`)' : code(l.name)} | ${l.guards.map(code).join(', ') || '—'} | ${l.takenIn.map(code).join(', ') || '—'} |`);
  }
  out.push('');

  out.push('## Findings', '');
  if (!s.findings.byRule.length) out.push('None.');
  for (const r of s.findings.byRule) out.push(`- **${r.rule}** ${RULE_BY_ID.get(r.rule)?.name ?? ''}: ${severityCounts(r)}`);
  out.push('', 'The Problems view lists each finding with its explanation.', '');

  out.push('## Functions', '', 'Roles and backlog-queue operations, as `auditlens check --verbose` prints them.', '');
  out.push('| lines | function | roles | queue operations |', '| --- | --- | --- | --- |');
  for (const f of s.functionRoles) {
    const ops = f.queues.map((q) => `${q.op}${q.end ? ` ${q.end}` : ''} ${q.queue}${q.op !== 'enqueue' ? '' : q.bounded ? ' (bounded)' : ' (UNBOUNDED)'}`);
    out.push(`| ${at(f.line)}–${f.endLine} | ${code(f.name)} | ${f.roles.join(', ') || '—'} | ${ops.join(', ') || '—'} |`);
  }
  return `${out.join('\n')}\n`;
}

function queueLines(q: QueueSummary, at: (line: number) => string): string[] {
  const role = q.role === 'other' ? 'backlog queue the model could not place as main, retry or hold' : `${q.role} queue`;
  const lines = [`- **${code(q.name)}**: ${role} (declared ${at(q.line)})`];
  if (q.admission) lines.push(`  - bound: admission control, ${code(q.admission.fn)} waits while ${code(q.admission.condition)} (${at(q.admission.line)})`);
  else if (!q.enqueues.length) lines.push('  - bound: nothing enqueues on it in this file');
  else lines.push(`  - bound: ${q.unbounded ? '**UNBOUNDED**: an enqueue has no `audit_backlog_limit` check and no admission control' : 'every enqueue is bounded'}`);
  for (const e of q.enqueues) lines.push(`  - enqueued at the ${enqueueText(e, at)}`);
  lines.push(`  - dequeued by ${q.dequeuedBy.map(code).join(', ') || 'nothing in this file'}`);
  return lines;
}

function enqueueText(e: EnqueueSummary, at: (line: number) => string): string {
  return `${e.end} by ${code(e.fn)}: ${boundWord(e.bound)} (${at(e.line)})`;
}

function drainLines(d: DrainSummary, at: (line: number) => string): string[] {
  const lines = [`- **${code(d.fn)}** (${at(d.line)}) drains ${code(d.queue)}; ${d.singlePass ? 'one pass takes each record once' : '**not single-pass**'}: ${d.singlePassWhy}`];
  for (const s of d.sites) {
    const hooks = s.hooks.map((h) => `${code(h.param)} = ${h.fns.map(code).join(' or ') || '`NULL`'}`).join(', ');
    lines.push(`  - from ${code(s.caller)} (${at(s.line)})${s.queue ? ` on ${code(s.queue)}` : ''}${hooks ? `, ${hooks}` : ''}${s.exitsOnFailure ? '; a failed send leaves the loop' : ''}`);
    // the outcomes of one error are alternatives (a hook requeues, or frees when the queue is full)
    for (const r of s.routes) lines.push(`    - ${code(r.error)} → ${r.outcomes.map(outcomeText).join(', or ') || 'nothing requeues it'}`);
  }
  return lines;
}

function outcomeText(o: RouteOutcome): string {
  if (o.dropped) return `${code(o.hook)} frees it${o.counted ? ' (counted lost)' : ' **without counting it lost**'}`;
  return `${code(o.hook)} puts it at the ${o.end ?? '?'} of ${code(o.queue ?? '?')}${o.bound ? ` (${boundWord(o.bound)})` : ''}`;
}
