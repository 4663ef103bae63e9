/**
 * Who is replying, as git knows them (`user.name`, `user.email`), for the
 * From header of a drafted reply; undefined where git or the setting is absent.
 */
import { spawnSync } from 'node:child_process';

function gitConfig(key: string): string | undefined {
  try {
    const r = spawnSync('git', ['config', '--get', key], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] });
    const v = r.status === 0 ? r.stdout.trim() : '';
    return v || undefined;
  } catch {
    return undefined;
  }
}

export function reviewerIdentity(): string | undefined {
  if (process.env.AUDITLENS_FROM) return process.env.AUDITLENS_FROM;
  const email = gitConfig('user.email');
  if (!email) return undefined;
  const name = gitConfig('user.name');
  return name ? `${name} <${email}>` : email;
}
