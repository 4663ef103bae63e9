import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReviewReport } from '../../server/src/cli/review';
import { CORPUS, hasShared, needsShared, SEED_001, SEED_003 } from '../shared';
import { auditlens, BIN, ensureBuilt, EXAMPLE, EXAMPLE_PATCH } from './cliProcess';

beforeAll(() => ensureBuilt(), 120_000);

const json = (args: string[]) => {
  const r = auditlens(['review', '--format', 'json', ...args]);
  return { status: r.status, stderr: r.stderr, report: JSON.parse(r.stdout) as ReviewReport };
};

describe('auditlens review', () => {
  it('exits 1 when the patch introduces a warning, with the DESIGN.md JSON contract', () => {
    const { status, report } = json([EXAMPLE_PATCH, '--base', EXAMPLE]);
    expect(status).toBe(1);
    expect(report.version).toBe(1);
    expect(report.patch).toMatchObject({ subject: 'audit demo: keep every record that failed with -EAGAIN', files: ['examples/kauditd-demo.c'], hunks: 1, lossyHunks: 0, mode: 'base' });
    expect(report.findings.map((f) => `${f.status} ${f.rule} ${f.function} ${f.severity}`)).toEqual(['introduced AQ101 demo_retry_skb warning']);
    const f = report.findings[0];
    expect(f).toMatchObject({ inPatch: true, image: 'post', file: 'examples/kauditd-demo.c' });
    expect(f.line).toBeGreaterThan(1);
    expect(auditlens(['review', '--exit-zero', EXAMPLE_PATCH, '--base', EXAMPLE]).status).toBe(0);
  });

  it.skipIf(!hasShared)(needsShared('reviews seed 001 without a base: fixes only, exit 0'), () => {
    const { status, report } = json([SEED_001]);
    expect(status).toBe(0);
    expect(report.patch).toMatchObject({ subject: 'audit: improve audit queue handling when "audit=1" on cmdline', hunks: 7, lossyHunks: 6, mode: 'fragments' });
    const byStatus = (s: string) => report.findings.filter((x) => x.status === s && x.severity !== 'information').map((x) => `${x.rule} ${x.function}`).sort();
    expect(byStatus('fixed')).toEqual(['AQ101 kauditd_retry_skb', 'AQ103 kauditd_rehold_skb', 'AQ104 kauditd_hold_skb']);
    expect(byStatus('introduced')).toEqual([]);
    expect(report.assumptions.length).toBe(3);
    expect(report.patch.lossy.map((l) => l.hunk)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it.skipIf(!hasShared)(needsShared('reviews seed 003: AQ101 introduced on kauditd_retry_skb, exit 1; with --base today it does not apply and says why'), () => {
    const { status, report } = json([SEED_003]);
    expect(status).toBe(1);
    expect(report.findings.filter((x) => x.status === 'introduced').map((x) => `${x.rule} ${x.function}`)).toContain('AQ101 kauditd_retry_skb');
    const r = auditlens(['review', SEED_003, '--base', CORPUS, '--format', 'json']);
    expect(r.stderr).toMatch(/not applied/);
    // it does not fit today's file: those hunks are reviewed from the hunks, and the report says so
    expect(r.status).toBe(1);
    const withBase = JSON.parse(r.stdout) as ReviewReport;
    expect(withBase.baseMismatch.length).toBeGreaterThanOrEqual(4);
    expect(withBase.reading).toMatch(/The patch does not fit the base/);
    expect(withBase.functions.find((f) => f.name === 'kauditd_retry_skb')?.mode).toBe('rebuilt');
    expect(withBase.findings.find((x) => x.rule === 'AQ101' && x.status === 'introduced')?.rebuilt).toBe(true);
    const text = auditlens(['review', SEED_003, '--base', CORPUS]);
    expect(text.stdout.split('\n')[1]).toMatch(/^read: 7 hunks: .*rebuilt from the hunk alone\. The patch does not fit the base/);
    expect(text.stdout + text.stderr).not.toMatch(/already contains this patch/);
  });

  it('reads the patch from standard input with `-` (git diff | auditlens review -)', () => {
    const r = spawnSync(process.execPath, [BIN, 'review', '--format', 'json', '--base', EXAMPLE, '-'], { input: readFileSync(EXAMPLE_PATCH), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(1);
    expect((JSON.parse(r.stdout) as ReviewReport).findings.map((f) => `${f.status} ${f.rule}`)).toEqual(['introduced AQ101']);
  });

  it('drafts a reply with --reply', () => {
    const r = auditlens(['review', '--reply', '--from', 'Reviewer <me@example.org>', EXAMPLE_PATCH, '--base', EXAMPLE]);
    expect(r.stdout.split('\n').slice(0, 3)).toEqual(['From: Reviewer <me@example.org>', 'To: Demo Contributor <contributor@example.org>', 'Subject: Re: [PATCH] audit demo: keep every record that failed with -EAGAIN']);
    expect(r.stdout).toMatch(/^I think this is a problem: demo_retry_skb\(\)/m);
    expect(r.stdout).toMatch(/^AuditLens: introduces AQ101$/m);
    expect(auditlens(['review', '--reply', '--no-footnote', EXAMPLE_PATCH, '--base', EXAMPLE]).stdout).not.toMatch(/AuditLens/);
  });

  it('writes the reply as an .eml with --eml, what it could not fill in said on stderr', () => {
    const dir = mkdtempSync(join(tmpdir(), 'auditlens-eml-'));
    const eml = join(dir, 'reply.eml');
    const r = auditlens(['review', '--eml', eml, '--from', 'Reviewer <me@example.org>', EXAMPLE_PATCH, '--base', EXAMPLE]);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/wrote the reply to .*reply\.eml \(send it with `git send-email/);
    expect(r.stderr).toMatch(/no Message-ID/);
    const text = readFileSync(eml, 'utf8');
    expect(text).toMatch(/^From: Reviewer <me@example.org>\nTo: Demo Contributor <contributor@example.org>\n/);
    expect(text).toMatch(/\n\nOn Mon, Mar 2, 2026 at 10:15:00AM \+0100, Demo Contributor wrote:\n/);
    // a configuration's reply.footnote: false is honoured, and its patch.base is the base
    writeFileSync(join(dir, '.auditlens.json'), JSON.stringify({ reply: { footnote: false }, patch: { base: EXAMPLE } }));
    copyFileSync(EXAMPLE_PATCH, join(dir, 'p.patch'));
    const configured = auditlens(['review', '--reply', 'p.patch'], dir);
    expect(configured.stdout).not.toMatch(/AuditLens:/);
    expect(configured.stdout).toMatch(/I think this is a problem: demo_retry_skb/);
    expect(auditlens(['review', '--format', 'json', 'p.patch'], dir).stdout).toMatch(/"mode": "base"/);
  });

  it('exits 2 with one line for unusable input', () => {
    const dir = mkdtempSync(join(tmpdir(), 'auditlens-review-'));
    const notPatch = join(dir, 'notes.txt');
    writeFileSync(notPatch, 'just some notes\n');
    const junk = join(dir, 'junk.patch');
    writeFileSync(junk, Buffer.from([0, 1, 2, 3, 255, 0]));
    for (const args of [['review', join(dir, 'missing.patch')], ['review', notPatch], ['review', junk], ['review'], ['review', EXAMPLE_PATCH, '--base', join(dir, 'missing.c')]]) {
      const r = auditlens(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
