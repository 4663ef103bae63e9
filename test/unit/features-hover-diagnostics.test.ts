import { describe, expect, it } from 'vitest';
import { DiagnosticSeverity, MarkupContent } from 'vscode-languageserver';
import { Analyser } from '../../server/src/analyser';
import { analysisDiagnostics, ruleDocUri, skippedDiagnostic } from '../../server/src/features/diagnostics';
import { hover, kernelDocToMarkdown } from '../../server/src/features/hover';
import type { Finding } from '../../server/src/rules/finding';
import { fixture } from '../shared';
import { positionOf } from '../lsp/positions';

const text = fixture('lsp/mini_audit.c');
const analysis = new Analyser().analyseText(text);
const markdown = (pos: { line: number; character: number }) => (hover(analysis, pos)?.contents as MarkupContent | undefined)?.value;

describe('features/hover', () => {
  it('shows a called function\'s signature in a c block and its kernel-doc, after what the model says', () => {
    const value = markdown(positionOf(text, 'mini_enqueue(skb)', 0, 2))!;
    expect(value).toContain('```c\nstatic int mini_enqueue(struct sk_buff *skb)\n```');
    expect(value).toContain('mini_enqueue - add a record to the main queue');
    expect(value).toContain('- `skb`: the record, owned by the queue afterwards');
    // what this call does comes first; the signature and kernel-doc last, after a rule
    expect(value).toMatch(/^\*\*This call\*\* `mini_enqueue\(…\)` in `mini_log_end` — producer {2}\n\*\*Queues, from this call\*\*\n- enqueue tail `audit_queue` \(main, bounded\)/);
    expect(value.indexOf('**Held here** no lock')).toBeLessThan(value.indexOf('\n\n---\n\n```c'));
  });

  it('leads a function hover with the model: queues with their bounds, locks, contexts; the doc comment last', () => {
    const value = markdown(positionOf(text, 'mini_enqueue(struct', 0, 2))!;
    const lines = value.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      '**`mini_enqueue`** — producer  ',
      '**Queues**',
      '- enqueue tail `audit_queue` — bounded by `mini_backlog_limit` · L37',
      '- also: len `audit_queue` L32',
    ]);
    expect(value).toContain('**Locks** takes none; its callers hold none in common');
    expect(value).toContain('**Runs in** ');
    const rule = value.indexOf('\n\n---\n\n');
    expect(value.indexOf('add a record to the main queue')).toBeGreaterThan(rule);
    expect(value.slice(rule + 7)).toMatch(/^```c\nstatic int mini_enqueue\(struct sk_buff \*skb\)\n```\n\nmini_enqueue - add a record/);
  });

  it('names a finding on the hovered line with its rule and one sentence, and the function\'s findings on its name', () => {
    const src = fixture('rules/AQ101-trigger.c');
    const a = new Analyser().analyseText(src);
    const [finding] = a.findings.filter((f) => f.rule === 'AQ101');
    expect(finding).toBeDefined();
    const call = (hover(a, positionOf(src, 'skb_queue_tail(&audit_retry_queue, skb);\t/* expect: AQ101', 0, 2))!.contents as MarkupContent).value;
    expect(call).toMatch(/^\*\*`skb_queue_tail`\*\* here — adds the record at the tail of `audit_retry_queue` \(retry queue\) {2}\n\*\*Bound\*\* \*\*unbounded\*\*/);
    expect(call).toMatch(new RegExp(`\\*\\*AQ101\\*\\* \\(unbounded-enqueue\\) L${finding.span.line + 1}: [^\\n]+\\.$`));
    const fn = (hover(a, positionOf(src, `${finding.function}(struct`, 0, 2))!.contents as MarkupContent).value;
    expect(fn.split('\n---\n')[0]).toContain(`**Findings in \`${finding.function}\`** AQ101 L${finding.span.line + 1}`);
  });

  it('works on the definition name too, and ranges over the name', () => {
    const at = positionOf(text, 'mini_flush(void)', 0, 4);
    const h = hover(analysis, at)!;
    expect((h.contents as MarkupContent).value).toContain('static void mini_flush(void)');
    expect(h.range).toEqual({ start: { ...at, character: at.character - 4 }, end: { ...at, character: at.character - 4 + 'mini_flush'.length } });
  });

  it('shows a global\'s declaration (annotations as written) and a macro\'s #define', () => {
    // a backlog queue gets the model's explanation, which shows the declaration too
    expect(markdown(positionOf(text, 'skb_queue_purge(&audit_queue', 0, 'skb_queue_purge(&'.length))).toContain('```c\nstatic struct sk_buff_head audit_queue;\n```');
    expect(markdown(positionOf(text, 'static DEFINE_SPINLOCK(mini_conn_lock)', 0, 'static DEFINE_SPINLOCK('.length))).toBe('```c\nstatic DEFINE_SPINLOCK(mini_conn_lock);\n```');
    expect(markdown(positionOf(text, '*auditd_conn', 0, 1))).toContain('static struct mini_conn __rcu *auditd_conn;');
    expect(markdown(positionOf(text, '= MINI_BACKLOG_DEFAULT', 0, 3))).toBe('```c\n#define MINI_BACKLOG_DEFAULT 64\n```');
  });

  it('falls back to the plain hover when the model fails, and says so', () => {
    const errors: string[] = [];
    const broken = { parsed: analysis.parsed, outline: analysis.outline, get model(): never { throw new Error('model in flux'); } };
    const h = hover(broken, positionOf(text, 'mini_enqueue(skb)', 0, 2), { onError: (what) => errors.push(what) })!;
    expect((h.contents as MarkupContent).value).toMatch(/^```c\nstatic int mini_enqueue\(struct sk_buff \*skb\)\n```/);
    expect(errors).toEqual(['explaining the queue model']);
  });

  it('is silent on locals, keywords and unknown names', () => {
    expect(hover(analysis, positionOf(text, 'rc = mini_enqueue'))).toBeNull(); // local `rc`
    expect(hover(analysis, positionOf(text, 'return 0;'))).toBeNull();
    expect(hover(analysis, positionOf(text, 'kfree_skb(skb)'))).toBeNull(); // declared elsewhere
  });

  it('turns kernel-doc markers into Markdown without letting text become markup', () => {
    expect(kernelDocToMarkdown('f - do it\n@a: first\n\nReturns %NULL or *p for &struct sk_buff <x>, see @a.')).toBe(
      'f - do it\n- `a`: first\n\nReturns `NULL` or \\*p for `struct sk_buff` \\<x\\>, see `a`.',
    );
  });
});

