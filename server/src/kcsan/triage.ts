/**
 * KCSAN triage against the base file: each reported access is mapped to the
 * base's function and line (by the frame's file:line where the base agrees,
 * else by function and access kind, and then it says the line was inferred),
 * the raced variable is the one both accesses touch, and the verdict comes
 * from the AL206 engine (rules/races.ts), never from the report's prose.
 */
import type { FileAnalysis } from '../analyser';
import type { AccessSite } from '../model/guards';
import type { Finding } from '../rules/finding';
import { RuleContext } from '../rules/context';
import { QUEUE_LENGTH_REASON, raceVerdict, withoutUnguardedWrites } from '../rules/races';
import type { Access, Frame, ParsedInput, Report, ReportKind } from './parse';

export interface MappedAccess {
  kind: 'read' | 'write';
  function: string;
  /** 1-based line in the base (or the report's line when there is no base). */
  line?: number;
  /** The report gave no usable line for this file: the line is the base's access of that kind in the function. */
  lineInferred: boolean;
  /** KCSAN's word: marked (READ_ONCE/atomic) or plain. */
  marked: boolean;
  /** How the base makes the access: plain, marked (READ_ONCE/WRITE_ONCE, skb_queue_len_lockless), atomic, rcu, or an update inside a locked queue API. */
  inBase?: string;
  /** Whether the access was found in the base; when not, locks, RCU and contexts are unknown (empty). */
  mapped: boolean;
  /** What the base does at that line: locks held, in an RCU read-side section, the contexts that run it. */
  locks: string[];
  rcu: boolean;
  contexts: string[];
  /** Frames of the access outside the base file (where the access itself happened, when it is not in audit.c). */
  outside: string[];
}

export interface Race {
  variable: string;
  accesses: MappedAccess[];
  verdict: 'benign' | 'harmful' | 'unknown';
  reason: string;
  /** The base no longer has the race (it marks the access): the report is against an older tree. */
  fixedInBase?: boolean;
  /** 1-based line of the report's title in the input. */
  reportLine: number;
  /** The same race as `auditlens check` reports it (AL206), when it does. */
  check?: { rule: string; line: number; severity: string };
  /** The conventional fix, verified on the base (as AL206's quick fix is), when there is one. */
  fix?: string;
}

export interface OtherReport {
  kind: ReportKind;
  title: string;
  reportLine: number;
  /** The base file's frames, with the role the queue model gives each function. */
  frames: { function: string; line?: number; role: string }[];
}

export interface Triage {
  races: Race[];
  others: OtherReport[];
  notes: string[];
}

const ROLE_WORDS: Record<string, string> = {
  consumer: 'the consumer (kauditd), draining the backlog queues',
  producer: 'a producer, putting records on the main queue',
  drain: 'a drain, taking records off a queue and sending them',
  requeue: 'an error hook, putting a failed record back on a queue',
  'backlog-wait': 'the backlog wait, where producers sleep while the queue is full',
  connection: 'auditd connection state',
  sender: 'a sender to auditd',
  control: 'the control input (audit_cmd_mutex held)',
};

function roleOf(analysis: FileAnalysis | undefined, fn: string): string {
  const roles = analysis?.model.roles.get(fn) ?? [];
  const known = roles.map((r) => ROLE_WORDS[r]).filter(Boolean);
  return known.length ? known.join('; ') : analysis?.model.file.functions.has(fn) ? 'no queue role' : 'not in the base file';
}

/** A frame's file is the base's (kernel/audit.c), or the frame names no file. */
export const isAuditFile = (file?: string) => !file || /(^|\/)audit\.c$/.test(file);

/** Is 1-based `line` inside function `fn` of the base (the report's line agrees with the base)? */
export function lineInFunction(analysis: FileAnalysis, fn: string, line: number | undefined): boolean {
  const span = analysis.model.file.functions.get(fn)?.symbol.span;
  return line !== undefined && span !== undefined && line - 1 >= span.line && line - 1 <= span.endLine;
}

