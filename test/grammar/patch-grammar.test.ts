/**
 * The auditlens-patch TextMate grammar, tokenized with vscode-textmate + vscode-oniguruma (the engine VS Code uses).
 * VS Code's C grammar is not available offline, so source.c is a tiny stand-in (test/fixtures/grammar/c.tmLanguage.json):
 * these tests check our own scopes and where the embedded C starts and stops, not C highlighting.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type * as TM from 'vscode-textmate';
import { hasPrefix, INITIAL, loadGrammar, loadOniguruma, names, onigRegExp, Tokenized } from './textmate';
import { FIXTURES, SEED_001, SEED_003, fixture, hasShared, needsShared, readShared } from '../shared';

const ROOT = resolve(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8'));
const GRAMMAR_PATH = resolve(ROOT, 'syntaxes', 'auditlens-patch.tmLanguage.json');
const C_STAND_IN = resolve(FIXTURES, 'grammar', 'c.tmLanguage.json');
const EMBEDDED_C = 'meta.embedded.block.c';
const EMBEDDED_C_CONTENT = 'meta.embedded.block.c source.c';

async function loadPatchGrammar(): Promise<TM.IGrammar> {
  return loadGrammar('source.auditlens-patch', { 'source.auditlens-patch': GRAMMAR_PATH, 'source.c': C_STAND_IN });
}


let grammar: TM.IGrammar;
beforeAll(async () => {
  grammar = await loadPatchGrammar();
});

describe('grammar file and manifest', () => {
  const raw = JSON.parse(readFileSync(GRAMMAR_PATH, 'utf8'));

  it('is valid JSON with the scope name the manifest contributes, embedding C as "c"', () => {
    expect(raw.scopeName).toBe('source.auditlens-patch');
    expect(manifest.contributes.grammars).toContainEqual({
      language: 'auditlens-patch',
      scopeName: 'source.auditlens-patch',
      path: './syntaxes/auditlens-patch.tmLanguage.json',
      embeddedLanguages: { [EMBEDDED_C]: 'c' },
    });
    expect(resolve(ROOT, manifest.contributes.grammars[0].path)).toBe(GRAMMAR_PATH);
    // git format-patch output is recognised by its first line
    const [lang] = manifest.contributes.languages;
    expect(new RegExp(lang.firstLine).test('From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001')).toBe(true);
  });

  it('every regex compiles in Oniguruma', async () => {
    await loadOniguruma();
    const regexes: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (['match', 'begin', 'end', 'while'].includes(k) && typeof v === 'string') regexes.push(v);
          else walk(v);
        }
      }
    };
    walk(raw);
    expect(regexes.length).toBeGreaterThan(30);
    for (const re of regexes) expect(() => onigRegExp(re).dispose(), re).not.toThrow();
  });

  it('embeds source.c only through a zero-width rule scoped meta.embedded.block.c source.c', () => {
    const embedded = raw.repository['embedded-c'];
    expect(embedded.contentName).toBe(EMBEDDED_C_CONTENT);
    expect(embedded.patterns).toEqual([{ include: 'source.c' }]);
  });
});

describe('git format-patch email (fixture)', () => {
  let doc: Tokenized;
  beforeAll(() => {
    doc = new Tokenized(grammar, fixture('grammar/format-patch.patch'));
  });

  it('mbox From_ line and mail headers', () => {
    expect(doc.at('From 0123', 'From')).toContain('keyword.other.header.mail');
    expect(doc.at('From 0123', '0123456789abcdef0123456789abcdef01234567')).toContain('constant.numeric.commit.git');
    expect(doc.at('From: ', 'From:')).toEqual(expect.arrayContaining(['meta.header.mail', 'keyword.other.header.mail']));
    expect(doc.at('From: ', 'Jane Reviewer <jane@example.org>')).toEqual(expect.arrayContaining(['meta.header.mail', 'string.unquoted.header.mail']));
    // Cc: in the header block is a header, not a trailer
    expect(doc.at('Cc: Paul', 'Cc')).toContain('keyword.other.header.mail');
    expect(hasPrefix(doc.at('Cc: Paul'), 'meta.trailer')).toBe(false);
  });

  it('subject line: heading, with the [PATCH v2 3/7] tag, folded continuation included', () => {
    const tag = doc.at('Subject:', '[PATCH v2 3/7]');
    expect(tag).toEqual(expect.arrayContaining(['meta.header.mail', 'markup.heading.subject.mail', 'constant.other.patch-tag.mail']));
    expect(doc.at('Subject:', 'audit: bound the retry queue by')).toContain('markup.heading.subject.mail');
    expect(doc.at('Subject:', 'audit: bound')).not.toContain('constant.other.patch-tag.mail');
    expect(doc.at(' audit_backlog_limit', 'audit_backlog_limit')).toContain('markup.heading.subject.mail');
    expect(doc.at('Subject:', 'Subject')).toContain('keyword.other.header.mail');
  });

  it('commit message: a "- " bullet is prose, not a deleted line', () => {
    const bullet = doc.at('- kauditd_retry_skb() now honours');
    expect(hasPrefix(bullet, 'markup.deleted')).toBe(false);
    expect(bullet).toEqual(['source.auditlens-patch']);
  });

  it('trailers: Signed-off-by key and value, Fixes commit id, Cc in the body', () => {
    expect(doc.at('Signed-off-by:', 'Signed-off-by')).toEqual(expect.arrayContaining(['meta.trailer.git', 'keyword.other.trailer.git']));
    expect(doc.at('Signed-off-by:', ':')).toContain('keyword.other.trailer.git');
    expect(doc.at('Signed-off-by:', 'Jane Reviewer <jane@example.org>')).toContain('string.unquoted.trailer.git');
    expect(doc.at('Signed-off-by:', 'Jane Reviewer')).not.toContain('keyword.other.trailer.git');
    expect(doc.at('Fixes:', 'Fixes')).toContain('keyword.other.trailer.git');
    expect(doc.at('Fixes:', '5b52330bbfe6')).toEqual(expect.arrayContaining(['string.unquoted.trailer.git', 'constant.numeric.commit.git']));
    expect(doc.at('Fixes:', '("audit: fix auditd/kernel connection state tracking")')).toContain('string.unquoted.trailer.git');
    expect(doc.at('Fixes:', '("audit')).not.toContain('constant.numeric.commit.git');
    expect(doc.at('Reported-by:', 'Reported-by')).toContain('keyword.other.trailer.git');
    expect(doc.at('Cc: stable', 'Cc')).toContain('keyword.other.trailer.git');
    expect(doc.at('Cc: stable', 'stable@vger.kernel.org')).toContain('string.unquoted.trailer.git');
  });

  it('the --- separator and the diffstat', () => {
    expect(doc.at(/^---$/)).toContain('meta.separator.patch.git');
    expect(doc.at(' kernel/audit.c |', 'kernel/audit.c')).toContain('meta.diffstat');
    expect(doc.at(' kernel/audit.c |', '++++++++++')).toEqual(expect.arrayContaining(['meta.diffstat', 'markup.inserted.diffstat']));
    expect(doc.at(' kernel/audit.c |', '----')).toEqual(expect.arrayContaining(['meta.diffstat', 'markup.deleted.diffstat']));
    expect(doc.at(' kernel/audit.c |', '14')).not.toContain('markup.inserted.diffstat');
    expect(doc.at(' 1 file changed')).toContain('meta.diffstat.summary');
  });

  it('diff --git, index and ---/+++ file headers', () => {
    expect(doc.at('diff --git')).toContain('meta.diff.header.git');
    expect(doc.at('index e4bbe2c70c26')).toContain('meta.diff.index.git');
    expect(doc.at('--- a/kernel/audit.c')).toContain('meta.diff.header.from-file');
    expect(doc.at('--- a/kernel/audit.c', '---')).toContain('punctuation.definition.from-file.diff');
    expect(doc.at('+++ b/kernel/audit.c')).toContain('meta.diff.header.to-file');
    expect(hasPrefix(doc.at('+++ b/kernel/audit.c'), 'markup.inserted')).toBe(false);
  });

  it('hunk header: @@ range, and a C signature section as the function', () => {
    const i = doc.find('@@ -599,8 +599,14 @@');
    expect(doc.scopes(i, '@@')).toEqual(expect.arrayContaining(['meta.diff.range.unified', 'punctuation.definition.range.diff']));
    expect(doc.scopes(i, '-599,8')).toContain('meta.diff.range.unified');
    expect(doc.scopes(i, 'static void kauditd_hold_skb(struct sk_buff *skb, int error)')).toEqual(
      expect.arrayContaining(['meta.diff.range.unified', 'entity.name.function.diff']),
    );
    // a section that is not a signature is not a function
    const j = doc.find('@@ -700,2 +706,2 @@');
    expect(doc.scopes(j, 'struct audit_net {')).toContain('entity.name.section.diff');
    expect(doc.scopes(j, 'struct audit_net {')).not.toContain('entity.name.function.diff');
  });

  it('+ line: marker outside source.c, code inside the embedded C', () => {
    const i = doc.find('+\tif (!audit_backlog_limit ||');
    const marker = doc.scopes(i, '+');
    expect(marker).toEqual(expect.arrayContaining(['markup.inserted.diff', 'punctuation.definition.inserted.diff']));
    expect(marker).not.toContain('source.c');
    const code = doc.scopes(i, 'if (!audit_backlog_limit ||');
    expect(code).toEqual(expect.arrayContaining(['markup.inserted.diff', EMBEDDED_C, 'source.c']));
    expect(doc.scopes(i, 'if')).toContain('keyword.control.c');
    expect(doc.scopes(doc.find('+\taudit_log_lost('), 'audit_log_lost')).toEqual(
      expect.arrayContaining(['markup.inserted.diff', EMBEDDED_C, 'source.c', 'entity.name.function.c']),
    );
  });

  it('a C comment spanning + lines continues across them, the markers stay diff punctuation', () => {
    const second = doc.find('+\t * see audit_backlog_limit */');
    expect(doc.scopes(second, ' * see audit_backlog_limit')).toEqual(expect.arrayContaining(['markup.inserted.diff', 'comment.block.c']));
    expect(doc.scopes(second, '+')).not.toContain('comment.block.c');
    expect(doc.scopes(second, '+')).toContain('punctuation.definition.inserted.diff');
    // and is closed: the next + line is code again
    expect(doc.at('+\tif (!audit_backlog_limit', 'audit_backlog_limit')).not.toContain('comment.block.c');
  });

  it('- line and context line', () => {
    const del = doc.find('-\tskb_queue_tail(&audit_retry_queue, skb);');
    expect(doc.scopes(del, '-')).toEqual(expect.arrayContaining(['markup.deleted.diff', 'punctuation.definition.deleted.diff']));
    expect(doc.scopes(del, '-')).not.toContain('source.c');
    expect(doc.scopes(del, 'skb_queue_tail')).toEqual(expect.arrayContaining(['markup.deleted.diff', EMBEDDED_C, 'source.c', 'entity.name.function.c']));

    const ctx = doc.find(' static void kauditd_retry_skb(struct sk_buff *skb)');
    expect(doc.scopes(ctx, 'kauditd_retry_skb')).toEqual(expect.arrayContaining(['meta.diff.context', EMBEDDED_C, 'source.c', 'entity.name.function.c']));
    expect(hasPrefix(doc.scopes(ctx), 'markup.inserted') || hasPrefix(doc.scopes(ctx), 'markup.deleted')).toBe(false);
    expect(doc.scopes(ctx, ' ')).not.toContain('source.c');
  });

  it('signature "-- " and what follows', () => {
    const sig = doc.find(/^-- $/);
    expect(doc.scopes(sig)).toContain('comment.block.signature.mail');
    expect(hasPrefix(doc.scopes(sig), 'markup.deleted')).toBe(false);
    expect(doc.scopes(sig + 1, '2.43.0')).toContain('comment.block.signature.mail');
  });
});

