/**
 * The modelled kernel the audit code runs on: skb queues holding records,
 * reference counts, netlink sends whose outcome the scenario decides, loss
 * accounting, RCU and locks (tracked as no-ops: tasks are cooperative),
 * sleeping, kthreads and time. It also watches the invariants as it goes.
 */
import { ERRNO } from '../facts/apis';
import type { Kernel, Wait } from './machine';
import type { Invariant, TraceStep } from './types';
import { FnRef, getField, Obj, Queue, queue, Record, Ref, struct, Struct, truthy, Value } from './values';

type Expr = (f: Value[]) => Value;
type Builtin = (args: Expr[], f: Value[]) => Value;

export class Halt extends Error {}

export interface SendPolicy {
  /** The outcome of a unicast send now: 0 for success, or a negative errno. */
  outcome(): number;
}

/** Values from kernel headers the audit code reads (HZ is 100: one tick of the clock is one jiffy). */
export const KERNEL_CONSTANTS: { [name: string]: number } = {
  NULL: 0, true: 1, false: 0, GFP_KERNEL: 0xcc0, GFP_ATOMIC: 0x820, GFP_NOWAIT: 0x800, GFP_NOFS: 0xc40, HZ: 100,
  TASK_INTERRUPTIBLE: 1, TASK_UNINTERRUPTIBLE: 2, MSG_DONTWAIT: 0x40, NLMSG_HDRLEN: 16, AUDIT_BUFSIZ: 1024,
  // kernel/audit.h and include/uapi/linux/audit.h
  AUDIT_BACKLOG_WAIT_TIME: 60 * 100, AUDIT_OFF: 0, AUDIT_ON: 1, AUDIT_LOCKED: 2, AUDIT_EOE: 1320, AUDIT_KERNEL: 2000,
  MAX_SCHEDULE_TIMEOUT: Number.MAX_SAFE_INTEGER,
};

/** Calls that are pure bookkeeping in the model: they happen, and change nothing the model tracks. */
const NO_OPS = /^(spin_lock_init|mutex_(lock|unlock)\w*|local_irq_\w+|set_freezable|try_to_freeze|wake_up\w*|set_current_state|__set_current_state|add_wait_queue\w*|remove_wait_queue|might_sleep|lockdep_assert_held\w*|put_net|put_pid|kfree|kvfree|kmem_cache_free|call_rcu|kfree_rcu|synchronize_rcu|synchronize_net|netlink_ack|printk\w*|pr_\w+|audit_panic|BUG_ON|WARN_ON\w*|barrier|smp_\w*mb|preempt_\w+|init_waitqueue_head|INIT_LIST_HEAD|mutex_init|spin_lock_init|DECLARE_WAITQUEUE|va_start|va_end|va_copy|ktime_get\w*|skb_put|skb_trim)$/;

interface DrainFrame {
  fn: string;
  queue: Queue;
  start: number;
  count: number;
  /** Records this pass has taken: taking one again means it was put back and the pass goes round. */
  taken: Set<number>;
}

export interface WorldOptions {
  limit: number;
  send: SendPolicy;
  traceSize: number;
  lossCounter?: string;
  /** Drain functions: name -> index of the queue parameter. */
  drains: Map<string, number>;
  /**
   * Jiffies a unicast to an auditd that is not reading blocks before it fails -EAGAIN: the file's
   * sk_sndtimeo (Infinity for MAX_SCHEDULE_TIMEOUT, the kernel's default), 0 to fail at once.
   */
  sendTimeout: number;
  /** Queues bounded by admission (the backlog wait) rather than at the enqueue: records they may hold past the limit. */
  admissionSlack?: Map<string, number>;
  /** Why an admission-bounded queue passed its slack (producers that bypass the wait), for the violation. */
  admissionBypass?: string;
  /** Records whose every step is kept (a re-run that explains a violation about them). */
  focus?: ReadonlySet<number>;
}

