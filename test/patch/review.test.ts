/**
 * Patch review end to end: what a patch introduces and fixes, on the real
 * seed emails (lossy archives), on patches made from our own fixtures, on a
 * series, a quoted reply and a fuzzed base, and the drafted reply.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyFilePatch } from '../../server/src/patch/apply';
import { unifiedDiff } from '../../server/src/patch/diff';
import { parsePatch } from '../../server/src/patch/parse';
import { draftReply } from '../../server/src/patch/reply';
import { readingSummary, reviewPatch, ReviewResult } from '../../server/src/patch/review';
import { CORPUS, FIXTURES, HISTORY, hasShared, needsShared, readShared, SEED_001, SEED_003 } from '../shared';
import { versionFixture } from '../model/helpers';

const ROOT = resolve(__dirname, '..', '..');
const DEMO = readFileSync(resolve(ROOT, 'examples', 'kauditd-demo.c'), 'utf8');
const DEMO_PATCH = readFileSync(resolve(ROOT, 'examples', 'unbounded-retry.patch'), 'utf8');

/** `status RULE function` of every finding at warning or above. */
function serious(r: ReviewResult): string[] {
  return r.findings.filter((f) => f.finding.severity !== 'information').map((f) => `${f.status} ${f.finding.rule} ${f.finding.function}`).sort();
}

describe.skipIf(!hasShared)(needsShared('seed 001: the 2022 fix, as archived (lossy)'), () => {
  let text: string;
  beforeAll(() => {
    text = readShared(SEED_001);
  });

  it('without a base: fixes AQ101, the rehold livelock and AQ104, introduces nothing', () => {
    const r = reviewPatch(text);
    expect(r.hunks).toHaveLength(7);
    expect(r.lossyHunks.length).toBe(6);
    expect(r.images[0].mode).toBe('fragments');
    expect(serious(r)).toEqual([
      'fixed AQ101 kauditd_retry_skb',
      'fixed AQ103 kauditd_rehold_skb',
      'fixed AQ104 kauditd_hold_skb',
    ]);
    // fixed findings sit on the `-` lines of the patch
    const lines = text.split('\n');
    const retry = r.findings.find((f) => f.finding.rule === 'AQ101')!;
    expect(lines[retry.docLine!]).toBe('-	skb_queue_tail(&audit_retry_queue, skb);');
    const rehold = r.findings.find((f) => f.finding.rule === 'AQ103')!;
    expect(lines[rehold.docLine!]).toBe('-	skb_queue_head(&audit_hold_queue, skb);');
    expect(rehold.assumed).toBe(true); // the drain's call sites are outside the patch
    expect(r.images[0].assumptions).toContain('kauditd_rehold_skb() as err_hook of kauditd_send_queue(&audit_hold_queue)');
    expect(r.changes.map((c) => c.message)).toEqual(expect.arrayContaining([
      'kauditd_retry_skb(): the enqueue to audit_retry_queue is now bounded by the backlog limit (was unbounded)',
      'kauditd_rehold_skb() now puts records back at the tail of audit_hold_queue (was the head)',
    ]));
  });

  it('against today\'s audit.c (which already contains it): applied in reverse, the same fixes, the routing change', () => {
    const r = reviewPatch(text, { base: readShared(CORPUS), basePath: CORPUS });
    expect(r.images[0]).toMatchObject({ mode: 'base', reversed: true });
    expect(serious(r).filter((s) => !s.startsWith('unchanged'))).toEqual([
      'fixed AQ101 kauditd_retry_skb',
      'fixed AQ103 kauditd_rehold_skb',
      'fixed AQ104 kauditd_hold_skb',
    ]);
    expect(r.changes.map((c) => c.message)).toContain('-EAGAIN from the drain of audit_retry_queue now goes to audit_retry_queue instead of audit_hold_queue');
    expect(r.changes.map((c) => c.message)).toContain('kauditd_send_queue(): the drain loop now makes a single pass (stops at skb_tail, the tail of the queue taken before the loop (skb_peek_tail))');
  });

  it('a patch of our own that reverts the 2022 fix introduces the same rules', () => {
    // made in the test: reverse-apply the seed to today's file, then diff today -> late 2021
    const file = parsePatch(text).messages[0].files[0];
    const late2021 = applyFilePatch(readShared(CORPUS), file, { reverse: true }).pre;
    const revert = unifiedDiff(readShared(CORPUS), late2021, 'kernel/audit.c');
    const r = reviewPatch(revert, { base: readShared(CORPUS) });
    expect(r.images[0]).toMatchObject({ mode: 'base', reversed: false });
    const introduced = serious(r).filter((s) => s.startsWith('introduced'));
    expect(introduced).toEqual(expect.arrayContaining([
      'introduced AQ101 kauditd_retry_skb',
      'introduced AQ103 kauditd_rehold_skb',
      'introduced AQ104 kauditd_hold_skb',
    ]));
  });
});

