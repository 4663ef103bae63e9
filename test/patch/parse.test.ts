import { beforeAll, describe, expect, it } from 'vitest';
import { parsePatch } from '../../server/src/patch/parse';
import type { Hunk, PatchMessage, PatchSet } from '../../server/src/patch/types';
import { SEED_001, SEED_002, SEED_003, fixture, hasShared, needsShared, readShared } from '../shared';

const headerOf = (h: Hunk) => [h.oldStart, h.oldLines, h.newStart, h.newLines];
const texts = (h: Hunk, kind: 'add' | 'del' | 'context') => h.lines.filter((l) => l.kind === kind).map((l) => l.text);
const allLines = (set: PatchSet) => set.messages.flatMap((m) => m.files.flatMap((f) => f.hunks.flatMap((h) => h.lines)));

/** Every patch line, trailer and comment points at the document line (and column) it came from. */
function expectAnchored(text: string, set: PatchSet): void {
  const doc = text.split('\n').map((l) => l.replace(/\r$/, ''));
  for (const l of allLines(set)) expect(doc[l.docLine].slice(l.docColumn).startsWith(l.text), `line ${l.docLine}: ${l.text}`).toBe(true);
  for (const m of set.messages) {
    for (const t of m.trailers) expect(doc[t.docLine]).toContain(t.value);
    for (const c of m.comments) {
      expect(doc[c.docLine]).toContain(c.text.split(' ')[0]);
      expect(doc[c.endLine]).toContain(c.text.split(' ').at(-1)!);
    }
  }
}

describe.skipIf(!hasShared)(needsShared('seed 001: RFC patch from a pipermail archive page'), () => {
  let text: string;
  let set: PatchSet;
  let m: PatchMessage;
  beforeAll(() => {
    text = readShared(SEED_001);
    set = parsePatch(text);
    [m] = set.messages;
  });

  it('reads the archive header lines as subject, author and date', () => {
    expect(set.messages).toHaveLength(1);
    expect(m.subject).toBe('audit: improve audit queue handling when "audit=1" on cmdline');
    expect(m).toMatchObject({ tag: '[RFC PATCH]', rfc: true, from: 'Paul Moore paul at paul-moore.com', date: 'Wed Jan 19 01:26:28 UTC 2022', quoted: false });
    expect(m.version).toBeUndefined();
    expect(set.problems).toEqual([]);
  });

  it('splits trailers from the body and keeps the diffstat out of it', () => {
    expect(m.trailers.map((t) => t.key)).toEqual(['Cc', 'Fixes', 'Fixes', 'Reported-by', 'Signed-off-by']);
    expect(m.trailers.filter((t) => t.key === 'Fixes').map((t) => t.value.split(' ')[0])).toEqual(['5b52330bbfe63', 'f4b3ee3c85551']);
    expect(m.trailers[3].value).toBe('Gaosheng Cui <cuigaosheng1 at huawei.com>');
    expect(m.body.startsWith('When an admin enables audit at early boot')).toBe(true);
    expect(m.body.endsWith('recent changes to kauditd_send_queue().')).toBe(true);
    expect(m.body).not.toMatch(/audit\.c \||file changed|Signed-off-by|Paul Moore paul at/);
  });

  it('reads one file with seven hunks; the six that lost lines are lossy', () => {
    expect(m.files).toHaveLength(1);
    expect(m.files[0]).toMatchObject({ oldPath: 'kernel/audit.c', newPath: 'kernel/audit.c' });
    const hunks = m.files[0].hunks;
    expect(hunks.map(headerOf)).toEqual([
      [541, 20, 541, 22], [564, 19, 566, 31], [585, 24, 599, 30], [640, 7, 660, 7],
      [714, 16, 734, 18], [731, 7, 753, 7], [745, 7, 767, 7],
    ]);
    expect(hunks.map((h) => h.lossy)).toEqual([true, true, true, true, true, true, false]);
    expect(hunks[0].problems).toEqual(['8 old-side and 8 new-side lines missing (archives drop blank lines and lone braces)']);
    expect(hunks[3].section).toBe('static void auditd_reset(const struct auditd_connection *ac)');
  });

  it('keeps the - and + lines of the kauditd_rehold_skb hunk exactly', () => {
    const h = m.files[0].hunks[0];
    expect(texts(h, 'del')).toEqual([
      'static void kauditd_rehold_skb(struct sk_buff *skb)',
      '\t/* put the record back in the queue at the same place */',
      '\tskb_queue_head(&audit_hold_queue, skb);',
    ]);
    expect(texts(h, 'add')).toEqual([
      ' * @error: error code (unused)',
      'static void kauditd_rehold_skb(struct sk_buff *skb, __always_unused int error)',
      '\t/* put the record back in the queue */',
      '\tskb_queue_tail(&audit_hold_queue, skb);',
      ' * @error: error code',
    ]);
  });

  it('stops before the list footer and anchors every line', () => {
    expect(allLines(set).some((l) => /More information/.test(l.text))).toBe(false);
    expect(m.files[0].hunks[6].lines.at(-1)!.text).toBe('\t\t\t\t/* continue to drain the queue */');
    expectAnchored(text, set);
  });
});

