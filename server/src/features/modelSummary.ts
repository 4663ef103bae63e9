/**
 * The queue model of one file at a glance, as plain data: the backlog queues
 * with their role and bound, the drains and how each call site routes a
 * failed send, the consumer, the producers, the requeue hooks, the auditd
 * connection, the locks and the finding counts. It only reads the model the
 * editor already built (hover and diagnostics share it); the per-function
 * roles and queue operations are exactly `auditlens check --verbose`'s
 * (cli/report.ts). modelSummaryText.ts renders it for "Show Model Summary".
 */
import type { FileAnalysis } from '../analyser';
import { describeFunctions, FunctionReport } from '../report/checkReport';
import type { RouteOutcome } from '../model/drains';
import type { BoundKind, QueueRole } from '../model/queues';
import type { Finding } from '../rules/finding';
import { indexOf } from './explain/modelIndex';

/** A function or global with its 1-based line. */
export interface SourceRef {
  name: string;
  line: number;
}

export interface EnqueueSummary {
  fn: string;
  queue: string;
  end: 'head' | 'tail';
  bound: BoundKind;
  line: number;
}

export interface QueueSummary {
  name: string;
  role: QueueRole;
  /** Line of the declaration. */
  line: number;
  /** The backlog wait that admits records to this queue (the main queue's bound). */
  admission?: { fn: string; condition: string; line: number };
  enqueues: EnqueueSummary[];
  /** Some enqueue has no bound and no admission control guards the queue: what AQ101 is about. */
  unbounded: boolean;
  dequeuedBy: string[];
}

export interface DrainSiteSummary {
  caller: string;
  line: number;
  /** The backlog queue passed, when it is a global. */
  queue?: string;
  hooks: { param: string; fns: string[] }[];
  /** One entry per send error, with what the bound hooks do with the record. */
  routes: { error: string; outcomes: RouteOutcome[] }[];
  exitsOnFailure: boolean;
}

export interface DrainSummary {
  fn: string;
  line: number;
  /** The global drained inline, or `param:<name>` for a queue parameter (as `check` prints it). */
  queue: string;
  singlePass: boolean;
  singlePassWhy: string;
  sites: DrainSiteSummary[];
}

export interface RequeueHookSummary extends SourceRef {
  enqueues: EnqueueSummary[];
  /** Drain call sites that pass it as a hook. */
  boundAt: { drain: string; caller: string; param: string; queue?: string; line: number }[];
  /** Functions that call it directly (a hook that dispatches to it, such as a requeue-by-error helper). */
  calledBy: string[];
}

export interface LockSummary {
  name: string;
  /** Variables whose writes all hold it. */
  guards: string[];
  /** Functions that take it, directly or through one of the file's lock wrappers. */
  takenIn: string[];
}

export interface FindingCounts {
  error: number;
  warning: number;
  information: number;
}

export interface ModelSummary {
  functions: number;
  syntaxErrors: number;
  queues: QueueSummary[];
  drains: DrainSummary[];
  /** The kthread that takes records off the backlog queues, with the queues its drain calls flush in order. */
  consumer?: SourceRef & { flushOrder: string[] };
  producers: (SourceRef & { queues: string[] })[];
  requeueHooks: RequeueHookSummary[];
  connection: { globals: { name: string; discipline: string; writersHold: string[]; accesses: number }[]; functions: SourceRef[] };
  locks: LockSummary[];
  findings: FindingCounts & { byRule: (FindingCounts & { rule: string })[] };
  /** Every function with its lines, roles and queue operations: `auditlens check --verbose`. */
  functionRoles: FunctionReport[];
  /** Functions left out of the analysis, with why (the model above does not include them). */
  notAnalysed: (SourceRef & { reason: string })[];
}

export type Summarisable = Pick<FileAnalysis, 'parsed' | 'outline' | 'model' | 'findings'>;