describe('reply quoting the patch with "> " (fixture)', () => {
  let doc: Tokenized;
  beforeAll(() => {
    doc = new Tokenized(grammar, fixture('grammar/reply.eml'));
  });

  it('headers of an .eml that starts with them; Re: [PATCH ...] subject', () => {
    expect(doc.at('From: Paul', 'From')).toContain('keyword.other.header.mail');
    expect(doc.at('Cc: linux-audit', 'Cc')).toContain('keyword.other.header.mail');
    expect(doc.at('Subject:', '[PATCH v2 3/7]')).toEqual(expect.arrayContaining(['markup.heading.subject.mail', 'constant.other.patch-tag.mail']));
    expect(doc.at('In-Reply-To:', '<20260303090000.12345-4-jane@example.org>')).toContain('string.unquoted.header.mail');
  });

  it('quoted commit message: quote, a quoted bullet is not a deleted line, a quoted trailer is a trailer', () => {
    const prose = doc.at('> When sends to auditd');
    expect(prose).toContain('markup.quote.mail');
    expect(doc.at('> When sends to auditd', '> ')).toContain('punctuation.definition.quote.mail');
    expect(hasPrefix(doc.at('> - kauditd_retry_skb()'), 'markup.deleted')).toBe(false);
    expect(doc.at('> Signed-off-by:', 'Signed-off-by')).toEqual(expect.arrayContaining(['markup.quote.mail', 'keyword.other.trailer.git']));
    expect(doc.at('>  kernel/audit.c |', '++++++++++')).toEqual(expect.arrayContaining(['markup.quote.mail', 'markup.inserted.diffstat']));
  });

  it('quoted diff headers and hunk header', () => {
    expect(doc.at('> diff --git', 'diff --git')).toEqual(expect.arrayContaining(['markup.quote.mail', 'meta.diff.header.git']));
    expect(doc.at('> diff --git', '> ')).toContain('punctuation.definition.quote.mail');
    expect(doc.at('> --- a/kernel/audit.c', '--- a/kernel/audit.c')).toContain('meta.diff.header.from-file');
    expect(doc.at('> @@ -599,8', '@@')).toEqual(expect.arrayContaining(['markup.quote.mail', 'meta.diff.range.unified']));
  });

  it('a quoted + line is both quote and inserted, with "> " as quote punctuation', () => {
    const i = doc.find('> +\tif (!audit_backlog_limit ||');
    const prefix = doc.scopes(i, '> ');
    expect(prefix).toEqual(expect.arrayContaining(['markup.quote.mail', 'punctuation.definition.quote.mail']));
    expect(prefix).not.toContain('markup.inserted.diff');
    const marker = doc.tokens[i].find((t) => t.start === 2)!;
    expect(marker.text).toBe('+');
    expect(marker.scopes).toEqual(expect.arrayContaining(['markup.quote.mail', 'markup.inserted.diff', 'punctuation.definition.inserted.diff']));
    expect(doc.scopes(i, 'if (!audit_backlog_limit ||')).toEqual(
      expect.arrayContaining(['markup.quote.mail', 'markup.inserted.diff', EMBEDDED_C, 'source.c']),
    );
  });

  it('quoted - and context lines', () => {
    expect(doc.at('> -\tskb_queue_tail', 'skb_queue_tail')).toEqual(
      expect.arrayContaining(['markup.quote.mail', 'markup.deleted.diff', EMBEDDED_C, 'source.c']),
    );
    expect(doc.at('>  static void kauditd_retry_skb', 'kauditd_retry_skb')).toEqual(expect.arrayContaining(['markup.quote.mail', 'meta.diff.context']));
  });

  it('the reviewer\'s comment breaks the quote; quoted hunk lines after it are still inserted', () => {
    const comment = doc.at('Why not share this test');
    expect(comment).toEqual(['source.auditlens-patch']);
    const after = doc.find('> +\t    skb_queue_len');
    expect(doc.scopes(after, 'skb_queue_len')).toEqual(expect.arrayContaining(['markup.quote.mail', 'markup.inserted.diff', 'entity.name.function.c']));
    // nested quoting: the whole "> > > " prefix is the quote punctuation, the rest still an inserted line
    const nested = doc.find('> > > +\taudit_log_lost');
    expect(doc.tokens[nested][0]).toMatchObject({ text: '> > > ', scopes: expect.arrayContaining(['markup.quote.mail', 'punctuation.definition.quote.mail']) });
    expect(doc.scopes(nested, 'audit_log_lost')).toEqual(expect.arrayContaining(['markup.quote.mail', 'markup.inserted.diff', 'entity.name.function.c']));
  });

  it('the reviewer\'s own trailer and signature', () => {
    expect(doc.at('Reviewed-by:', 'Reviewed-by')).toContain('keyword.other.trailer.git');
    expect(hasPrefix(doc.at('Reviewed-by:'), 'markup.quote')).toBe(false);
    const sig = doc.find(/^--$/);
    expect(doc.scopes(sig)).toContain('comment.block.signature.mail');
    expect(doc.scopes(sig + 1)).toContain('comment.block.signature.mail');
  });
});