describe.skipIf(!hasShared)(needsShared('seed 003: archived reply, context markers stripped, comment inline'), () => {
  let text: string;
  let doc: string[];
  let set: PatchSet;
  let m: PatchMessage;
  let hunks: Hunk[];
  beforeAll(() => {
    text = readShared(SEED_003);
    doc = text.split('\n');
    set = parsePatch(text);
    [m] = set.messages;
    hunks = m.files[0].hunks;
  });

  it('takes the commit message\'s first line as the subject when the archive lost it', () => {
    expect(set.messages).toHaveLength(1);
    expect(m.subject).toBe('The audit record backlog queue has always been a bit of a mess, and');
    expect(m.tag).toBeUndefined();
    expect(m.from).toBe('Paul Moore <paul(a)paul-moore.com>');
    expect(m.quoted).toBe(false);
    expect(m.trailers).toEqual([{ key: 'Signed-off-by', value: 'Paul Moore <paul(a)paul-moore.com>', docLine: 20 }]);
    expect(m.body).not.toMatch(/wrote:|^From:|347 \+|file changed/m);
    expect(m.body.endsWith('queue first, then the retry queue, and finally the main queue.')).toBe(true);
    expect(set.problems).toEqual([]);
  });

  it('keeps the reviewer\'s unquoted question as one comment, not code', () => {
    expect(m.comments).toHaveLength(1);
    const [c] = m.comments;
    expect(c.text).toBe('Can kauditd_retry_skb() be eliminated entirely and just call skb_queue_tail(&audit_retry_queue, skb) directly? The comment is helpful, but found the code harder to follow in kauditd_thread() as a result.');
    expect(doc[c.docLine]).toMatch(/^Can kauditd_retry_skb\(\)/);
    expect(doc[c.endLine]).toBe('result.');
    expect(allLines(set).some((l) => l.docLine >= c.docLine && l.docLine <= c.endLine)).toBe(false);
    expect(hunks[2].problems).toContain("4 lines of prose without a diff marker (a reviewer's comment) kept as a comment, not code");
  });

  it('reads the hunks after the comment, and unmarked lines as context', () => {
    expect(hunks.map(headerOf)).toEqual([
      [138, 11, 138, 18], [365, 25, 372, 6], [398, 58, 386, 114], [464, 94, 508, 155],
      [616, 6, 721, 7], [1171, 10, 1277, 8], [1201, 6, 1305, 7],
    ]);
    expect(hunks.every((h) => h.lossy)).toBe(true);
    const adds = hunks.flatMap((h) => h.lines.filter((l) => l.kind === 'add'));
    const reset = adds.find((l) => l.text === 'static void auditd_reset(void)');
    expect(reset).toBeDefined();
    expect(doc[reset!.docLine]).toBe('+static void auditd_reset(void)');
    expect(adds.some((l) => l.text === 'static void kauditd_retry_skb(struct sk_buff *skb)')).toBe(true);
    const freelist = hunks[0].lines.find((l) => l.text === 'static int audit_freelist_count;');
    expect(freelist).toMatchObject({ kind: 'context', docColumn: 0 });
    expect(hunks[0].problems).toEqual([
      '2 old-side and 2 new-side lines missing (archives drop blank lines and lone braces)',
      '8 context lines had lost the leading space; read as context',
    ]);
  });

  it('rejoins the hunk header the mailer wrapped', () => {
    expect(hunks[3].section).toBe('static void kauditd_send_multicast_skb(struct sk_buff *skb, gfp_t gfp_mask)');
    expect(hunks[3].problems[0]).toMatch(/wrapped the hunk header/);
    expect(hunks[3].lines[0].text).toBe('* no reason for new multicast clients to continue with this');
  });

  it('ends the patch at the "--" signature: "- RGB" and the footer are no hunk lines', () => {
    const sig = doc.indexOf('--');
    expect(sig).toBeGreaterThan(0);
    expect(Math.max(...allLines(set).map((l) => l.docLine))).toBeLessThan(sig);
    expect(allLines(set).some((l) => /RGB|mailing list/.test(l.text))).toBe(false);
    expect(texts(hunks[6], 'add')).toEqual([' skb_queue_head_init(&audit_retry_queue);']);
    expectAnchored(text, set);
  });
});

