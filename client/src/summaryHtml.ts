/**
 * The model summary's page: the server's Markdown (features/modelSummaryText.ts) rendered
 * here, in the extension, into a static webview: headings, paragraphs, nested lists,
 * tables, `code` and **bold** are all it uses. VS Code's Markdown preview took seconds to
 * first paint (its extension starts on first use) and its pages cannot link a line of the
 * file; here every `L128` opens the file at that line. No script: the policy allows only
 * the page's own style.
 */
import { escapeHtml, pageHead } from './panelHtml';

export interface SummaryPage {
  cspSource: string;
  nonce: string;
  title: string;
  markdown: string;
  /** The href that opens line `line` (1-based) of the summarised file. */
  lineLink(line: number): string;
}

/** Inline Markdown of one line: code spans, bold (also around code: **`x`**), and `L<line>` references as links. */
function inline(text: string, lineLink: (line: number) => string): string {
  const out: string[] = [];
  let bold = false;
  // code spans first: nothing inside them is markup
  for (const part of text.split(/(`[^`]*`)/)) {
    if (part.startsWith('`') && part.endsWith('`') && part.length >= 2) {
      out.push(`<code>${escapeHtml(part.slice(1, -1))}</code>`);
      continue;
    }
    const linked = escapeHtml(part).replace(/\bL(\d+)\b/g, (_, n: string) => `<a href="${escapeHtml(lineLink(Number(n)))}">L${n}</a>`);
    out.push(linked.replace(/\*\*/g, () => ((bold = !bold) ? '<strong>' : '</strong>')));
  }
  if (bold) out.push('</strong>');
  return out.join('');
}

function cells(row: string): string[] {
  return row.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
}

/** The Markdown subset the summary is written in, as HTML. */
export function renderSummaryMarkdown(markdown: string, lineLink: (line: number) => string): string {
  const lines = markdown.split('\n');
  const html: string[] = [];
  let paragraph: string[] = [];
  /** Open list levels, by indent. */
  const lists: number[] = [];
  const flush = () => {
    if (paragraph.length) html.push(`<p>${paragraph.map((l) => inline(l, lineLink)).join(' ')}</p>`);
    paragraph = [];
  };
  const closeLists = (toIndent = -1) => {
    while (lists.length && lists[lists.length - 1] > toIndent) {
      lists.pop();
      html.push('</li></ul>');
    }
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heading = /^(#{1,3}) (.*)$/.exec(line);
    const item = /^( *)- (.*)$/.exec(line);
    if (heading) {
      flush();
      closeLists();
      html.push(`<h${heading[1].length}>${inline(heading[2], lineLink)}</h${heading[1].length}>`);
    } else if (item) {
      flush();
      const indent = item[1].length;
      if (!lists.length || indent > lists[lists.length - 1]) {
        html.push('<ul><li>');
        lists.push(indent);
      } else {
        closeLists(indent);
        if (lists.length && lists[lists.length - 1] === indent) html.push('</li><li>');
        else {
          html.push('<ul><li>');
          lists.push(indent);
        }
      }
      html.push(inline(item[2], lineLink));
    } else if (line.startsWith('|') && /^\|[\s|:-]+\|$/.test(lines[i + 1] ?? '')) {
      flush();
      closeLists();
      const head = cells(line);
      const rows: string[][] = [];
      for (i += 2; i < lines.length && lines[i].startsWith('|'); i++) rows.push(cells(lines[i]));
      i--;
      html.push('<div class="table"><table><thead><tr>', ...head.map((h) => `<th>${inline(h, lineLink)}</th>`), '</tr></thead><tbody>');
      for (const r of rows) html.push('<tr>', ...r.map((c) => `<td>${inline(c, lineLink)}</td>`), '</tr>');
      html.push('</tbody></table></div>');
    } else if (!line.trim()) {
      flush();
      closeLists();
    } else {
      closeLists();
      paragraph.push(line.trim());
    }
  }
  flush();
  closeLists();
  return html.join('');
}

export function summaryHtml(page: SummaryPage): string {
  const csp = `default-src 'none'; style-src 'nonce-${page.nonce}';`;
  return `${pageHead(csp, `<title>${escapeHtml(page.title)}</title>
<style nonce="${escapeHtml(page.nonce)}">
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 16px 24px; line-height: 1.45; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.4em; border-bottom: 1px solid var(--vscode-panel-border); }
code { font-family: var(--vscode-editor-font-family); font-size: 0.95em; overflow-wrap: anywhere; }
p, li, h1, h2 { overflow-wrap: break-word; }
a { color: var(--vscode-textLink-foreground); }
ul { padding-left: 1.4em; }
.table { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--vscode-panel-border); padding: 2px 8px; text-align: left; vertical-align: top; }
</style>`)}
<body>
${renderSummaryMarkdown(page.markdown, page.lineLink)}
</body>
</html>
`;
}
