/**
 * Hover text of an errno (`EAGAIN` in `-EAGAIN`): how every drain call site
 * routes a record whose send failed with it, and what the function under the
 * cursor does with it.
 */
import { routeOutcome } from './drainText';
import { ExplainEnv, code, link } from './text';

const HOW: Record<string, string> = { compare: 'tested', pass: 'passed', return: 'returned', assign: 'assigned' };

export function errorText(env: ExplainEnv, errno: string, inFunction?: string): string | undefined {
  const routed = env.index.routesOf.get(errno);
  if (!routed?.length) return undefined;
  const lines = [`**${code(`-${errno}`)}** — how the drains route a failed send`, '', '| call site | error | outcome |', '| --- | --- | --- |'];
  for (const r of routed) {
    lines.push(`| ${code(`${r.drain.fn}(&${r.site.queue ?? '?'})`)} ${link(env, r.site.site)} | ${code(r.route.error)} | ${routeOutcome(env, r.route)} |`);
  }
  const entry = inFunction ? env.model.file.functions.get(inFunction) : undefined;
  const uses = entry?.facts.errors.filter((e) => e.code === `-${errno}`) ?? [];
  if (entry && uses.length) {
    const items = uses.map((e) => `${HOW[e.how] ?? e.how}${e.variable ? ` (${code(e.variable)})` : e.callee ? ` to ${code(e.callee)}` : ''} ${link(env, entry.base + e.at.start)}`);
    lines.push('', `In ${code(inFunction!)}: ${items.join(', ')}`);
  }
  return lines.join('\n');
}