describe.skipIf(!hasShared)(needsShared('seed 002: a syzbot report is not a patch'), () => {
  it('yields no message and one problem', () => {
    const set = parsePatch(readShared(SEED_002));
    expect(set.messages).toEqual([]);
    expect(set.problems).toHaveLength(1);
    expect(set.problems[0].message).toMatch(/no patch, email or diff/);
  });
});

describe('git format-patch email', () => {
  const text = fixture('patch/format-patch-v2.patch');
  const set = parsePatch(text);
  const [m] = set.messages;

  it('reads headers, the unfolded subject and its [PATCH v2 2/3] tag', () => {
    expect(set.messages).toHaveLength(1);
    expect(m).toMatchObject({
      subject: 'audit: bound the demo retry queue by demo_backlog_limit',
      tag: '[PATCH v2 2/3]', version: 2, index: 2, total: 3, rfc: false,
      from: 'Ada Reviewer <ada@example.org>', date: 'Tue, 4 Feb 2025 10:12:33 +0100',
      messageId: '<20250204091233.1234-3-ada@example.org>', inReplyTo: '<20250204091233.1234-1-ada@example.org>',
      quoted: false, startLine: 0,
    });
  });

  it('splits body, trailers, notes and diffstat', () => {
    expect(m.body).toBe('The demo retry queue grew without limit while the daemon was stuck.\nCheck the limit before queueing, and count the record as lost when\nthe queue is full.');
    expect(m.trailers.map((t) => `${t.key}: ${t.value}`)).toEqual([
      'Fixes: 0123456789ab ("audit: add the demo retry queue")',
      'Reported-by: Bo Tester <bo@example.org>',
      'Reviewed-by: Cy Maint <cy@example.org>',
      'Link: https://lore.example.org/r/20250101.demo@example.org',
      'Cc: stable@example.org',
      'Signed-off-by: Ada Reviewer <ada@example.org>',
    ]);
  });

  it('reads well-formed hunks without loss and stops at the "-- " signature', () => {
    const hunks = m.files[0].hunks;
    expect(hunks.map(headerOf)).toEqual([[10, 6, 10, 10], [40, 6, 44, 5]]);
    expect(hunks.map((h) => h.lossy)).toEqual([false, false]);
    expect(hunks[0].section).toBe('static struct demo_queue demo_retry;');
    expect(texts(hunks[0], 'context')).toContain('');
    expect(texts(hunks[1], 'del')).toEqual(['\t/* drain everything */', '\twhile ((rec = demo_dequeue(&demo_retry)))']);
    expect(allLines(set).some((l) => l.text.includes('2.39.2'))).toBe(false);
    expect(set.problems).toEqual([]);
    expectAnchored(text, set);
  });

  it('reads the same email with CRLF line ends', () => {
    const crlf = parsePatch(text.replace(/\n/g, '\r\n'));
    expect(crlf.messages[0].subject).toBe(m.subject);
    expect(crlf.messages[0].files[0].hunks.map((h) => h.lines.map((l) => l.text))).toEqual(m.files[0].hunks.map((h) => h.lines.map((l) => l.text)));
  });
});