describe('embedding boundaries', () => {
  it('a C comment left open in a + run does not leak into the - line after it', () => {
    const doc = new Tokenized(
      grammar,
      ['diff --git a/x.c b/x.c', '--- a/x.c', '+++ b/x.c', '@@ -1,2 +1,2 @@', '+/* opened and never closed', '-skb_queue_head(q, skb);', ' kfree_skb(skb);', ''].join('\n'),
    );
    expect(doc.at('+/* opened', 'opened')).toContain('comment.block.c');
    const del = doc.at('-skb_queue_head', 'skb_queue_head');
    expect(del).toEqual(expect.arrayContaining(['markup.deleted.diff', 'entity.name.function.c']));
    expect(del).not.toContain('comment.block.c');
    expect(del).not.toContain('markup.inserted.diff');
    expect(doc.at(' kfree_skb', 'kfree_skb')).not.toContain('comment.block.c');
  });

  it('an unclosed string on a context line ends with the line\'s run', () => {
    const doc = new Tokenized(grammar, ['@@ -1,2 +1,2 @@ f(void)', ' pr_err("unterminated', '+ok();'].join('\n'));
    expect(doc.at(' pr_err', 'unterminated')).toContain('string.quoted.double.c');
    expect(doc.at('+ok', 'ok')).not.toContain('string.quoted.double.c');
    expect(doc.at('+ok', 'ok')).toContain('entity.name.function.c');
  });
});

