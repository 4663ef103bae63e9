import { describe, expect, it } from 'vitest';
import { DiagnosticSeverity } from 'vscode-languageserver';
import { classifyDocument } from '../../server/src/features/documents';
import { PatchReview, patchCodeLenses, patchDiagnostics, patchHover, reviewDocument } from '../../server/src/features/patchDocument';
import { fixture, hasShared, needsShared, readShared, SEED_001, SEED_003 } from '../shared';

describe('features/documents: which documents AuditLens analyses', () => {
  it.each([
    ['file:///linux/kernel/audit.c', 'c', '', 'audit-c'],
    ['file:///linux/kernel/auditsc.c', 'c', '', 'audit-c'],
    ['file:///linux/kernel/audit.h', 'c', '', 'audit-c'],
    ['untitled:Untitled-1', 'c', 'static struct sk_buff_head audit_queue;', 'audit-c'],
    ['file:///x/copy.c', 'c', 'static struct auditd_connection __rcu *auditd_conn;', 'audit-c'],
    ['file:///linux/kernel/fork.c', 'c', 'int x;', 'ignored'],
    ['file:///x/my_audit_queue_x.c', 'c', 'int my_audit_queue_x;', 'ignored'],
    ['file:///x/audit.c', 'cpp', '', 'ignored'],
    ['file:///x/0001-fix.patch', 'diff', '', 'patch'],
    ['file:///x/mail.eml', 'plaintext', '', 'patch'],
    ['untitled:Untitled-2', 'auditlens-patch', '', 'patch'],
  ])('%s (%s) is %s', (uri, languageId, body, expected) => {
    expect(classifyDocument(uri, languageId, body)).toBe(expected);
  });
});

/**
 * A patch from a list archive: most hunks lost blank lines and lone braces. The damage is one
 * notice on the subject, pointing at each damaged hunk, so the findings are not buried under
 * it; each hunk says its own damage in its lens and its header's hover.
 */
describe('patch documents: archive damage summarised once', () => {
  const URI = 'file:///mail/archive-damaged.txt';
  const text = fixture('patch/archive-damaged.txt');
  const lines = text.split('\n');
  const review = reviewDocument(text);
  const lossy = (p: PatchReview, uri?: string) => patchDiagnostics(p, (l) => lines[l]?.length ?? 0, undefined, uri).filter((d) => /^lossy/.test(String(d.code)));
  const headers = review.review.hunks.map((h) => h.headerLine);

  it('gives one diagnostic on the subject line, with the damaged hunks as related lines', () => {
    const damage = lossy(review, URI);
    expect(damage).toHaveLength(1);
    const [d] = damage;
    expect(d.range.start.line).toBe(0);
    expect(lines[0]).toBe('[PATCH] audit: keep demo records in order when the daemon stalls');
    expect(d.severity).toBe(DiagnosticSeverity.Information);
    expect(d.code).toBe('lossy-hunks');
    expect(d.message).toBe('3 of 4 hunks came through the archive damaged (blank lines and lone braces lost); each was read from what survived — see the hunk lenses');
    expect(d.relatedInformation?.map((r) => r.location.range.start.line)).toEqual([headers[0], headers[1], headers[3]]);
    for (const r of d.relatedInformation ?? []) {
      expect(r.location.uri).toBe(URI);
      expect(lines[r.location.range.start.line]).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@/);
    }
    expect(d.relatedInformation?.[2].message).toBe('hunk 4 (@@ -60,6 +63,6 @@ static int demo_thread(void *arg)): 2 old-side and 2 new-side lines missing (archives drop blank lines and lone braces)');
    // nothing on the hunk headers themselves
    expect(patchDiagnostics(review, (l) => lines[l].length, undefined, URI).filter((d) => headers.includes(d.range.start.line))).toEqual([]);
  });

  it('leaves the related lines out when the document is not named', () => {
    expect(lossy(review)[0].relatedInformation).toBeUndefined();
  });

  it('says each hunk\'s damage in its lens and on its header\'s hover', () => {
    const lenses = patchCodeLenses(review).map((l) => [l.range.start.line, l.command?.title]);
    expect(lenses[0]).toEqual([headers[0], expect.stringMatching(/^AuditLens: damaged: 1 old-side and 1 new-side line missing \(archives drop blank lines and lone braces\) · /)]);
    expect(lenses[2]).toEqual([headers[2], expect.not.stringContaining('damaged')]);
    expect(lenses[3][1]).toMatch(/^AuditLens: damaged: 2 old-side and 2 new-side lines missing/);
    const hover = patchHover(review, { line: headers[3], character: 2 }, () => 0);
    expect(hover?.contents).toEqual({
      kind: 'markdown',
      value: '**This hunk came through damaged**\n\n- 2 old-side and 2 new-side lines missing (archives drop blank lines and lone braces)\n\n'
        + 'Read from what survived: the lines the hunk lacks are missing from the before and after code too.',
    });
    expect(patchHover(review, { line: headers[2], character: 2 }, () => 0)).toBeNull();
  });

  it('a patch with no damaged hunk gets no such notice', () => {
    const clean = fixture('patch/format-patch-v2.patch');
    expect(patchDiagnostics(reviewDocument(clean), () => 80, undefined, URI).filter((d) => /^lossy/.test(String(d.code)))).toEqual([]);
  });

  it.skipIf(!hasShared)(needsShared('seed 001 (the 2022 fix, archived): its fixes, then one damage notice on the subject'), () => {
    const seed = readShared(SEED_001);
    const seedLines = seed.split('\n');
    const diagnostics = patchDiagnostics(reviewDocument(seed), (l) => seedLines[l].length, undefined, 'file:///mail/001.txt');
    expect(diagnostics.map((d) => d.code)).toEqual(['AQ103', 'AQ104', 'AQ101', 'lossy-hunks']);
    const damage = diagnostics[3];
    expect(damage.range.start.line).toBe(0);
    expect(seedLines[0]).toMatch(/^\[RFC PATCH\] audit: improve audit queue handling/);
    expect(damage.message).toMatch(/^6 of 7 hunks came through the archive damaged \(blank lines and lone braces lost\); each was read/);
    expect(damage.relatedInformation).toHaveLength(6);
  });

  it.skipIf(!hasShared)(needsShared('seed 003 (2016, archived with its markers stripped): the kinds of damage named'), () => {
    const seed = readShared(SEED_003);
    const seedLines = seed.split('\n');
    const damage = patchDiagnostics(reviewDocument(seed), (l) => seedLines[l].length).filter((d) => d.code === 'lossy-hunks');
    expect(damage).toHaveLength(1);
    expect(seedLines[damage[0].range.start.line]).toMatch(/^The audit record backlog queue/);
    expect(damage[0].message).toMatch(/^7 of \d+ hunks came through the archive damaged \(blank lines and lone braces lost; context lines' leading space lost; a hunk header wrapped by the mailer; comments pasted in without a quote mark\)/);
  });
});
