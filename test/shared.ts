/**
 * Paths to the shared, read-only kernel material; tests that need it skip with a clear message when absent.
 * AUDITLENS_SHARED=none runs the suite as if it were absent (as on a clean clone); any other non-empty
 * value is the folder to use instead of ../shared.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';

const override = process.env.AUDITLENS_SHARED?.trim() ?? '';
const off = override === 'none';

export const SHARED = override && !off ? resolve(override) : resolve(__dirname, '..', '..', 'shared');
export const CORPUS = resolve(SHARED, 'corpus', 'audit-2026.c');
/** Older kernel/audit.c versions, one .c file each. */
export const HISTORY = resolve(SHARED, 'corpus', 'history');
export const SEED_001 = resolve(SHARED, 'seeds', '001_31317e1318af443a.txt');
export const SEED_002 = resolve(SHARED, 'seeds', '002_261b4d9a1404973a.txt');
export const SEED_003 = resolve(SHARED, 'seeds', '003_46c44f4b61dbb01e.txt');
// All or nothing: a partial copy would fail tests instead of skipping them.
const missing = off ? [] : [CORPUS, HISTORY, SEED_001, SEED_002, SEED_003].filter((p) => !existsSync(p));
export const hasShared = !off && missing.length === 0;
export const sharedSkipReason = off
  ? 'AUDITLENS_SHARED=none: tests on the real kernel/audit.c, its history and the seed emails are skipped'
  : `${existsSync(SHARED) ? `${SHARED} lacks ${missing.map((p) => relative(SHARED, p)).join(', ')}` : `${SHARED} is absent`}: tests on the real kernel/audit.c, its history and the seed emails are skipped`;
if (!hasShared) console.warn(`[auditlens tests] ${sharedSkipReason}`);

/** A test or block name that says why it is skipped when the shared material is absent. */
export function needsShared(name: string): string {
  return hasShared ? name : `${name} (skipped: ${sharedSkipReason})`;
}

export function readShared(path: string): string {
  if (!hasShared) throw new Error(`readShared(${path}) while ${sharedSkipReason}: read it only in a test that skips without it`);
  return readFileSync(path, 'utf8');
}

export const FIXTURES = resolve(__dirname, 'fixtures');
export function fixture(name: string): string {
  return readFileSync(resolve(FIXTURES, name), 'utf8');
}

/** Whether git runs here (a fresh machine may have only Node): tests of git features skip without it. */
export const hasGit = (() => {
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