describe('robustness', () => {
  // No time limit: a busy machine must not fail this. Runaway backtracking would keep the test
  // from finishing; here each line must be tokenized whole, never cut short.
  it('long and hostile lines tokenize to their end', () => {
    const long = 20_000;
    const lines = [
      'a | '.repeat(long / 4),
      `${'x'.repeat(long)} | 1 ${'+'.repeat(long)}`,
      `Subject: ${'[PATCH '.repeat(long / 7)}`,
      `Fixes: ${'0'.repeat(long)}`,
      `@@ -1,2 +1,2 @@ ${'a '.repeat(long / 2)}`,
      `@@ -1,2 +1,2 @@ ${'a('.repeat(long / 2)}`,
      `${'> '.repeat(long / 2)}+x`,
      `${'>'.repeat(long)}diff --git a b`,
      `+${'/*'.repeat(long / 2)}`,
      `-${'"\\'.repeat(long / 2)}`,
      `${'-'.repeat(long)}`,
      `From ${'f'.repeat(long)} Mon`,
    ];
    for (const prefix of [[], ['diff --git a/x b/x', '@@ -1 +1 @@']]) {
      let state = INITIAL;
      for (const p of prefix) state = grammar.tokenizeLine(p, state).ruleStack;
      for (const line of lines) {
        const r = grammar.tokenizeLine(line, state);
        expect(r.stoppedEarly, line.slice(0, 40)).toBe(false);
        // tokens tile the line: each starts where the one before ended, the last at the line's end
        expect(r.tokens[0].startIndex, line.slice(0, 40)).toBe(0);
        expect(r.tokens.every((t, i) => i === 0 || t.startIndex === r.tokens[i - 1].endIndex), line.slice(0, 40)).toBe(true);
        expect(r.tokens.at(-1)!.endIndex, line.slice(0, 40)).toBeGreaterThanOrEqual(line.length);
      }
    }
  });
});