/** check's AL206 finding on a race's variable, when check reports it. */
export function checkFinding(analysis: FileAnalysis, variable: string): Finding | undefined {
  return analysis.findings.find((x) => x.rule === 'AL206' && x.anchor.endsWith(`|${variable}`));
}

/** The frames of an access that are in the base file, innermost first, and the frames before them (outside it). */
function baseFrames(analysis: FileAnalysis | undefined, frames: Frame[]): { frames: Frame[]; outside: string[] } {
  const outside: string[] = [];
  const inBase: Frame[] = [];
  for (const f of frames) {
    const known = analysis ? analysis.model.file.functions.has(f.fn) : isAuditFile(f.file) && !!f.file;
    if (known && isAuditFile(f.file)) inBase.push(f);
    else if (!inBase.length) outside.push(f.file ? `${f.fn} (${f.file})` : f.fn);
  }
  return { frames: inBase, outside };
}

interface Candidates {
  frame: Frame;
  sites: { variable: string; site: AccessSite }[];
  lineInferred: boolean;
}

/**
 * The base's accesses that can be this report's access: in the innermost base frame's function,
 * of the access's kind, on the frame's line where the base agrees; or, when that function only
 * passes a pointer on, the caller's store through it (`audit_do_config_change(.., &limit, ..)`).
 */
function candidates(analysis: FileAnalysis, access: Access, frames: Frame[], outside: string[] = []): Candidates {
  // where the access itself happened: inside an skb queue helper (its length), or in audit.c's own code
  const inQueueApi = outside.some((o) => /^_*skb_(queue|dequeue|peek|unlink|append|insert)\w*\b/.test(o));
  const model = analysis.model;
  const lineOf = (offset: number) => model.file.source.lines.positionAt(offset).line + 1;
  const kindOk = (a: AccessSite) => (access.kind === 'write' ? a.write : access.kind === 'read' ? a.read && !a.write : a.read || a.write);
  for (let k = 0; k < frames.length; k++) {
    const frame = frames[k];
    const inFn: { variable: string; site: AccessSite }[] = [];
    for (const g of model.guards.values()) {
      for (const a of g.accesses) {
        if (a.fn !== frame.fn || !kindOk(a)) continue;
        if (k > 0 && a.through !== frames[k - 1].fn) continue;
        // a queue operation races on the queue's length: skb_queue_len() reads it, enqueues and dequeues write it
        inFn.push({ variable: a.mode === 'queue' ? `${g.variable}.qlen` : g.variable, site: a });
      }
    }
    if (!inFn.length) continue;
    if (k === 0) {
      const byPlace = inFn.filter((c) => (c.site.mode === 'queue') === inQueueApi);
      if (byPlace.length) inFn.splice(0, inFn.length, ...byPlace);
    }
    // the frame's line, where the base has the frame's function there
    if (lineInFunction(analysis, frame.fn, frame.line)) {
      const fe = model.file.functions.get(frame.fn)!;
      // an access written over several lines (a call's arguments) is on each of them; a store
      // through the inner frame's pointer parameter is where the call to it is
      const onLine = inFn.filter(({ site }) => {
        const call = k > 0 ? fe.facts.calls.find((c) => c.callee === frames[k - 1].fn && fe.base + c.at.start <= site.start && site.end <= fe.base + c.at.end) : undefined;
        const span = call ? { start: fe.base + call.at.start, end: fe.base + call.at.end } : site;
        return lineOf(span.start) <= frame.line! && frame.line! <= lineOf(span.end);
      });
      if (onLine.length) return { frame, sites: onLine, lineInferred: false };
    }
    return { frame, sites: inFn, lineInferred: true };
  }
  return { frame: frames[0], sites: [], lineInferred: true };
}

/** A base access in KCSAN's terms: a queue's length read by skb_queue_len() is plain, by the lockless variant marked. */
function accessMode(site: AccessSite): string {
  if (site.mode !== 'queue') return site.mode;
  if (site.api === 'skb_queue_len') return 'plain';
  if (site.api === 'skb_queue_len_lockless') return 'marked';
  return `locked inside ${site.api ?? 'the queue API'}()`;
}