describe.skipIf(!hasShared)(needsShared('seed 003: the v4.10 three-queue rework, as archived with a review comment inside'), () => {
  let text: string;
  let r: ReviewResult;
  beforeAll(() => {
    text = readShared(SEED_003);
    r = reviewPatch(text);
  });

  it('introduces AQ101 on kauditd_retry_skb (the unbounded retry queue fixed in 2022)', () => {
    expect(serious(r)).toContain('introduced AQ101 kauditd_retry_skb');
    const f = r.findings.find((x) => x.finding.rule === 'AQ101' && x.status === 'introduced')!;
    expect(text.split('\n')[f.docLine!]).toMatch(/^\+\s*skb_queue_tail\(&audit_retry_queue, skb\);/);
  });

  it('keeps the interleaved reviewer comment as a comment, out of the code', () => {
    const comments = r.patch.messages[0].comments.map((c) => c.text);
    expect(comments.some((c) => c.startsWith('Can kauditd_retry_skb() be eliminated entirely'))).toBe(true);
    for (const image of r.images) {
      expect(image.pre.parsed.text).not.toContain('eliminated entirely');
      expect(image.post.parsed.text).not.toContain('eliminated entirely');
    }
    expect(r.lossyHunks.length).toBe(7);
  });

  it('against today\'s audit.c (a base it does not fit): the hunks that fail are reviewed from the hunks, and every output says so', () => {
    const base = readShared(CORPUS);
    const withBase = reviewPatch(text, { base, basePath: CORPUS });
    // what the hunks show is still found: the unbounded retry queue the patch introduces
    expect(serious(withBase)).toContain('introduced AQ101 kauditd_retry_skb');
    expect(withBase.findings.find((x) => x.finding.rule === 'AQ101')!.rebuilt).toBe(true);
    // never "already contains this patch" unless every hunk reverse-applies
    expect(withBase.problems.join('\n')).not.toMatch(/already contains this patch/);
    expect(withBase.images[0].reversed).toBe(false);
    expect(withBase.baseMismatch.length).toBeGreaterThanOrEqual(4);
    expect(withBase.readings.filter((h) => h.mode === 'rebuilt').length).toBe(withBase.baseMismatch.length);
    expect(readingSummary(withBase)).toMatch(/The patch does not fit the base: \d+ of 7 hunks did not apply/);
    // the drafted reply asks which tree instead of claiming a clean review
    const reply = draftReply(withBase).text;
    expect(reply).toMatch(/Which tree is this against\?/);
    expect(reply).not.toMatch(/looks right to me/);
  });
});

describe('a drain changed to keep going after a failed send', () => {
  it('our own fixture: reviewed from the hunks alone, the head rehold it now spins on is AQ103 introduced', () => {
    const before = readFileSync(resolve(FIXTURES, 'rules', 'AQ103-clean.c'), 'utf8');
    const after = readFileSync(resolve(FIXTURES, 'rules', 'AQ103-trigger.c'), 'utf8');
    const r = reviewPatch(unifiedDiff(before, after, 'kernel/audit.c', 60));
    expect(r.images[0].mode).toBe('fragments');
    expect(serious(r)).toEqual(['introduced AQ103 kauditd_rehold_skb']);
    expect(r.findings.find((x) => x.finding.rule === 'AQ103')!.assumed).toBe(true);
  });
});

