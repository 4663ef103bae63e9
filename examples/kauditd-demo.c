// SPDX-License-Identifier: MIT
/*
 * kauditd-demo.c - a small, self-contained model of an audit backlog.
 *
 * Written for AuditLens as a demo input; it is not kernel code and does not
 * build on its own. It has the shape reviewers know from kernel/audit.c:
 * producers append records to a main queue after waiting for room, one
 * consumer thread sends them to the audit daemon, and records that cannot be
 * sent are parked on a retry queue (transient failure) or a hold queue (no
 * daemon). Every queue is bounded by audit_backlog_limit, each drain pass
 * handles a record at most once, and the consumer drains hold, then retry,
 * then main, so records reach the daemon in the order they were produced.
 */

#include <linux/errno.h>
#include <linux/kthread.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

/* The three backlog queues. */
static struct sk_buff_head audit_queue;
static struct sk_buff_head audit_retry_queue;
static struct sk_buff_head audit_hold_queue;

/* Configuration: 0 means "no limit"; audit_default is the boot-time audit=1. */
static u32 audit_backlog_limit = 64;
static u32 audit_default = 1;
static u32 audit_backlog_wait_ms = 60000;

/* The connected audit daemon, if any: read under RCU, replaced under the lock. */
struct demo_conn {
	struct pid *pid;
	u32 portid;
	struct sock *sk;
	struct rcu_head rcu;
};
static struct demo_conn __rcu *auditd_conn;
static DEFINE_SPINLOCK(auditd_conn_lock);

static DECLARE_WAIT_QUEUE_HEAD(demo_consumer_wait);
static DECLARE_WAIT_QUEUE_HEAD(demo_backlog_wait);

/*
 * Sends one record to the daemon; consumes it on success and keeps it on
 * failure, so the caller can requeue it. netlink_unicast() drops a reference
 * whatever happens, hence the extra one taken first.
 */
static int demo_unicast(u32 portid, struct sk_buff *skb)
{
	struct demo_conn *conn;
	struct sock *sk = NULL;
	int rc;

	rcu_read_lock();
	conn = rcu_dereference(auditd_conn);
	if (conn)
		sk = conn->sk;
	rcu_read_unlock();
	if (!sk)
		return -ECONNREFUSED;

	skb_get(skb);
	rc = netlink_unicast(sk, skb, portid, 0);
	if (rc >= 0)
		consume_skb(skb);
	return rc;
}
/* Last resort when no daemon will ever read the record (audit=0). */
void demo_print_record(const struct sk_buff *skb);

/* Accounts for a record that is dropped on purpose. */
static void demo_count_lost(const char *why)
{
	pr_warn_ratelimited("audit demo: record lost: %s\n", why);
	audit_log_lost(why);
}

/* True while the main queue has no room for another record. */
static bool demo_backlog_full(void)
{
	return audit_backlog_limit &&
	       skb_queue_len_lockless(&audit_queue) >= audit_backlog_limit;
}

/* True when @task is the connected daemon. */
static bool demo_is_daemon(struct task_struct *task)
{
	struct demo_conn *conn;
	bool is = false;

	rcu_read_lock();
	conn = rcu_dereference(auditd_conn);
	if (conn)
		is = conn->pid == task_tgid(task);
	rcu_read_unlock();
	return is;
}

/* Backlog wait: sleeps until the consumer makes room, or gives up. */
static int demo_wait_for_room(void)
{
	long left = msecs_to_jiffies(audit_backlog_wait_ms);

	/* the daemon is what drains the queue: it must never wait for room */
	if (demo_is_daemon(current))
		return 0;

	while (demo_backlog_full()) {
		wake_up_interruptible(&demo_consumer_wait);
		left = wait_event_timeout(demo_backlog_wait,
					  !demo_backlog_full(), left);
		if (!left)
			return -ETIMEDOUT;
	}
	return 0;
}

/* Producer: admission is decided by the backlog wait, before the enqueue. */
int demo_log_record(struct sk_buff *skb)
{
	if (demo_wait_for_room()) {
		demo_count_lost("backlog limit exceeded");
		kfree_skb(skb);
		return -ENOSPC;
	}
	skb_queue_tail(&audit_queue, skb);
	wake_up_interruptible(&demo_consumer_wait);
	return 0;
}

/* Requeue hook: keep a record while no daemon listens, up to the limit. */
static void demo_hold_skb(struct sk_buff *skb, int error)
{
	if (!audit_default) {
		demo_print_record(skb);
		kfree_skb(skb);
		return;
	}
	if (audit_backlog_limit &&
	    skb_queue_len_lockless(&audit_hold_queue) >= audit_backlog_limit) {
		demo_count_lost("hold queue overflow");
		kfree_skb(skb);
		return;
	}
	skb_queue_tail(&audit_hold_queue, skb);
}