describe('mbox series with a cover letter', () => {
  const text = fixture('patch/series.mbox');
  const set = parsePatch(text);

  it('yields three messages with index and total', () => {
    expect(set.messages.map((m) => [m.tag, m.index, m.total, m.subject])).toEqual([
      ['[PATCH 0/2]', 0, 2, 'audit: demo queue fixes'],
      ['[PATCH 1/2]', 1, 2, 'audit: requeue held records at the tail'],
      ['[PATCH 2/2]', 2, 2, 'audit: drain each queue once per pass'],
    ]);
    expect(set.messages.map((m) => m.files.length)).toEqual([0, 1, 1]);
    expect(set.messages[1].startLine).toBe(set.messages[0].endLine + 1);
    expect(set.problems).toEqual([]);
  });

  it('keeps the cover letter\'s diffstat out of its body and unescapes mboxrd ">From"', () => {
    expect(set.messages[0].body).not.toMatch(/file changed|audit\.c \|/);
    expect(set.messages[0].body).toMatch(/^Two small fixes/);
    expect(set.messages[1].body).toContain("\nFrom the daemon's point of view");
  });

  it('reads each patch\'s hunk up to its signature', () => {
    const [h1] = set.messages[1].files[0].hunks;
    const [h2] = set.messages[2].files[0].hunks;
    expect(texts(h1, 'add')).toEqual(['\tdemo_enqueue(&demo_hold, rec);']);
    expect(headerOf(h2)).toEqual([30, 4, 30, 4]);
    expect([h1.lossy, h2.lossy]).toEqual([false, false]);
    expectAnchored(text, set);
  });

  it('splits on mbox "From addr date" separators too', () => {
    const mbox = 'From someone@example.org Wed Jan 19 01:26:28 2022\nFrom: X <x@example.org>\nSubject: [PATCH RFC v3] audit: one\n\nFirst.\n\n'
      + 'From other@example.org  Thu Jan 20 01:26:28 2022\nFrom: Y <y@example.org>\nSubject: Re: [PATCH RFC v3] audit: one\n\nA reply.\n';
    const s = parsePatch(mbox);
    expect(s.messages.map((m) => [m.from, m.subject, m.rfc, m.version])).toEqual([
      ['X <x@example.org>', 'audit: one', true, 3],
      ['Y <y@example.org>', 'audit: one', true, 3],
    ]);
  });
});

