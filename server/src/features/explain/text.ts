/**
 * Small Markdown pieces shared by the explanations: code spans, links to
 * lines, readable path conditions, bounded lists and execution contexts
 * grouped the way a reviewer thinks of them.
 */
import type { FileAnalysis } from '../../analyser';
import type { QueueModel } from '../../model';
import type { HookBinding } from '../../model/callgraph';
import type { EnqueueSite } from '../../model/queues';
import type { Finding } from '../../rules/finding';
import type { ModelIndex } from './modelIndex';

/** What every explanation reads: the analysis, its model, the model's index and how to link a line. */
export interface ExplainEnv {
  analysis: Pick<FileAnalysis, 'parsed' | 'outline' | 'model'>;
  model: QueueModel;
  index: ModelIndex;
  /** `file:///…/audit.c` for clickable line links; plain `L907` without it. */
  uri?: string;
  /** The file's findings, when the caller has them (the hover): those on the hovered line are named. */
  findings?: readonly Finding[];
}

/** Inline code; a backtick inside would end the span, so it becomes a quote. */
export function code(s: string): string {
  return '`' + s.replace(/`/g, "'") + '`';
}

export function codeBlock(s: string): string {
  return '```c\n' + s + '\n```';
}

/** 1-based line of an absolute offset. */
export function lineOf(env: ExplainEnv, offset: number): number {
  return env.analysis.parsed.lines.positionAt(offset).line + 1;
}

/** `[L907](file:///…#L907)` with a URI, else `L907`. */
export function link(env: ExplainEnv, offset: number): string {
  const line = lineOf(env, offset);
  return env.uri ? `[L${line}](${env.uri}#L${line})` : `L${line}`;
}

/** Up to `max` items, then `+N more`. */
export function bounded(items: string[], max = 5, sep = ', '): string {
  if (items.length <= max) return items.join(sep);
  return `${items.slice(0, max).join(sep)} +${items.length - max} more`;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

export function unique<T>(items: Iterable<T>): T[] {
  return [...new Set(items)];
}

/**
 * Path-condition atoms (facts/conditions.ts) as C conditions. Only atoms
 * about the variables `keep` accepts are shown (parameters and globals: a
 * reader cares that `error == -EAGAIN`, not that a loop's `skb` is non-NULL),
 * and the limit atoms are left to the bound wording.
 */
export function conditions(atoms: readonly string[], keep: (variable: string) => boolean): string[] {
  const set = new Set(atoms);
  const out: string[] = [];
  for (const a of atoms) {
    const kind = a.slice(0, a.indexOf(':'));
    const rest = a.slice(kind.length + 1);
    if (kind === 'true' || kind === 'false') {
      if (keep(rest)) out.push(kind === 'true' ? rest : `!${rest}`);
      continue;
    }
    if (kind !== 'eq' && kind !== 'ne') continue;
    const sep = rest.lastIndexOf(':');
    const variable = rest.slice(0, sep);
    const value = rest.slice(sep + 1);
    if (!keep(variable)) continue;
    // `x == NULL` also yields `false:x`: say it once
    if ((value === 'NULL' || value === '0') && set.has(`${kind === 'eq' ? 'false' : 'true'}:${variable}`)) continue;
    out.push(`${variable} ${kind === 'eq' ? '==' : '!='} ${value}`);
  }
  return out;
}

/** Conditions of an atom list, in the terms of function `fn` (its parameters and the file's globals). */
export function conditionsIn(env: ExplainEnv, fn: string, atoms: readonly string[]): string[] {
  const params = new Set(env.model.file.functions.get(fn)?.facts.params.map((p) => p.name) ?? []);
  const globals = env.model.file.globals;
  return conditions(atoms, (v) => {
    const root = v.split(/\.|->/)[0];
    return params.has(root) || globals.has(root);
  });
}

export function whenText(conds: string[]): string {
  return conds.length ? ` when ${conds.map(code).join(' and ')}` : '';
}

/**
 * When a hook binding picks `fn`: " when `sk`" / " when `!sk`" for `sk ? f : g`,
 * nothing for a plain argument.
 */
export function bindingWhen(b: HookBinding, fn: string): string {
  const arg = b.call.args[b.paramIndex];
  if (arg?.kind !== 'conditional' || arg.choices?.length !== 2 || !arg.condition) return '';
  const cond = arg.condition.trim();
  return ` when ${code(arg.choices[0] === fn ? cond : /^[\w.>-]+$/.test(cond) ? `!${cond}` : `!(${cond})`)}`;
}

/** How an enqueue site is bounded, in a few words. */
export function boundWord(bound: EnqueueSite['bound'] | undefined): string {
  switch (bound) {
    case 'limit': return 'bounded';
    case 'admission': return 'admission-bounded';
    case 'same-queue': return 'same queue';
    case 'none': return '**unbounded**';
    default: return 'bound unknown';
  }
}

/**
 * The bound of an enqueue site as a phrase: "bounded by `audit_backlog_limit`
 * when `error == -EAGAIN`", "**unbounded**: …".
 */
export function boundPhrase(env: ExplainEnv, site: EnqueueSite): string {
  const when = whenText(conditionsIn(env, site.fn, site.atoms));
  switch (site.bound) {
    case 'limit': {
      const limits = env.model.file.functions.get(site.fn)?.facts.limits ?? [];
      return `bounded by ${limits.length ? limits.map(code).join(' / ') : 'the backlog limit'}${when}`;
    }
    case 'admission': {
      const adm = env.model.queues.get(site.queue)?.admission;
      return `bounded by admission control${adm ? ` (${code(adm.fn)} waits while the queue is over the limit)` : ''}${when}`;
    }
    case 'same-queue':
      return `same queue${when}: ${site.why}`;
    default:
      return `**unbounded**${when}: ${site.why}`;
  }
}

/** The queue's role as a word for routing tables ("retry"), or its name when the model has no role for it. */
export function queueWord(model: QueueModel, queue: string): string {
  const role = model.queues.get(queue)?.role;
  return role && role !== 'other' ? role : code(queue);
}

export interface ContextGroup {
  label: string;
  /** Long form for "runs in" lines. */
  long: string;
  ids: string[];
}

/**
 * Execution contexts grouped for reading: each kthread, netlink input and
 * RCU callback on its own; netlink bind, netns setup, boot and callers from
 * other files as one group each (they are many and alike).
 */
export function groupContexts(env: ExplainEnv, ids: Iterable<string>): ContextGroup[] {
  const groups = new Map<string, ContextGroup>();
  for (const id of ids) {
    const ctx = env.index.contextById.get(id);
    if (!ctx) continue;
    let key: string;
    let label: string;
    let long: string;
    switch (ctx.kind) {
      case 'kthread':
      case 'netlink-input':
      case 'rcu-callback':
        key = id;
        long = ctx.label;
        label = ctx.label.replace(/\s*\(.*\)$/, '');
        break;
      case 'netlink-bind': key = 'bind'; label = long = 'netlink bind/unbind'; break;
      case 'pernet': key = 'pernet'; label = long = 'netns setup/teardown'; break;
      case 'init': key = 'init'; label = long = 'boot'; break;
      default: key = 'other'; label = 'other callers'; long = 'exported or non-static: callers elsewhere in the kernel'; break;
    }
    const g = groups.get(key);
    if (g) g.ids.push(id);
    else groups.set(key, { label, long, ids: [id] });
  }
  return [...groups.values()];
}

/** "kauditd thread (kauditd_thread); boot (2)" */
export function contextsLine(env: ExplainEnv, ids: Iterable<string>): string {
  const groups = groupContexts(env, ids);
  return groups.map((g) => (g.ids.length > 1 ? `${g.long} (${g.ids.length})` : g.long)).join('; ');
}

/**
 * Accesses counted by the contexts that run them: "kauditd thread 6 · netlink
 * input audit_receive + boot 2". Each access is counted once, under the set of
 * context groups it runs in, so the counts add up to the number of accesses
 * (an access reached from several contexts is not counted once per context).
 */
export function countByContext(env: ExplainEnv, accesses: readonly { contexts: string[] }[]): string {
  const counts = new Map<string, number>();
  for (const a of accesses) {
    const labels = groupContexts(env, a.contexts).map((g) => g.label);
    const key = labels.length ? labels.join(' + ') : 'no known caller';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([label, n]) => `${label} ${n}`).join(' · ');
}

/** Links to the lines of some sites, one per line, at most `max`. */
export function siteLinks(env: ExplainEnv, offsets: readonly number[], max = 6): string {
  const byLine = new Map<number, number>();
  for (const o of offsets) {
    const l = lineOf(env, o);
    if (!byLine.has(l)) byLine.set(l, o);
  }
  return bounded([...byLine.values()].map((o) => link(env, o)), max);
}

/**
 * Lines as Markdown blocks: runs of `- ` items are lists, other lines are
 * paragraphs whose lines break hard (two trailing spaces), and a paragraph
 * after a list is set apart by a blank line so it does not continue the
 * last item.
 */
export function blocks(lines: readonly string[]): string {
  let out = '';
  let prev: 'list' | 'para' | undefined;
  for (const line of lines) {
    const kind = line.startsWith('- ') ? 'list' : 'para';
    if (prev === undefined) out = line;
    else if (kind === 'list') out += `\n${line}`;
    else out += prev === 'list' ? `\n\n${line}` : `  \n${line}`;
    prev = kind;
  }
  return out;
}
