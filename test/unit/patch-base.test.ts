/**
 * Which file a patch document is reviewed against (auditlens.patch.baseFile
 * and discovery), with an in-memory file system: every rule of
 * features/patchBase.ts, in its order.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readSource } from '../../server/src/input/read';
import { BaseLookup, findPatchBase, patchTargets, readBaseFileSetting } from '../../server/src/features/patchBase';
import { fixture } from '../shared';

const ROOT = path.resolve(__dirname, '..', '..');
const DEMO_PATCH = readFileSync(path.join(ROOT, 'examples', 'unbounded-retry.patch'), 'utf8');
const KERNEL_PATCH = fixture('patch/format-patch-v2.patch');
const tree = path.join(path.sep, 'src', 'linux');
const other = path.join(path.sep, 'src', 'other');

/** A lookup over an in-memory file system; `read` refuses like the CLI (missing file). */
function lookup(files: Record<string, string>, over: Partial<BaseLookup> = {}): BaseLookup {
  return {
    setting: '',
    roots: [tree],
    maxFileSize: 1 << 20,
    open: [],
    exists: (p) => Object.hasOwn(files, p),
    read: (p) => {
      if (!Object.hasOwn(files, p)) throw new Error(`${p}: no such file`);
      return files[p];
    },
    ...over,
  };
}

describe('auditlens.patch.baseFile', () => {
  it('is read from { patch: { baseFile } }, trimmed; null clears it, anything else keeps the previous value', () => {
    expect(readBaseFileSetting({ patch: { baseFile: ' kernel/audit.c ' } }, '')).toBe('kernel/audit.c');
    expect(readBaseFileSetting({ patch: { baseFile: null } }, 'x')).toBe('');
    expect(readBaseFileSetting({ patch: { baseFile: 3 } }, 'x')).toBe('x');
    expect(readBaseFileSetting({ maxFileSize: 3 }, 'x')).toBe('x');
    expect(readBaseFileSetting(undefined, '')).toBe('');
  });

  it('takes a path relative to the first workspace folder that has it, an absolute path, or ~/', () => {
    const files = { [path.join(other, 'kernel', 'audit.c')]: 'other', [path.join(tree, 'kernel', 'audit.c')]: 'tree' };
    expect(findPatchBase(DEMO_PATCH, lookup(files, { setting: 'kernel/audit.c', roots: [path.join(path.sep, 'nowhere'), other, tree] })).base)
      .toEqual({ text: 'other', path: path.join(other, 'kernel', 'audit.c'), origin: 'setting' });
    expect(findPatchBase(DEMO_PATCH, lookup(files, { setting: path.join(tree, 'kernel', 'audit.c') })).base?.text).toBe('tree');
    const home = path.join(os.homedir(), 'linux', 'kernel', 'audit.c');
    expect(findPatchBase(DEMO_PATCH, lookup({ [home]: 'home' }, { setting: '~/linux/kernel/audit.c' })).base?.path).toBe(home);
  });

  it('prefers the open document of that file, unsaved edits and all', () => {
    const file = path.join(tree, 'kernel', 'audit.c');
    const open = [{ uri: pathToFileURL(file).href, text: 'edited' }];
    expect(findPatchBase(DEMO_PATCH, lookup({ [file]: 'on disk' }, { setting: file, open })).base).toEqual({ text: 'edited', path: file, origin: 'setting' });
  });

  it('says why a configured base cannot be used, and then uses none (no silent fallback)', () => {
    const open = [{ uri: pathToFileURL(path.join(tree, 'kernel', 'audit.c')).href, text: 'open' }];
    const missing = findPatchBase(DEMO_PATCH, lookup({}, { setting: 'kernel/audit.c', open }));
    expect(missing).toEqual({ problem: `auditlens.patch.baseFile: no file "kernel/audit.c" in the workspace folder (${path.join(tree, 'kernel', 'audit.c')}); reviewed from the hunks alone.` });
    expect(findPatchBase(DEMO_PATCH, lookup({}, { setting: 'kernel/audit.c', roots: [] })).problem).toMatch(/is relative to the workspace folder, but no folder on disk is open/);
    // the CLI's refusals, with the editor's advice for the size limit
    const big = path.join(tree, 'big.c');
    const tooBig = findPatchBase(DEMO_PATCH, lookup({ [big]: '' }, { setting: big, read: () => { throw new Error(`${big}: is 9 MiB, over the 8 MiB limit for one file; raise it with --max-size BYTES`); } }));
    expect(tooBig.problem).toBe(`auditlens.patch.baseFile: ${big}: is 9 MiB, over the 8 MiB limit for one file; raise auditlens.maxFileSize; reviewed from the hunks alone.`);
  });

  it('refuses a patch as a base, as `auditlens review --base` does', () => {
    const problem = findPatchBase(DEMO_PATCH, { ...lookup({}), setting: path.join(ROOT, 'examples', 'unbounded-retry.patch'), exists: () => true, read: readSource }).problem;
    expect(problem).toMatch(/looks like a patch/);
  });
});

describe('patch base discovery (no setting)', () => {
  it('knows which C files a patch touches', () => {
    expect(patchTargets(DEMO_PATCH)).toEqual(['examples/kauditd-demo.c']);
    expect(patchTargets(KERNEL_PATCH)).toEqual(['kernel/audit.c']);
    expect(patchTargets('not a patch')).toEqual([]);
  });

  it('uses an open document whose path ends with a file the patch touches, before any kernel/audit.c', () => {
    const open = [
      { uri: 'file:///src/linux/kernel/audit.c', text: 'kernel' },
      { uri: 'file:///ext/auditlens/examples/kauditd-demo.c', text: 'example' },
    ];
    expect(findPatchBase(DEMO_PATCH, lookup({}, { open })).base).toMatchObject({ text: 'example', origin: 'open document' });
    // other file systems match by their URI's path (a virtual workspace)
    expect(findPatchBase(KERNEL_PATCH, lookup({}, { open: [{ uri: 'vscode-vfs://github/torvalds/linux/kernel/audit.c', text: 'remote' }] })).base)
      .toEqual({ text: 'remote', path: '/torvalds/linux/kernel/audit.c', origin: 'open document' });
  });

  it('falls back to any open kernel/audit.c, then to the workspace folders on disk, then to none', () => {
    expect(findPatchBase(DEMO_PATCH, lookup({}, { open: [{ uri: 'file:///src/linux/kernel/audit.c', text: 'kernel' }] })).base?.text).toBe('kernel');
    const example = path.join(tree, 'examples', 'kauditd-demo.c');
    const kernel = path.join(tree, 'kernel', 'audit.c');
    expect(findPatchBase(DEMO_PATCH, lookup({ [example]: 'ex', [kernel]: 'k' })).base).toEqual({ text: 'ex', path: example, origin: 'workspace' });
    expect(findPatchBase(DEMO_PATCH, lookup({ [kernel]: 'k' })).base?.path).toBe(kernel);
    // an unusable candidate is skipped, not reported: nobody asked for it
    expect(findPatchBase(DEMO_PATCH, lookup({ [kernel]: 'k' }, { read: () => { throw new Error('binary'); } }))).toEqual({});
    expect(findPatchBase(DEMO_PATCH, lookup({}))).toEqual({});
  });
});
