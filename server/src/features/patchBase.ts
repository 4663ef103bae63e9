/**
 * The file a patch document is reviewed against (its hunks are applied to
 * it, so the whole file's model is in view), in this order:
 *
 * 1. `auditlens.patch.baseFile` when set: an absolute path, `~/...`, or a
 *    path relative to a workspace folder (the first folder that has it). If
 *    it cannot be read the review says why and uses no base: the reviewer
 *    asked for that file, and a silently different base would mislead.
 * 2. An open audit C document whose path ends with a file the patch touches
 *    (`/kernel/audit.c`), with its current, possibly unsaved, text.
 * 3. Any open `kernel/audit.c`.
 * 4. `<folder>/<file the patch touches>`, then `<folder>/kernel/audit.c`,
 *    read from disk.
 *
 * Otherwise the patch is reviewed from its hunks alone. Reading goes through
 * the CLI's readSource, so a base is refused for the same reasons as
 * `auditlens review --base` refuses it.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { parsePatch } from '../patch/parse';
import { editorReason } from './checkFiles';
import { uriPath } from './documents';
import type { PatchBaseFile } from './patchDocument';

export interface BaseLookup {
  /** `auditlens.patch.baseFile`; empty: discover. */
  setting: string;
  /** Workspace folders on disk. */
  roots: readonly string[];
  maxFileSize: number;
  /** Open documents analysed as audit C, with their current text. */
  open: readonly { uri: string; text: string }[];
  /** Reads a C file; throws an Error whose message is one line saying why it cannot be used. */
  read(filePath: string, maxSize: number): string;
  exists(filePath: string): boolean;
}

export interface BaseChoice {
  base?: PatchBaseFile;
  /** Set when auditlens.patch.baseFile is set but cannot be used. */
  problem?: string;
}

/** `auditlens.patch.baseFile` from a settings object (`{ patch: { baseFile } }`); `previous` when absent or malformed. */
export function readBaseFileSetting(raw: unknown, previous: string): string {
  const patch = raw && typeof raw === 'object' ? (raw as { patch?: unknown }).patch : undefined;
  const value = patch && typeof patch === 'object' ? (patch as { baseFile?: unknown }).baseFile : undefined;
  if (value === null) return '';
  return typeof value === 'string' ? value.trim() : previous;
}

/** The C files a patch touches, as it names them (`kernel/audit.c`). */
export function patchTargets(patchText: string): string[] {
  const files = parsePatch(patchText).messages.flatMap((m) => m.files.map((f) => f.newPath && f.newPath !== '/dev/null' ? f.newPath : f.oldPath));
  return [...new Set(files.filter((f) => /\.[ch]$/.test(f)))];
}

export function findPatchBase(patchText: string, lookup: BaseLookup): BaseChoice {
  if (lookup.setting) return configuredBase(lookup);
  const targets = patchTargets(patchText);
  const endsWith = (uri: string, file: string) => uriPath(uri).split(path.sep).join('/').endsWith(`/${file}`);
  for (const file of targets) {
    const doc = lookup.open.find((d) => endsWith(d.uri, file));
    if (doc) return { base: { text: doc.text, path: uriPath(doc.uri), origin: 'open document' } };
  }
  const audit = lookup.open.find((d) => endsWith(d.uri, 'kernel/audit.c'));
  if (audit) return { base: { text: audit.text, path: uriPath(audit.uri), origin: 'open document' } };
  for (const root of lookup.roots) {
    for (const file of [...targets, 'kernel/audit.c']) {
      const candidate = path.join(root, ...file.split('/'));
      if (!lookup.exists(candidate)) continue;
      try {
        return { base: { text: lookup.read(candidate, lookup.maxFileSize), path: candidate, origin: 'workspace' } };
      } catch {
        // unusable there (too large, binary...): keep looking; without a base the hunks are reviewed alone
      }
    }
  }
  return {};
}

function configuredBase(lookup: BaseLookup): BaseChoice {
  const setting = lookup.setting;
  const expanded = setting === '~' || setting.startsWith('~/') ? path.join(os.homedir(), setting.slice(1)) : setting;
  const fail = (why: string): BaseChoice => ({ problem: `auditlens.patch.baseFile: ${why}; reviewed from the hunks alone.` });
  let file: string;
  if (path.isAbsolute(expanded)) {
    file = expanded;
  } else {
    if (!lookup.roots.length) return fail(`"${setting}" is relative to the workspace folder, but no folder on disk is open`);
    const candidates = lookup.roots.map((r) => path.join(r, expanded));
    const found = candidates.find((c) => lookup.exists(c));
    if (!found) return fail(`no file "${setting}" in the workspace folder${candidates.length > 1 ? 's' : ''} (${candidates.join(', ')})`);
    file = found;
  }
  // The open document, if it is that file: review against what the reviewer sees, unsaved edits included.
  const doc = lookup.open.find((d) => d.uri.startsWith('file:') && path.resolve(uriPath(d.uri)) === path.resolve(file));
  if (doc) return { base: { text: doc.text, path: file, origin: 'setting' } };
  try {
    return { base: { text: lookup.read(file, lookup.maxFileSize), path: file, origin: 'setting' } };
  } catch (err) {
    return fail(editorReason(err instanceof Error ? err.message : String(err)));
  }
}