/** A trace step with its position in the run, so focused steps and the last window merge in order. */
export interface SeqStep {
  seq: number;
  step: TraceStep;
  /** The record the step is about, for a focused run's steps. */
  record?: number;
}

/** A violation as the run records it: with the records it is about and the events before it. */
export interface RawViolation {
  invariant: Invariant;
  message: string;
  queue?: string;
  trace: TraceStep[];
  records: number[];
  window: SeqStep[];
}

export class World implements Kernel {
  tick = 0;
  private seq = 0;
  produced = 0;
  delivered = 0;
  lost = 0;
  dropped = 0;
  readonly lostByReason: { [reason: string]: number } = {};
  private credits: string[] = [];
  private lastDelivered = 0;
  readonly backlog: Queue[] = [];
  readonly live = new Set<Record>();
  stop = false;
  readonly threads: { fn: string; arg: Value }[] = [];
  readonly abstractedCalls: { [name: string]: number } = {};
  readonly violations: RawViolation[] = [];
  /** Observations that are no invariant's business, for the result's notes. */
  readonly notes: string[] = [];
  private readonly overByAdmission = new Set<string>();
  /** Per task: spinlocks held and rcu_read_lock() depth, so a sleep in atomic context is seen. */
  private readonly atomic = new Map<Struct, { spin: number; rcu: number }>();
  private readonly atomicSleeps = new Set<string>();
  /** Every step about a focused record, in order. */
  readonly focusSteps: SeqStep[] = [];
  private readonly ring = {
    ticks: new Int32Array(256), lines: new Int32Array(256), kinds: new Uint8Array(256), ids: new Int32Array(256), rcs: new Int32Array(256),
    fns: [] as string[], texts: [] as string[], queues: [] as string[], lens: new Int32Array(0),
  };
  private traceNext = 0;
  private readonly drainStack: DrainFrame[] = [];
  /** The task now running (`current`). */
  current: Struct = struct({ tgid: 1 });
  /** Where the interpreter is (set by the harness before each builtin runs). */
  where: () => { line: number; fn: string } = () => ({ line: 0, fn: '' });
  readonly sock: Struct = struct({ name: { kind: 'str', text: 'audit netlink socket' } });
  private readonly builtins: Map<string, Builtin>;

  constructor(private readonly opt: WorldOptions, private readonly fileConstants: Map<string, number>) {
    this.builtins = this.table();
  }

  // --- records and accounting -------------------------------------------------------------

  newRecord(): Record {
    const r: Record = { kind: 'skb', id: ++this.seq, refs: 1, state: 'live', fields: { len: 64 } };
    this.produced++;
    this.live.add(r);
    return r;
  }

  private release(v: Value, how: string): void {
    if (typeof v !== 'object' || v.kind !== 'skb') return;
    if (v.refs <= 0) {
      this.violation('accounting', `record #${v.id} released again after it was freed (${how}): a double free`, [v.id]);
      return;
    }
    v.refs--;
    if (v.refs > 0) return;
    this.live.delete(v);
    if (v.state === 'delivered') return;
    const reason = this.credits.shift();
    if (reason !== undefined) {
      v.state = 'lost';
      this.lost++;
      this.lostByReason[reason] = (this.lostByReason[reason] ?? 0) + 1;
      this.event(`record #${v.id} freed, counted lost (${reason})`, EV_TEXT, '', v.id);
    } else {
      v.state = 'dropped';
      this.dropped++;
      this.event(`record #${v.id} freed by ${how} without audit_log_lost()`, EV_TEXT, '', v.id);
      this.violation('accounting', `record #${v.id} was freed by ${how} in ${this.where().fn}() without audit_log_lost(): it is gone and no loss was counted`, [v.id]);
    }
  }

  /** A loss counted with no record freed after it (e.g. the backlog wait giving up before allocating). */
  settleCredits(): number {
    const n = this.credits.length;
    for (const reason of this.credits.splice(0)) {
      this.lost++;
      this.produced++; // the event existed; its record was never made
      this.lostByReason[reason] = (this.lostByReason[reason] ?? 0) + 1;
    }
    return n;
  }