/* Requeue hook: a transient send failure is retried later, up to the limit. */
static void demo_retry_skb(struct sk_buff *skb, int error)
{
	if (audit_backlog_limit &&
	    skb_queue_len_lockless(&audit_retry_queue) >= audit_backlog_limit) {
		demo_count_lost("retry queue overflow");
		kfree_skb(skb);
		return;
	}
	skb_queue_tail(&audit_retry_queue, skb);
}

/* Routes a failed record: -EAGAIN is transient, anything else waits for a new daemon. */
static void demo_requeue_failed(struct sk_buff *skb, int error)
{
	if (error == -EAGAIN)
		demo_retry_skb(skb, error);
	else
		demo_hold_skb(skb, error);
}

/* Reads the daemon's port id under RCU; 0 when none is connected. */
static u32 demo_conn_portid(void)
{
	struct demo_conn *conn;
	u32 portid = 0;

	rcu_read_lock();
	conn = rcu_dereference(auditd_conn);
	if (conn)
		portid = conn->portid;
	rcu_read_unlock();
	return portid;
}

/*
 * A daemon registers: publish its connection. A send to a daemon that stops
 * reading gives up after 100 ms with -EAGAIN instead of blocking the consumer
 * for ever (the socket's default send timeout).
 */
static int demo_conn_attach(struct pid *pid, u32 portid, struct sock *sk)
{
	struct demo_conn *conn, *old;

	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	if (!conn)
		return -ENOMEM;
	conn->pid = pid;
	conn->portid = portid;
	conn->sk = sk;
	sk->sk_sndtimeo = HZ / 10;

	spin_lock(&auditd_conn_lock);
	old = rcu_dereference_protected(auditd_conn,
					lockdep_is_held(&auditd_conn_lock));
	rcu_assign_pointer(auditd_conn, conn);
	spin_unlock(&auditd_conn_lock);
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

/* Forgets the daemon: parked transient failures must now wait for the next one. */
static void demo_conn_reset(void)
{
	struct demo_conn *old;
	struct sk_buff *skb;

	spin_lock(&auditd_conn_lock);
	old = rcu_dereference_protected(auditd_conn,
					lockdep_is_held(&auditd_conn_lock));
	rcu_assign_pointer(auditd_conn, NULL);
	spin_unlock(&auditd_conn_lock);
	if (old)
		kfree_rcu(old, rcu);

	while ((skb = skb_dequeue(&audit_retry_queue)))
		demo_hold_skb(skb, -ECONNREFUSED);
}

/*
 * Drain one queue once. The tail seen on entry is where this pass stops, so a
 * record that err_hook puts back on the same queue waits for the next pass
 * instead of being retried for ever. After the first failure the rest of the
 * pass is not sent but requeued behind the failed record, so a send that
 * succeeds a moment later cannot overtake it. Returns the first send error,
 * or 0.
 */
static int demo_send_queue(u32 portid, struct sk_buff_head *queue,
			   void (*err_hook)(struct sk_buff *skb, int error))
{
	struct sk_buff *stop = skb_peek_tail(queue);
	struct sk_buff *skb;
	bool last = false;
	int failed = 0;
	int rc;

	while (!last && stop && (skb = skb_dequeue(queue))) {
		last = (skb == stop);
		if (failed) {
			err_hook(skb, failed);
			continue;
		}
		rc = demo_unicast(portid, skb);
		if (rc >= 0)
			continue;
		failed = rc;
		err_hook(skb, rc);
	}
	return failed;
}

/*
 * Moves the main queue behind a queue that is failing, without sending: the
 * records keep their order, and the consumer, which sleeps until the main
 * queue is non-empty, does not spin while the daemon is away or stuck.
 */
static void demo_park_main(int error)
{
	struct sk_buff *skb;

	while ((skb = skb_dequeue(&audit_queue)))
		demo_requeue_failed(skb, error);
}

/*
 * Consumer: hold first, then retry, then main, so the daemon sees records in
 * the order they were produced; a queue with failures holds back the next.
 */
static int demo_kauditd_thread(void *unused)
{
	u32 portid;
	int rc;

	while (!kthread_should_stop()) {
		portid = demo_conn_portid();
		rc = portid ? 0 : -ECONNREFUSED;
		if (!rc)
			rc = demo_send_queue(portid, &audit_hold_queue, demo_hold_skb);
		if (!rc)
			rc = demo_send_queue(portid, &audit_retry_queue,
					     demo_requeue_failed);
		if (!rc)
			rc = demo_send_queue(portid, &audit_queue,
					     demo_requeue_failed);
		/* a daemon that went away: what waited for it moves to hold first */
		if (rc == -ECONNREFUSED && portid)
			demo_conn_reset();
		if (rc)
			demo_park_main(rc);

		wake_up(&demo_backlog_wait);
		wait_event_freezable(demo_consumer_wait,
				     skb_queue_len_lockless(&audit_queue) ||
				     kthread_should_stop());
	}
	return 0;
}
