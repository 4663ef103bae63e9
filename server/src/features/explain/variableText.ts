/**
 * Hover text of shared variables other than queues and locks: the RCU
 * connection pointer, config words written under the control lock, guarded
 * struct fields (`audit_cmd_mutex.owner`) and any other global the model
 * tracks. Each says what guards it, who writes it, and which accesses do not
 * follow the guard, with a KCSAN verdict where the model gives grounds for one.
 */
import type { AccessSite, GuardInfo } from '../../model/guards';
import { isConnection } from '../../model/roles';
import { ExplainEnv, blocks, bounded, code, codeBlock, countByContext, link, plural, siteLinks, unique } from './text';

const MAX_DECLARATION_CHARS = 240;

/** The global's declaration as written, whitespace collapsed. */
export function declaration(env: ExplainEnv, name: string): string {
  const g = env.model.file.globals.get(name.split(/\.|->/)[0]);
  if (!g) return '';
  const text = env.analysis.parsed.text.slice(g.span.start, g.span.end).replace(/\s+/g, ' ').trim();
  return codeBlock(text.length > MAX_DECLARATION_CHARS ? `${text.slice(0, MAX_DECLARATION_CHARS)} …` : text);
}

/** A config word: a scalar whose writes hold a lock and that is not part of the auditd connection (as roles.ts decides). */
export function isConfigWord(env: ExplainEnv, g: GuardInfo): boolean {
  return g.kind === 'scalar' && g.discipline === 'lock' && !isConnection(env.model.connection, g.variable);
}

export function variableText(env: ExplainEnv, g: GuardInfo): string {
  if (g.discipline === 'rcu') return rcuText(env, g);
  if (g.discipline === 'lock') return lockGuardedText(env, g);
  return otherText(env, g);
}

function header(env: ExplainEnv, g: GuardInfo, what: string): string[] {
  const conn = isConnection(env.model.connection, g.variable) ? ' · auditd connection' : '';
  return [`**${code(g.variable)}** — ${what}${conn}`, declaration(env, g.variable)].filter((x) => x);
}

/** `fn` L12 (takes the lock) — writers listed once per function. */
function writerList(env: ExplainEnv, writes: readonly AccessSite[], lock?: string): string {
  const seen = new Set<string>();
  const items: string[] = [];
  for (const w of writes) {
    if (seen.has(w.fn)) continue;
    seen.add(w.fn);
    const s = env.model.summaries.get(w.fn);
    const how = w.through ? ` through ${code(w.through)}` : '';
    const wrapper = lock && s?.locks.acquires.includes(lock) ? ' (takes the lock)' : lock && s?.locks.releases.includes(lock) ? ' (releases it)' : '';
    items.push(`${code(w.fn)}${how}${wrapper} ${link(env, w.start)}`);
  }
  return bounded(items);
}

function isBoot(env: ExplainEnv, a: AccessSite): boolean {
  return env.model.contexts.initOnly.has(a.fn);
}

function rcuText(env: ExplainEnv, g: GuardInfo): string {
  const live = g.accesses.filter((a) => !isBoot(env, a));
  const exceptions = new Set(g.exceptions);
  const reads = live.filter((a) => a.read && !a.write && !exceptions.has(a));
  const updateSide = reads.filter((a) => (a.protectedBy && a.held.includes(a.protectedBy)) || g.locks.some((l) => a.held.includes(l)));
  const readSide = reads.filter((a) => !updateSide.includes(a) && a.held.includes('rcu_read_lock'));
  const writes = live.filter((a) => a.write && !exceptions.has(a));
  const apis = unique(writes.map((w) => w.api).filter((x): x is string => !!x));

  const lines = ['RCU-protected pointer (`__rcu`).'];
  if (readSide.length) lines.push(`**Readers** ${readSide.length} under \`rcu_read_lock\`: ${countByContext(env, readSide)} — ${siteLinks(env, readSide.map((a) => a.start))}`);
  if (updateSide.length) lines.push(`**Update-side reads** ${updateSide.length} holding ${unique(updateSide.map((a) => a.protectedBy ?? g.locks[0])).map(code).join(', ')} — ${siteLinks(env, updateSide.map((a) => a.start))}`);
  if (writes.length) {
    const guard = g.locks.length ? `hold ${g.locks.map(code).join(', ')}` : 'hold **no common lock**';
    lines.push(`**Writers** ${guard}${apis.length ? ` and use ${apis.map(code).join(', ')}` : ''}: ${writerList(env, writes)}`);
  }
  lines.push(g.exceptions.length
    ? `**Outside the discipline** ${g.exceptions.length}: ${g.exceptions.map((a) => `${a.mode === 'plain' ? 'plain' : a.api ?? a.mode} ${a.write ? 'write' : 'read'} in ${code(a.fn)} ${link(env, a.start)}`).join(', ')}`
    : 'Every access follows the discipline.');
  return [...header(env, g, 'RCU pointer'), blocks(lines)].join('\n\n');
}

