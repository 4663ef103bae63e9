/**
 * The fuzz harness's seed files: the real kernel/audit.c, its history, the patch emails and
 * the syzbot report of ../shared when it is there (read at run time, never copied), and the
 * project's own fixtures and examples always (the only seeds on a clone without ../shared).
 * AUDITLENS_SHARED works as for the tests: `none` hides ../shared, a path replaces it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { SeedFile, Seeds } from './mutators';

function read(root: string, path: string, label: string): SeedFile {
  return { name: `${label}/${relative(root, path).split('\\').join('/')}`, text: readFileSync(path, 'utf8'), path };
}

/** Files under `dir` (recursively) whose name matches `re`, sorted, so the seed list is the same on every machine. */
function files(dir: string, re: RegExp): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p, re));
    else if (re.test(name)) out.push(p);
  }
  return out;
}

export function sharedDir(root: string): string | undefined {
  const override = process.env.AUDITLENS_SHARED?.trim() ?? '';
  if (override === 'none') return undefined;
  const dir = override ? resolve(override) : resolve(root, '..', 'shared');
  return existsSync(join(dir, 'corpus', 'audit-2026.c')) ? dir : undefined;
}

export function loadSeeds(root: string): Seeds {
  const shared = sharedDir(root);
  const fixtures = join(root, 'test', 'fixtures');
  const own = (paths: string[]) => paths.map((p) => read(root, p, 'project'));
  const fromShared = (paths: string[]) => (shared ? paths.filter(existsSync).map((p) => read(shared, p, 'shared')) : []);

  const c = [
    ...fromShared(shared ? [join(shared, 'corpus', 'audit-2026.c'), ...files(join(shared, 'corpus', 'history'), /\.c$/)] : []),
    ...own([join(root, 'examples', 'kauditd-demo.c'), ...files(join(fixtures, 'versions'), /\.c$/), ...files(join(fixtures, 'rules'), /\.c$/), ...files(join(fixtures, 'lsp'), /\.c$/), ...files(join(fixtures, 'simulate'), /\.c$/), ...files(join(fixtures, 'patch'), /\.c$/)]),
  ];
  const patch = [
    ...fromShared(shared ? files(join(shared, 'seeds'), /^00[13]_.*\.txt$/) : []),
    ...own([join(root, 'examples', 'unbounded-retry.patch'), ...files(join(fixtures, 'patch'), /\.(patch|diff|mbox|eml|txt)$/), ...files(join(fixtures, 'grammar'), /\.(patch|eml)$/)]),
  ];
  const kcsan = [
    ...fromShared(shared ? files(join(shared, 'seeds'), /^002_.*\.txt$/) : []),
    ...own(files(join(fixtures, 'kcsan'), /\.(txt|log|eml|bin)$/)),
  ];
  const bases = [
    ...fromShared(shared ? [join(shared, 'corpus', 'audit-2026.c')] : []),
    ...own([join(root, 'examples', 'kauditd-demo.c'), join(fixtures, 'patch', 'apply-base.c')].filter(existsSync)),
  ];
  return { c, patch, kcsan, bases, shared: !!shared };
}
