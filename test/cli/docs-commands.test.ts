/**
 * The commands docs/ci.md and its examples tell users to run exist with those
 * flags: each is run with --help appended, which the argument parser reaches
 * only after every flag before it was accepted.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { auditlens, ensureBuilt, ROOT } from './cliProcess';
import { hasGit } from '../shared';

beforeAll(() => ensureBuilt());

function commands(): string[] {
  const files = ['docs/ci.md', 'docs/examples/auditlens.yml', 'docs/examples/pre-commit', 'docs/examples/sendemail-validate', 'scripts/start.mjs'];
  const text = files.map((f) => {
    const t = readFileSync(resolve(ROOT, f), 'utf8');
    // Markdown: the fenced blocks; scripts: not their comments (prose may name a command in part)
    if (f.endsWith('.md')) return [...t.matchAll(/```\w*\n([\s\S]*?)```/g)].map((m) => m[1]).join('\n');
    return t.split('\n').filter((l) => !/^\s*(#|\/\/)/.test(l)).join('\n');
  }).join('\n')
    // the workflow folds its command over lines
    .replace(/>\n\s+node \.auditlens-tool\/bin\/auditlens\.js check\n\s+(.*)\n\s+(.*)\n/, 'auditlens check $1 $2\n');
  const out = new Set<string>();
  for (const m of text.matchAll(/auditlens (check|review|simulate|kcsan|explain)\b([^\n`|>#]*)/g)) out.add(`${m[1]}${m[2]}`.replace(/\s+/g, ' ').trim());
  return [...out];
}

it('every documented command line parses', () => {
  const found = commands();
  expect(found.length).toBeGreaterThan(8);
  for (const line of found) {
    const args = line.split(' ').map((a) => a.replace(/^"|"$/g, ''));
    const r = auditlens([...args, '--help']);
    expect(r.status, `${line}\n${r.stderr}`).toBe(0);
  }
});


it.skipIf(!hasGit)('the pre-commit hook example stops a commit that removes the retry queue bound, and lets a harmless one through', () => {
  const repo = mkdtempSync(join(tmpdir(), 'auditlens-hook-'));
  try {
    // `auditlens` on PATH, as an installed CLI would be
    const bin = join(repo, '.bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'auditlens'), `#!/bin/sh\nexec "${process.execPath}" "${resolve(ROOT, 'bin', 'auditlens.js')}" "$@"\n`, { mode: 0o755 });
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.org' };
    const git = (...args: string[]) => spawnSync('git', args, { cwd: repo, env, encoding: 'utf8' });
    git('init', '-q');
    mkdirSync(join(repo, 'kernel'));
    const base = readFileSync(resolve(ROOT, 'examples', 'kauditd-demo.c'), 'utf8');
    writeFileSync(join(repo, 'kernel', 'audit.c'), base);
    git('add', 'kernel/audit.c');
    expect(git('commit', '-qm', 'base').status).toBe(0);
    copyFileSync(resolve(ROOT, 'docs', 'examples', 'pre-commit'), join(repo, '.git', 'hooks', 'pre-commit'));
    chmodSync(join(repo, '.git', 'hooks', 'pre-commit'), 0o755);

    writeFileSync(join(repo, 'kernel', 'audit.c'), base.replace(/^static void demo_retry_skb/m, '/* retry */\nstatic void demo_retry_skb'));
    git('add', 'kernel/audit.c');
    expect(git('commit', '-qm', 'comment').status).toBe(0);

    // the example patch's change: the retry queue loses its bound
    const patch = join(repo, 'unbounded.patch');
    writeFileSync(patch, readFileSync(resolve(ROOT, 'examples', 'unbounded-retry.patch'), 'utf8').replaceAll('examples/kauditd-demo.c', 'kernel/audit.c'));
    git('checkout', '-q', 'HEAD~1', '--', 'kernel/audit.c');
    git('commit', '-qm', 'back');
    expect(git('apply', patch).status).toBe(0);
    git('add', 'kernel/audit.c');
    const blocked = git('commit', '-qm', 'unbounded');
    expect(blocked.status).toBe(1);
    expect(blocked.stdout + blocked.stderr).toMatch(/introduced: warning: .*\[AQ101\]/);
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
});