describe('a requeue hook changed on its own (the drain outside the patch)', () => {
  const base = () => readFileSync(resolve(FIXTURES, 'rules', 'AQ103-clean.c'), 'utf8');
  const toHead = (text: string) => {
    const out = text.replace('\tskb_queue_tail(&audit_hold_queue, skb);\n}', '\tskb_queue_head(&audit_hold_queue, skb);\n}');
    expect(out).not.toBe(text);
    return out;
  };
  it('our own fixture: the head rehold is AQ103 introduced, on an assumed drain, and says so', () => {
    const r = reviewPatch(unifiedDiff(base(), toHead(base()), 'kernel/audit.c', 3));
    expect(r.images[0].mode).toBe('fragments');
    expect(serious(r)).toEqual(['introduced AQ103 kauditd_rehold_skb']);
    const f = r.findings.find((x) => x.finding.rule === 'AQ103')!;
    expect(f.assumed).toBe(true);
    expect(f.finding.message).toMatch(/the drain \(outside the patch, assumed\)/);
    expect(f.finding.message).not.toMatch(/__auditlens/);
    expect(r.images[0].assumptions.join('\n')).toMatch(/kauditd_rehold_skb\(\) as err_hook of an assumed one-pass drain that keeps going after a failed send \(&audit_hold_queue\)/);
  });
  it('a harmless change to the same hook: nothing introduced, and no unbounded-queue noise on the requeue', () => {
    const commented = base().replace('\tskb_queue_tail(&audit_hold_queue, skb);\n}', '\t/* oldest first */\n\tskb_queue_tail(&audit_hold_queue, skb);\n}');
    const r = reviewPatch(unifiedDiff(base(), commented, 'kernel/audit.c', 3));
    expect(serious(r)).toEqual([]);
  });
});

describe.skipIf(!hasShared)(needsShared('6.1 patched to put the hold-queue rehold back at the head'), () => {
  const patched = () => {
    const v61 = readShared(`${HISTORY}/v6.1.192-debian.c`);
    const head = v61.replace('\t/* put the record back in the queue */\n\tskb_queue_tail(&audit_hold_queue, skb);', '\t/* put the record back in the queue */\n\tskb_queue_head(&audit_hold_queue, skb);');
    expect(head).not.toBe(v61);
    return { v61, head };
  };
  it('from the hunk alone: AQ103 introduced on the rehold, the drain assumed', () => {
    const { v61, head } = patched();
    const r = reviewPatch(unifiedDiff(v61, head, 'kernel/audit.c'));
    expect(serious(r)).toEqual(['introduced AQ103 kauditd_rehold_skb']);
    expect(r.findings.find((x) => x.finding.rule === 'AQ103')!.assumed).toBe(true);
  });
  it('from the hunk alone: -EAGAIN sent to hold in kauditd_hold_skb() is AQ104 introduced, the drain and its bindings assumed', () => {
    const v61 = readShared(`${HISTORY}/v6.1.192-debian.c`);
    const from = v61.indexOf('\tif (error == -EAGAIN) {');
    const to = v61.indexOf('goto drop;\n\t}\n', from) + 'goto drop;\n\t}\n'.length;
    const toHold = v61.slice(0, from) + v61.slice(to);
    const r = reviewPatch(unifiedDiff(v61, toHold, 'kernel/audit.c', 30));
    expect(serious(r)).toEqual(['introduced AQ104 kauditd_hold_skb']);
    expect(r.findings.find((x) => x.finding.rule === 'AQ104')!.assumed).toBe(true);
    expect(serious(reviewPatch(unifiedDiff(v61, toHold, 'kernel/audit.c'), { base: v61 }))).toEqual(['introduced AQ104 kauditd_hold_skb']);
  });
  it('against the base: the same verdict, from the real drain', () => {
    const { v61, head } = patched();
    const r = reviewPatch(unifiedDiff(v61, head, 'kernel/audit.c'), { base: v61 });
    expect(serious(r)).toEqual(['introduced AQ103 kauditd_rehold_skb']);
    expect(r.findings.find((x) => x.finding.rule === 'AQ103')!.assumed).toBe(false);
  });
});