function mapped(analysis: FileAnalysis | undefined, access: Access, frame: Frame | undefined, site: AccessSite | undefined, lineInferred: boolean, outside: string[], variable?: string): MappedAccess {
  // an enqueue or dequeue updates the length inside skb_queue_tail() and friends, under the queue's own lock
  const queueLock = site?.mode === 'queue' && site.write && variable?.endsWith('.qlen') ? [`${variable.slice(0, -'.qlen'.length)}.lock`] : [];
  const contexts = site ? site.contexts.map((id) => analysis!.model.contexts.all.find((c) => c.id === id)?.label ?? id) : [];
  const line = site ? analysis!.model.file.source.lines.positionAt(site.start).line + 1 : frame?.line;
  return {
    kind: access.kind === 'write' ? 'write' : access.kind === 'read-write' ? 'write' : 'read',
    function: frame?.fn ?? access.frames[0]?.fn ?? '?',
    ...(line !== undefined ? { line } : {}),
    lineInferred: site ? lineInferred : frame?.line === undefined,
    marked: access.marked,
    ...(site ? { inBase: accessMode(site) } : {}),
    mapped: !!site,
    locks: site ? [...site.held.filter((l) => l !== 'rcu_read_lock'), ...queueLock] : [],
    rcu: !!site?.held.includes('rcu_read_lock'),
    contexts,
    outside,
  };
}

export function triage(parsed: ParsedInput, analysis?: FileAnalysis, fixFor?: FixFinder): Triage {
  const out: Triage = { races: [], others: [], notes: [] };
  if (parsed.duplicates) out.notes.push(`${parsed.duplicates} repeated cop${parsed.duplicates > 1 ? 'ies' : 'y'} of a report dropped`);
  if (!analysis) out.notes.push('no kernel/audit.c to map the report to (give --base FILE.c, or run from a kernel tree): variables and verdicts are unknown');
  for (const r of parsed.reports) {
    for (const n of r.notes) out.notes.push(`report at line ${r.at}: ${n}`);
    if (r.kind !== 'data-race') {
      const frames = (r.frames.length ? r.frames : r.accesses.flatMap((a) => a.frames))
        .filter((f) => (analysis ? analysis.model.file.functions.has(f.fn) : false) && isAuditFile(f.file))
        .map((f) => ({ function: f.fn, ...(f.line !== undefined ? { line: f.line } : {}), role: roleOf(analysis, f.fn) }));
      out.others.push({ kind: r.kind, title: r.title, reportLine: r.at, frames });
      continue;
    }
    // one race the model cannot take does not cost the others: it is unknown, with why
    try {
      out.races.push(withCheck(raceOf(r, analysis), analysis, fixFor));
    } catch (err) {
      out.races.push({ variable: '?', accesses: [], verdict: 'unknown', reason: `AuditLens could not triage this race (${err instanceof Error ? err.message : String(err)})`, reportLine: r.at });
    }
  }
  return out;
}

/** The verified fix of a finding, by title (the editor's quick fix; passed in, as it re-analyses). */
export type FixFinder = (analysis: FileAnalysis, finding: Finding) => string | undefined;

/** Links a race to check's AL206 finding on the same variable, and the fix that finding's quick fix verifies. */
function withCheck(race: Race, analysis: FileAnalysis | undefined, fixFor?: FixFinder): Race {
  if (!analysis || race.verdict === 'unknown' || race.fixedInBase) return race;
  const f = checkFinding(analysis, race.variable);
  if (!f) return race;
  const fix = fixFor?.(analysis, f);
  return { ...race, check: { rule: f.rule, line: f.span.line + 1, severity: f.severity }, ...(fix ? { fix } : {}) };
}

