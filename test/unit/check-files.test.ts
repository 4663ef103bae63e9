/**
 * "Check Workspace" without an editor: the server's checkFiles over real
 * files in a temporary tree (the CLI's reading and refusals, open documents,
 * text from a virtual file system, progress, cancel between files) and the
 * client's summary message.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Analyser, FileAnalysis } from '../../server/src/analyser';
import { CheckEnv, checkFiles, displayPath, parseCheckFilesParams } from '../../server/src/features/checkFiles';
import type { TrackedDocument } from '../../server/src/features/documents';
import type { CheckFilesResult } from '../../server/src/features/requests';
import { checkSummary } from '../../client/src/checkSummary';
import { fixture } from '../shared';

const DEMO = readFileSync(resolve(__dirname, '..', '..', 'examples', 'kauditd-demo.c'), 'utf8');
let root: string;
const file = (...parts: string[]) => join(root, ...parts);
const uri = (...parts: string[]) => pathToFileURL(file(...parts)).href;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'auditlens-check-'));
  for (const [dir, text] of [['a', fixture('rules/AQ101-trigger.c')], ['b', DEMO], ['patched', fixture('patch/format-patch-v2.patch')]] as const) {
    mkdirSync(file(dir, 'kernel'), { recursive: true });
    writeFileSync(file(dir, 'kernel', 'audit.c'), text);
  }
  mkdirSync(file('bin', 'kernel'), { recursive: true });
  writeFileSync(file('bin', 'kernel', 'audit.c'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Recorded {
  env: CheckEnv;
  published: [string, number | undefined][];
  progress: string[];
}

function env(over: Partial<CheckEnv> = {}, open: Record<string, TrackedDocument> = {}): Recorded {
  const published: [string, number | undefined][] = [];
  const progress: string[] = [];
  return {
    published,
    progress,
    env: {
      analyser: new Analyser(),
      maxFileSize: 1 << 20,
      roots: [root],
      openDocument: (u) => open[u],
      openAuditDocuments: () => Object.values(open).filter((t) => t.kind === 'audit-c').map((t) => t.uri),
      publish: (u: string, a: FileAnalysis | undefined) => published.push([u, a?.findings.length]),
      token: { isCancellationRequested: false },
      progress: { begin: (t) => progress.push(`begin ${t}`), report: (p, m) => progress.push(`${p}% ${m}`), done: () => progress.push('done') },
      yieldToConnection: () => Promise.resolve(),
      ...over,
    },
  };
}

describe('checkFiles (server)', () => {
  it('checks files from disk as `auditlens check` does, publishes their findings, and reports progress per file', async () => {
    const r = env();
    const result = await checkFiles({ files: [{ uri: uri('a', 'kernel', 'audit.c') }, { uri: uri('b', 'kernel', 'audit.c') }, { uri: uri('a', 'kernel', 'audit.c') }] }, r.env);
    expect(result).toEqual({
      requested: 2,
      cancelled: false,
      files: [
        { uri: uri('a', 'kernel', 'audit.c'), path: 'a/kernel/audit.c', source: 'disk', findings: { error: 0, warning: 1, information: 1 } },
        { uri: uri('b', 'kernel', 'audit.c'), path: 'b/kernel/audit.c', source: 'disk', findings: { error: 0, warning: 0, information: 0 } },
      ],
    });
    expect(r.published).toEqual([[uri('a', 'kernel', 'audit.c'), 2], [uri('b', 'kernel', 'audit.c'), 0]]);
    expect(r.progress).toEqual(['begin Checking 2 audit C files', '0% 1/2 a/kernel/audit.c', '50% 2/2 b/kernel/audit.c', 'done']);
  });

  it('refuses what the CLI refuses, with its reasons, and clears what was published for those files', async () => {
    const r = env({ maxFileSize: 2000 }); // the patch is 1.6 KiB, a/kernel/audit.c 5.3 KiB
    const result = await checkFiles({ files: ['patched', 'bin', 'missing', 'a'].map((d) => ({ uri: uri(d, 'kernel', 'audit.c') })) }, r.env);
    expect(result.files.map((f) => f.problem)).toEqual([
      // the CLI's advice names its subcommand and flag; in the editor, the command and the setting
      `${file('patched', 'kernel', 'audit.c')}: looks like a patch; open it with AuditLens: Review Patch`,
      expect.stringMatching(/looks like a binary file \(it contains NUL bytes\)/),
      `${file('missing', 'kernel', 'audit.c')}: no such file`,
      `${file('a', 'kernel', 'audit.c')}: is 5.3 KiB (5385 bytes), over the 2.0 KiB (2000 bytes) limit for one file; raise auditlens.maxFileSize`,
    ]);
    expect(result.files.every((f) => f.findings.error + f.findings.warning + f.findings.information === 0)).toBe(true);
    expect(r.published.map(([, n]) => n)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('takes open documents as the editor has them, without re-reading or re-publishing them', async () => {
    const open: Record<string, TrackedDocument> = {
      [uri('a', 'kernel', 'audit.c')]: { uri: uri('a', 'kernel', 'audit.c'), kind: 'audit-c', version: 5, analysis: new Analyser().analyseText(DEMO) },
      'untitled:Untitled-1': { uri: 'untitled:Untitled-1', kind: 'audit-c', version: 1, skipped: { bytes: 900, limit: 800 } },
      'file:///x/fork.c': { uri: 'file:///x/fork.c', kind: 'ignored', version: 1 },
    };
    const r = env({}, open);
    const result = await checkFiles({ files: [{ uri: uri('a', 'kernel', 'audit.c') }], includeOpen: true }, r.env);
    expect(result.requested).toBe(2); // fork.c is not audit code
    expect(result.files[0]).toEqual({ uri: uri('a', 'kernel', 'audit.c'), path: 'a/kernel/audit.c', source: 'open', findings: { error: 0, warning: 0, information: 0 } });
    expect(result.files[1].problem).toMatch(/^Untitled-1: not analysed: 900 bytes, over auditlens\.maxFileSize \(800\)$/);
    expect(r.published).toEqual([]);
  });

  it('checks the text the client read from a virtual file system, with the same refusals', async () => {
    const r = env({ maxFileSize: 6000 });
    const vfs = 'vscode-vfs://github/torvalds/linux/kernel/audit.c';
    const result = await checkFiles({ files: [
      { uri: vfs, text: fixture('rules/AQ101-trigger.c') },
      { uri: `${vfs}.orig`, text: 'x'.repeat(6001) },
      { uri: 'vscode-vfs://github/x/kernel/audit.c' },
    ] }, r.env);
    expect(result.files.map((f) => [f.path, f.source, f.findings.warning, f.problem])).toEqual([
      ['/torvalds/linux/kernel/audit.c', 'text', 1, undefined],
      ['/torvalds/linux/kernel/audit.c.orig', 'text', 0, '/torvalds/linux/kernel/audit.c.orig: is 6001 bytes, over auditlens.maxFileSize (6000)'],
      ['/x/kernel/audit.c', 'text', 0, '/x/kernel/audit.c: not on a local file system, and its text was not sent'],
    ]);
    expect(r.published[0]).toEqual([vfs, 2]);
  });

  it('stops between files when cancelled and returns what it checked', async () => {
    const token = { isCancellationRequested: false };
    // the cancel arrives while the connection has its turn after the first file
    const r: Recorded = env({ token, yieldToConnection: async () => { if (r.published.length === 1) token.isCancellationRequested = true; } });
    const result = await checkFiles({ files: ['a', 'b'].map((d) => ({ uri: uri(d, 'kernel', 'audit.c') })) }, r.env);
    expect(result).toMatchObject({ requested: 2, cancelled: true, files: [{ path: 'a/kernel/audit.c' }] });
    expect(r.progress.at(-1)).toBe('done');
  });

  it('validates its parameters and shows paths relative to the workspace folders', () => {
    expect(parseCheckFilesParams({ files: [{ uri: 'file:///a' }, { uri: 'x:/b', text: 't' }], includeOpen: true })).toEqual({ files: [{ uri: 'file:///a' }, { uri: 'x:/b', text: 't' }], includeOpen: true });
    expect(parseCheckFilesParams({})).toHaveProperty('error');
    expect(parseCheckFilesParams({ files: [{ uri: 3 }] })).toEqual({ error: 'each file needs a uri (a string)' });
    expect(parseCheckFilesParams({ files: [{ uri: 'a', text: 1 }] })).toHaveProperty('error');
    expect(displayPath(file('a', 'kernel', 'audit.c'), ['/elsewhere', root])).toBe('a/kernel/audit.c');
    expect(displayPath('/elsewhere/kernel/audit.c', [root])).toBe('/elsewhere/kernel/audit.c');
  });
});

describe('Check Workspace summary (client)', () => {
  const checked = (warning: number, information = 0, problem?: string) => ({ uri: 'file:///x', path: 'x', source: 'disk' as const, findings: { error: 0, warning, information }, ...(problem ? { problem } : {}) });
  const result = (files: CheckFilesResult['files'], over: Partial<CheckFilesResult> = {}): CheckFilesResult => ({ files, requested: files.length, cancelled: false, ...over });

  it('says how many files were checked and what was found', () => {
    expect(checkSummary(result([checked(1, 2), checked(0)]))).toEqual({ text: 'AuditLens: checked 2 files: 3 findings (1 warning, 2 information).', level: 'information' });
    expect(checkSummary(result([checked(0)])).text).toBe('AuditLens: checked 1 file: no findings.');
  });

  it('warns about files it could not check or read, and about a truncated search', () => {
    expect(checkSummary(result([checked(0), checked(0, 0, 'x: no such file')]), { unreadable: 1 })).toEqual({
      text: 'AuditLens: checked 1 file: no findings; 2 files could not be checked (see the AuditLens output).',
      level: 'warning',
    });
    expect(checkSummary(result([checked(0)]), { truncated: true }).text).toMatch(/; only the first 200 kernel\/audit\.c files were checked\.$/);
  });

  it('says how far a cancelled check got', () => {
    expect(checkSummary(result([checked(2)], { requested: 5, cancelled: true })).text).toBe('AuditLens: check cancelled after 1 of 5 files: 2 findings (2 warnings).');
  });
});
