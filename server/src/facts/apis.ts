/**
 * What the kernel APIs used by the audit queue code do, as far as the model
 * cares. Only kernel APIs live here: functions defined in the analysed file are
 * understood from their bodies (summaries), never from their names.
 */

export type QueueOpKind = 'enqueue' | 'dequeue' | 'peek' | 'len' | 'purge' | 'init' | 'unlink';
export type QueueEnd = 'head' | 'tail';

export const QUEUE_APIS: Record<string, { op: QueueOpKind; end?: QueueEnd }> = {
  skb_queue_tail: { op: 'enqueue', end: 'tail' },
  __skb_queue_tail: { op: 'enqueue', end: 'tail' },
  skb_queue_head: { op: 'enqueue', end: 'head' },
  __skb_queue_head: { op: 'enqueue', end: 'head' },
  skb_dequeue: { op: 'dequeue', end: 'head' },
  __skb_dequeue: { op: 'dequeue', end: 'head' },
  skb_dequeue_tail: { op: 'dequeue', end: 'tail' },
  __skb_dequeue_tail: { op: 'dequeue', end: 'tail' },
  skb_peek: { op: 'peek', end: 'head' },
  skb_peek_tail: { op: 'peek', end: 'tail' },
  skb_queue_len: { op: 'len' },
  skb_queue_len_lockless: { op: 'len' },
  skb_queue_empty: { op: 'len' },
  skb_queue_empty_lockless: { op: 'len' },
  skb_queue_purge: { op: 'purge' },
  __skb_queue_purge: { op: 'purge' },
  skb_queue_head_init: { op: 'init' },
  __skb_queue_head_init: { op: 'init' },
  skb_unlink: { op: 'unlink' },
};

/** Which argument holds the queue (skb_unlink(skb, list) is the odd one out). */
export function queueArgIndex(api: string): number {
  return api === 'skb_unlink' ? 1 : 0;
}

/** Which argument holds the record, for enqueues. */
export function recordArgIndex(api: string): number {
  return api === 'skb_unlink' ? 0 : 1;
}

export type LockKind = 'spin' | 'mutex' | 'rcu' | 'rwlock';

export const LOCK_ACQUIRE: Record<string, LockKind> = {
  spin_lock: 'spin', spin_lock_irq: 'spin', spin_lock_irqsave: 'spin', spin_lock_bh: 'spin',
  raw_spin_lock: 'spin', raw_spin_lock_irq: 'spin', raw_spin_lock_irqsave: 'spin', spin_trylock: 'spin',
  mutex_lock: 'mutex', mutex_lock_interruptible: 'mutex', mutex_lock_killable: 'mutex', mutex_trylock: 'mutex',
  read_lock: 'rwlock', write_lock: 'rwlock', read_lock_irqsave: 'rwlock', write_lock_irqsave: 'rwlock',
  rcu_read_lock: 'rcu', rcu_read_lock_bh: 'rcu', rcu_read_lock_sched: 'rcu',
};

export const LOCK_RELEASE: Record<string, LockKind> = {
  spin_unlock: 'spin', spin_unlock_irq: 'spin', spin_unlock_irqrestore: 'spin', spin_unlock_bh: 'spin',
  raw_spin_unlock: 'spin', raw_spin_unlock_irq: 'spin', raw_spin_unlock_irqrestore: 'spin',
  mutex_unlock: 'mutex', read_unlock: 'rwlock', write_unlock: 'rwlock', read_unlock_irqrestore: 'rwlock',
  write_unlock_irqrestore: 'rwlock', rcu_read_unlock: 'rcu', rcu_read_unlock_bh: 'rcu', rcu_read_unlock_sched: 'rcu',
};

/** The pseudo-lock that stands for an RCU read-side critical section. */
export const RCU_READ = 'rcu_read_lock';

export const RCU_READERS = new Set(['rcu_dereference', 'rcu_dereference_bh', 'rcu_dereference_sched', 'rcu_dereference_check', 'rcu_dereference_protected', 'rcu_dereference_raw', 'rcu_access_pointer', 'srcu_dereference']);
export const RCU_WRITERS = new Set(['rcu_assign_pointer', 'RCU_INIT_POINTER', 'rcu_replace_pointer']);
export const RCU_DEFER = new Set(['call_rcu', 'kfree_rcu', 'call_rcu_hurry']);

