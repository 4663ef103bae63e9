/**
 * The model summary's page (client/src/summaryHtml.ts), headless: the server's Markdown for
 * the example rendered with its headings, lists, tables and code, every `L<line>` a link that
 * opens the file at that line, nothing unescaped, and a policy that runs no script.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyser } from '../../server/src/analyser';
import { modelSummary } from '../../server/src/features/modelSummary';
import { modelSummaryMarkdown } from '../../server/src/features/modelSummaryText';
import { renderSummaryMarkdown, summaryHtml } from '../../client/src/summaryHtml';
import { Window } from 'happy-dom';

const DEMO = readFileSync(resolve(__dirname, '..', '..', 'examples', 'kauditd-demo.c'), 'utf8');
const link = (line: number) => `command:open?${line}`;

describe('the model summary page', () => {
  const markdown = modelSummaryMarkdown(modelSummary(new Analyser().analyseText(DEMO)), { name: 'kauditd-demo.c' });
  const html = summaryHtml({ cspSource: 'vscode-resource:', nonce: 'abc123', title: 'kauditd-demo.c: queue model', markdown, lineLink: link });
  const all = (re: RegExp) => [...html.matchAll(re)];

  it('renders the sections, the tables with every row and the queues as lists', () => {
    expect(all(/<h2>([^<]*)<\/h2>/g).map((m) => m[1])).toEqual(expect.arrayContaining(['Backlog queues', 'Drains', 'Locks', 'Functions']));
    const tables = html.split('<table>').slice(1).map((t) => t.slice(0, t.indexOf('</table>')));
    expect(tables).toHaveLength(2);
    const rows = markdown.split('\n').filter((l) => l.startsWith('| L')).length;
    expect(tables[1].split('<tbody>')[1].split('<tr>').length - 1).toBe(rows);
    expect(html).toMatch(/<ul><li><strong><code>audit_\w*queue<\/code><\/strong>/);
    // nested items stay under their parent: a list opens inside an open item
    expect(all(/<li>[^]*?<ul><li>/g).length).toBeGreaterThan(0);
    expect(all(/<ul>/g).length).toBe(all(/<\/ul>/g).length);
    expect(all(/<li>/g).length).toBe(all(/<\/li>/g).length);
  });

  it('links every line reference to the file at that line', () => {
    const refs = all(/<a href="([^"]*)">L(\d+)<\/a>/g);
    expect(refs.length).toBe((markdown.match(/\bL\d+\b/g) ?? []).length);
    for (const [, href, line] of refs) expect(href).toBe(link(Number(line)));
  });

  it('escapes what it shows and runs no script', () => {
    const tricky = renderSummaryMarkdown('# <b>x</b>\n\n- `a<b>` and **<i>y</i>**\n', link);
    expect(tricky).not.toMatch(/<b>|<i>/);
    expect(tricky).toContain('<code>a&lt;b&gt;</code>');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'nonce-abc123';"`);
  });

  it('keeps to its pane: wide tables scroll inside their box, long names wrap', async () => {
    // a wide table: the function table of a file with long names, and a long unbroken name in prose
    const wide = `${markdown}\n\n| ${Array.from({ length: 12 }, (_, i) => `column_${i}_of_a_very_wide_table`).join(' | ')} |\n|${' --- |'.repeat(12)}\n| ${Array.from({ length: 12 }, () => '`kauditd_send_multicast_skb_with_a_long_name`').join(' | ')} |\n\nsee ${'x'.repeat(300)}\n`;
    const window = new Window();
    window.document.write(summaryHtml({ cspSource: 'vscode-resource:', nonce: 'abc123', title: 't', markdown: wide, lineLink: link }));
    const doc = window.document;
    const tables = [...doc.querySelectorAll('table')];
    expect(tables.length).toBe(3);
    for (const table of tables) {
      const box = table.parentElement!;
      expect(box.className).toBe('table');
      const style = window.getComputedStyle(box);
      expect([style.overflowX, style.maxWidth]).toEqual(['auto', '100%']);
    }
    for (const el of [doc.querySelector('code')!, doc.querySelector('p')!]) expect(window.getComputedStyle(el).overflowWrap).toMatch(/^(anywhere|break-word)$/);
    // nothing else sets a width the pane must make room for
    expect([...doc.querySelectorAll('[style]')]).toEqual([]);
    await window.happyDOM.close();
  });
});
