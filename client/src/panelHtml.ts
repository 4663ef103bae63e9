/**
 * The simulation panel's HTML shell: no content of its own (the webview
 * script renders the result it is sent), a strict Content-Security-Policy,
 * and the bundled script and stylesheet from dist/. Pure, so the policy is
 * tested without an editor.
 */

export interface PanelHtmlInput {
  /** `webview.cspSource`: the origin the webview serves extension resources from. */
  cspSource: string;
  /** Fresh per render: only the script tag carrying it runs. */
  nonce: string;
  /** `webview.asWebviewUri(dist/webview.js)`. */
  scriptUri: string;
  /** `webview.asWebviewUri(dist/webview.css)`: uPlot's stylesheet and the panel's, bundled by esbuild. */
  styleUri: string;
  title: string;
}

/** 128 random bits, base64: unguessable by anything the panel displays. */
export function newNonce(): string {
  // Web Crypto: the same in the desktop extension host and a browser's.
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/**
 * Nothing by default; scripts only with the nonce (no inline code, no eval,
 * no remote script); styles only from the extension or with the nonce;
 * images from the extension or data: (uPlot's canvas needs neither fonts
 * nor connections).
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return `default-src 'none'; script-src 'nonce-${nonce}'; style-src ${cspSource} 'nonce-${nonce}'; img-src ${cspSource} data:;`;
}

/** A webview page's opening up to `</head>`: its policy, then `head` (stylesheets, title). */
export function pageHead(csp: string, head: string): string {
  // The policy goes in unescaped (its quotes are the CSP's own); it must not be able to end the attribute.
  if (/["<>]/.test(csp)) throw new Error('unexpected characters in the webview CSP source or nonce');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${head}
</head>`;
}

export function renderHtml({ cspSource, nonce, scriptUri, styleUri, title }: PanelHtmlInput): string {
  return `${pageHead(contentSecurityPolicy(cspSource, nonce), `<link rel="stylesheet" href="${escapeHtml(styleUri)}">
<title>${escapeHtml(title)}</title>`)}
<body>
<main id="app" aria-live="polite"><p class="muted">Running the simulation…</p></main>
<script nonce="${escapeHtml(nonce)}" src="${escapeHtml(scriptUri)}"></script>
</body>
</html>
`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}
