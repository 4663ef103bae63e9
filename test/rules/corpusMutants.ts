/**
 * Bugs put into today's kernel/audit.c, each a short edit of one or two lines
 * described in kernel terms, and rewrites that keep it correct: shared by the
 * rule tests (corpus-mutants) and the simulator's reproduction tests. The
 * kernel text itself is read from ../shared at test time, never stored here.
 */
export interface Mutant {
  name: string;
  /** Exact text to replace (first occurrence) and its replacement. */
  edits: [string, string][];
  rule: string;
  /** The finding's line contains this text. */
  at: string;
}

export const MUTANTS: Mutant[] = [
  { name: 'the admission loop no longer exempts auditd', edits: [['if (!(auditd_test_task(current) || audit_ctl_owner_current())) {', 'if (!(audit_ctl_owner_current())) {']], rule: 'AL207', at: 'while (audit_backlog_limit &&' },
  { name: 'the admission loop no longer exempts the control-mutex owner', edits: [['if (!(auditd_test_task(current) || audit_ctl_owner_current())) {', 'if (!(auditd_test_task(current))) {']], rule: 'AL207', at: 'while (audit_backlog_limit &&' },
  { name: 'the sender penalty runs before the control lock is dropped', edits: [['\taudit_ctl_unlock();\n\n\t/* can\'t block with the ctrl lock', '\n\t/* can\'t block with the ctrl lock'], ['\t\tremove_wait_queue(&audit_backlog_wait, &wait);\n\t}\n}\n', '\t\tremove_wait_queue(&audit_backlog_wait, &wait);\n\t}\n\taudit_ctl_unlock();\n}\n']], rule: 'AL207', at: 'add_wait_queue_exclusive(&audit_backlog_wait, &wait);' },
  { name: 'the multicast copy is freed after nlmsg_multicast() consumed it', edits: [['\tnlmsg_multicast(sock, copy, 0, AUDIT_NLGRP_READLOG, GFP_KERNEL);\n', '\tnlmsg_multicast(sock, copy, 0, AUDIT_NLGRP_READLOG, GFP_KERNEL);\n\tkfree_skb(copy);\n']], rule: 'AQ107', at: 'kfree_skb(copy);' },
  { name: 'the producer reads the record after queueing it', edits: [['\t\tskb_queue_tail(&audit_queue, skb);\n', '\t\tskb_queue_tail(&audit_queue, skb);\n\t\tpr_debug("queued %u\\n", skb->len);\n']], rule: 'AQ107', at: 'pr_debug("queued %u' },
  { name: 'the drain sends without the extra reference, then hands the record to err_hook', edits: [['\t\tskb_get(skb);\n', '']], rule: 'AQ107', at: 'rc = netlink_unicast(sk, skb, portid, 0);' },
  { name: 'the retry hook returns early without queueing or freeing', edits: [['static void kauditd_retry_skb(struct sk_buff *skb, __always_unused int error)\n{\n', 'static void kauditd_retry_skb(struct sk_buff *skb, __always_unused int error)\n{\n\tif (!audit_enabled)\n\t\treturn;\n']], rule: 'AQ108', at: 'static void kauditd_retry_skb(' },
  { name: 'the rate-limited producer path drops the record without freeing it', edits: [['\t\taudit_log_lost("rate limit exceeded");\n\t\tkfree_skb(skb);\n', '\t\taudit_log_lost("rate limit exceeded");\n']], rule: 'AQ108', at: 'static void __audit_log_end(' },
  { name: 'auditd_set() publishes the new connection after dropping auditd_conn_lock', edits: [['\trcu_assign_pointer(auditd_conn, ac_new);\n\tspin_unlock_irqrestore(&auditd_conn_lock, flags);\n', '\tspin_unlock_irqrestore(&auditd_conn_lock, flags);\n\trcu_assign_pointer(auditd_conn, ac_new);\n']], rule: 'AL203', at: 'rcu_assign_pointer(auditd_conn, ac_new);' },
  { name: 'the owner is stored before the control mutex is taken', edits: [['\tmutex_lock(&audit_cmd_mutex.lock);\n\taudit_cmd_mutex.owner = current;\n', '\taudit_cmd_mutex.owner = current;\n\tmutex_lock(&audit_cmd_mutex.lock);\n']], rule: 'AL203', at: 'audit_cmd_mutex.owner = current;' },
  { name: 'the hold-queue rehold goes back to the head while the drain keeps going', edits: [['\tskb_queue_tail(&audit_hold_queue, skb);\n}\n', '\tskb_queue_head(&audit_hold_queue, skb);\n}\n']], rule: 'AQ103', at: 'skb_queue_head(&audit_hold_queue, skb);' },
  { name: 'the retry hook loses its limit check', edits: [['\tif (!audit_backlog_limit ||\n\t    skb_queue_len(&audit_retry_queue) < audit_backlog_limit) {\n\t\tskb_queue_tail(&audit_retry_queue, skb);\n\t\treturn;\n\t}\n\n\t/* we have to drop', '\t{\n\t\tskb_queue_tail(&audit_retry_queue, skb);\n\t\treturn;\n\t}\n\n\t/* we have to drop']], rule: 'AQ101', at: 'skb_queue_tail(&audit_retry_queue, skb);' },
];

// The same file with its limit checks rewritten as helpers: still bounded, nothing new.
export const CLEAN_REWRITES: Mutant[] = [
  { name: 'the retry limit check moved into a predicate function', edits: [['static void kauditd_retry_skb(struct sk_buff *skb, __always_unused int error)\n{\n\tif (!audit_backlog_limit ||\n\t    skb_queue_len(&audit_retry_queue) < audit_backlog_limit) {', 'static bool queue_has_room(struct sk_buff_head *q)\n{\n\treturn !audit_backlog_limit || skb_queue_len_lockless(q) < audit_backlog_limit;\n}\n\nstatic void kauditd_retry_skb(struct sk_buff *skb, __always_unused int error)\n{\n\tif (queue_has_room(&audit_retry_queue)) {']], rule: '', at: '' },
  { name: 'the retry limit check written as a macro', edits: [['static void kauditd_retry_skb(struct sk_buff *skb, __always_unused int error)\n{\n\tif (!audit_backlog_limit ||\n\t    skb_queue_len(&audit_retry_queue) < audit_backlog_limit) {', '#define QUEUE_HAS_ROOM(q) (!audit_backlog_limit || skb_queue_len_lockless(q) < audit_backlog_limit)\n\nstatic void kauditd_retry_skb(struct sk_buff *skb, __always_unused int error)\n{\n\tif (QUEUE_HAS_ROOM(&audit_retry_queue)) {']], rule: '', at: '' },
];

/** The corpus with the mutant's edits; throws when the text to edit is not there. */
export function applyMutant(text: string, m: Mutant): string {
  let out = text;
  for (const [from, to] of m.edits) {
    if (!out.includes(from)) throw new Error(`${m.name}: the text to edit is not in the corpus`);
    out = out.replace(from, to);
  }
  return out;
}

