/**
 * Facts about one function, read off its syntax tree. Locations are offsets
 * relative to the function's start, so the facts of an unchanged function can
 * be reused wherever it moves in the file.
 */
import type { Ast } from './ast';
import type { Cfg } from './cfg';
import type { LockKind, QueueEnd, QueueOpKind } from './apis';
import type { Atom } from './conditions';

export interface Loc {
  start: number;
  end: number;
}

export interface ParamFact {
  name: string;
  index: number;
  /** Declared type as written, without the name. */
  type: string;
  isFunctionPointer: boolean;
  /** For function-pointer parameters: how many arguments the pointee takes. */
  arity?: number;
}

export type QueueRef =
  | { kind: 'global'; name: string }
  | { kind: 'param'; name: string; index: number }
  | { kind: 'local'; name: string };

export interface QueueOpFact {
  api: string;
  op: QueueOpKind;
  end?: QueueEnd;
  queue: QueueRef;
  /** For enqueues: the record argument's text and, if it is a parameter, its index. */
  record?: string;
  recordParam?: number;
  at: Loc;
  node: number;
}

export type ArgKind = 'function' | 'null' | 'address' | 'param' | 'local' | 'global' | 'const' | 'string' | 'conditional' | 'other';

export interface ArgFact {
  text: string;
  kind: ArgKind;
  /** identifier / path named by the argument (function name, variable, &target). */
  name?: string;
  /** For conditionals `c ? f : g`: the identifiers of both arms (and the condition text). */
  choices?: string[];
  condition?: string;
  paramIndex?: number;
  /** Identifiers the argument reads (locals, parameters, globals), for value flow. */
  reads: string[];
  at: Loc;
}

export interface CallFact {
  at: Loc;
  node: number;
  /** Direct callee name, when the callee is an identifier that is not a parameter. */
  callee?: string;
  /** Call through a function-pointer parameter: `(*err_hook)(skb, rc)` or `err_hook(skb)`. */
  viaParam?: { name: string; index: number };
  args: ArgFact[];
  /** Variable the call's result is assigned to (`rc = f(...)`). */
  resultVar?: string;
  /** The call's argument ASTs, for evaluators. */
  argAsts: Ast[];
  /** True when this call is the condition of a loop or branch. */
  inCondition: boolean;
}

export interface LockOpFact {
  op: 'acquire' | 'release';
  lock: string;
  kind: LockKind;
  api: string;
  at: Loc;
  node: number;
}

export type AccessMode = 'plain' | 'marked' | 'atomic' | 'rcu' | 'queue' | 'lock' | 'address';

export interface AccessFact {
  /** Global path: `audit_backlog_limit`, `audit_cmd_mutex.owner`. */
  variable: string;
  read: boolean;
  write: boolean;
  mode: AccessMode;
  api?: string;
  /** For `&G` passed to a call: the callee (or param) and the argument index. */
  callee?: string;
  argIndex?: number;
  /** rcu_dereference_protected(p, lockdep_is_held(&L)): L */
  protectedBy?: string;
  at: Loc;
  node: number;
}

export interface ErrorFact {
  code: string;
  how: 'compare' | 'pass' | 'return' | 'assign';
  variable?: string;
  /** compare: `==` (true) or `!=` (false) */
  equal?: boolean;
  callee?: string;
  viaParam?: string;
  argIndex?: number;
  at: Loc;
  node: number;
}

export interface SleepFact {
  call: string;
  reason: string;
  at: Loc;
  node: number;
}

export type FateKind = 'free' | 'send-unicast' | 'send-multicast' | 'printk';

export interface FateFact {
  kind: FateKind;
  api: string;
  record?: string;
  at: Loc;
  node: number;
}

/** Designated initialisers binding a function to a field: `.input = audit_receive`. */
export interface FieldBinding {
  field: string;
  fn: string;
  /** Struct type of the initialised object when known (`netlink_kernel_cfg`). */
  structType?: string;
  at: Loc;
}

export interface LoopFact {
  head: number;
  at: Loc;
  kind: 'while' | 'for' | 'do' | 'goto';
  /** Condition text, for explanations. */
  condition: string;
}

export interface FunctionFacts {
  name: string;
  params: ParamFact[];
  /** Names declared in the body (locals), which shadow globals. */
  locals: string[];
  returnType: string;
  cfg: Cfg;
  calls: CallFact[];
  queueOps: QueueOpFact[];
  lockOps: LockOpFact[];
  accesses: AccessFact[];
  errors: ErrorFact[];
  sleeps: SleepFact[];
  fates: FateFact[];
  bindings: FieldBinding[];
  loops: LoopFact[];
  /** Indices of pointer parameters written through (`*p = v`). */
  paramWrites: number[];
  /** Value flow into locals: `to = <expression reading from>` (assignments and initialisers). */
  flows: { to: string; from: string[] }[];
  /** Globals compared against a queue length here (backlog limits). */
  limits: string[];
  /** Per CFG node: condition atoms true on every path to it. */
  atoms: Set<Atom>[];
  /** Per condition node: the atoms its true and false edges add. */
  branchAtoms: ({ t: Atom[]; f: Atom[] } | undefined)[];
}
