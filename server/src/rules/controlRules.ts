/**
 * Control-path rule: control messages that change configuration must refuse
 * when audit is locked if their siblings do (AC301). The backlog wait's
 * exemptions (AL207) live in backlogWaitRules.ts.
 */
import { SourceView } from '../facts/ast';
import type { Ast } from '../facts/ast';
import type { RuleContext } from './context';
import type { Finding } from './finding';

const isLockedAtom = (a: string) => a.endsWith(':AUDIT_LOCKED');

/** Kernel APIs (defined outside audit.c) that change audit rules. */
const RULE_CHANGERS = new Set(['audit_rule_change', 'audit_tag_tree', 'audit_trim_trees', 'audit_make_tree', 'audit_add_tree_rule', 'audit_remove_tree_rule', 'audit_update_lsm_rules']);

function describeChanges(changes: string[]): string {
  const calls = changes.filter((c) => c.endsWith('()'));
  const words = changes.filter((c) => !c.endsWith('()'));
  const parts: string[] = [];
  if (words.length) parts.push(`changes ${words.join(', ')}`);
  if (calls.length) parts.push(`changes audit rules through ${calls.join(', ')}`);
  return parts.join(' and ');
}

interface CaseEffect {
  label: string;
  start: number;
  end: number;
  changes: string[];
  /** Tests audit_enabled == AUDIT_LOCKED, here or in a callee: it refuses when audit is locked. */
  testsLock: boolean;
  /** Refuses with -EPERM for a reason of its own (a feature's own lock): not flagged, but not a sibling that refuses when locked either. */
  refusesOwnWay: boolean;
}

/**
 * Audit configuration, by behaviour: words written under the control lock,
 * the mutex the netlink input holds around each control message. Not the
 * lock's own fields (its owner), not the auditd connection, and not state
 * another lock guards (a buffer cache under its own spinlock). Per-task
 * settings live in the task, not in globals, and are never in the set.
 */
export function auditConfiguration(model: RuleContext['model']): Set<string> {
  const inputs = new Set(model.file.bindings.filter((b) => b.field === 'input').map((b) => b.fn));
  const control = new Set<string>();
  for (const fn of inputs) {
    for (const ops of model.summaries.get(fn)?.locksets.opsByNode.values() ?? []) for (const o of ops) if (o.op === 'acquire') control.add(o.lock.split('.')[0]);
  }
  // with no input in view (a fragment), the file's mutexes stand for it
  if (!control.size) for (const g of model.file.globals.values()) if (g.kind === 'control-lock' || g.kind === 'mutex') control.add(g.name);
  const out = new Set<string>();
  for (const g of model.guards.values()) {
    if (g.discipline !== 'lock' || (g.kind !== 'scalar' && g.kind !== 'field')) continue;
    const root = g.variable.split('.')[0];
    const rootKind = model.file.globals.get(root)?.kind;
    if (control.has(root) || rootKind === 'control-lock' || rootKind === 'mutex' || rootKind === 'spinlock' || model.connection.has(root)) continue;
    if (!g.locks.some((l) => control.has(l.split('.')[0]))) continue;
    out.add(g.variable);
  }
  return out;
}

