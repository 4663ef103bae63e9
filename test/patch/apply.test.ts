import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { applyFilePatch, type ApplyReport } from '../../server/src/patch/apply';
import type { FilePatch, Hunk, PatchLine } from '../../server/src/patch/types';
import { KernelCParser } from '../../server/src/parse/cParser';
import { CORPUS, SEED_001, fixture, hasShared, needsShared, readShared } from '../shared';

/**
 * Test-only hunk builder: reads `@@` headers and the ` `/`+`/`-` lines after
 * them, as they stand in `text` (docLine = 0-based line of `text`). Anything
 * else ends a hunk. `lossy` is set when the header's counts do not add up,
 * which is what a parser does for archived mail. This is NOT the product
 * parser (server/src/patch/parse.ts, written separately); it lets these tests
 * build FilePatch objects from readable diffs, and read seed 001's hunks.
 */
function hunksOf(text: string): Hunk[] {
  const hunks: Hunk[] = [];
  let cur: Hunk | undefined;
  text.split('\n').forEach((line, docLine) => {
    const m = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/.exec(line);
    if (m) {
      cur = {
        oldStart: Number(m[1]),
        oldLines: m[2] === undefined ? 1 : Number(m[2]),
        newStart: Number(m[3]),
        newLines: m[4] === undefined ? 1 : Number(m[4]),
        section: m[5] ?? '',
        headerLine: docLine,
        lines: [],
        lossy: false,
        problems: [],
      };
      hunks.push(cur);
      return;
    }
    const marker = line[0];
    if (!cur || (marker !== ' ' && marker !== '+' && marker !== '-')) {
      cur = undefined;
      return;
    }
    const kind: PatchLine['kind'] = marker === ' ' ? 'context' : marker === '+' ? 'add' : 'del';
    cur.lines.push({ kind, text: line.slice(1), docLine, docColumn: 1 });
  });
  for (const h of hunks) {
    const oldN = h.lines.filter((l) => l.kind !== 'add').length;
    const newN = h.lines.filter((l) => l.kind !== 'del').length;
    h.lossy = oldN !== h.oldLines || newN !== h.newLines;
  }
  return hunks;
}

function filePatch(...diffs: string[]): FilePatch {
  return { oldPath: 'a/demo.c', newPath: 'b/demo.c', headerLine: 0, hunks: hunksOf(diffs.join('\n')) };
}

const lines = (s: string): string[] => s.split('\n');
const squash = (s: string): string => s.replace(/\s+/g, '');

/** Every mapped hunk line really is that line of its image; recovered lines are the same in both. */
function checkMapping(r: ApplyReport): void {
  const pre = lines(r.pre);
  const post = lines(r.post);
  for (const p of r.placed) {
    const ignored = new Set<number>();
    const ctxIdx = p.hunk.lines.map((_, h) => h);
    ctxIdx.slice(0, p.fuzzLeading).forEach((h) => ignored.add(h));
    ctxIdx.slice(ctxIdx.length - p.fuzzTrailing).forEach((h) => ignored.add(h));
    let lastPre = -1;
    let lastPost = -1;
    p.hunk.lines.forEach((l, h) => {
      const a = p.preLine[h];
      const b = p.postLine[h];
      if (l.kind === 'add') expect(a, `add line ${h} has no pre line`).toBeUndefined();
      if (l.kind === 'del') expect(b, `del line ${h} has no post line`).toBeUndefined();
      if (a !== undefined) {
        expect(a).toBeGreaterThan(lastPre);
        lastPre = a;
        if (!ignored.has(h)) expect(squash(pre[a]!), `pre line ${a} for hunk line ${h}`).toBe(squash(l.text));
      }
      if (b !== undefined) {
        expect(b).toBeGreaterThan(lastPost);
        lastPost = b;
        if (!ignored.has(h)) expect(squash(post[b]!), `post line ${b} for hunk line ${h}`).toBe(squash(l.text));
      }
      if (l.kind === 'context' && a !== undefined) expect(post[b!]).toBe(pre[a]);
    });
    for (const rec of p.recovered) {
      expect(pre[rec.pre]).toBe(rec.text);
      expect(post[rec.post]).toBe(rec.text);
    }
  }
}

const BASE = fixture('patch/apply-base.c');

