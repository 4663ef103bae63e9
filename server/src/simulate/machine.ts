/**
 * The interpreter: runs the file's own functions, compiled from their control
 * flow graphs into closures once per simulation. Nodes are statements and
 * conditions, so goto, break, continue and early returns need nothing special.
 * Functions that may sleep (wait_event, schedule_timeout, or calls to such
 * functions) also run as generators, so the consumer thread and the producers
 * can yield to the scheduler exactly where the kernel would sleep.
 */
import type { QueueModel } from '../model';
import { Compiled, Expr, Frame, FunctionCompiler } from './compile';
import { num, truthy, Value } from './values';

/** Why a task stopped running: blocked on a condition, asleep for some ticks, or just letting others run. */
export type Wait = { kind: 'wait'; until: () => boolean } | { kind: 'sleep'; ticks: number } | { kind: 'yield' };

/** Statements kept by the line ring. */
const LINE_RING = 512;

export class LivelockError extends Error {
  constructor(readonly fn: string, readonly steps: number) {
    super(`more than ${steps} steps inside one call of ${fn}()`);
  }
}

/** What the modelled kernel provides to the interpreter. */
export interface Kernel {
  /** A builtin for `name`, or undefined when the name is not a kernel API the model knows. */
  builtin(name: string): ((args: Expr[], f: Frame) => Value) | undefined;
  /** Known calls that change nothing the model tracks (locks, printk...): bare names passed to them are not read. */
  isNoOp?(name: string): boolean;
  /** Kernel calls beyond the wait APIs that may sleep in this run (a blocking send). */
  mayBlock?(name: string): boolean;
  /** Builtins that sleep: they return a generator yielding waits. */
  sleeper(name: string): ((args: Expr[], f: Frame) => Generator<Wait, Value>) | undefined;
  /** A value that changes during the run (`current`, `jiffies`), read each time. */
  dynamic?(name: string): (() => Value) | undefined;
  /** Value of an identifier that is neither a local, a global nor a function of the file. */
  constant(name: string): Value | undefined;
  /** A call the model does not know, run as a no-op. */
  abstracted(name: string): void;
  /** For a call outside the file whose result the file sends to (its socket getter): the socket. */
  socketSource?(name: string): Value | undefined;
  /** Entry into and exit from a function of the file (for the termination invariant). */
  enter?(name: string, args: Value[]): void;
  leave?(name: string): void;
  /** Whether enter/leave matter for this function (kept off the hot path otherwise). */
  watches?(name: string): boolean;
}

export interface Cell {
  v: Value;
}

const SLEEPING_APIS = /^(wait_event\w*|schedule|schedule_timeout\w*|msleep\w*|ssleep|cond_resched|wait_for_completion\w*)$/;

export class Machine {
  readonly globals = new Map<string, Cell>();
  /** Identifiers with no declaration or constant in the file (header macros): read as 0, and reported. */
  readonly unknownValues = new Set<string>();
  private readonly compiled = new Map<string, Compiled>();
  private readonly sleepy = new Set<string>();
  /** Interpreted statements so far, and within the current top-level call. */
  steps = 0;
  private callSteps = 0;
  private depth = 0;
  private topCall = '';
  /** Where the interpreter is, for traces. */
  line = 0;
  fn = '';
  /**
   * Every statement's line, kept in a ring when set: a re-run that explains a spin records the
   * loop the task went round (off in the first run, where it would cost on every step).
   */
  lineTrace = false;
  private readonly lineRing = { lines: new Int32Array(LINE_RING), fns: new Array<string>(LINE_RING), ticks: new Int32Array(LINE_RING), next: 0 };
  /** The clock for the line ring (the harness's tick). */
  now: () => number = () => 0;

  constructor(private readonly model: QueueModel, readonly kernel: Kernel, private readonly budget: number) {
    // which functions may sleep: they call a sleeping API, directly or through the file's functions
    const sleeps = (callee: string) => SLEEPING_APIS.test(callee) || !!kernel.mayBlock?.(callee);
    for (const [name, e] of model.file.functions) if (e.facts.calls.some((c) => c.callee && sleeps(c.callee))) this.sleepy.add(name);
    let changed = true;
    while (changed) {
      changed = false;
      for (const [name, e] of model.file.functions) {
        if (this.sleepy.has(name)) continue;
        if (e.facts.calls.some((c) => c.callee && this.sleepy.has(c.callee))) { this.sleepy.add(name); changed = true; }
      }
    }
  }

  has(name: string): boolean {
    return this.model.file.functions.has(name);
  }

  global(name: string): Cell {
    let c = this.globals.get(name);
    if (!c) this.globals.set(name, (c = { v: 0 }));
    return c;
  }

  /** Calls a function of the file without sleeping (waits are skipped). */
  call(name: string, args: Value[]): Value {
    return this.callCompiled(this.compile(name), args);
  }

  /** The compiled function, for call sites that resolve their callee once. */
  compiledFn(name: string): Compiled {
    return this.compile(name);
  }

  callCompiled(c: Compiled, args: Value[]): Value {
    if (this.depth === 0) { this.callSteps = 0; this.topCall = c.name; }
    this.depth++;
    if (c.watched) this.kernel.enter?.(c.name, args);
    try {
      return this.run(c, args);
    } finally {
      if (c.watched) this.kernel.leave?.(c.name);
      this.depth--;
    }
  }

  /** Calls a function of the file as a task that yields where it would sleep. */
  *callGen(name: string, args: Value[]): Generator<Wait, Value> {
    const c = this.compile(name);
    if (!c.sleeps) return this.call(name, args);
    this.depth++;
    if (c.watched) this.kernel.enter?.(c.name, args);
    try {
      return yield* this.runGen(c, args);
    } finally {
      if (c.watched) this.kernel.leave?.(c.name);
      this.depth--;
    }
  }