describe('reply quoting the patch with "> "', () => {
  const text = fixture('patch/reply-quoted.eml');
  const set = parsePatch(text);
  const [m] = set.messages;

  it('reads the reply headers and the quoted commit message', () => {
    expect(m).toMatchObject({
      quoted: true, subject: 'audit: move failed records to the retry queue', tag: '[PATCH v3 1/1]', version: 3,
      messageId: '<CAHC9VhR.demo-reply@example.org>', inReplyTo: '<20250206.demo-v3@example.org>',
    });
    expect(m.body).toBe('A record whose send fails with -EAGAIN belongs on the retry queue.');
    expect(m.trailers.map((t) => t.key)).toEqual(['Signed-off-by']);
  });

  it('keeps the interleaved review as comments, never as code', () => {
    expect(m.comments.map((c) => c.text)).toEqual([
      'Why not keep the hold path for -ECONNREFUSED here as well?  The daemon is gone in that case and the record should wait for it.',
      'This one looks fine to me.\n\nThanks, Cy',
    ]);
    expect(allLines(set).some((l) => /Why not|looks fine|wrote:|demo maintainer/.test(l.text))).toBe(false);
  });

  it('strips the quote prefix from hunk lines and keeps the hunks whole across the comment', () => {
    const hunks = m.files[0].hunks;
    expect(hunks.map(headerOf)).toEqual([[50, 6, 50, 8], [80, 3, 82, 3]]);
    expect(hunks.map((h) => h.lossy)).toEqual([false, false]);
    expect(texts(hunks[0], 'context')).toEqual(['{', '\tdemo_printk(rec);', '\tdemo_free(rec);', '}']);
    expect(hunks[0].lines.find((l) => l.kind === 'add')).toMatchObject({ text: '\tif (err == -EAGAIN) {', docColumn: 3 });
    expectAnchored(text, set);
  });

  it('handles nested quotes: the patch at "> > ", earlier replies at "> "', () => {
    const s = parsePatch('> On Mon, Ada wrote:\n> > @@ -1,2 +1,2 @@\n> >  a();\n> > -b();\n> > +c();\n> I think c is wrong here, use d instead.\n> > @@ -9 +9 @@\n> > -e();\n> > +f();\nAgreed with the comment above.\n');
    const [r] = s.messages;
    expect(r.quoted).toBe(true);
    expect(r.comments.map((c) => c.text)).toEqual(['I think c is wrong here, use d instead.', 'Agreed with the comment above.']);
    expect(r.files[0].hunks.map((h) => h.lines.map((l) => `${l.kind[0]}${l.text}`))).toEqual([['ca();', 'db();', 'ac();'], ['de();', 'af();']]);
  });

  it('marks a quote the replier trimmed with [...] as lossy', () => {
    const s = parsePatch('On x, A wrote:\n> diff --git a/a.c b/a.c\n> --- a/a.c\n> +++ b/a.c\n> @@ -1,6 +1,6 @@\n>  one();\n> [...]\n> -two();\n> +three();\n\nWhy three?\n');
    const h = s.messages[0].files[0].hunks[0];
    expect(h.lossy).toBe(true);
    expect(h.problems.join(' ')).toMatch(/trimmed/);
    expect(s.messages[0].comments.map((c) => c.text)).toEqual(['Why three?']);
  });
});