  queued(): number {
    return this.backlog.reduce((n, q) => n + q.items.length, 0);
  }

  /** Live records on no backlog queue: in the hands of a task (or leaked by the code). */
  inFlight(): number {
    const queued = new Set<Record>();
    for (const q of this.backlog) for (const r of q.items) queued.add(r);
    let n = 0;
    for (const r of this.live) if (!queued.has(r)) n++;
    return n;
  }

  // --- invariants and trace -----------------------------------------------------------------

  /**
   * Records a step of the trace. Hot: every queue operation and send calls it, so the ring is
   * a set of preallocated arrays written in place; the readable steps are built only when a
   * violation needs them.
   */
  event(what: string, kind = EV_TEXT, queueName = '', id = 0, rc = 0): void {
    const size = this.opt.traceSize;
    const at = this.traceNext++ % size;
    const w = this.where();
    const r = this.ring;
    r.ticks[at] = this.tick;
    r.lines[at] = w.line;
    r.fns[at] = w.fn;
    r.kinds[at] = kind;
    r.texts[at] = what;
    r.queues[at] = queueName;
    r.ids[at] = id;
    r.rcs[at] = rc;
    const nq = this.backlog.length;
    if (r.lens.length < size * nq) r.lens = new Int32Array(size * nq);
    for (let k = 0; k < nq; k++) r.lens[at * nq + k] = this.backlog[k].items.length;
    if (id && this.opt.focus?.has(id)) this.focusSteps.push({ seq: this.traceNext - 1, step: this.stepAt(at), record: id });
  }

  private stepAt(at: number): TraceStep {
    const r = this.ring;
    const nq = this.backlog.length;
    const queues: { [q: string]: number } = {};
    this.backlog.forEach((q, k) => { queues[q.name] = r.lens[at * nq + k]; });
    return { tick: r.ticks[at], line: r.lines[at], fn: r.fns[at], event: describe(r.kinds[at], r.texts[at], r.queues[at], r.ids[at], r.rcs[at]), queues };
  }

  /** The last steps before now, oldest first. */
  private atomicOf(task: Struct): { spin: number; rcu: number } {
    let d = this.atomic.get(task);
    if (!d) this.atomic.set(task, (d = { spin: 0, rcu: 0 }));
    return d;
  }

  /** The running task is about to sleep: in atomic context that is a kernel BUG, noted once per place. */
  sleeping(): void {
    const d = this.atomic.get(this.current);
    if (!d || (!d.spin && !d.rcu)) return;
    const w = this.where();
    const key = `${w.fn}:${w.line}`;
    if (this.atomicSleeps.has(key)) return;
    this.atomicSleeps.add(key);
    const what = d.spin ? 'holding a spinlock' : 'inside rcu_read_lock()';
    this.notes.push(`${w.fn}() sleeps at line ${w.line} while ${what}: scheduling while atomic ("BUG: sleeping function called from invalid context")`);
  }

  /** Queue lengths now, for steps made outside the event ring. */
  queueLengths(): { [q: string]: number } {
    const out: { [q: string]: number } = {};
    for (const q of this.backlog) out[q.name] = q.items.length;
    return out;
  }

  private window(): SeqStep[] {
    const size = this.opt.traceSize;
    const n = Math.min(this.traceNext, size);
    const out: SeqStep[] = [];
    for (let i = this.traceNext - n; i < this.traceNext; i++) out.push({ seq: i, step: this.stepAt(i % size) });
    return out;
  }

  /**
   * Records the first violation of each invariant (of `bounded`, the first for each queue);
   * `records` names the records it is about, for a focused re-run.
   */
  violation(invariant: Invariant, message: string, records: number[] = [], queue?: string): RawViolation | undefined {
    if (this.violations.some((v) => v.invariant === invariant && v.queue === queue)) return undefined;
    const window = this.window();
    const v: RawViolation = { invariant, message, ...(queue ? { queue } : {}), trace: window.map((s) => s.step), records, window };
    this.violations.push(v);
    return v;
  }