export const MARKED_READ = new Set(['READ_ONCE', 'smp_load_acquire', 'data_race', 'atomic_long_read']);
export const MARKED_WRITE = new Set(['WRITE_ONCE', 'smp_store_release']);

export function isAtomicApi(name: string): boolean {
  return /^(atomic|atomic64|atomic_long|refcount)_/.test(name) || /^(xchg|cmpxchg|try_cmpxchg|test_and_set_bit|test_and_clear_bit|set_bit|clear_bit|test_bit)$/.test(name);
}

/** Calls that take ownership of an skb argument (index), whatever their result. */
export const CONSUMES_SKB: Record<string, number> = {
  kfree_skb: 0, consume_skb: 0, dev_kfree_skb: 0, kfree_skb_reason: 0,
  netlink_unicast: 1, nlmsg_unicast: 1, nlmsg_multicast: 1, netlink_broadcast: 1,
};

/** Kernel calls that return a new skb the caller owns (one reference), or NULL. */
export const ALLOCATES_SKB = new Set(['alloc_skb', 'nlmsg_new', 'skb_copy', 'skb_clone', 'skb_copy_expand', 'pskb_copy', 'netlink_alloc_skb', '__alloc_skb', 'skb_unshare']);

/** Calls that free a record (as opposed to handing it on). */
export const FREES_SKB = new Set(['kfree_skb', 'consume_skb', 'dev_kfree_skb', 'kfree_skb_reason']);

/** Sends to a single netlink listener (auditd). */
export const UNICAST_SENDS = new Set(['netlink_unicast', 'nlmsg_unicast']);
/** Sends to multicast listeners. */
export const MULTICAST_SENDS = new Set(['nlmsg_multicast', 'netlink_broadcast']);

export const PRINTK = /^(printk|pr_(emerg|alert|crit|err|warn|warning|notice|info|debug|cont)|printk_ratelimited|pr_\w+_ratelimited|audit_panic)$/;

/** Kernel calls that may sleep regardless of arguments. */
export const MAY_SLEEP = new Set([
  'schedule', 'schedule_timeout', 'schedule_timeout_interruptible', 'schedule_timeout_uninterruptible',
  'schedule_timeout_killable', 'msleep', 'msleep_interruptible', 'ssleep', 'usleep_range', 'cond_resched',
  'might_sleep', 'mutex_lock', 'mutex_lock_interruptible', 'mutex_lock_killable', 'synchronize_rcu',
  'synchronize_net', 'synchronize_srcu', 'kthread_stop', 'wait_for_completion', 'flush_work',
  'copy_from_user', 'copy_to_user', 'get_user', 'put_user', 'down', 'down_interruptible', 'rcu_barrier',
]);

/** Allocators that sleep when given GFP_KERNEL (index of the gfp argument). */
export const GFP_ARG: Record<string, number> = {
  kmalloc: 1, kzalloc: 1, kcalloc: 2, kmem_cache_alloc: 1, kmem_cache_zalloc: 1, alloc_skb: 1,
  nlmsg_new: 1, skb_copy: 1, skb_clone: 1, kstrdup: 1, kmemdup: 2, vmalloc: -1, genlmsg_new: 1,
};

export function isWaitEvent(name: string): boolean {
  return /^wait_event/.test(name);
}

/** Kernel threads and other entry-point registrations. */
export const KTHREAD_START = new Set(['kthread_run', 'kthread_create', 'kthread_create_on_node']);
export const THREAD_STOP_TEST = 'kthread_should_stop';

/** errno names that matter to audit's routing; any E[A-Z]+ constant is recognised. */
export const ERRNO: Record<string, number> = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENOMEM: 12, EACCES: 13, EFAULT: 14, EBUSY: 16,
  EEXIST: 17, EINVAL: 22, ENOSPC: 28, EAGAIN: 11, EMSGSIZE: 90, EOPNOTSUPP: 95, ECONNREFUSED: 111,
  ETIMEDOUT: 110, ENOBUFS: 105, ECONNRESET: 104,
};
