/**
 * kernel-doc to Markdown, lightly: `@param:` lines become a list, `%CONST`,
 * `&struct x` and `@param` references become code, and characters Markdown would
 * take as markup are escaped. Paragraphs (blank-line separated) are kept.
 */
export function kernelDocToMarkdown(doc: string): string {
  const out: string[] = [];
  for (const raw of doc.split('\n')) {
    const line = raw.trimEnd();
    const param = /^\s*@(\w+|\.\.\.):\s*(.*)$/.exec(line);
    if (param) {
      out.push(`- \`${param[1]}\`: ${inline(param[2])}`);
      continue;
    }
    out.push(inline(line));
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

function inline(s: string): string {
  const escaped = s.replace(/([\\`*<>\[\]])/g, '\\$1').replace(/^(\s*)([#>+-])/, '$1\\$2');
  return escaped
    .replace(/%([A-Z_][A-Z0-9_]*)/g, '`$1`')
    .replace(/&(struct|union|enum)\s+(\w+)/g, '`$1 $2`')
    .replace(/(^|[^\w`])@(\w+)/g, '$1`$2`');
}