  private enqueue(q: Queue, r: Value, head: boolean): void {
    if (typeof r !== 'object' || r.kind !== 'skb') return;
    if (head) q.items.unshift(r);
    else q.items.push(r);
    if (q.items.length > q.max) q.max = q.items.length;
    if (!q.backlog) return;
    this.event('', head ? EV_HEAD : EV_TAIL, q.name, r.id);
    if (this.opt.limit > 0 && q.items.length > this.opt.limit) {
      const slack = this.opt.admissionSlack?.get(q.name) ?? 0;
      if (q.items.length > this.opt.limit + slack) {
        const why = this.opt.admissionSlack?.has(q.name) && this.opt.admissionBypass ? `: ${this.opt.admissionBypass}` : '';
        this.violation('bounded', `${q.name} holds ${q.items.length} records, over audit_backlog_limit ${this.opt.limit}${why}`, [], q.name);
      } else if (!this.overByAdmission.has(q.name)) {
        this.overByAdmission.add(q.name);
        this.notes.push(this.opt.admissionBypass
          ? `${q.name} reached ${q.items.length} with audit_backlog_limit ${this.opt.limit}: producers holding audit_cmd_mutex pass the backlog wait, so it holds up to one message's records past the limit before the sender penalty makes them wait`
          : `${q.name} reached ${q.items.length} with audit_backlog_limit ${this.opt.limit}: its bound is the backlog wait, which lets a record in while the queue holds no more than the limit, so it can pass the limit by one record per producer between that check and the enqueue`);
      }
    }
  }

  private dequeue(q: Queue, tail: boolean): Value {
    const r = tail ? q.items.pop() : q.items.shift();
    if (!r) return 0;
    if (q.backlog) {
      this.event('', tail ? EV_DEQ_TAIL : EV_DEQ, q.name, r.id);
      for (let i = this.drainStack.length - 1; i >= 0; i--) {
        const d = this.drainStack[i];
        if (d.queue !== q) continue;
        d.count++;
        // producers may add records while the pass sleeps in a send: new records are fair game,
        // the same record again is the pass going round what it put back
        if (d.taken.has(r.id)) {
          this.violation('termination', `${d.fn}() took record #${r.id} off ${q.name} twice in one pass (${d.count} records taken; the queue held ${d.start} when the pass began): what the pass puts back it takes again, so it never ends while sends keep failing`, []);
          throw new Halt();
        }
        d.taken.add(r.id);
        break;
      }
    }
    return r;
  }

  private send(sk: Value, skb: Value): number {
    if (typeof skb !== 'object' || skb.kind !== 'skb') return -ERRNO.EINVAL;
    return this.sent(skb, sk ? this.opt.send.outcome() : -ERRNO.ECONNREFUSED);
  }

  /**
   * A blocking unicast to an auditd that is not reading: netlink waits for room in its receive
   * buffer for the socket's sk_sndtimeo, then fails -EAGAIN; if auditd reads meanwhile, the send
   * goes through. One tick is one jiffy.
   */
  private *sendBlocking(sk: Value, skb: Value): Generator<Wait, Value> {
    if (typeof skb !== 'object' || skb.kind !== 'skb') return -ERRNO.EINVAL;
    if (!sk) return this.sent(skb, -ERRNO.ECONNREFUSED);
    for (let waited = 0; ; waited++) {
      const rc = this.opt.send.outcome();
      if (rc !== -ERRNO.EAGAIN || waited >= this.opt.sendTimeout) return this.sent(skb, rc);
      if (waited === 0) this.event(`netlink_unicast(#${skb.id}) waits for auditd to read (sk_sndtimeo ${Number.isFinite(this.opt.sendTimeout) ? `${this.opt.sendTimeout} jiffies` : 'MAX_SCHEDULE_TIMEOUT'})`, EV_TEXT, '', skb.id);
      yield { kind: 'sleep', ticks: 1 };
    }
  }