// demo_rehold_skb, lines 15-19 of the fixture.
const REHOLD = `@@ -15,5 +15,5 @@ static void demo_rehold_skb(struct sk_buff *skb)
 static void demo_rehold_skb(struct sk_buff *skb)
 {
-	/* put the record back in the queue at the same place */
-	skb_queue_head(&demo_hold_queue, skb);
+	/* put the record back in the queue */
+	skb_queue_tail(&demo_hold_queue, skb);
 }`;

// demo_hold_skb, lines 27-34.
const HOLD = `@@ -27,8 +27,9 @@ static void demo_hold_skb(struct sk_buff *skb)
 	if (!demo_backlog_limit ||
 	    skb_queue_len(&demo_hold_queue) < demo_backlog_limit) {
 		skb_queue_tail(&demo_hold_queue, skb);
 		return;
 	}
 
-	demo_log_lost("hold queue overflow");
+	demo_log_lost("demo hold queue overflow");
+	demo_count_lost();
 	kfree_skb(skb);`;

// demo_send_queue, lines 49-55.
const SEND = `@@ -49,7 +49,8 @@ static int demo_send_queue(struct sk_buff_head *queue)
 	int rc = 0;
 	struct sk_buff *skb;
 
-	while ((skb = skb_dequeue(queue))) {
+	skb_tail = skb_peek_tail(queue);
+	while ((skb != skb_tail) && (skb = skb_dequeue(queue))) {
 		rc = demo_send(skb);
 		if (rc < 0) {
 			demo_retry_skb(skb);`;

const AFTER_REHOLD = BASE.replace(
  '\t/* put the record back in the queue at the same place */\n\tskb_queue_head(&demo_hold_queue, skb);',
  '\t/* put the record back in the queue */\n\tskb_queue_tail(&demo_hold_queue, skb);',
);
const AFTER_HOLD = BASE.replace(
  '\tdemo_log_lost("hold queue overflow");',
  '\tdemo_log_lost("demo hold queue overflow");\n\tdemo_count_lost();',
);
const AFTER_SEND = BASE.replace(
  '\twhile ((skb = skb_dequeue(queue))) {',
  '\tskb_tail = skb_peek_tail(queue);\n\twhile ((skb != skb_tail) && (skb = skb_dequeue(queue))) {',
);

