/**
 * Value flow inside one function, from its `flows` facts (`to = <expression
 * reading from>`): which names a local's value is computed from. Shared by
 * the connection finder (what a send's peer is read from), the in-place RCU
 * write check (what a local points into) and the simulator (which call's
 * result is the socket a send uses).
 */

/** For each local, the names its value is computed from directly. */
export function valueOrigins(flows: readonly { to: string; from: string[] }[]): Map<string, Set<string>> {
  const direct = new Map<string, Set<string>>();
  for (const fl of flows) {
    const s = direct.get(fl.to) ?? direct.set(fl.to, new Set()).get(fl.to)!;
    for (const x of fl.from) if (x !== fl.to) s.add(x);
  }
  return direct;
}

/** The names themselves and everything their values are computed from, transitively. */
export function expandOrigins(names: Iterable<string>, origins: ReadonlyMap<string, ReadonlySet<string>>): Set<string> {
  const seen = new Set<string>();
  const work = [...names];
  while (work.length) {
    const n = work.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const o of origins.get(n) ?? []) work.push(o);
  }
  return seen;
}