describe.skipIf(!hasShared)(needsShared('v4.12 patched to keep draining after a fatal send error'), () => {
  const patched = () => {
    const v412 = readShared(`${HISTORY}/v4.12.c`);
    const keepGoing = v412.replace('\t\t\t\tif (!skb_hook)\n\t\t\t\t\tgoto out;\n', '');
    expect(keepGoing).not.toBe(v412);
    return { v412, keepGoing };
  };
  it('against the base: AQ103 introduced on the head rehold, and not also "fixes AQ102"', () => {
    const { v412, keepGoing } = patched();
    const r = reviewPatch(unifiedDiff(v412, keepGoing, 'kernel/audit.c'), { base: v412 });
    expect(serious(r)).toContain('introduced AQ103 kauditd_rehold_skb');
    expect(r.findings.filter((x) => x.status === 'fixed').map((x) => x.finding.rule)).not.toContain('AQ102');
  });
  it('from the hunks alone: says what it could not see instead of a clean review', () => {
    const { v412, keepGoing } = patched();
    const narrow = reviewPatch(unifiedDiff(v412, keepGoing, 'kernel/audit.c'));
    expect(readingSummary(narrow)).toMatch(/no function AuditLens could rebuild|Shown only in part/);
    const wide = reviewPatch(unifiedDiff(v412, keepGoing, 'kernel/audit.c', 40));
    expect(wide.changes.map((c) => c.message).join('\n')).toMatch(/kauditd_send_queue\(\): the drain loop changes, and the hooks it calls on a failed send are outside the patch/);
    expect(serious(wide)).toEqual([]);
  });
});