  private traceLine(line: number, fn: string): void {
    const r = this.lineRing;
    const at = r.next++ % LINE_RING;
    r.lines[at] = line;
    r.fns[at] = fn;
    r.ticks[at] = this.now();
  }

  /**
   * The last trip round the loop the task is stuck in: the statements since the previous visit
   * of the last one (one iteration), oldest first, at most `max`.
   */
  lastLoop(max: number): { line: number; fn: string; tick: number }[] {
    const r = this.lineRing;
    const n = Math.min(r.next, LINE_RING);
    const at = (i: number) => (r.next - 1 - i + LINE_RING * 2) % LINE_RING;
    if (!n) return [];
    const last = at(0);
    let period = n;
    for (let i = 1; i < n; i++) {
      const k = at(i);
      if (r.lines[k] === r.lines[last] && r.fns[k] === r.fns[last]) { period = i; break; }
    }
    const out: { line: number; fn: string; tick: number }[] = [];
    for (let i = Math.min(period, max) - 1; i >= 0; i--) {
      const k = at(i);
      out.push({ line: r.lines[k], fn: r.fns[k], tick: r.ticks[k] });
    }
    return out;
  }

  sleeps(name: string): boolean {
    return this.sleepy.has(name);
  }

  private frame(c: Compiled, args: Value[]): Frame {
    const f: Frame = new Array(c.size);
    for (let i = 0; i < c.size; i++) f[i] = 0;
    for (let i = 0; i < c.params.length; i++) f[c.params[i]] = i < args.length ? args[i] : 0;
    for (let i = 0; i < c.init.length; i++) c.init[i](f);
    return f;
  }

  private run(c: Compiled, args: Value[]): Value {
    const f = this.frame(c, args);
    const savedFn = this.fn;
    this.fn = c.name;
    let id = c.entry;
    try {
      for (;;) {
        const n = c.nodes[id];
        this.steps++;
        if (++this.callSteps > this.budget) throw new LivelockError(this.topCall, this.budget);
        this.line = n.line;
        if (this.lineTrace && (n.kind === 'stmt' || n.kind === 'cond' || n.kind === 'switch' || n.kind === 'return')) this.traceLine(n.line, c.name);
        switch (n.kind) {
          case 'stmt':
            n.exec!(f);
            id = n.succ[0];
            break;
          case 'cond':
            id = n.test ? (n.test(f) ? n.succ[0] : n.succ[1]) : n.succ[0];
            break;
          case 'switch': {
            const v = num(n.value!(f));
            const hit = n.cases!.find((x) => x.value === v);
            id = hit ? hit.to : n.defaultTo!;
            break;
          }
          case 'return':
            return n.value ? n.value(f) : 0;
          case 'exit':
            return 0;
          default:
            id = n.succ[0];
        }
      }
    } finally {
      this.fn = savedFn;
    }
  }

  private *runGen(c: Compiled, args: Value[]): Generator<Wait, Value> {
    const f = this.frame(c, args);
    if (this.depth === 1) { this.callSteps = 0; this.topCall = c.name; }
    let id = c.entry;
    for (;;) {
      const n = c.nodes[id];
      this.fn = c.name;
      this.line = n.line;
      if (this.lineTrace && (n.kind === 'stmt' || n.kind === 'cond' || n.kind === 'switch' || n.kind === 'return')) this.traceLine(n.line, c.name);
      this.steps++;
      // a task that loops without ever sleeping is spinning on its CPU: the same budget as a call
      if (++this.callSteps > this.budget) throw new LivelockError(this.topCall, this.budget);
      switch (n.kind) {
        case 'stmt':
          if (n.sleepy) yield* this.slept(n.sleepy(f), c.name, n.line);
          else n.exec!(f);
          id = n.succ[0];
          break;
        case 'cond': {
          let ok: boolean;
          if (n.sleepyValue) {
            const v = yield* this.slept(n.sleepyValue(f), c.name, n.line);
            ok = truthy(v);
          } else ok = n.test ? n.test(f) : true;
          id = ok ? n.succ[0] : n.succ[1] ?? n.succ[0];
          break;
        }
        case 'switch': {
          const v = num(n.value!(f));
          const hit = n.cases!.find((x) => x.value === v);
          id = hit ? hit.to : n.defaultTo!;
          break;
        }
        case 'return':
          if (n.sleepyValue) return yield* this.slept(n.sleepyValue(f), c.name, n.line);
          return n.value ? n.value(f) : 0;
        case 'exit':
          return 0;
        default:
          id = n.succ[0];
      }
    }
  }

  /** Runs a sleeping part of a statement; each wake-up starts a fresh budget. */
  private *slept<T>(g: Generator<Wait, T>, fn: string, line: number): Generator<Wait, T> {
    for (let r = g.next(); ; r = g.next()) {
      if (r.done) return r.value;
      yield r.value;
      // other tasks ran meanwhile: this one is back where it slept, with a fresh budget
      this.callSteps = 0;
      this.fn = fn;
      this.line = line;
    }
  }

  private compile(name: string): Compiled {
    const hit = this.compiled.get(name);
    if (hit) return hit;
    const e = this.model.file.functions.get(name);
    if (!e) throw new Error(`no function ${name}`);
    const c = new FunctionCompiler(this, e, this.model.file.source.text, this.model.file.source.lines.positionAt.bind(this.model.file.source.lines)).compile();
    c.sleeps = this.sleepy.has(name);
    c.watched = !!this.kernel.watches?.(name);
    this.compiled.set(name, c);
    return c;
  }
}

