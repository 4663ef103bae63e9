import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditlens, ensureBuilt, EXAMPLE, EXAMPLE_PATCH, expectBadInput } from './cliProcess';

let tmp = '';
beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'auditlens-input-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tmpFile(name: string, content: string | Buffer): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

/** Deterministic pseudo-random bytes (no test depends on luck). */
function junk(length: number, withNul: boolean): Buffer {
  const b = Buffer.alloc(length);
  let x = 0x2545f491;
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    b[i] = withNul ? x & 0xff : 0x80 | (x & 0x7f);
  }
  return b;
}

const PROSE = `The audit backlog is a queue of records waiting for the audit daemon.
When the daemon is slow, producers wait; when it is gone, records are held.
This paragraph mentions audit_log_end() and kauditd, but it is not C code.
`;

describe('auditlens check refuses unusable input with exit 2 and one line', () => {
  it('a missing file', () => {
    expectBadInput(auditlens(['check', join(tmp, 'no-such.c')]), /no-such\.c: no such file$/m);
  });

  it('a directory', () => {
    expectBadInput(auditlens(['check', tmp]), /is a directory/);
  });

  it('binary junk with NUL bytes', () => {
    expectBadInput(auditlens(['check', tmpFile('junk.bin', junk(4096, true))]), /junk\.bin: looks like a binary file/);
  });

  it('junk that is mostly invalid UTF-8 (no NUL bytes)', () => {
    expectBadInput(auditlens(['check', tmpFile('latin.bin', junk(4096, false))]), /latin\.bin: looks like a binary file \(\d+% of it is not UTF-8 text\)/);
  });

  it('a file over --max-size, saying how to raise the limit', () => {
    expectBadInput(auditlens(['check', '--max-size', '1000', EXAMPLE]), /over the 1000 bytes limit.*--max-size/);
  });

  it('a real 20 MiB file, against the 8 MiB default', () => {
    const big = tmpFile('big.c', Buffer.alloc(20 * 1024 * 1024, 'int x;\n'));
    const r = auditlens(['check', big]);
    expectBadInput(r, /big\.c: is 20 MiB .* over the 8 MiB .* limit.*--max-size BYTES/);
    expect(r.stdout).toBe('');
  });

  it('a patch email, pointing at review', () => {
    expectBadInput(auditlens(['check', EXAMPLE_PATCH]), /looks like a patch; use `auditlens review`/);
  });

  it('a patch quoted in a reply, and a bare unified diff', () => {
    const patch = readFileSync(EXAMPLE_PATCH, 'utf8');
    const quoted = patch.split('\n').map((l) => `> ${l}`).join('\n');
    expectBadInput(auditlens(['check', tmpFile('reply.txt', `On Monday someone wrote:\n${quoted}`)]), /looks like a patch/);
    const bare = patch.slice(patch.indexOf('--- a/'));
    expectBadInput(auditlens(['check', tmpFile('bare.diff', bare)]), /looks like a patch/);
  });

  it('prose that is not C', () => {
    expectBadInput(auditlens(['check', tmpFile('notes.c', PROSE)]), /notes\.c: does not look like C source/);
  });

  it('reports a bad file among good ones, still checks the good ones and exits 2', () => {
    const prose = tmpFile('prose.txt', PROSE);
    const missing = join(tmp, 'gone.c');
    const r = auditlens(['check', '--format', 'json', EXAMPLE, missing, prose]);
    expect(r.status).toBe(2);
    const report = JSON.parse(r.stdout) as { files: { path: string }[] };
    expect(report.files.map((f) => f.path)).toEqual([EXAMPLE]);
    const errors = r.stderr.trimEnd().split('\n');
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain('gone.c: no such file');
    expect(errors[1]).toContain('prose.txt: does not look like C source');
    expect(r.stderr).not.toContain('    at ');

    const text = auditlens(['check', EXAMPLE, missing]);
    expect(text.status).toBe(2);
    expect(text.stdout).toContain('checked 1 file (15 functions), no findings, 1 file could not be checked');
  });
});
