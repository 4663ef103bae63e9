/** Paths to the shared, read-only kernel material; tests that need it skip with a clear message when absent. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const SHARED = resolve(__dirname, '..', '..', 'shared');
export const CORPUS = resolve(SHARED, 'corpus', 'audit-2026.c');
export const SEED_001 = resolve(SHARED, 'seeds', '001_31317e1318af443a.txt');
export const SEED_002 = resolve(SHARED, 'seeds', '002_261b4d9a1404973a.txt');
export const SEED_003 = resolve(SHARED, 'seeds', '003_46c44f4b61dbb01e.txt');
export const hasShared = existsSync(CORPUS);
export const sharedSkipReason = `../shared is absent (${SHARED}): tests on the real kernel/audit.c are skipped`;
if (!hasShared) console.warn(`[auditlens tests] ${sharedSkipReason}`);

export function readShared(path: string): string {
  return readFileSync(path, 'utf8');
}

export const FIXTURES = resolve(__dirname, 'fixtures');
export function fixture(name: string): string {
  return readFileSync(resolve(FIXTURES, name), 'utf8');
}
