/**
 * How the interpreter stops a task that would never give its CPU back: a soft
 * lockup (a loop that runs on without sleeping) or a stack overflow (calls of
 * the file's functions that nest without end). Both unwind the interpreter's
 * frames, and each frame adds itself on the way out, so the error carries the
 * task's call trace as the kernel's report would.
 */
import type { RanStep, SleepSite } from './task';

/** Calls of the file's functions one task may have open at once. */
export const MAX_CALL_DEPTH = 256;

/** One open call on the stopped task's stack: the function, and the line it was at. */
export interface StackFrame {
  fn: string;
  line: number;
}

export abstract class TaskStopped extends Error {
  /** The task's open calls, innermost first (filled in while the error unwinds them). */
  readonly frames: StackFrame[] = [];

  constructor(message: string, readonly task: string) {
    super(message);
  }

  /** The call trace, outermost first: `a() → b() → c()`. */
  callChain(): string {
    return [...this.frames].reverse().map((f) => `${f.fn}()`).join(' → ');
  }
}

/** A soft lockup: more statements than the budget without sleeping, in a loop the ring saw. */
export class LivelockError extends TaskStopped {
  /** `loop`: the last trip round it (at most LOOP_SHOWN statements); `owner`: its shallowest statement, in the function whose loop it is. */
  constructor(readonly fn: string, readonly steps: number, task: string, readonly loop: RanStep[] = [], readonly owner?: RanStep) {
    super(`more than ${steps} steps inside one call of ${fn}() without sleeping`, task);
  }
}

/**
 * A task that sleeps where it cannot yield to the others (boot's initcalls, a hook called
 * through a pointer), in a loop that sleeps on or a wait whose condition stays false: nothing
 * else runs until it returns, so it never does. A hung task, not a spin.
 */
export class HungTaskError extends TaskStopped {
  constructor(readonly fn: string, task: string, readonly loop: RanStep[], readonly site: SleepSite, readonly owner?: RanStep) {
    super(`${fn}() sleeps and never returns`, task);
  }
}

/**
 * A stack overflow: the task's calls nested past MAX_CALL_DEPTH. The kernel's 16 KiB stack
 * holds far fewer frames than that; audit.c's deepest call chain is about ten.
 */
export class StackOverflowError extends TaskStopped {
  constructor(readonly fn: string, readonly depth: number, task: string) {
    super(`calls nest more than ${depth} deep`, task);
  }

  /**
   * The cycle the calls go round, outermost first (one trip: `a`, or `a`, `b` for mutual
   * recursion), and the calls that led into it.
   */
  cycle(): { entry: StackFrame[]; cycle: StackFrame[]; calls: number } {
    const inner = this.frames;
    let period = inner.length;
    for (let p = 1; p <= inner.length / 2; p++) {
      if (inner.slice(0, p).every((f, i) => inner[i + p].fn === f.fn)) { period = p; break; }
    }
    // the frames that go round the cycle, from the innermost out; the rest led into it
    let j = 0;
    while (j < inner.length && inner[j].fn === inner[j % period].fn) j++;
    const recursion = inner.slice(0, j).reverse();
    return { entry: inner.slice(j).reverse(), cycle: recursion.slice(0, period), calls: recursion.length };
  }
}