describe('patches of our own', () => {
  it('the example patch makes the retry queue unbounded: AQ101 introduced on the + line', () => {
    const r = reviewPatch(DEMO_PATCH, { base: DEMO, basePath: 'examples/kauditd-demo.c' });
    expect(r.images[0]).toMatchObject({ mode: 'base', reversed: false });
    expect(serious(r)).toEqual(['introduced AQ101 demo_retry_skb']);
    const f = r.findings.find((x) => x.status === 'introduced')!;
    // the enqueue itself is a context line: the patch removed the check around it
    expect(DEMO_PATCH.split('\n')[f.docLine!]).toBe(' 	skb_queue_tail(&audit_retry_queue, skb);');
    expect(r.changes.map((c) => c.message)).toContain('demo_retry_skb(): the enqueue to audit_retry_queue is now unbounded (was bounded by the backlog limit)');
  });

  it('an off-by-one limit check is a model change, not an unbounded queue', () => {
    // the retry hook refuses only when the queue is already over the limit (`>` for `>=`)
    const before = DEMO.split('\n');
    const i = before.findIndex((l) => l.includes('skb_queue_len_lockless(&audit_retry_queue) >= audit_backlog_limit'));
    const after = [...before];
    after[i] = after[i].replace('>= audit_backlog_limit', '> audit_backlog_limit');
    const patch = unifiedDiff(DEMO, after.join('\n'), 'kernel/audit.c');
    const r = reviewPatch(patch, { base: DEMO });
    expect(serious(r)).toEqual([]);
    expect(r.changes.map((c) => c.message)).toContain('demo_retry_skb(): the limit check on audit_retry_queue is now off by one (len <= limit): the queue can hold one record over the backlog limit');
  });

  it('applies by context with an offset and fuzz when the base has moved', () => {
    const moved = DEMO.replace('#include', '/* five lines added above */\n\n\n\n\n#include');
    const r = reviewPatch(DEMO_PATCH, { base: moved });
    expect(r.problems).toEqual([]);
    expect(serious(r)).toEqual(['introduced AQ101 demo_retry_skb']);
  });

  it('reports a hunk that does not apply, reviews it from the hunk, and still reviews the rest', () => {
    const broken = DEMO_PATCH.replace(' static void demo_retry_skb(struct sk_buff *skb, int error)', ' static void no_such_function(struct sk_buff *skb, int error)');
    expect(broken).not.toBe(DEMO_PATCH);
    const r = reviewPatch(broken, { base: DEMO });
    expect(r.problems.join('\n')).toMatch(/not applied: .*; reviewed from the hunk alone/);
    expect(r.baseMismatch.map((h) => h.mode)).toEqual(['rebuilt']);
    expect(r.baseMismatch[0].functions).toContain('no_such_function');
  });

  it('claims the base already contains a patch only when every hunk applies in reverse', () => {
    // two hunks: one the example already has (its own diff, reversed), one from another tree
    const after = DEMO.replace('demo_count_lost("retry queue overflow");', 'demo_count_lost("retry queue full");');
    const own = unifiedDiff(DEMO, after, 'kernel/audit.c');
    const foreign = unifiedDiff('static int other_tree(void)\n{\n\treturn 0;\n}\n', 'static int other_tree(void)\n{\n\treturn 1;\n}\n', 'kernel/audit.c');
    const both = own + foreign.split('\n').filter((l) => !/^(---|\+\+\+|diff) /.test(l)).join('\n');
    const inBase = reviewPatch(own, { base: after });
    expect(inBase.images[0].reversed).toBe(true);
    expect(inBase.readings.map((h) => h.mode)).toEqual(['reversed']);
    const mixed = reviewPatch(both, { base: after });
    expect(mixed.images[0].reversed).toBe(false);
    expect(mixed.problems.join('\n')).not.toMatch(/already contains/);
    expect(mixed.baseMismatch.length).toBe(2);
  });

  it('names the files of a multi-file patch it did not review', () => {
    const doc = `--- a/Documentation/audit.txt\n+++ b/Documentation/audit.txt\n@@ -1,1 +1,1 @@\n-old\n+new\n${DEMO_PATCH}`;
    const r = reviewPatch(doc, { base: DEMO, basePath: 'kernel/audit.c' });
    expect(r.unreviewed).toEqual(['Documentation/audit.txt']);
    expect(readingSummary(r)).toMatch(/Not reviewed: Documentation\/audit.txt/);
  });

  it('a diff between two designs: late 2021 -> 2022 fixes what seed 001 fixed', () => {
    const patch = unifiedDiff(versionFixture('late2021'), versionFixture('v2022'), 'kernel/audit.c');
    const r = reviewPatch(patch, { base: versionFixture('late2021') });
    expect(serious(r)).toEqual(expect.arrayContaining(['fixed AQ101 kauditd_retry_skb', 'fixed AQ103 kauditd_rehold_skb', 'fixed AQ104 kauditd_hold_skb']));
    expect(serious(r).filter((s) => s.startsWith('introduced'))).toEqual([]);
  });

  it('a series in an mbox: each message parsed, hunks of one file reviewed together', () => {
    const first = unifiedDiff(versionFixture('late2021'), versionFixture('late2021').replace('skb_queue_head(&audit_hold_queue, skb);', 'skb_queue_tail(&audit_hold_queue, skb);'), 'kernel/audit.c');
    const mbox = [
      'From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001', 'From: A <a@example.org>', 'Subject: [PATCH 1/2] audit: requeue held records at the tail', '', 'Body.', '', 'Signed-off-by: A <a@example.org>', '---', first,
      'From 2222222222222222222222222222222222222222 Mon Sep 17 00:00:00 2001', 'From: A <a@example.org>', 'Subject: [PATCH 2/2] audit: nothing', '', 'Body.', '---',
      unifiedDiff('int a;\n', 'int b;\n', 'kernel/other.c'),
    ].join('\n');
    const r = reviewPatch(mbox, { base: versionFixture('late2021'), basePath: 'kernel/audit.c' });
    expect(r.patch.messages.map((m) => [m.index, m.total])).toEqual([[1, 2], [2, 2]]);
    expect(r.files).toEqual(['kernel/audit.c', 'kernel/other.c']);
    // a tail requeue alone does not end the livelock while the drain has no single-pass bound
    expect(serious(r).filter((s) => s.includes('kauditd_rehold_skb'))).toEqual(['unchanged AQ103 kauditd_rehold_skb']);
    expect(r.changes.map((c) => c.message)).toContain('kauditd_rehold_skb() now puts records back at the tail of audit_hold_queue (was the head)');
  });

  it('a reply quoting the patch with `> `: comments stay comments, the quoted patch is reviewed', () => {
    const quoted = [
      'From: R <r@example.org>', 'Subject: Re: [PATCH] audit demo: keep every record that failed with -EAGAIN', 'Message-ID: <reply@example.org>', '',
      'On Mon, 2 Mar 2026, Demo Contributor wrote:',
      ...DEMO_PATCH.split('\n').slice(DEMO_PATCH.split('\n').findIndex((l) => l.startsWith('diff --git'))).map((l) => (/^@@/.test(l) ? `> ${l}\nThis hunk worries me.\n` : `> ${l}`)),
    ].join('\n');
    const r = reviewPatch(quoted, { base: DEMO });
    expect(r.patch.messages[0].quoted).toBe(true);
    expect(r.patch.messages[0].comments.map((c) => c.text)).toContain('This hunk worries me.');
    expect(serious(r)).toEqual(['introduced AQ101 demo_retry_skb']);
  });

  it('the fixture emails of every kind parse and review without throwing', () => {
    for (const name of ['format-patch-v2.patch', 'series.mbox', 'reply-quoted.eml', 'working-tree.diff', 'malformed-hunk.patch']) {
      const r = reviewPatch(readFileSync(resolve(FIXTURES, 'patch', name), 'utf8'));
      expect(r.hunks.length, name).toBeGreaterThan(0);
    }
  });
});