  private sent(skb: Record, rc: number): number {
    if (rc >= 0) {
      skb.state = 'delivered';
      this.delivered++;
      this.event('', EV_SENT, '', skb.id);
      if (skb.id < this.lastDelivered) {
        this.violation('ordering', `record #${skb.id} reached auditd after record #${this.lastDelivered}, which was produced later`, [skb.id, this.lastDelivered]);
      }
      this.lastDelivered = Math.max(this.lastDelivered, skb.id);
    } else {
      this.event('', EV_FAILED, '', skb.id, rc);
    }
    this.release(skb, 'netlink_unicast');
    return rc >= 0 ? 64 : rc;
  }

  // --- calls into and out of drains (termination) --------------------------------------------

  enterDrain(fn: string, q: Value): void {
    if (typeof q === 'object' && q.kind === 'queue' && q.backlog) this.drainStack.push({ fn, queue: q, start: q.items.length, count: 0, taken: new Set() });
  }

  leaveDrain(): void {
    this.drainStack.pop();
  }

  // --- the Kernel interface ------------------------------------------------------------------

  watches(name: string): boolean {
    return this.opt.drains.has(name);
  }

  enter(name: string, args: Value[]): void {
    const i = this.opt.drains.get(name);
    if (i !== undefined) this.enterDrain(name, args[i]);
  }

  leave(name: string): void {
    if (this.opt.drains.has(name)) this.leaveDrain();
  }

  builtin(name: string): Builtin | undefined {
    const b = this.builtins.get(name);
    if (b) return b;
    if (NO_OPS.test(name)) return (args, f) => { for (const a of args) a(f); return 0; };
    return undefined;
  }

  isNoOp(name: string): boolean {
    return !this.builtins.has(name) && NO_OPS.test(name);
  }

  /** Kernel calls that may sleep beyond the wait APIs: a unicast blocks while auditd is not reading. */
  mayBlock(name: string): boolean {
    return this.opt.sendTimeout > 0 && (name === 'netlink_unicast' || name === 'nlmsg_unicast');
  }

  sleeper(name: string): ((args: Expr[], f: Value[]) => Generator<Wait, Value>) | undefined {
    if (this.mayBlock(name)) {
      const world = this;
      return function* (args, f) {
        return yield* world.sendBlocking(args[0] ? args[0](f) : 0, args[1] ? args[1](f) : 0);
      };
    }
    if (/^wait_event/.test(name)) {
      const timed = /timeout/.test(name);
      return function* (args, f) {
        const cond = args[1];
        if (!cond) return 0;
        if (timed) {
          // the timeout is in jiffies, one per tick: sleep a tick at a time until the condition or the end
          let left = Math.max(0, Math.floor(Number(args[2]?.(f) ?? 0)));
          while (!truthy(cond(f)) && left > 0) {
            yield { kind: 'sleep', ticks: 1 };
            left--;
          }
          return truthy(cond(f)) ? Math.max(1, left) : 0;
        }
        while (!truthy(cond(f))) yield { kind: 'wait', until: () => truthy(cond(f)) };
        return 0;
      };
    }
    if (name === 'schedule' || name === 'cond_resched' || /^msleep|^ssleep/.test(name)) {
      return function* () {
        yield { kind: 'sleep', ticks: 1 };
        return 0;
      };
    }
    if (/^schedule_timeout/.test(name)) {
      return function* (args, f) {
        const t = Math.max(0, Number(args[0]?.(f) ?? 0));
        yield { kind: 'sleep', ticks: 1 };
        return Math.max(0, t - 1); // woken after a tick: what is left of the timeout
      };
    }
    return undefined;
  }

  /** Identifiers whose value changes as the run goes: the running task, and the clock. */
  dynamic(name: string): (() => Value) | undefined {
    if (name === 'current') return () => this.current;
    if (name === 'jiffies') return () => this.tick;
    return undefined;
  }

  constant(name: string): Value | undefined {
    const file = this.fileConstants.get(name);
    if (file !== undefined) return file;
    if (name in KERNEL_CONSTANTS) return KERNEL_CONSTANTS[name];
    if (/^E[A-Z0-9]+$/.test(name)) return ERRNO[name] ?? 1000;
    return undefined;
  }

