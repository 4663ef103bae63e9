/**
 * Values of the simulated C: numbers, NULL (0), and objects standing for the
 * kernel data the audit code touches: records (skbs with a reference count),
 * skb queues, sockets and connections, and plain structs whose fields are made
 * on first write. `&x` of a scalar is a Ref; `&obj` of an object is the object.
 */

export interface Record {
  kind: 'skb';
  /** Creation order: the order auditd must see records in. */
  id: number;
  refs: number;
  state: 'live' | 'delivered' | 'lost' | 'dropped';
  fields: { [name: string]: Value };
}

export interface Queue {
  kind: 'queue';
  name: string;
  items: Record[];
  max: number;
  /** Backlog queues are judged by the invariants; local lists (ab->skb_list) are not. */
  backlog: boolean;
}

export interface Struct {
  kind: 'struct';
  fields: { [name: string]: Value };
}

export interface FnRef {
  kind: 'fn';
  name: string;
}

export interface Ref {
  kind: 'ref';
  get(): Value;
  set(v: Value): void;
}

export interface Str {
  kind: 'str';
  text: string;
}

export type Obj = Record | Queue | Struct | FnRef | Ref | Str;
export type Value = number | Obj;

export const NULL = 0;

export function isObj(v: Value): v is Obj {
  return typeof v === 'object';
}

export function truthy(v: Value): boolean {
  return typeof v === 'number' ? v !== 0 : true;
}

export function num(v: Value): number {
  return typeof v === 'number' ? v : 1; // an object pointer is a non-zero address
}

export function struct(fields: { [name: string]: Value } = {}): Struct {
  return { kind: 'struct', fields };
}

export function queue(name: string, backlog: boolean): Queue {
  return { kind: 'queue', name, items: [], max: 0, backlog };
}

/** Field read on any value: unknown fields and fields of non-objects read as 0. */
export function getField(obj: Value, name: string): Value {
  if (typeof obj !== 'object') return 0;
  if (obj.kind === 'struct' || obj.kind === 'skb') return obj.fields[name] ?? 0;
  if (obj.kind === 'ref') return getField(obj.get(), name);
  return 0;
}

export function setField(obj: Value, name: string, v: Value): void {
  if (typeof obj !== 'object') return;
  if (obj.kind === 'struct' || obj.kind === 'skb') obj.fields[name] = v;
  else if (obj.kind === 'ref') setField(obj.get(), name, v);
}

/** Pointer equality as C sees it: same object, or same number. */
export function same(a: Value, b: Value): boolean {
  return a === b;
}