describe('bare diffs', () => {
  it('reads a working-tree git diff with a new file', () => {
    const text = fixture('patch/working-tree.diff');
    const set = parsePatch(text);
    const [m] = set.messages;
    expect(m).toMatchObject({ subject: '', body: '', trailers: [], comments: [], quoted: false });
    expect(m.files.map((f) => [f.oldPath, f.newPath, f.headerLine])).toEqual([
      ['kernel/audit.c', 'kernel/audit.c', 0],
      ['/dev/null', 'kernel/audit_demo.h', 11],
    ]);
    expect(headerOf(m.files[1].hunks[0])).toEqual([0, 0, 1, 4]);
    expect(texts(m.files[1].hunks[0], 'add')).toEqual(['#ifndef AUDIT_DEMO_H', '#define AUDIT_DEMO_H', 'int demo_len(const struct demo_queue *q);', '#endif']);
    expect(m.files.flatMap((f) => f.hunks).every((h) => !h.lossy)).toBe(true);
    expectAnchored(text, set);
  });

  it('reads a plain unified diff (no git header, timestamps, one-line counts)', () => {
    const set = parsePatch('--- old/a.c\t2024-01-01 00:00:00.000000000 +0000\n+++ new/a.c\t2024-01-01 00:00:01.000000000 +0000\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n@@ -9 +9 @@\n-x\n+y\n');
    const [f] = set.messages[0].files;
    expect([f.oldPath, f.newPath]).toEqual(['old/a.c', 'new/a.c']);
    expect(f.hunks.map(headerOf)).toEqual([[1, 2, 1, 2], [9, 1, 9, 1]]);
  });

  it('skips a malformed hunk header, keeps the good hunks around it and reports the line', () => {
    const text = fixture('patch/malformed-hunk.patch');
    const set = parsePatch(text);
    const hunks = set.messages[0].files[0].hunks;
    expect(hunks.map((h) => h.oldStart)).toEqual([5, 40]);
    expect(hunks.every((h) => !h.lossy)).toBe(true);
    expect(set.problems).toEqual([{ docLine: 7, message: 'unreadable hunk header "@@ -20,x +20,3 @@ static void demo_two(void)": it and 4 lines after it were skipped' }]);
    expectAnchored(text, set);
  });

  it('counts blank context lines whose space the mailer stripped, also as the last line', () => {
    for (const end of ['', '\n']) {
      const set = parsePatch(`--- a/a.c\n+++ b/a.c\n@@ -1,3 +1,3 @@\n a();\n-b();\n+c();\n${end}`);
      const [h] = set.messages[0].files[0].hunks;
      expect(h.lines.map((l) => l.kind[0] + l.text)).toEqual(['ca();', 'db();', 'ac();', 'c']);
      expect(h.lossy).toBe(false);
    }
  });

  it('keeps lines past an undercounting header, flagged lossy', () => {
    const set = parsePatch('diff --git a/a.c b/a.c\n--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-a();\n+b();\n+c();\n@@ -9 +9 @@\n-e();\n+f();\n');
    const [h1, h2] = set.messages[0].files[0].hunks;
    expect(texts(h1, 'add')).toEqual(['b();', 'c();']);
    expect(h1.problems).toEqual(["1 line past the header's counts kept (the header undercounts)"]);
    expect(h2.lossy).toBe(false);
  });

  it('keeps unquoted review prose between and after hunks as comments', () => {
    const set = parsePatch('diff --git a/a.c b/a.c\n--- a/a.c\n+++ b/a.c\n@@ -1,2 +1,2 @@\n ctx();\n-a();\n+b();\nThis looks wrong to me, please use the tail instead.\n@@ -9 +9 @@\n-e();\n+f();\nReviewed-by: Cy Maint <cy@example.org>\n');
    const [m] = set.messages;
    expect(m.comments.map((c) => c.text)).toEqual(['This looks wrong to me, please use the tail instead.', 'Reviewed-by: Cy Maint <cy@example.org>']);
    expect(m.files[0].hunks.map((h) => h.lossy)).toEqual([false, false]);
    expect(set.problems).toEqual([]);
  });

  it('reports a binary patch and reads the next file', () => {
    const set = parsePatch('diff --git a/x.png b/x.png\nnew file mode 100644\nindex 0000000..1111111\nGIT binary patch\nliteral 5\nMcmZ?wbhEX0\n\nliteral 0\nHcmV?d00001\n\ndiff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-a\n+b\n');
    expect(set.messages[0].files.map((f) => [f.newPath, f.hunks.length])).toEqual([['x.png', 0], ['a', 1]]);
    expect(set.problems).toEqual([{ docLine: 3, message: 'binary patch for x.png skipped' }]);
  });
});