function raceOf(r: Report, analysis: FileAnalysis | undefined): Race {
  const base = r.accesses.map((a) => { const b = baseFrames(analysis, a.frames); return { a, frame: b.frames[0] as Frame | undefined, frames: b.frames, outside: b.outside }; });
  const unknown = (variable: string, reason: string, accesses: MappedAccess[]): Race => ({ variable, accesses, verdict: 'unknown', reason, reportLine: r.at });
  if (!analysis) {
    return unknown('?', 'no base file to map the accesses to', base.map((b) => mapped(undefined, b.a, b.frame ?? b.a.frames[0], undefined, false, b.outside)));
  }
  if (base.some((b) => !b.frame)) {
    const away = base.filter((b) => !b.frame).map((b) => `the ${b.a.kind} is in ${b.outside.slice(0, 3).join(' <- ') || 'an unnamed frame'}`);
    return unknown('?', `an access of this race is not in kernel/audit.c (${away.join('; ')}): only the audit.c side can be judged here`, base.map((b) => mapped(analysis, b.a, b.frame ?? b.a.frames[0], undefined, false, b.outside)));
  }
  const cands = base.map((b) => ({ ...b, ...candidates(analysis, b.a, b.frames, b.outside) }));
  // the variable both accesses touch (a race at unknown origin has one access: its own variable)
  let common = [...new Set(cands[0].sites.map((s) => s.variable))];
  for (const c of cands.slice(1)) common = common.filter((v) => c.sites.some((s) => s.variable === v));
  const accessesFor = (variable?: string) => cands.map((c) => {
    const site = variable ? c.sites.find((s) => s.variable === variable)?.site : undefined;
    return mapped(analysis, c.a, c.frame, site, c.lineInferred, c.outside, variable);
  });
  if (common.length !== 1) {
    const what = common.length ? `${common.length} variables fit both accesses (${common.join(', ')})` : 'no variable of the base is accessed that way in both functions';
    return unknown(common.length ? common.join(' | ') : '?', `${what}: the base and the report disagree, or the lines are needed to tell`, accessesFor());
  }
  const variable = common[0];
  const sites = cands.map((c) => c.sites.find((s) => s.variable === variable)!.site);
  const accesses = accessesFor(variable);
  const model = analysis.model;
  if (variable.endsWith('.qlen')) {
    const q = variable.slice(0, -'.qlen'.length);
    const read = sites.find((s) => !s.write);
    if (read?.api === 'skb_queue_len_lockless') {
      return { variable, accesses, verdict: 'benign', fixedInBase: true, reason: `already fixed in the base: it reads ${q}'s length with skb_queue_len_lockless() (READ_ONCE), so KCSAN no longer reports it; ${QUEUE_LENGTH_REASON}`, reportLine: r.at };
    }
    return { variable, accesses, verdict: 'benign', reason: `${q}'s length is updated under ${q}.lock by every enqueue and dequeue and read plain by skb_queue_len(); ${QUEUE_LENGTH_REASON}`, reportLine: r.at };
  }
  const g0 = model.guards.get(variable);
  if (!g0) return unknown(variable, `the model has no guard for ${variable}`, accesses);
  const ctx = new RuleContext(model);
  const g = withoutUnguardedWrites(ctx, g0);
  if (sites.every((s) => s.mode !== 'plain')) {
    return { variable, accesses, verdict: 'benign', fixedInBase: true, reason: `already fixed in the base: every access KCSAN reported is marked there (${sites.map((s) => s.api ?? s.mode).join(', ')})`, reportLine: r.at };
  }
  // the racing side, as AL206 reads it: plain accesses outside the lock the writers hold
  const unguarded = (s: AccessSite) => s.mode === 'plain' && (g.discipline === 'lock' ? !g.locks.every((l) => s.held.includes(l)) : true);
  const racing = sites.filter(unguarded);
  if (!racing.length) {
    return unknown(variable, `in the base both accesses hold ${g.locks.join(', ') || 'a common lock'}: they cannot race there, so the report is against code the base does not have`, accesses);
  }
  const { verdict, reason } = raceVerdict(ctx, g, racing);
  return { variable, accesses, verdict, reason, reportLine: r.at };
}
