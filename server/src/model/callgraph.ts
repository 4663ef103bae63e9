/**
 * Call graph of the file's own functions, with the functions bound to
 * function-pointer parameters at each call site (`kauditd_send_queue(...,
 * NULL, kauditd_rehold_skb)`, also `sk ? kauditd_retry_skb : kauditd_hold_skb`),
 * so that a call through `(*err_hook)(skb, rc)` leads to every bound hook.
 */
import type { FileFacts } from '../facts/fileFacts';
import type { ArgFact, CallFact } from '../facts/types';

export interface HookBinding {
  /** Function making the call. */
  caller: string;
  /** Function whose pointer parameter is bound (the drain). */
  callee: string;
  param: string;
  paramIndex: number;
  /** Functions that may be bound (two for a conditional expression). */
  fns: string[];
  /** Condition text when chosen by `c ? f : g`. */
  condition?: string;
  /** The call site in the caller. */
  call: CallFact;
}

export interface CallEdge {
  caller: string;
  callee: string;
  call: CallFact;
  /** 'hook' when the call goes through a function-pointer parameter. */
  kind: 'direct' | 'hook';
  binding?: HookBinding;
}

export class CallGraph {
  readonly out = new Map<string, CallEdge[]>();
  readonly in = new Map<string, CallEdge[]>();
  readonly bindings: HookBinding[] = [];
  /** Kernel APIs handed a file function (kthread_run(f), call_rcu(h, f)...). */
  readonly handedTo: { api: string; fn: string; caller: string; call: CallFact }[] = [];

  constructor(private readonly file: FileFacts) {
    const fns = file.functions;
    for (const [name, entry] of fns) {
      for (const call of entry.facts.calls) {
        if (call.callee && fns.has(call.callee)) {
          const calleeParams = fns.get(call.callee)!.facts.params;
          call.args.forEach((arg, i) => {
            const p = calleeParams[i];
            const bound = functionsIn(arg, fns);
            if (p && p.isFunctionPointer && (bound.length || arg.kind === 'null')) {
              this.bindings.push({ caller: name, callee: call.callee!, param: p.name, paramIndex: i, fns: bound, condition: arg.condition, call });
            }
          });
        } else if (call.callee) {
          for (const arg of call.args) for (const fn of functionsIn(arg, fns)) this.handedTo.push({ api: call.callee, fn, caller: name, call });
        }
      }
    }
    for (const [name, entry] of fns) {
      for (const call of entry.facts.calls) {
        if (call.callee && fns.has(call.callee)) this.add({ caller: name, callee: call.callee, call, kind: 'direct' });
        else if (call.viaParam) {
          for (const b of this.bindingsOf(name, call.viaParam.index)) {
            for (const fn of b.fns) this.add({ caller: name, callee: fn, call, kind: 'hook', binding: b });
          }
        }
      }
    }
  }

  private add(e: CallEdge): void {
    (this.out.get(e.caller) ?? this.out.set(e.caller, []).get(e.caller)!).push(e);
    (this.in.get(e.callee) ?? this.in.set(e.callee, []).get(e.callee)!).push(e);
  }

  callees(fn: string): CallEdge[] {
    return this.out.get(fn) ?? [];
  }

  callers(fn: string): CallEdge[] {
    return this.in.get(fn) ?? [];
  }

  /** Bindings of `callee`'s pointer parameter `index` at all its call sites. */
  bindingsOf(callee: string, index: number): HookBinding[] {
    if (!this.bindingIndex) {
      // the graph is complete once built: index the bindings once (this is asked per call through a hook)
      this.bindingIndex = new Map();
      for (const b of this.bindings) {
        const key = `${b.callee}#${b.paramIndex}`;
        (this.bindingIndex.get(key) ?? this.bindingIndex.set(key, []).get(key)!).push(b);
      }
    }
    return this.bindingIndex.get(`${callee}#${index}`) ?? [];
  }

  private bindingIndex?: Map<string, HookBinding[]>;
  private order?: readonly string[];

  /** Where `fn` is bound as a hook. */
  boundAt(fn: string): HookBinding[] {
    return this.bindings.filter((b) => b.fns.includes(fn));
  }

  /** Every function reachable from `root` (itself included), following hooks. */
  reachable(root: string): Set<string> {
    const seen = new Set<string>([root]);
    const stack = [root];
    while (stack.length) {
      const f = stack.pop()!;
      for (const e of this.callees(f)) if (!seen.has(e.callee)) { seen.add(e.callee); stack.push(e.callee); }
    }
    return seen;
  }

  /** Callee-first order (post-order over the call graph; cycles broken arbitrarily). Computed once; a copy each time. */
  bottomUp(): string[] {
    return [...(this.order ??= this.postOrder())];
  }

  private postOrder(): string[] {
    const order: string[] = [];
    const seen = new Set<string>();
    const visit = (f: string) => {
      if (seen.has(f)) return;
      seen.add(f);
      for (const e of this.callees(f)) visit(e.callee);
      order.push(f);
    };
    for (const f of this.file.functions.keys()) visit(f);
    return order;
  }
}

/** File functions named by an argument: `f`, `&f`, or either arm of `c ? f : g`. */
export function functionsIn(arg: ArgFact, fns: ReadonlyMap<string, unknown>): string[] {
  if (arg.kind === 'function' && arg.name) return [arg.name];
  if (arg.kind === 'address' && arg.name && fns.has(arg.name)) return [arg.name];
  if (arg.kind === 'conditional' && arg.choices) return arg.choices.filter((c) => fns.has(c));
  return [];
}
