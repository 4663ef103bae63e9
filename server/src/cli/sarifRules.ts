/**
 * What each rule flags, in plain text, for SARIF rule metadata
 * (fullDescription and help). The wording follows the precise semantics in
 * docs/rules/README.md; keep the two in step.
 */
export const RULE_FLAGS: Readonly<Record<string, string>> = {
  AQ101:
    'An enqueue onto a backlog queue that is not dominated by a bound check on audit_backlog_limit (a length test with an early exit counts), is not a producer enqueue onto a queue with admission control (a backlog wait that sleeps while the queue is over the limit), and does not put back a record just taken from the same queue. Local lists such as ab->skb_list are not backlog queues.',
  AQ102:
    'A record that failed in a drain of queue Q is put back into Q and the drain leaves the loop after that failure: at the head (order holds only while the loop leaves at once) or at the tail (the record now sits behind newer records). A drain that keeps going and rotates the whole queue in a single pass is not flagged; see AQ103.',
  AQ103:
    'A drain of queue Q keeps going after a failure at some call site, the hook bound there can put the record back into Q, and either the loop has no single-pass bound (a snapshot of the tail or length taken before the loop) or the record goes back at the head.',
  AQ104:
    'At a drain site of the main or retry queue, -EAGAIN from a failed send reaches an enqueue to the hold queue, through the error value passed to the hook or because the hook takes no error and sends every failure to hold.',
  AQ105:
    'A record is freed (kfree_skb or consume_skb) on a path where neither audit_log_lost() (or a function that calls it) was called nor audit_default is known to be false. The drop after the printk fallback when audit_default is 0 is by design, and releasing an extra reference taken with skb_get() before a send is not a drop.',
  AQ106: "The consumer's pass over the queues drains them in an order other than hold, then retry, then main (queues may be skipped).",
  AQ107:
    'A record is dereferenced or passed on after a call that consumed it (kfree_skb, consume_skb, netlink_unicast, nlmsg_multicast, or a hook or function that takes ownership) with no extra reference from skb_get(). Pointer comparisons and reassignment are not uses.',
  AQ108:
    'A path ends, or the record variable is overwritten, while the function still owns a record that it has not queued, sent, consumed, freed or handed to a function that takes it.',
  AQ109:
    'A drain keeps going after a send fails with -EAGAIN and clears its socket: the error hook sends the failed record to one queue (retry) and, on the no-socket path, the records behind it to another (hold) that the consumer flushes earlier, so they reach auditd before the failed record. A hook bound by `sk ? f : g` is read as f for a pass that sent.',
  AL201:
    'rcu_dereference() without rcu_read_lock() held, or rcu_dereference_protected(p, lockdep_is_held(&L)) without L held.',
  AL202:
    'An __rcu global read or written other than through rcu_dereference*, rcu_assign_pointer, RCU_INIT_POINTER or rcu_access_pointer. Passing &p to a function is not flagged.',
  AL203:
    'A non-boot write to a global without lock L while at least one other non-boot write of it holds L. Boot-time (__init) writes, atomics and RCU pointers are not flagged.',
  AL204:
    'A lock held on some but not all paths at return, or released twice in one function. Lock and unlock wrappers such as audit_ctl_lock() are recognised.',
  AL205: 'A call that may sleep, directly or through the file\'s own functions, while a spinlock or rcu_read_lock() is surely held.',
  AL206:
    'A plain access to a shared global without the lock its writes hold, or with no lock at all, from a context that can run concurrently with a write; one finding per variable. Benign (information) for config words written under the control lock and read plain, and for an owner field written with current and NULL under its lock and read only in a comparison with current; harmful (warning) for queues, lists, RCU pointers and connection state used after the read. Marked (READ_ONCE/WRITE_ONCE), atomic and RCU accesses are not flagged.',
  AL207:
    'The backlog wait is reachable with the control lock (audit_cmd_mutex) held without being exempted by a test that the current task owns the lock, or is not exempted for auditd itself (a test of the current task against the connection).',
  AC301:
    'A case of the control dispatcher changes configuration or rules (writes a config word or calls a rule-changing API) without any test of audit_enabled against AUDIT_LOCKED on its path, while a sibling case does test it.',
};
