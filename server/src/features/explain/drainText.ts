/**
 * A drain in brief: its loop, whether one pass handles each record at most
 * once, and the routing table: at each call site (which queue is drained),
 * which send error sends a record where.
 */
import type { DrainInfo, DrainSite, Route, RouteOutcome } from '../../model/drains';
import { ExplainEnv, boundWord, code, link, queueWord } from './text';

export function drainText(env: ExplainEnv, d: DrainInfo): string {
  const what = d.queue ? ` of ${code(d.queue)}` : '';
  const pass = d.singlePass ? `single pass — ${d.singlePassWhy}` : `**not single-pass** — ${d.singlePassWhy}`;
  const lines = [`**Drain**${what}, loop ${link(env, d.loopAt)}: ${pass}.`];
  const rows = d.sites.flatMap((s) => siteRows(env, s));
  if (rows.length) {
    lines.push('', '| call site | error | outcome |', '| --- | --- | --- |', ...rows);
    const leaving = d.sites.filter((s) => s.exitsOnFailure).map((s) => link(env, s.site));
    if (leaving.length) lines.push('', `After a failed send the loop ends at ${leaving.join(', ')}.`);
  }
  return lines.join('\n');
}

/** One row per distinct outcome at a call site; errors with the same outcome share a row. */
function siteRows(env: ExplainEnv, s: DrainSite): string[] {
  const site = `${s.queue ? code(s.queue) : '?'} ${link(env, s.site)}`;
  const byOutcome = new Map<string, string[]>();
  for (const r of s.routes) {
    const outcome = routeOutcome(env, r);
    const errors = byOutcome.get(outcome);
    if (errors) errors.push(code(r.error));
    else byOutcome.set(outcome, [code(r.error)]);
  }
  return [...byOutcome].map(([outcome, errors]) => `| ${site} | ${errors.join(', ')} | ${outcome} |`);
}

/** "`kauditd_retry_skb` → retry (tail, bounded) or dropped (lost)" */
export function routeOutcome(env: ExplainEnv, r: Route): string {
  if (!r.outcomes.length) return 'no hook: record kept by the drain';
  const byHook = new Map<string, RouteOutcome[]>();
  for (const o of r.outcomes) {
    const list = byHook.get(o.hook);
    if (list) list.push(o);
    else byHook.set(o.hook, [o]);
  }
  return [...byHook].map(([hook, outs]) => `${code(hook)} → ${outs.map((o) => outcomeWord(env, o)).join(' or ')}`).join('; ');
}

function outcomeWord(env: ExplainEnv, o: RouteOutcome): string {
  if (o.dropped) return o.counted ? 'dropped (lost)' : '**dropped** (not counted)';
  if (!o.queue) return 'kept';
  return `${queueWord(env.model, o.queue)} (${o.end ?? '?'}, ${boundWord(o.bound)})`;
}