describe('drafted review reply', () => {
  const withHeaders = DEMO_PATCH
    .replace(/^Subject:/m, 'To: Audit Maintainer <maint@example.org>\nCc: "List, Audit" <audit@example.org>, Reviewer <me@example.org>, contributor@example.org\nMessage-Id: <demo-1@example.org>\nReferences: <cover-0@example.org>\nSubject:');

  it('is a mail to the author and the original recipients, threaded under the patch', () => {
    const { text } = draftReply(reviewPatch(withHeaders, { base: DEMO }), { from: 'Reviewer <me@example.org>' });
    const [head] = text.split('\n\n');
    expect(head.split('\n')).toEqual([
      'From: Reviewer <me@example.org>',
      'To: Demo Contributor <contributor@example.org>',
      'Cc: Audit Maintainer <maint@example.org>,',
      '    "List, Audit" <audit@example.org>',
      'Subject: Re: [PATCH] audit demo: keep every record that failed with -EAGAIN',
      'In-Reply-To: <demo-1@example.org>',
      'References: <cover-0@example.org>',
      ' <demo-1@example.org>',
    ]);
  });

  it('reads like a kernel review: the real date in the attribution, trimmed quote, the consequence in sentences, no rule ids in the prose', () => {
    const { text, notes } = draftReply(reviewPatch(withHeaders, { base: DEMO }));
    const lines = text.split('\n');
    expect(lines).toContain('On Mon, Mar 2, 2026 at 10:15:00AM +0100, Demo Contributor wrote:');
    const at = lines.indexOf('>  	skb_queue_tail(&audit_retry_queue, skb);');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toBe('');
    expect(lines[at + 2]).toMatch(/^I think this is a problem: demo_retry_skb\(\) appends to audit_retry_queue/);
    const body = text.slice(text.indexOf('\n\n') + 2);
    const prose = body.split('\n').filter((l) => !l.startsWith('>') && !l.startsWith('AuditLens:'));
    expect(prose.join('\n')).not.toMatch(/\bA[QLC]\d{3}\b/);
    expect(prose.join('\n')).toMatch(/grows without limit/);
    for (const l of body.split('\n').filter((x) => !x.startsWith('>'))) expect(l.length, l).toBeLessThanOrEqual(72);
    expect(lines[lines.length - 2]).toBe('AuditLens: introduces AQ101');
    expect(text).not.toMatch(/Dear|Thanks for|Hope this helps|What it changes in the queue model/);
    expect(notes).toEqual([]);
  });

  it('the footnote can be turned off; Reviewed-by only on a clean review with an identity', () => {
    const review = reviewPatch(withHeaders, { base: DEMO });
    expect(draftReply(review, { footnote: false }).text).not.toMatch(/AuditLens/);
    const dirty = draftReply(review, { reviewedBy: true, from: 'Reviewer <me@example.org>' });
    expect(dirty.text).not.toMatch(/Reviewed-by/);
    expect(dirty.notes.join('\n')).toMatch(/Reviewed-by: left out: the review is not clean/);
    // a patch that only adds a comment introduces nothing and applies: a clean review
    const commented = DEMO.replace(/^(static void demo_retry_skb)/m, '/* retry hook */\n$1');
    expect(commented).not.toBe(DEMO);
    const fixing = reviewPatch(`From: Demo Contributor <contributor@example.org>\nSubject: [PATCH] audit demo: comment\n\n${unifiedDiff(DEMO, commented, 'kernel/audit.c')}`, { base: DEMO });
    expect(fixing.hunks.length).toBe(1);
    const clean = draftReply(fixing, { reviewedBy: true, from: 'Reviewer <me@example.org>' });
    expect(clean.text).toMatch(/^Reviewed-by: Reviewer <me@example.org>$/m);
    expect(draftReply(fixing, { reviewedBy: true }).notes.join('\n')).toMatch(/no reviewer identity/);
  });

  it.skipIf(!hasShared)(needsShared('seed 001 (an archive page): date and author from the page, the consequences of what it fixes, what is missing said aside'), () => {
    const { text, notes } = draftReply(reviewPatch(readShared(SEED_001)));
    expect(text.split('\n')).toContain('Subject: Re: [RFC PATCH] audit: improve audit queue handling when "audit=1" on cmdline');
    expect(text).toMatch(/^To: Paul Moore <paul@paul-moore\.com>$/m);
    expect(text).toMatch(/^On Wed, Jan 19, 2022 at 01:26:28AM \+0000, Paul Moore wrote:$/m);
    expect(text).toMatch(/^> -\tskb_queue_head\(&audit_hold_queue, skb\);$/m);
    expect(text).toMatch(/^Good\. Without this, kauditd_rehold_skb\(\) puts the failed record back at$/m);
    expect(text).toMatch(/kauditd spins \(soft lockup\)/);
    expect(text).toMatch(/^AuditLens: fixes AQ103, AQ104, AQ101$/m);
    expect(notes.join('\n')).toMatch(/came through the archive damaged/);
    expect(notes.join('\n')).toMatch(/no Message-ID/);
    expect(text).not.toMatch(/damaged|In-Reply-To/);
  });

  it.skipIf(!hasShared)(needsShared('seed 003 (a quoted patch): the date from the attribution, what it introduces asked about'), () => {
    const { text, notes } = draftReply(reviewPatch(readShared(SEED_003)));
    expect(text).toMatch(/^On Wed, Nov 23, 2016 at 08:41PM, Paul Moore wrote:$/m);
    expect(notes.join('\n')).toMatch(/kept no subject/);
    expect(text).toMatch(/^I think this is a problem: kauditd_retry_skb\(\) appends to$/m);
    expect(text).toMatch(/^Please take another look at the above before this goes in\.$/m);
  });
});