export function lockedConfigBypass(ctx: RuleContext): Finding[] {
  const { model } = ctx;
  const out: Finding[] = [];
  const configWords = auditConfiguration(model);
  // per function: does it (transitively) test lock-down, refuse with -EPERM of its own, change configuration?
  const testsLock = new Map<string, boolean>();
  const refusesOwnWay = new Map<string, boolean>();
  const changes = new Map<string, string[]>();
  for (const fn of model.graph.bottomUp()) {
    const f = ctx.fn(fn).facts;
    let tests = f.branchAtoms.some((b) => !!b && (b.t.some(isLockedAtom) || b.f.some(isLockedAtom)));
    let eperm = f.errors.some((x) => x.code === '-EPERM' && (x.how === 'return' || x.how === 'assign'));
    const ch = new Set<string>();
    for (const a of f.accesses) if (a.write && configWords.has(a.variable)) ch.add(a.variable);
    for (const c of f.calls) {
      if (!c.callee) continue;
      if (RULE_CHANGERS.has(c.callee)) ch.add(`${c.callee}()`);
      if (testsLock.get(c.callee)) tests = true;
      if (refusesOwnWay.get(c.callee)) eperm = true;
      for (const x of changes.get(c.callee) ?? []) ch.add(x);
      c.args.forEach((a, i) => {
        if (a.kind === 'address' && a.name && configWords.has(a.name) && model.summaries.get(c.callee!)?.paramWrites.includes(i)) ch.add(a.name);
      });
    }
    testsLock.set(fn, tests);
    refusesOwnWay.set(fn, eperm);
    changes.set(fn, [...ch]);
  }
  const controlFns = new Set([...model.contexts.of].filter(([, ids]) => [...ids].some((id) => id.startsWith('netlink-input:'))).map(([fn]) => fn));
  for (const fn of controlFns) {
    const e = ctx.fn(fn);
    const f = e.facts;
    const src = new SourceView(model.file.source.text, e.base);
    for (const sw of f.cfg.nodes.filter((n) => n.kind === 'switch' && n.stmt)) {
      const labels = sw.succ.filter((x) => x.caseValue && x.caseValue !== 'default').map((x) => x.caseValue as Ast).sort((a, b) => a.start - b.start);
      const cases: CaseEffect[] = labels.map((v, i) => ({
        label: src.of(v), start: v.start, end: i + 1 < labels.length ? labels[i + 1].start : sw.stmt!.end, changes: [], testsLock: false, refusesOwnWay: false,
      }));
      // a case region shared by fall-through labels counts for each of them
      // each fact belongs to the case region it starts in (cases are sorted and disjoint)
      const caseAt = (start: number): CaseEffect | undefined => {
        let lo = 0;
        let hi = cases.length - 1;
        while (lo <= hi) {
          const mid = (lo + hi) >> 1;
          if (start < cases[mid].start) hi = mid - 1;
          else if (start >= cases[mid].end) lo = mid + 1;
          else return cases[mid];
        }
        return undefined;
      };
      const changed = new Map<CaseEffect, Set<string>>(cases.map((c) => [c, new Set<string>()]));
      for (const a of f.accesses) {
        const c = a.write && configWords.has(a.variable) ? caseAt(a.at.start) : undefined;
        if (c) changed.get(c)!.add(a.variable);
      }
      for (const call of f.calls) {
        const c = call.callee ? caseAt(call.at.start) : undefined;
        if (!c) continue;
        const ch = changed.get(c)!;
        if (RULE_CHANGERS.has(call.callee!)) ch.add(`${call.callee}()`);
        for (const x of changes.get(call.callee!) ?? []) ch.add(x);
        if (testsLock.get(call.callee!)) c.testsLock = true;
        if (refusesOwnWay.get(call.callee!)) c.refusesOwnWay = true;
      }
      for (const x of f.errors) {
        const c = x.code === '-EPERM' && (x.how === 'return' || x.how === 'assign') ? caseAt(x.at.start) : undefined;
        if (c) c.refusesOwnWay = true;
      }
      for (let id = 0; id < f.cfg.nodes.length; id++) {
        const ba = f.branchAtoms[id];
        const n = f.cfg.nodes[id];
        if (!ba || !n.ast || !(ba.t.some(isLockedAtom) || ba.f.some(isLockedAtom))) continue;
        const c = caseAt(n.ast.start);
        if (c) c.testsLock = true;
      }
      for (const c of cases) c.changes = [...changed.get(c)!];
      // fall-through: an empty case shares the next one's effects
      for (let i = cases.length - 2; i >= 0; i--) {
        if (!cases[i].changes.length && !cases[i].testsLock && src.of({ ...labels[i], start: cases[i].start, end: cases[i].end } as Ast).trim().split('\n').length <= 1) {
          cases[i].changes = cases[i + 1].changes;
          cases[i].testsLock = cases[i + 1].testsLock;
          cases[i].refusesOwnWay = cases[i + 1].refusesOwnWay;
        }
      }
      const changing = cases.filter((c) => c.changes.length);
      // Only a sibling whose code tests lock-down is one that "refuses when locked" (message and related locations).
      const refusing = changing.filter((c) => c.testsLock);
      if (!refusing.length) continue;
      for (const c of changing) {
        if (c.testsLock || c.refusesOwnWay) continue;
        out.push(ctx.finding('AC301', fn, ctx.lineSpan(e.base + c.start),
          `${c.label} ${describeChanges(c.changes)} without refusing when audit is locked (audit_enabled == AUDIT_LOCKED, set by auditctl -e 2), while ${refusing.map((r) => r.label).slice(0, 3).join(', ')} refuse${refusing.length === 1 ? 's' : ''}: a configuration locked until reboot can still be altered through this message.`,
          refusing.slice(0, 3).map((r) => ctx.related(ctx.lineSpan(e.base + r.start), `${r.label} refuses when locked`)), c.label));
      }
    }
  }
  return out;
}