/** Words written under a lock: config words, fields such as the lock owner, and the rest. */
function lockGuardedText(env: ExplainEnv, g: GuardInfo): string {
  const lock = g.locks.map(code).join(' + ');
  const live = g.accesses.filter((a) => !isBoot(env, a));
  const boot = g.accesses.filter((a) => isBoot(env, a) && a.write);
  const unguardedWrites = g.exceptions.filter((a) => a.write);
  const unlockedReads = g.exceptions.filter((a) => !a.write);
  const writes = live.filter((a) => a.write && !unguardedWrites.includes(a));
  const lockedReads = live.filter((a) => a.read && !a.write && !g.exceptions.includes(a));
  const config = isConfigWord(env, g);

  const lines = [`**Written** under ${lock}: ${writerList(env, writes, g.locks[0])}${boot.length ? `; at boot: ${writerList(env, boot)}` : ''}`];
  if (unguardedWrites.length) lines.push(`**Written without it** ${unguardedWrites.length}: ${writerList(env, unguardedWrites)}`);
  if (unlockedReads.length) {
    const readers = unique(unlockedReads.map((a) => a.fn));
    const where = readers.length <= 2 ? ` in ${readers.map(code).join(', ')}` : '';
    lines.push(`**Read without the lock** ${plural(unlockedReads.length, 'time')}${where}: ${countByContext(env, unlockedReads)} — ${siteLinks(env, unlockedReads.map((a) => a.start))}`);
  }
  if (lockedReads.length) lines.push(`**Reads under the lock** ${lockedReads.length}`);
  if (unlockedReads.length) lines.push(verdict(env, g, config, writes.concat(boot), unlockedReads));
  return [...header(env, g, config ? 'config word' : g.kind === 'field' ? `field guarded by ${lock}` : `guarded by ${lock}`), blocks(lines)].join('\n\n');
}

function verdict(env: ExplainEnv, g: GuardInfo, config: boolean, writes: AccessSite[], unlockedReads: AccessSite[]): string {
  if (g.ownerIdiom) {
    return '**KCSAN**: a reported race between the unlocked read and a locked write is **benign**: the holder stores `current` and clears it to `NULL` before unlocking, and the unlocked read only compares it with `current`; only the owner can see its own task pointer, and an aligned pointer store does not tear.';
  }
  if (config) {
    return '**KCSAN** may report these plain reads racing with a locked write: **benign** for a config word, as an aligned word does not tear and a stale value only delays the new setting (`READ_ONCE()` would say so).';
  }
  return `**KCSAN** may report the plain reads racing with a write under ${g.locks.map(code).join(' + ')}; whether that is benign depends on what a stale value does at each read.`;
}

function otherText(env: ExplainEnv, g: GuardInfo): string {
  const live = g.accesses.filter((a) => !isBoot(env, a));
  const writes = live.filter((a) => a.write);
  const reads = live.filter((a) => a.read && !a.write);
  const kind = g.kind === 'field' ? 'field' : g.kind;
  let guard: string;
  switch (g.discipline) {
    case 'atomic': guard = 'atomic: accessed with atomic operations'; break;
    case 'queue-internal': guard = 'the queue\'s own spinlock'; break;
    case 'init-only': guard = 'set only at boot, read without a lock'; break;
    default: guard = writes.length ? '**none**: its writes hold no common lock' : 'none (never written after boot)';
  }
  const lines = [`**Guard**: ${guard}`];
  if (writes.length) lines.push(`**Writes** ${writes.length}: ${writerList(env, writes)} — ${countByContext(env, writes)}`);
  if (reads.length) lines.push(`**Reads** ${reads.length}: ${countByContext(env, reads)} — ${siteLinks(env, reads.map((a) => a.start))}`);
  return [...header(env, g, kind), blocks(lines)].join('\n\n');
}
