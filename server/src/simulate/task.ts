/**
 * What the interpreter keeps per task (the kthread, the producers, boot), as
 * the kernel keeps it in task_struct and on the task's stack: how deep its
 * calls nest, how many statements it has run since it last slept, where it
 * went to sleep, and - when asked - a ring of the statements it ran, from
 * which the loop it is stuck in is read.
 */

/** Statements kept by a task's line ring. */
export const LINE_RING = 512;

/** One statement a task ran: where, how deep in its calls, and when. */
export interface RanStep {
  line: number;
  fn: string;
  /** Index of the statement's node in its function's control flow graph. */
  node: number;
  /** Call depth of the task when it ran it (1 for the task's outermost function). */
  depth: number;
  tick: number;
}

/** The last statements a task ran, in preallocated arrays written in place. */
export class LineRing {
  private readonly lines = new Int32Array(LINE_RING);
  private readonly nodes = new Int32Array(LINE_RING);
  private readonly depths = new Int32Array(LINE_RING);
  private readonly ticks = new Int32Array(LINE_RING);
  private readonly fns = new Array<string>(LINE_RING);
  private next = 0;

  push(line: number, fn: string, node: number, depth: number, tick: number): void {
    const at = this.next++ % LINE_RING;
    this.lines[at] = line;
    this.fns[at] = fn;
    this.nodes[at] = node;
    this.depths[at] = depth;
    this.ticks[at] = tick;
  }

  get size(): number {
    return Math.min(this.next, LINE_RING);
  }

  /**
   * The last trip round the loop the task is in: the statements since the previous run of the
   * last one (same line, function and depth: one iteration), oldest first, at most `max`. With
   * no repeat in the ring, its last `max` statements.
   */
  lastLoop(max: number): RanStep[] {
    const n = this.size;
    if (!n) return [];
    const at = (i: number) => (this.next - 1 - i + LINE_RING * 2) % LINE_RING;
    const last = at(0);
    let period = n;
    for (let i = 1; i < n; i++) {
      const k = at(i);
      if (this.lines[k] === this.lines[last] && this.nodes[k] === this.nodes[last] && this.depths[k] === this.depths[last] && this.fns[k] === this.fns[last]) { period = i; break; }
    }
    const out: RanStep[] = [];
    for (let i = Math.min(period, max) - 1; i >= 0; i--) out.push(this.step(at(i)));
    return out;
  }

  /**
   * The function whose loop the task goes round: of the last iteration's statements, the one
   * run at the shallowest depth (callees are entered afresh each trip; the caller repeats).
   */
  loopOwner(): RanStep | undefined {
    const n = this.size;
    if (!n) return undefined;
    const at = (i: number) => (this.next - 1 - i + LINE_RING * 2) % LINE_RING;
    const last = at(0);
    let best = last;
    for (let i = 1; i < n; i++) {
      const k = at(i);
      if (this.depths[k] < this.depths[best]) best = k;
      if (this.lines[k] === this.lines[last] && this.nodes[k] === this.nodes[last] && this.depths[k] === this.depths[last] && this.fns[k] === this.fns[last]) break;
    }
    return this.step(best);
  }

  private step(k: number): RanStep {
    return { line: this.lines[k], fn: this.fns[k], node: this.nodes[k], depth: this.depths[k], tick: this.ticks[k] };
  }
}

/** Where a task went to sleep: the statement, its function, and when. */
export interface SleepSite {
  fn: string;
  line: number;
  node: number;
  tick: number;
}

export class TaskContext {
  /** Calls of the file's functions now open on the task's stack. */
  depth = 0;
  /** Statements run since the task last slept (or since its outermost call began). */
  steps = 0;
  /** Statements it may run before it counts as spinning; raised once to watch the loop. */
  limit: number;
  /** Over its budget once already: the ring is on to see which loop it goes round. */
  probing = false;
  /** The statements it ran, when traced (always, or while probing). */
  ring?: LineRing;
  /** Traced for the whole run (the ring stays on after a probe). */
  traced = false;
  /** Sleeps it took where it could not yield (run in place), and how many when the probe began. */
  sleptInPlace = 0;
  probeSleeps = 0;
  /** Asleep now (set by the innermost function that sleeps, cleared when it wakes). */
  asleep = false;
  /** Where it last went to sleep (meaningful once it has slept). */
  readonly sleptAt: SleepSite = { fn: '', line: 0, node: -1, tick: -1 };

  constructor(readonly name: string, readonly budget: number) {
    this.limit = budget;
  }

  /** Keeps the statements it runs from now on. */
  trace(): void {
    this.traced = true;
    this.ring ??= new LineRing();
  }

  /** Stops keeping them (unless a probe needs the ring). */
  untrace(): void {
    this.traced = false;
    if (!this.probing) this.ring = undefined;
  }

  /** It goes to sleep at this statement. */
  sleep(fn: string, line: number, node: number, tick: number): void {
    this.asleep = true;
    const at = this.sleptAt;
    at.fn = fn;
    at.line = line;
    at.node = node;
    at.tick = tick;
  }

  /** It slept or started a new outermost call: a fresh budget, and the probe (if any) is over. */
  fresh(): void {
    this.steps = 0;
    if (!this.probing) return;
    this.probing = false;
    this.limit = this.budget;
    if (!this.traced) this.ring = undefined;
  }
}
