/**
 * The rule catalogue (DESIGN.md): stable ids, names, default severities and a
 * one-line summary. Rule docs live in docs/rules/<ID>.md; SARIF and LSP take
 * their metadata from here.
 */
import type { Severity } from './finding';

export interface RuleInfo {
  id: string;
  name: string;
  /** Default severity; a rule may report a lower one for a benign case (AL206). */
  severity: Severity;
  summary: string;
}

export const RULES: readonly RuleInfo[] = [
  { id: 'AQ101', name: 'unbounded-enqueue', severity: 'warning', summary: 'Enqueue to a backlog queue with no audit_backlog_limit bound and no admission control on the path.' },
  { id: 'AQ102', name: 'requeue-breaks-order', severity: 'warning', summary: 'A failed record put back behind newer records while its drain stops (warning), or at the head of a drain that stops at once (order kept; information).' },
  { id: 'AQ103', name: 'drain-livelock', severity: 'error', summary: 'A drain loop whose per-record failure path returns the record to the same queue with no single-pass bound: kauditd spins while sends fail.' },
  { id: 'AQ104', name: 'transient-to-hold', severity: 'warning', summary: 'A transient send error (-EAGAIN, possible with a finite sk_sndtimeo) routed to the hold queue instead of the retry queue.' },
  { id: 'AQ105', name: 'silent-drop', severity: 'error', summary: 'A record freed on a failure path reachable with audit=1 and no audit_log_lost() accounting.' },
  { id: 'AQ106', name: 'flush-order', severity: 'error', summary: 'Queues flushed in an order other than hold, retry, main: records reach auditd out of order.' },
  { id: 'AQ107', name: 'use-after-consume', severity: 'error', summary: 'An skb used after a call that consumes it.' },
  { id: 'AQ108', name: 'leaked-record', severity: 'error', summary: 'A path on which a record the function owns is neither queued, sent, consumed nor freed.' },
  { id: 'AQ109', name: 'transient-reorder', severity: 'information', summary: 'After one send fails with -EAGAIN, a drain that clears its socket and keeps going sends the failed record to one queue and the records behind it to a queue the consumer flushes first: they overtake it.' },
  { id: 'AL201', name: 'rcu-deref-outside-read-side', severity: 'error', summary: 'rcu_dereference() of an RCU pointer outside rcu_read_lock() (or without the update lock it claims).' },
  { id: 'AL202', name: 'rcu-plain-access', severity: 'warning', summary: 'An __rcu pointer read or written without the RCU accessors.' },
  { id: 'AL203', name: 'unguarded-write', severity: 'warning', summary: 'A write to a variable whose other writes hold a lock, without that lock.' },
  { id: 'AL204', name: 'lock-imbalance', severity: 'error', summary: 'A lock still held on some return path, or released when not held.' },
  { id: 'AL205', name: 'sleep-in-atomic', severity: 'error', summary: 'A call that may sleep under a spinlock or inside an RCU read-side section.' },
  { id: 'AL206', name: 'data-race', severity: 'warning', summary: 'A plain access racing with a write in another context (queue lengths and in-place RCU writes included); benign or harmful by what the code does with the value.' },
  { id: 'AL207', name: 'backlog-wait-under-lock', severity: 'error', summary: 'A wait on the backlog (admission loop, helper or open-coded) reachable by the holder of audit_cmd_mutex, or, where it admits records, by auditd itself.' },
  { id: 'AC301', name: 'locked-config-bypass', severity: 'warning', summary: 'A control message that changes rules or configuration without refusing when audit is locked (auditctl -e 2), where its siblings refuse.' },
];

export const RULE_BY_ID: ReadonlyMap<string, RuleInfo> = new Map(RULES.map((r) => [r.id, r]));

/** Where rule documentation lives relative to the project (and the packaged extension) root. */
export function ruleDocPath(id: string): string {
  return `docs/rules/${id}.md`;
}