describe('applyFilePatch: forward', () => {
  it('applies a hunk exactly where its header says, mapping every line', () => {
    const r = applyFilePatch(BASE, filePatch(REHOLD));
    expect(r.failed).toEqual([]);
    expect(r.pre).toBe(BASE);
    expect(r.post).toBe(AFTER_REHOLD);
    const [p] = r.placed;
    expect(p).toMatchObject({ preStart: 14, postStart: 14, offset: 0, fuzz: 0, method: 'exact', recovered: [] });
    // ' static', ' {', '-comment', '-head', '+comment', '+tail', ' }'
    expect(p!.preLine).toEqual([14, 15, 16, 17, undefined, undefined, 18]);
    expect(p!.postLine).toEqual([14, 15, undefined, undefined, 16, 17, 18]);
    checkMapping(r);
  });

  it('finds a hunk whose header is 15 lines off, and carries the offset to the next hunk', () => {
    const shifted = REHOLD.replace('@@ -15,5 +15,5 @@', '@@ -30,5 +30,5 @@');
    const next = HOLD.replace('@@ -27,8 +27,9 @@', '@@ -42,8 +42,9 @@');
    const r = applyFilePatch(BASE, filePatch(shifted, next));
    expect(r.failed).toEqual([]);
    expect(r.placed.map((p) => [p.preStart, p.offset, p.fuzz])).toEqual([
      [14, -15, 0],
      [26, -15, 0],
    ]);
    expect(r.post).toBe(AFTER_REHOLD.replace('\tdemo_log_lost("hold queue overflow");', '\tdemo_log_lost("demo hold queue overflow");\n\tdemo_count_lost();'));
    checkMapping(r);
  });

  it('nearest match first: of two identical places, the one nearer the header wins', () => {
    const twice = BASE + '\n' + BASE;
    const second = SEND.replace('@@ -49,7 +49,8 @@', '@@ -105,7 +105,8 @@'); // 63 + 49 = 112: second copy is 7 away
    const r = applyFilePatch(twice, filePatch(second));
    expect(r.placed[0]!.preStart).toBe(63 + 48);
    expect(r.placed[0]!.offset).toBe(7);
  });

  it('fuzz 1: ignores a leading context line that differs, keeping the base text', () => {
    const hunk = SEND.replace(' \tint rc = 0;', ' \tint rc = -1;');
    const r = applyFilePatch(BASE, filePatch(hunk));
    expect(r.failed).toEqual([]);
    // Like patch, fuzz 1 ignores one context line at each end.
    expect(r.placed[0]).toMatchObject({ fuzz: 1, fuzzLeading: 1, fuzzTrailing: 1, preStart: 48, offset: 0 });
    expect(r.placed[0]!.preLine[0]).toBe(48); // the ignored line sits where the hunk puts it
    expect(r.post).toBe(AFTER_SEND);
    expect(r.post).toContain('\tint rc = 0;');
    expect(r.post).not.toContain('int rc = -1;');
    checkMapping(r);
  });

  it('fuzz 2: two differing lines at the start and one at the end; maxFuzz 1 refuses it', () => {
    const hunk = SEND.replace(' \tint rc = 0;', ' \tint rc = -1;')
      .replace(' \tstruct sk_buff *skb;', ' \tstruct sk_buff *skb = NULL;')
      .replace(' \t\t\tdemo_retry_skb(skb);', ' \t\t\tdemo_retry_skb(skb, rc);');
    const r = applyFilePatch(BASE, filePatch(hunk));
    expect(r.failed).toEqual([]);
    expect(r.placed[0]).toMatchObject({ fuzz: 2, fuzzLeading: 2, fuzzTrailing: 2, preStart: 48 });
    expect(r.post).toBe(AFTER_SEND);
    checkMapping(r);

    const strict = applyFilePatch(BASE, filePatch(hunk), { maxFuzz: 1 });
    expect(strict.placed).toEqual([]);
    expect(strict.post).toBe(BASE);
    expect(strict.failed[0]!.reason).toMatch(/^context not found near line 49: the base differs/);
  });

  it('trailing whitespace is no difference; other whitespace matches as a last resort, reported as fuzz', () => {
    const trailing = HOLD.replace(' \t\treturn;', ' \t\treturn;   ');
    const a = applyFilePatch(BASE, filePatch(trailing));
    expect(a.placed[0]).toMatchObject({ fuzz: 0, method: 'exact' });
    expect(a.post).toBe(AFTER_HOLD);

    const spaces = HOLD.split('\n')
      .map((l) => (l.startsWith(' \t') ? ' ' + l.slice(1).replace(/\t/g, '        ') : l))
      .join('\n');
    expect(spaces).toContain('         if (!demo_backlog_limit ||');
    const b = applyFilePatch(BASE, filePatch(spaces));
    expect(b.failed).toEqual([]);
    expect(b.placed[0]).toMatchObject({ fuzz: 1, method: 'whitespace', preStart: 26 });
    expect(b.placed[0]!.notes.join(' ')).toMatch(/ignoring whitespace/);
    expect(b.post).toBe(AFTER_HOLD); // context comes from the base, with its tabs
    checkMapping(b);
  });

  it('a hunk that does not apply fails with the first differing line; the others still apply', () => {
    const bad = `@@ -27,4 +27,4 @@ static void demo_hold_skb(struct sk_buff *skb)
 	if (!demo_backlog_limit ||
 	    skb_queue_len(&demo_hold_queue) < demo_backlog_limit) {
-		skb_queue_tail(&demo_hold_queue, skb, GFP_KERNEL);
+		skb_queue_head(&demo_hold_queue, skb, GFP_KERNEL);
 		return;`;
    const fp = filePatch(REHOLD, bad, SEND);
    const r = applyFilePatch(BASE, fp);
    expect(r.placed.map((p) => p.hunk)).toEqual([fp.hunks[0], fp.hunks[2]]);
    expect(r.failed).toHaveLength(1);
    expect(r.failed[0]!.hunk).toBe(fp.hunks[1]);
    const reason = r.failed[0]!.reason;
    expect(reason).toMatch(/^context not found near line 27: the base differs/);
    expect(reason).toContain('best match at line 27 agrees on 3 of 4 lines');
    expect(reason).toContain('the hunk expects "skb_queue_tail(&demo_hold_queue, skb, GFP_KERNEL);" (patch line 12)');
    expect(reason).toContain('where line 29 has "skb_queue_tail(&demo_hold_queue, skb);"');
    expect(r.post).toBe(AFTER_REHOLD.replace('\twhile ((skb = skb_dequeue(queue))) {', '\tskb_tail = skb_peek_tail(queue);\n\twhile ((skb != skb_tail) && (skb = skb_dequeue(queue))) {'));
    checkMapping(r);
  });

  it('keeps CRLF line endings for inserted lines', () => {
    const crlf = BASE.replace(/\n/g, '\r\n');
    const r = applyFilePatch(crlf, filePatch(REHOLD));
    expect(r.failed).toEqual([]);
    expect(r.post).toBe(AFTER_REHOLD.replace(/\n/g, '\r\n'));
  });

  it('never throws, whatever the input', () => {
    const odd: FilePatch = {
      oldPath: 'a',
      newPath: 'b',
      headerLine: 0,
      hunks: [
        { oldStart: 0, oldLines: 0, newStart: 1, newLines: 1, section: '', headerLine: 0, lines: [{ kind: 'add', text: 'x', docLine: 1, docColumn: 1 }], lossy: false, problems: [] },
        { oldStart: 999, oldLines: 1, newStart: 999, newLines: 1, section: '', headerLine: 2, lines: [{ kind: 'context', text: 'nowhere', docLine: 3, docColumn: 1 }], lossy: true, problems: [] },
      ],
    };
    expect(() => applyFilePatch('', odd)).not.toThrow();
    const r = applyFilePatch('', odd);
    expect(r.post).toBe('x\n');
    expect(r.failed).toHaveLength(1);
    expect(r.failed[0]!.reason).toMatch(/^context not found/);
  });

  it('detects an already applied hunk (forward) and an unapplied one (reverse)', () => {
    const fp = filePatch(REHOLD, HOLD);
    const once = applyFilePatch(BASE, fp);
    const twice = applyFilePatch(once.post, fp);
    expect(twice.placed).toEqual([]);
    expect(twice.post).toBe(once.post);
    expect(twice.failed.map((f) => f.reason)).toEqual([
      'already applied: the base already has this hunk\'s new (+) side at line 15',
      'already applied: the base already has this hunk\'s new (+) side at line 27',
    ]);

    const mixed = applyFilePatch(AFTER_REHOLD, fp, { reverse: true });
    expect(mixed.placed.map((p) => p.hunk)).toEqual([fp.hunks[0]]);
    expect(mixed.failed).toHaveLength(1);
    expect(mixed.failed[0]!.hunk).toBe(fp.hunks[1]);
    expect(mixed.failed[0]!.reason).toMatch(/^not applied \(reversed\): the base has this hunk's old \(-\) side at line 27/);
    expect(mixed.pre).toBe(BASE);
  });
});

describe('applyFilePatch: reverse', () => {
  it('forward then reverse gives the original back, with the same placements', () => {
    const fp = filePatch(REHOLD, HOLD, SEND);
    const fwd = applyFilePatch(BASE, fp);
    expect(fwd.failed).toEqual([]);
    const back = applyFilePatch(fwd.post, fp, { reverse: true });
    expect(back.failed).toEqual([]);
    expect(back.pre).toBe(BASE);
    expect(back.post).toBe(fwd.post);
    expect(back.placed.map((p) => [p.preStart, p.postStart, p.fuzz])).toEqual(fwd.placed.map((p) => [p.preStart, p.postStart, p.fuzz]));
    for (let i = 0; i < fp.hunks.length; i++) {
      expect(back.placed[i]!.preLine).toEqual(fwd.placed[i]!.preLine);
      expect(back.placed[i]!.postLine).toEqual(fwd.placed[i]!.postLine);
    }
    checkMapping(fwd);
    checkMapping(back);
    const parser = new KernelCParser();
    expect(parser.parse(back.pre).problems).toEqual([]);
    expect(parser.parse(fwd.post).problems).toEqual([]);
  });
});

describe('applyFilePatch: lossy hunks (archives drop blank lines and lone braces)', () => {
  // HOLD without its blank context line and the lone `}` (the header still counts them).
  const LOSSY = `@@ -29,6 +29,7 @@ static void demo_hold_skb(struct sk_buff *skb)
 		skb_queue_tail(&demo_hold_queue, skb);
 		return;
-	demo_log_lost("hold queue overflow");
+	demo_log_lost("demo hold queue overflow");
+	demo_count_lost();
 	kfree_skb(skb);`;

  it('keeps the base lines the hunk lost as context in both images, mapping line by line', () => {
    const fp = filePatch(LOSSY);
    expect(fp.hunks[0]!.lossy).toBe(true);
    const r = applyFilePatch(BASE, fp);
    expect(r.failed).toEqual([]);
    expect(r.post).toBe(AFTER_HOLD);
    const p = r.placed[0]!;
    expect(p).toMatchObject({ preStart: 28, postStart: 28, offset: 0, fuzz: 0, method: 'lossy' });
    expect(p.recovered).toEqual([
      { pre: 30, post: 30, text: '\t}', trivial: true },
      { pre: 31, post: 31, text: '', trivial: true },
    ]);
    // ' tail', ' return', '-log', '+log', '+count', ' kfree'
    expect(p.preLine).toEqual([28, 29, 32, undefined, undefined, 33]);
    expect(p.postLine).toEqual([28, 29, undefined, 32, 33, 34]);
    expect(p.notes.join(' ')).toMatch(/recovered 2 blank, brace/);
    checkMapping(r);
  });

  it('applies also when the hunk is not marked lossy (a failed match falls back)', () => {
    const fp = filePatch(LOSSY);
    fp.hunks[0]!.lossy = false;
    const r = applyFilePatch(BASE, fp);
    expect(r.failed).toEqual([]);
    expect(r.post).toBe(AFTER_HOLD);
    expect(r.placed[0]!.recovered.map((x) => x.text)).toEqual(['\t}', '']);
  });

  it('reverses a lossy hunk back to the original', () => {
    const r = applyFilePatch(AFTER_HOLD, filePatch(LOSSY), { reverse: true });
    expect(r.failed).toEqual([]);
    expect(r.pre).toBe(BASE);
    expect(r.placed[0]!.recovered.map((x) => [x.pre, x.post, x.text])).toEqual([
      [30, 30, '\t}'],
      [31, 31, ''],
    ]);
    checkMapping(r);
  });

  it('puts a lost `{` between the changed signature and the changed body, both ways', () => {
    const retry = `@@ -41,5 +41,9 @@ static void demo_retry_skb(struct sk_buff *skb)
-static void demo_retry_skb(struct sk_buff *skb)
+static void demo_retry_skb(struct sk_buff *skb, int error)
-	/* no limit on this queue */
-	skb_queue_tail(&demo_retry_queue, skb);
+	if (skb_queue_len(&demo_retry_queue) < demo_backlog_limit) {
+		skb_queue_tail(&demo_retry_queue, skb);
+		return;
+	}
+	kfree_skb(skb);`;
    const fp = filePatch(retry);
    const after = BASE.replace(
      'static void demo_retry_skb(struct sk_buff *skb)\n{\n\t/* no limit on this queue */\n\tskb_queue_tail(&demo_retry_queue, skb);\n}',
      'static void demo_retry_skb(struct sk_buff *skb, int error)\n{\n\tif (skb_queue_len(&demo_retry_queue) < demo_backlog_limit) {\n\t\tskb_queue_tail(&demo_retry_queue, skb);\n\t\treturn;\n\t}\n\tkfree_skb(skb);\n}',
    );
    expect(after).not.toBe(BASE);
    const fwd = applyFilePatch(BASE, fp);
    expect(fwd.failed).toEqual([]);
    expect(fwd.post).toBe(after);
    const back = applyFilePatch(after, fp, { reverse: true });
    expect(back.failed).toEqual([]);
    expect(back.pre).toBe(BASE);
    checkMapping(fwd);
    checkMapping(back);
    expect(new KernelCParser().parse(back.pre).problems).toEqual([]);
  });

  it('does not accept a dropped code line unless the hunk is marked lossy', () => {
    // The hunk lacks `kfree_skb(skb);`, a code line, between two of its lines.
    const hunk = `@@ -33,4 +33,4 @@ static void demo_hold_skb(struct sk_buff *skb)
-	demo_log_lost("hold queue overflow");
+	demo_log_lost("demo hold queue overflow");
 }
 
 /**`;
    expect(filePatch(hunk).hunks[0]!.lossy).toBe(false);
    const strict = applyFilePatch(BASE, filePatch(hunk));
    expect(strict.failed).toHaveLength(1);
    expect(strict.failed[0]!.reason).toContain('the hunk expects "}" (patch line 4) where line 34 has "kfree_skb(skb);"');
    const fp = filePatch(hunk.replace('@@ -33,4 +33,4 @@', '@@ -33,5 +33,5 @@'));
    expect(fp.hunks[0]!.lossy).toBe(true);
    const lossy = applyFilePatch(BASE, fp);
    expect(lossy.failed).toEqual([]);
    expect(lossy.placed[0]!.fuzz).toBe(1);
    expect(lossy.placed[0]!.recovered).toEqual([{ pre: 33, post: 33, text: '\tkfree_skb(skb);', trivial: false }]);
    expect(lossy.post).toBe(BASE.replace('\tdemo_log_lost("hold queue overflow");', '\tdemo_log_lost("demo hold queue overflow");'));
    checkMapping(lossy);
  });
});

// How fast this is belongs in `npm run bench`; here, only that the search finds the right place.
describe('applyFilePatch: many look-alike functions', () => {
  it('places 20 hunks in a 3,000-line base, each in its own function despite headers off by 5 or 10 lines', () => {
    const fn = (i: number): string[] => [
      `static int demo_fn_${i}(struct sk_buff *skb)`,
      '{',
      '\tint rc = 0;',
      '',
      `\trc = demo_send(skb, ${i});`,
      '\tif (rc < 0) {',
      '\t\tkfree_skb(skb);',
      '\t\treturn rc;',
      '\t}',
      '',
      '\tconsume_skb(skb);',
      '\treturn 0;',
      '}',
      '',
      '/**',
      ` * demo_fn_${i + 1} - the next one`,
      ' * @skb: record',
      ' */',
      '',
      '',
    ];
    const baseLines: string[] = [];
    for (let i = 0; i < 150; i++) baseLines.push(...fn(i));
    expect(baseLines).toHaveLength(3000);
    const base = baseLines.join('\n') + '\n';
    const diffs: string[] = [];
    for (let k = 0; k < 20; k++) {
      const i = k * 7 + 3;
      const at = i * 20 + 3 + (k % 3) * 5; // 1-based line of `int rc = 0;`, some headers off by 5 or 10
      diffs.push(
        `@@ -${at},6 +${at},6 @@`,
        ' \tint rc = 0;',
        ' ',
        `-\trc = demo_send(skb, ${i});`,
        `+\trc = demo_send(skb, ${i}) ?: -EAGAIN;`,
        ' \tif (rc < 0) {',
        ' \t\tkfree_skb(skb);',
        ' \t\treturn rc;',
      );
    }
    const fp = filePatch(...diffs);
    expect(fp.hunks).toHaveLength(20);
    const r = applyFilePatch(base, fp);
    expect(r.failed).toEqual([]);
    expect(r.placed).toHaveLength(20);
    expect(r.placed.map((p) => p.offset)).toEqual(Array.from({ length: 20 }, (_, k) => [0, -5, -10][k % 3]));
    let expected = base;
    for (let k = 0; k < 20; k++) expected = expected.replace(`\trc = demo_send(skb, ${k * 7 + 3});\n`, `\trc = demo_send(skb, ${k * 7 + 3}) ?: -EAGAIN;\n`);
    expect(r.post).toBe(expected);
  });
});

const PARSE_TS = resolve(__dirname, '..', '..', 'server', 'src', 'patch', 'parse.ts');

describe.skipIf(!hasShared)(needsShared('seed 001 in reverse on the 2026 corpus (rebuilds the late-2021 kernel/audit.c)'), () => {
  const check = (fp: FilePatch, corpus: string): ApplyReport => {
    const r = applyFilePatch(corpus, fp, { reverse: true });
    expect(r.failed.map((f) => f.reason)).toEqual([]);
    expect(r.placed).toHaveLength(fp.hunks.length);
    expect(r.post).toBe(corpus);
    const fnBody = (sig: string): string => {
      const at = r.pre.indexOf(`${sig}\n{\n`);
      expect(at, `${sig} is in the pre-image`).toBeGreaterThanOrEqual(0);
      return r.pre.slice(at, r.pre.indexOf('\n}\n', at) + 3);
    };
    expect(fnBody('static void kauditd_rehold_skb(struct sk_buff *skb)')).toContain('\tskb_queue_head(&audit_hold_queue, skb);\n');
    const retry = fnBody('static void kauditd_retry_skb(struct sk_buff *skb)');
    expect(retry).toContain('\n\tskb_queue_tail(&audit_retry_queue, skb);\n');
    expect(retry).not.toContain('audit_backlog_limit');
    expect(fnBody('static void kauditd_hold_skb(struct sk_buff *skb)')).toContain('\tif (!audit_default) {\n\t\tkfree_skb(skb);\n\t\treturn;\n\t}\n');
    const send = r.pre.slice(r.pre.indexOf('static int kauditd_send_queue('), r.pre.indexOf('static int kauditd_thread('));
    expect(send).toContain('\twhile ((skb = skb_dequeue(queue))) {\n');
    expect(send).not.toContain('skb_tail');
    expect(send).toContain('void (*err_hook)(struct sk_buff *skb))');
    expect(r.pre).not.toContain('kauditd_hold_skb(skb, -ECONNREFUSED)');
    expect(new KernelCParser().parse(r.pre).problems).toEqual([]);
    checkMapping(r);
    return r;
  };

  it('all 7 hunks are placed, archive losses recovered, and the pre-image parses (test-only hunk reader)', () => {
    const seed = readShared(SEED_001);
    const corpus = readShared(CORPUS);
    const fp: FilePatch = { oldPath: 'a/kernel/audit.c', newPath: 'b/kernel/audit.c', headerLine: 0, hunks: hunksOf(seed) };
    expect(fp.hunks).toHaveLength(7);
    expect(fp.hunks.map((h) => h.lossy)).toEqual([true, true, true, true, true, true, false]);
    const r = check(fp, corpus);
    // The 2026 file has ~50 more lines above these functions than the 2022 patch saw.
    expect(r.placed.map((p) => p.offset)).toEqual([50, 49, 50, 51, 51, 51, 51]);
    // Hunk 2 skips one code line the archive dropped (`kauditd_printk_skb(skb);`);
    // hunk 3 ignores 2 leading context lines and skips 2 code lines added since 2022.
    expect(r.placed.map((p) => p.fuzz)).toEqual([0, 1, 4, 0, 0, 0, 0]);
    // The archive dropped blank lines, `{`/`}`, `/**`, ` *`, ` */`: all recovered as context.
    const rec = r.placed.flatMap((p) => p.recovered);
    expect(rec.filter((x) => x.trivial).length).toBeGreaterThanOrEqual(15);
    // Code lines kept as context: one the archive dropped (hunk 2), the label and
    // call it dropped before hunk 3's ignored context, and two lines added to
    // kauditd_retry_skb() since 2022 (the pre-image keeps them: a known limit).
    expect(rec.filter((x) => !x.trivial).map((x) => x.text.trim())).toEqual([
      'kauditd_printk_skb(skb);',
      'drop:',
      'kfree_skb(skb);',
      '/* we have to drop the record, send it via printk as a last effort */',
      'kauditd_printk_skb(skb);',
    ]);
    // Context lines ignored by fuzz still map to where they really are.
    const h3 = r.placed[2]!;
    const lost = h3.hunk.lines.findIndex((l) => l.text === '\taudit_log_lost("kauditd hold queue overflow");');
    expect(lines(r.post)[h3.postLine[lost]!]).toBe('\taudit_log_lost("kauditd hold queue overflow");');
    expect(lines(r.pre)[h3.preLine[lost]!]).toBe('\taudit_log_lost("kauditd hold queue overflow");');
  });

  it.skipIf(!existsSync(PARSE_TS))('same with the product parser (server/src/patch/parse.ts) once it exists', async () => {
    const mod = (await import(/* @vite-ignore */ PARSE_TS)) as { parsePatch(text: string): { messages: { files: FilePatch[] }[] } };
    const set = mod.parsePatch(readShared(SEED_001));
    const files = set.messages.flatMap((m) => m.files);
    expect(files).toHaveLength(1);
    check(files[0]!, readShared(CORPUS));
  });
});
