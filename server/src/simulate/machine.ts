/**
 * The interpreter: runs the file's own functions, compiled from their control
 * flow graphs into closures once per simulation. Nodes are statements and
 * conditions, so goto, break, continue and early returns need nothing special.
 * Functions that may sleep (wait_event, schedule_timeout, or calls to such
 * functions) also run as generators, so the consumer thread and the producers
 * can yield to the scheduler exactly where the kernel would sleep.
 */
import type { QueueModel } from '../model';
import { Compiled, Expr, Frame, FunctionCompiler, Node } from './compile';
import { HungTaskError, LivelockError, MAX_CALL_DEPTH, StackOverflowError, TaskStopped } from './lockup';
import { LINE_RING, LineRing, TaskContext } from './task';
import { num, truthy, Value } from './values';

/** Why a task stopped running: blocked on a condition, asleep for some ticks, or just letting others run. */
export type Wait = { kind: 'wait'; until: () => boolean } | { kind: 'sleep'; ticks: number } | { kind: 'yield' };

/** Statements a task over its budget runs on with its ring on, to see the loop it goes round. */
const PROBE_STEPS = 2 * LINE_RING;
/** Wake-ups a sleep run in place may take before the task counts as hung: 120 s of jiffies, as khungtaskd. */
const IN_PLACE_WAKEUPS = 12_000;
/** Statements of a spinning loop kept for its report. */
export const LOOP_SHOWN = 30;

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
  /** Interpreted statements so far, all tasks together. */
  steps = 0;
  /** Where the interpreter is, for traces. */
  line = 0;
  fn = '';
  /**
   * The task on the CPU: its call depth, its budget of statements between sleeps and its line
   * ring. The scheduler switches it before it resumes a task; calls made outside any task
   * (the initcalls) run as the boot task.
   */
  task: TaskContext;
  /** The clock for line rings and sleep sites (the harness's tick). */
  now: () => number = () => 0;

  constructor(private readonly model: QueueModel, readonly kernel: Kernel, private readonly budget: number) {
    this.task = this.newTask('the boot task (initcalls)');
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

  /** A context for a new task, with the run's budget of statements between sleeps. */
  newTask(name: string): TaskContext {
    return new TaskContext(name, this.budget);
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
    const t = this.task;
    this.enter(c, t);
    if (c.watched) this.kernel.enter?.(c.name, args);
    try {
      return this.run(c, args, t);
    } finally {
      if (c.watched) this.kernel.leave?.(c.name);
      t.depth--;
    }
  }

  /** Calls a function of the file as a task that yields where it would sleep. */
  *callGen(name: string, args: Value[]): Generator<Wait, Value> {
    const c = this.compile(name);
    if (!c.sleeps) return this.callCompiled(c, args);
    const t = this.task;
    this.enter(c, t);
    if (c.watched) this.kernel.enter?.(c.name, args);
    try {
      return yield* this.runGen(c, args, t);
    } finally {
      if (c.watched) this.kernel.leave?.(c.name);
      t.depth--;
    }
  }

  /** One more call open on the task's stack: a new outermost call starts a fresh budget; too deep is a stack overflow. */
  private enter(c: Compiled, t: TaskContext): void {
    if (t.depth === 0) t.fresh();
    else if (t.depth >= MAX_CALL_DEPTH) throw new StackOverflowError(c.name, MAX_CALL_DEPTH, t.name);
    t.depth++;
  }

  /**
   * The task ran its budget of statements without sleeping. The first time, it runs on with its
   * ring on, so that the report can say which loop it goes round (and in which function);
   * the second time it is stopped.
   */
  private overBudget(t: TaskContext): void {
    if (!t.probing) {
      t.probing = true;
      t.probeSleeps = t.sleptInPlace;
      t.limit = t.steps + PROBE_STEPS;
      t.ring ??= new LineRing();
      return;
    }
    const owner = t.ring!.loopOwner();
    const loop = t.ring!.lastLoop(LOOP_SHOWN);
    // a loop that went to sleep on each trip is no spin: it sleeps where nothing else can run
    if (t.sleptInPlace > t.probeSleeps) throw new HungTaskError(owner?.fn ?? this.fn, t.name, loop, { ...t.sleptAt }, owner);
    throw new LivelockError(owner?.fn ?? this.fn, this.budget, t.name, loop, owner);
  }

  /**
   * A sleeping API where the task cannot yield (boot, a hook called through a pointer): it
   * runs without the others. A wait that does not end within the hung-task timeout never will
   * (nothing else runs to end it).
   */
  sleepInPlace(g: Generator<Wait, Value>): Value {
    const t = this.task;
    t.sleptInPlace++;
    // where, for a report; it is back before any other task runs, so never `asleep`
    t.sleep(this.fn, this.line, -1, this.now());
    t.asleep = false;
    let r = g.next();
    for (let woken = 0; !r.done; woken++) {
      if (woken >= IN_PLACE_WAKEUPS) throw new HungTaskError(this.fn, t.name, [], { ...t.sleptAt });
      r = g.next();
    }
    return r.value;
  }

  sleeps(name: string): boolean {
    return this.sleepy.has(name);
  }

  /**
   * Whether a task at `node` of `fn` can still return from it. A loop whose exits are all
   * constant conditions (`while (1)`, `for (;;)`) keeps a task that sleeps in it for ever.
   */
  canReturn(fn: string, node: number): boolean {
    const c = this.compile(fn);
    c.returns ??= returning(c);
    return c.returns[node] === 1;
  }

  private frame(c: Compiled, args: Value[]): Frame {
    const f: Frame = new Array(c.size);
    for (let i = 0; i < c.size; i++) f[i] = 0;
    for (let i = 0; i < c.params.length; i++) f[c.params[i]] = i < args.length ? args[i] : 0;
    for (let i = 0; i < c.init.length; i++) c.init[i](f);
    return f;
  }

  private run(c: Compiled, args: Value[], t: TaskContext): Value {
    const f = this.frame(c, args);
    const savedFn = this.fn;
    this.fn = c.name;
    let id = c.entry;
    try {
      for (;;) {
        const n = c.nodes[id];
        this.steps++;
        if (++t.steps > t.limit) this.overBudget(t);
        this.line = n.line;
        if (t.ring !== undefined && n.traced) t.ring.push(n.line, c.name, id, t.depth, this.now());
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
    } catch (err) {
      // the task is being stopped: this call is one line of its call trace
      if (err instanceof TaskStopped) err.frames.push({ fn: c.name, line: c.nodes[id].line });
      throw err;
    } finally {
      this.fn = savedFn;
    }
  }

  private *runGen(c: Compiled, args: Value[], t: TaskContext): Generator<Wait, Value> {
    const f = this.frame(c, args);
    let id = c.entry;
    try {
      for (;;) {
        const n = c.nodes[id];
        this.fn = c.name;
        this.line = n.line;
        if (t.ring !== undefined && n.traced) t.ring.push(n.line, c.name, id, t.depth, this.now());
        this.steps++;
        // a task that loops without ever sleeping is spinning on its CPU: the same budget as a call
        if (++t.steps > t.limit) this.overBudget(t);
        switch (n.kind) {
          case 'stmt':
            if (n.sleepy) yield* this.slept(n.sleepy(f), c, id, t);
            else n.exec!(f);
            id = n.succ[0];
            break;
          case 'cond': {
            let ok: boolean;
            if (n.sleepyValue) {
              const v = yield* this.slept(n.sleepyValue(f), c, id, t);
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
            if (n.sleepyValue) return yield* this.slept(n.sleepyValue(f), c, id, t);
            return n.value ? n.value(f) : 0;
          case 'exit':
            return 0;
          default:
            id = n.succ[0];
        }
      }
    } catch (err) {
      if (err instanceof TaskStopped) err.frames.push({ fn: c.name, line: c.nodes[id].line });
      throw err;
    }
  }

  /**
   * Runs a sleeping part of a statement; each wake-up starts a fresh budget. The innermost
   * function that sleeps notes where (the outer ones see the task already asleep).
   */
  private *slept<T>(g: Generator<Wait, T>, c: Compiled, id: number, t: TaskContext): Generator<Wait, T> {
    for (let r = g.next(); ; r = g.next()) {
      if (r.done) return r.value;
      if (!t.asleep) t.sleep(c.name, c.nodes[id].line, id, this.now());
      yield r.value;
      // other tasks ran meanwhile: this one is back where it slept, with a fresh budget
      t.asleep = false;
      t.fresh();
      this.fn = c.name;
      this.line = c.nodes[id].line;
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

/** For each node of a compiled function: 1 when a return can still be reached from it. */
function returning(c: Compiled): Uint8Array {
  const preds: number[][] = c.nodes.map(() => []);
  c.nodes.forEach((n, i) => {
    for (const to of successors(n)) preds[to]?.push(i);
  });
  const out = new Uint8Array(c.nodes.length);
  const todo: number[] = [];
  c.nodes.forEach((n, i) => {
    if (n.kind === 'return' || n.kind === 'exit') { out[i] = 1; todo.push(i); }
  });
  while (todo.length) {
    for (const p of preds[todo.pop()!]) if (!out[p]) { out[p] = 1; todo.push(p); }
  }
  return out;
}

/** Where a node can go on: a condition that is a constant (`while (1)`, `for (;;)`) goes one way only. */
function successors(n: Node): number[] {
  if (n.kind === 'switch') return [...(n.cases ?? []).map((x) => x.to), ...(n.defaultTo !== undefined ? [n.defaultTo] : [])];
  if (n.kind !== 'cond') return n.succ;
  if (!n.test || n.constant === true) return [n.succ[0]];
  if (n.constant === false) return [n.succ[1] ?? n.succ[0]];
  return n.succ;
}