describe('features/diagnostics', () => {
  it('publishes nothing for the clean fixture', () => {
    expect(analysisDiagnostics('file:///m.c', analysis)).toEqual([]);
  });

  it('reports a real syntax error as an error with code "syntax"', () => {
    const broken = new Analyser().analyseText(text.replace('return 0;', 'return 0 +;'));
    const diags = analysisDiagnostics('file:///m.c', broken);
    expect(diags.length).toBeGreaterThan(0);
    expect(diags.every((d) => d.code === 'syntax' && d.source === 'auditlens' && d.severity === DiagnosticSeverity.Error)).toBe(true);
    expect(diags[0].range.start.line).toBe(positionOf(text, 'return 0;').line);
  });

  it('maps a finding to a diagnostic with rule code, doc link, severity and related locations', () => {
    const span = (needle: string) => {
      const start = text.indexOf(needle);
      const p = positionOf(text, needle);
      return { start, end: start + needle.length, line: p.line, column: p.character, endLine: p.line, endColumn: p.character + needle.length };
    };
    const finding: Finding = {
      rule: 'AQ105', severity: 'warning', message: 'record freed without audit_log_lost', function: 'mini_enqueue',
      span: span('kfree_skb(skb)'), related: [{ span: span('mini_queue_full(&audit_queue)'), message: 'the full-queue test' }], anchor: 'x',
    };
    const withFinding = { parsed: analysis.parsed, findings: [finding] };
    const [d] = analysisDiagnostics('file:///m.c', withFinding, { rulesDocDir: '/ext/docs/rules' });
    expect(d).toMatchObject({ code: 'AQ105', source: 'auditlens', severity: DiagnosticSeverity.Warning, message: finding.message });
    expect(d.codeDescription?.href).toBe('file:///ext/docs/rules/AQ105.md');
    expect(d.range.start).toEqual(positionOf(text, 'kfree_skb(skb)'));
    expect(d.relatedInformation).toEqual([
      { location: { uri: 'file:///m.c', range: { start: positionOf(text, 'mini_queue_full(&audit_queue)'), end: positionOf(text, 'mini_queue_full(&audit_queue)', 0, 29) } }, message: 'the full-queue test' },
    ]);
    expect(ruleDocUri('/a b/docs/rules', 'AL201')).toBe('file:///a%20b/docs/rules/AL201.md');
  });

  it('still publishes syntax diagnostics when the findings throw', () => {
    const errors: string[] = [];
    const throwing = { parsed: new Analyser().analyseText('int f( {').parsed, get findings(): Finding[] { throw new Error('model in flux'); } };
    const diags = analysisDiagnostics('file:///m.c', throwing, { onError: (what) => errors.push(what) });
    expect(diags.some((d) => d.code === 'syntax')).toBe(true);
    expect(errors).toEqual(['computing findings']);
  });

  it('says why a file was skipped', () => {
    const d = skippedDiagnostic(20 * 1024 * 1024, 8 * 1024 * 1024);
    expect(d.severity).toBe(DiagnosticSeverity.Information);
    expect(d.code).toBe('too-large');
    expect(d.message).toContain('auditlens.maxFileSize');
    expect(d.message).toContain('20.0 MiB');
  });
});