describe.skipIf(!hasShared)(needsShared('seed emails from ../shared'), () => {
  it('001: list-archive copy of "[RFC PATCH] audit: improve audit queue handling"', () => {
    const doc = new Tokenized(grammar, readShared(SEED_001));
    expect(doc.at('[RFC PATCH]', '[RFC PATCH]')).toEqual(expect.arrayContaining(['markup.heading.subject.mail', 'constant.other.patch-tag.mail']));
    expect(doc.at('[RFC PATCH]', 'audit: improve audit queue handling')).toContain('markup.heading.subject.mail');
    // commit-message bullets are prose
    expect(hasPrefix(doc.at('- kauditd_send_queue() is now limited'), 'markup.deleted')).toBe(false);
    expect(doc.at('Cc: stable', 'Cc')).toContain('keyword.other.trailer.git');
    expect(doc.at('Fixes: 5b52330bbfe63', '5b52330bbfe63')).toContain('constant.numeric.commit.git');
    expect(doc.at('Fixes: f4b3ee3c85551', 'f4b3ee3c85551')).toContain('constant.numeric.commit.git');
    expect(doc.at('Signed-off-by: Paul Moore', 'Signed-off-by')).toContain('keyword.other.trailer.git');
    expect(doc.at('Signed-off-by: Paul Moore', 'Paul Moore')).toContain('string.unquoted.trailer.git');
    // diffstat straight after the trailers (the archive dropped the ---)
    expect(doc.at(' kernel/audit.c |', '+++++')).toContain('markup.inserted.diffstat');
    expect(doc.at(' kernel/audit.c |', '-----')).toContain('markup.deleted.diffstat');
    expect(doc.at('diff --git a/kernel/audit.c')).toContain('meta.diff.header.git');
    const hunk = doc.find('@@ -541,20 +541,22 @@');
    expect(doc.scopes(hunk, '@@')).toContain('meta.diff.range.unified');
    expect(doc.scopes(hunk, 'static void kauditd_printk_skb(struct sk_buff *skb)')).toContain('entity.name.function.diff');
    expect(doc.at('+ * @error: error code (unused)', '+')).toContain('punctuation.definition.inserted.diff');
    expect(doc.at('+ * @error: error code (unused)', '@error')).toEqual(expect.arrayContaining(['markup.inserted.diff', EMBEDDED_C, 'source.c']));
    expect(doc.at('-static void kauditd_rehold_skb(', 'kauditd_rehold_skb')).toEqual(
      expect.arrayContaining(['markup.deleted.diff', 'entity.name.function.c']),
    );
    expect(doc.at('  * kauditd_rehold_skb - Handle', 'kauditd_rehold_skb')).toEqual(expect.arrayContaining(['meta.diff.context', EMBEDDED_C, 'source.c']));
    expect(doc.at('+\tskb_queue_tail(&audit_hold_queue, skb);', 'skb_queue_tail')).toContain('entity.name.function.c');
    // the archive's footer is neither diff nor C
    expect(doc.at('More information about the Linux-audit')).toEqual(['source.auditlens-patch']);
  });

  it('003: reply whose quoting the archive stripped, with an inline comment and signatures', () => {
    const doc = new Tokenized(grammar, readShared(SEED_003));
    expect(doc.at('From: Paul Moore', 'From')).toContain('keyword.other.header.mail');
    expect(doc.at('From: Paul Moore', 'Paul Moore')).toContain('string.unquoted.header.mail');
    expect(doc.at('Signed-off-by: Paul Moore', 'Signed-off-by')).toContain('keyword.other.trailer.git');
    expect(doc.at(/^---$/)).toContain('meta.separator.patch.git');
    expect(doc.at('kernel/audit.c | 347', '+++')).toContain('markup.inserted.diffstat');
    expect(doc.at('@@ -138,11 +138,18 @@', 'static DEFINE_SPINLOCK(audit_freelist_lock);')).toContain('entity.name.function.diff');
    expect(doc.at('+static struct sk_buff_head audit_retry_queue;', 'static')).toEqual(
      expect.arrayContaining(['markup.inserted.diff', EMBEDDED_C, 'source.c', 'storage.type.c']),
    );
    expect(doc.at('-/* queue of skbs to send to auditd', 'queue of skbs')).toEqual(expect.arrayContaining(['markup.deleted.diff', 'comment.block.c']));
    // the reviewer's inline comment inside the diff is plain text
    const comment = doc.at('Can kauditd_retry_skb() be eliminated');
    expect(comment).toEqual(['source.auditlens-patch']);
    // "--" (space eaten by the archive) starts the signature; "- RGB" inside it is not a deleted line
    const sig = doc.find(/^--$/);
    expect(doc.scopes(sig)).toContain('comment.block.signature.mail');
    expect(doc.at('- RGB')).toContain('comment.block.signature.mail');
    expect(hasPrefix(doc.at('- RGB'), 'markup.deleted')).toBe(false);
  });
});