  /** Calls outside the file whose result is the socket the file sends to (set by the harness). */
  readonly socketSources = new Set<string>();

  socketSource(name: string): Value | undefined {
    return this.socketSources.has(name) ? this.sock : undefined;
  }

  abstracted(name: string): void {
    this.abstractedCalls[name] = (this.abstractedCalls[name] ?? 0) + 1;
  }

  private table(): Map<string, Builtin> {
    const t = new Map<string, Builtin>();
    const v = (args: Expr[], f: Value[], i: number) => (args[i] ? args[i](f) : 0);
    const asQueue = (x: Value): Queue | undefined => {
      if (typeof x !== 'object') return undefined;
      if (x.kind === 'queue') return x;
      if (x.kind === 'ref') {
        let q = x.get();
        if (typeof q !== 'object' || q.kind !== 'queue') { q = queue('local', false); x.set(q); }
        return q as Queue;
      }
      return undefined;
    };
    const onQueue = (fn: (q: Queue, args: Expr[], f: Value[]) => Value): Builtin => (args, f) => {
      const q = asQueue(v(args, f, 0));
      return q ? fn(q, args, f) : 0;
    };
    for (const n of ['skb_queue_tail', '__skb_queue_tail']) t.set(n, onQueue((q, a, f) => { this.enqueue(q, v(a, f, 1), false); return 0; }));
    for (const n of ['skb_queue_head', '__skb_queue_head']) t.set(n, onQueue((q, a, f) => { this.enqueue(q, v(a, f, 1), true); return 0; }));
    for (const n of ['skb_dequeue', '__skb_dequeue']) t.set(n, onQueue((q) => this.dequeue(q, false)));
    for (const n of ['skb_dequeue_tail', '__skb_dequeue_tail']) t.set(n, onQueue((q) => this.dequeue(q, true)));
    t.set('skb_peek', onQueue((q) => q.items[0] ?? 0));
    t.set('skb_peek_tail', onQueue((q) => q.items[q.items.length - 1] ?? 0));
    for (const n of ['skb_queue_len', 'skb_queue_len_lockless']) t.set(n, onQueue((q) => q.items.length));
    for (const n of ['skb_queue_empty', 'skb_queue_empty_lockless']) t.set(n, onQueue((q) => (q.items.length ? 0 : 1)));
    for (const n of ['skb_queue_purge', '__skb_queue_purge']) t.set(n, onQueue((q) => { for (const r of q.items.splice(0)) this.release(r, 'skb_queue_purge'); return 0; }));
    for (const n of ['skb_queue_head_init', '__skb_queue_head_init']) {
      t.set(n, (args, f) => {
        const x = v(args, f, 0);
        if (typeof x === 'object' && x.kind === 'queue') x.items.length = 0;
        else if (typeof x === 'object' && x.kind === 'ref') x.set(queue('local', false));
        return 0;
      });
    }
    for (const n of ['nlmsg_new', 'alloc_skb', 'audit_make_reply']) t.set(n, () => this.newRecord());
    t.set('skb_get', (args, f) => { const r = v(args, f, 0); if (typeof r === 'object' && r.kind === 'skb') r.refs++; return r; });
    for (const n of ['kfree_skb', 'consume_skb', 'dev_kfree_skb', 'kfree_skb_reason']) {
      t.set(n, (args, f) => { this.release(v(args, f, 0), `${n}()`); return 0; });
    }
    for (const n of ['netlink_unicast', 'nlmsg_unicast']) t.set(n, (args, f) => this.send(v(args, f, 0), v(args, f, 1)));
    for (const n of ['nlmsg_multicast', 'netlink_broadcast']) t.set(n, (args, f) => { this.release(v(args, f, 1), n); return 0; });
    t.set('netlink_has_listeners', () => 0);
    t.set('skb_copy', () => struct({ copy: 1 }));
    t.set('skb_clone', () => struct({ copy: 1 }));
    for (const n of ['nlmsg_hdr', 'nlmsg_data', 'nlmsg_put']) {
      t.set(n, (args, f) => {
        const x = v(args, f, 0);
        if (typeof x === 'object' && x.kind === 'skb') return (x.fields.nlh ??= struct({ nlmsg_len: 0, nlmsg_type: 1100 }));
        return struct();
      });
    }
    for (const n of ['kmalloc', 'kzalloc', 'kcalloc', 'kmem_cache_alloc', 'kmem_cache_zalloc', 'kvmalloc']) t.set(n, () => struct());
    // loss accounting: audit_log_lost(), whether or not the file defines it
    const lost: Builtin = (args, f) => {
      let m = v(args, f, 0);
      if (typeof m === 'object' && m.kind === 'struct' && m.fields.text) m = m.fields.text;
      const reason = typeof m === 'object' && m.kind === 'str' ? m.text.replace(/^"|"$/g, '') : 'lost';
      this.credits.push(reason);
      this.event(`audit_log_lost("${reason}")`);
      return 0;
    };
    t.set('audit_log_lost', lost);
    for (const n of ['snprintf', 'scnprintf', 'sprintf']) {
      t.set(n, (args, f) => {
        const buf = v(args, f, 0);
        const fmt = v(args, f, n === 'sprintf' ? 1 : 2);
        if (typeof buf === 'object' && buf.kind === 'struct' && typeof fmt === 'object' && fmt.kind === 'str') buf.fields.text = fmt;
        return 0;
      });
    }
    if (this.opt.lossCounter) t.set(this.opt.lossCounter, lost);
    // RCU and marked accesses
    for (const n of ['rcu_dereference', 'rcu_dereference_bh', 'rcu_dereference_sched', 'rcu_dereference_raw', 'rcu_access_pointer', 'rcu_dereference_protected', 'rcu_dereference_check', 'READ_ONCE', 'data_race', 'smp_load_acquire', 'likely', 'unlikely', 'get_net', 'get_pid']) {
      t.set(n, (args, f) => v(args, f, 0));
    }
    t.set('net_generic', (args, f) => {
      const net = v(args, f, 0);
      return getField(net, 'aunet') || struct({ sk: this.sock });
    });
    t.set('task_tgid', (args, f) => getField(v(args, f, 0), 'tgid'));
    // the task holding a mutex (the harness makes producers hold audit_cmd_mutex with --bypass)
    t.set('__mutex_owner', (args, f) => getField(v(args, f, 0), 'owner'));
    for (const n of ['task_tgid_vnr', 'task_tgid_nr', 'task_pid_vnr', 'pid_vnr']) t.set(n, (args, f) => { const x = getField(v(args, f, 0), 'tgid'); return typeof x === 'number' ? x : 1; });
    // kthreads and time
    t.set('kthread_should_stop', () => (this.stop ? 1 : 0));
    t.set('kthread_run', (args, f) => {
      const fn = v(args, f, 0);
      if (typeof fn === 'object' && fn.kind === 'fn') this.threads.push({ fn: fn.name, arg: v(args, f, 1) });
      return struct({ task: 1 });
    });
    for (const n of ['IS_ERR', 'PTR_ERR', 'IS_ERR_OR_NULL']) t.set(n, () => 0);
    // time: a tick is a jiffy, HZ is 100
    t.set('msecs_to_jiffies', (args, f) => Math.ceil(Number(v(args, f, 0)) / 10));
    t.set('jiffies_to_msecs', (args, f) => Number(v(args, f, 0)) * 10);
    // locks and RCU: counted per task (tasks are cooperative, so they exclude nothing; a sleep
    // while one is held is what matters)
    const lockDelta = (field: 'spin' | 'rcu', delta: number): Builtin => () => {
      const d = this.atomicOf(this.current);
      d[field] = Math.max(0, d[field] + delta);
      return 0;
    };
    for (const n of ['spin_lock', 'spin_lock_irq', 'spin_lock_irqsave', 'spin_lock_bh', 'raw_spin_lock', 'raw_spin_lock_irqsave', 'read_lock', 'write_lock', 'read_lock_bh', 'write_lock_bh']) t.set(n, lockDelta('spin', 1));
    for (const n of ['spin_unlock', 'spin_unlock_irq', 'spin_unlock_irqrestore', 'spin_unlock_bh', 'raw_spin_unlock', 'raw_spin_unlock_irqrestore', 'read_unlock', 'write_unlock', 'read_unlock_bh', 'write_unlock_bh']) t.set(n, lockDelta('spin', -1));
    for (const n of ['rcu_read_lock', 'rcu_read_lock_bh', 'rcu_read_lock_sched']) t.set(n, lockDelta('rcu', 1));
    for (const n of ['rcu_read_unlock', 'rcu_read_unlock_bh', 'rcu_read_unlock_sched']) t.set(n, lockDelta('rcu', -1));
    t.set('spin_trylock', () => { this.atomicOf(this.current).spin++; return 1; });
    // formatting: a record's text is not modelled, only that there is room for it (AUDIT_BUFSIZ)
    t.set('skb_tailroom', () => 1024);
    t.set('skb_tail_pointer', () => 0);
    for (const n of ['vsnprintf', 'vscnprintf', 'snprintf_len']) t.set(n, () => 0);
    // the file's other kernel dependencies that must not say "no"
    t.set('audit_filter', () => 1);
    t.set('gfpflags_allow_blocking', () => 1);
    t.set('printk_ratelimit', () => 1);
    t.set('audit_rate_check', () => 1);
    // atomics, on a Ref (&v) or a struct field
    const cell = (args: Expr[], f: Value[]): Ref | undefined => { const x = v(args, f, 0); return typeof x === 'object' && x.kind === 'ref' ? x : undefined; };
    t.set('atomic_read', (args, f) => { const c = cell(args, f); return c ? c.get() : 0; });
    t.set('atomic_set', (args, f) => { cell(args, f)?.set(v(args, f, 1)); return 0; });
    for (const [n, d] of [['atomic_inc', 1], ['atomic_dec', -1]] as const) t.set(n, (args, f) => { const c = cell(args, f); if (c) c.set(Number(c.get()) + d); return 0; });
    for (const [n, d] of [['atomic_inc_return', 1], ['atomic_dec_return', -1]] as const) t.set(n, (args, f) => { const c = cell(args, f); if (!c) return 0; const x = Number(c.get()) + d; c.set(x); return x; });
    for (const [n, sign] of [['atomic_add', 1], ['atomic_sub', -1]] as const) {
      t.set(n, (args, f) => { const c = v(args, f, 1); if (typeof c === 'object' && c.kind === 'ref') c.set(Number(c.get()) + sign * Number(v(args, f, 0))); return 0; });
    }
    return t;
  }
}

const EV_TEXT = 0;
const EV_HEAD = 1;
const EV_TAIL = 2;
const EV_DEQ = 3;
const EV_DEQ_TAIL = 4;
const EV_SENT = 5;
const EV_FAILED = 6;

function describe(kind: number, text: string, q: string, id: number, rc: number): string {
  switch (kind) {
    case EV_HEAD: return `skb_queue_head(&${q}, #${id})`;
    case EV_TAIL: return `skb_queue_tail(&${q}, #${id})`;
    case EV_DEQ: return `skb_dequeue(&${q}) -> #${id}`;
    case EV_DEQ_TAIL: return `skb_dequeue_tail(&${q}) -> #${id}`;
    case EV_SENT: return `netlink_unicast(#${id}) delivered`;
    case EV_FAILED: return `netlink_unicast(#${id}) failed ${errnoName(rc)}`;
    default: return text;
  }
}

export function errnoName(rc: number): string {
  const e = Object.entries(ERRNO).find(([, n]) => -n === rc);
  return e ? `-${e[0]}` : String(rc);
}

export type { Obj, FnRef };