describe('other inputs', () => {
  it('reads git show output (indented commit message)', () => {
    const set = parsePatch('commit 0123456789abcdef0123456789abcdef01234567\nAuthor: A B <a@example.org>\nDate:   Mon Jan 1 00:00:00 2024 +0000\n\n    audit: demo subject\n\n    Body line.\n\n    Signed-off-by: A B <a@example.org>\n\ndiff --git a/a.c b/a.c\nindex 1..2 100644\n--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-a\n+b\n');
    const [m] = set.messages;
    expect([m.subject, m.from, m.body, m.trailers.map((t) => t.key)]).toEqual(['audit: demo subject', 'A B <a@example.org>', 'Body line.', ['Signed-off-by']]);
  });

  it('decodes RFC 2047 encoded subject and author', () => {
    const set = parsePatch('From: =?UTF-8?q?Micka=C3=ABl_S?= <m@example.org>\nSubject: =?UTF-8?B?W1BBVENIXSBhdWRpdDogw6ljaG8=?=\n\nbody\n---\ndiff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-a\n+b\n');
    expect([set.messages[0].from, set.messages[0].tag, set.messages[0].subject]).toEqual(['Mickaël S <m@example.org>', '[PATCH]', 'audit: écho']);
  });

  it('parses the subject tag variants', () => {
    const subj = (s: string) => parsePatch(`Subject: ${s}\nFrom: a <a@example.org>\n\nx\n`).messages[0];
    expect(subj('[RFC PATCH] audit: a')).toMatchObject({ tag: '[RFC PATCH]', rfc: true, subject: 'audit: a' });
    expect(subj('[PATCH RFC v3] audit: b')).toMatchObject({ rfc: true, version: 3, subject: 'audit: b' });
    expect(subj('Re: [PATCH v2 3/7] audit: c')).toMatchObject({ version: 2, index: 3, total: 7, subject: 'audit: c' });
    expect(subj('RE: Re: [linux-audit] [PATCHv4 net-next] audit: d')).toMatchObject({ tag: '[PATCHv4 net-next]', version: 4, subject: 'audit: d' });
    expect(subj('audit: no tag').subject).toBe('audit: no tag');
    expect(subj('audit: no tag').tag).toBeUndefined();
  });

  it('returns no messages and a problem for empty or binary input', () => {
    for (const input of ['', ' \n\n', '\0\0\0diff --git a/a b/a', String.fromCharCode(...Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))]) {
      const set = parsePatch(input);
      expect(set.messages).toEqual([]);
      expect(set.problems).toHaveLength(1);
    }
  });

  it('caps problems on junk instead of flooding', () => {
    const set = parsePatch('@@ -1,x\n'.repeat(5000));
    expect(set.messages).toEqual([]);
    expect(set.problems.length).toBeLessThanOrEqual(101);
    expect(set.problems.at(-1)!.message).toMatch(/more problems/);
  });

  // How fast belongs in `npm run bench`; here, that 20 MB is read whole, with nothing dropped.
  it('parses 20 MB, well-formed and lossy, to the last hunk and comment', () => {
    const parts = ['diff --git a/kernel/audit.c b/kernel/audit.c\n--- a/kernel/audit.c\n+++ b/kernel/audit.c\n'];
    let size = parts[0].length;
    for (let n = 0; size < 20e6; n++) {
      const hunk = `@@ -${n * 10},3 +${n * 10},3 @@ static void f${n}(void)\n context_line(${n});\n-\told(${n});\n+\tnew(${n});\n context_again;\n`;
      parts.push(hunk);
      size += hunk.length;
    }
    const good = parsePatch(parts.join(''));
    const hunks = good.messages[0].files[0].hunks;
    expect(hunks.length).toBe(parts.length - 1);
    const last = hunks.at(-1)!;
    expect(last.section).toBe(`static void f${parts.length - 2}(void)`);
    expect(last.lines.map((l) => l.kind)).toEqual(['context', 'del', 'add', 'context']);
    expect(hunks.every((h) => !h.lossy)).toBe(true);
    const lossy = 'diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1,9999999 +1,9999999 @@\n' + 'static int unmarked_context;\nThis reads as a sentence of plain words, does it not?\n+added(line);\n'.repeat(2.5e5);
    const bad = parsePatch(lossy);
    expect(bad.messages[0].comments).toHaveLength(2.5e5);
    expect(bad.messages[0].files[0].hunks.flatMap((h) => h.lines).filter((l) => l.kind === 'add')).toHaveLength(2.5e5);
  });
});