export function countFindings(findings: readonly Pick<Finding, 'severity'>[]): FindingCounts {
  const counts: FindingCounts = { error: 0, warning: 0, information: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

export function modelSummary(analysis: Summarisable): ModelSummary {
  const { model, parsed } = analysis;
  const index = indexOf(model);
  const line = (offset: number) => parsed.lines.positionAt(offset).line + 1;
  const fnLine = (name: string) => {
    const e = model.file.functions.get(name);
    return e ? line(e.base) : 0;
  };
  const rolesOf = (name: string) => model.roles.get(name) ?? [];
  const enqueueOf = (s: { fn: string; queue: string; end: 'head' | 'tail'; bound: BoundKind; site: number }): EnqueueSummary =>
    ({ fn: s.fn, queue: s.queue, end: s.end, bound: s.bound, line: line(s.site) });

  const queues: QueueSummary[] = [...model.queues.values()].map((q) => ({
    name: q.name,
    role: q.role,
    line: line(model.file.globals.get(q.name)?.nameSpan.start ?? 0),
    admission: q.admission && { fn: q.admission.fn, condition: unwrap(q.admission.condition.replace(/\s+/g, ' ').trim()), line: line(q.admission.loopAt) },
    enqueues: q.enqueues.map(enqueueOf),
    unbounded: !q.admission && q.enqueues.some((s) => s.bound === 'none'),
    dequeuedBy: [...q.dequeuedBy],
  }));

  const drains: DrainSummary[] = model.drains.map((d) => {
    const param = d.queueParam !== undefined ? model.file.functions.get(d.fn)?.facts.params[d.queueParam]?.name : undefined;
    return {
      fn: d.fn,
      line: line(d.loopAt),
      queue: d.queue ?? `param:${param ?? d.queueParam}`,
      singlePass: d.singlePass,
      singlePassWhy: d.singlePassWhy,
      sites: d.sites.map((s) => ({
        caller: s.caller,
        line: line(s.site),
        queue: s.queue,
        hooks: s.hooks.map((h) => ({ param: h.param, fns: [...h.fns] })),
        routes: uniqueRoutes(s.routes),
        exitsOnFailure: s.exitsOnFailure,
      })),
    };
  });

  const enqueuesBy = new Map<string, EnqueueSummary[]>();
  for (const q of model.queues.values()) for (const s of q.enqueues) enqueuesBy.set(s.fn, [...(enqueuesBy.get(s.fn) ?? []), enqueueOf(s)]);

  const functions = analysis.outline.functions.map((f) => f.name);
  const withRole = (role: string) => functions.filter((fn) => rolesOf(fn).includes(role as never));
  const consumer = model.consumer;

  const locks = new Set([...index.takes.keys(), ...index.guardedBy.keys()]);
  const findings = analysis.findings;
  const byRule = new Map<string, FindingCounts & { rule: string }>();
  for (const f of findings) {
    const r = byRule.get(f.rule) ?? { rule: f.rule, error: 0, warning: 0, information: 0 };
    r[f.severity]++;
    byRule.set(f.rule, r);
  }

  return {
    notAnalysed: model.file.notAnalysed.map((n) => ({ name: n.name, line: n.span.line + 1, reason: n.reason })),
    functions: functions.length,
    syntaxErrors: parsed.problems.filter((p) => p.kind !== 'skipped').length,
    queues,
    drains,
    consumer: consumer === undefined ? undefined : {
      name: consumer,
      line: fnLine(consumer),
      flushOrder: (index.drainCallsOf.get(consumer) ?? []).map(({ site }) => site.queue ?? '?'),
    },
    producers: withRole('producer').map((fn) => ({
      name: fn,
      line: fnLine(fn),
      queues: [...new Set((enqueuesBy.get(fn) ?? []).map((e) => e.queue))],
    })),
    requeueHooks: withRole('requeue').map((fn) => ({
      name: fn,
      line: fnLine(fn),
      enqueues: enqueuesBy.get(fn) ?? [],
      boundAt: (index.bindingsOf.get(fn) ?? []).map((b) => {
        const site = index.drainSiteOfCall.get(b.call);
        return { drain: b.callee, caller: b.caller, param: b.param, queue: site?.queue, line: line((model.file.functions.get(b.caller)?.base ?? 0) + b.call.at.start) };
      }),
      calledBy: [...new Set(model.graph.callers(fn).filter((e) => e.kind === 'direct').map((e) => e.caller))],
    })),
    connection: {
      globals: [...model.connection].sort().map((name) => {
        const g = model.guards.get(name);
        return { name, discipline: g?.discipline ?? 'none', writersHold: g?.locks ?? [], accesses: g?.accesses.length ?? 0 };
      }),
      functions: withRole('connection').map((fn) => ({ name: fn, line: fnLine(fn) })),
    },
    locks: [...locks].sort().map((name) => ({
      name,
      guards: (index.guardedBy.get(name) ?? []).map((g) => g.variable),
      takenIn: [...new Set((index.takes.get(name) ?? []).map((t) => t.fn))],
    })),
    findings: { ...countFindings(findings), byRule: [...byRule.values()].sort((a, b) => a.rule.localeCompare(b.rule)) },
    functionRoles: describeFunctions(analysis as FileAnalysis),
  };
}

/** `(x && y)` -> `x && y`; `(a) && (b)` stays as it is. */
function unwrap(condition: string): string {
  if (!condition.startsWith('(') || !condition.endsWith(')')) return condition;
  let depth = 0;
  for (let i = 0; i < condition.length - 1; i++) {
    if (condition[i] === '(') depth++;
    else if (condition[i] === ')') depth--;
    if (depth === 0) return condition; // the first parenthesis closes before the end
  }
  return condition.slice(1, -1).trim();
}

/** The model lists a route once per failed-send path; a reader wants each error once, each outcome once. */
function uniqueRoutes(routes: readonly { error: string; outcomes: RouteOutcome[] }[]): { error: string; outcomes: RouteOutcome[] }[] {
  const out = new Map<string, Map<string, RouteOutcome>>();
  for (const r of routes) {
    const outcomes = out.get(r.error) ?? new Map<string, RouteOutcome>();
    for (const o of r.outcomes) outcomes.set(JSON.stringify(o), o);
    out.set(r.error, outcomes);
  }
  return [...out].map(([error, outcomes]) => ({ error, outcomes: [...outcomes.values()] }));
}
