/**
 * The web server bundle in a real browser's Worker: headless Chromium loads
 * dist/web/server.js from a loopback HTTP server (as VS Code for the Web serves
 * an extension's files), and a page speaks LSP to it by postMessage. This is
 * the browser's own worker scope: no `process`, no `require`, WebAssembly only.
 * Needs a Chromium already on the machine (the e2e suite's rule); without one the
 * test says so and skips.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/cliProcess';
// @ts-ignore: an ES module of the e2e scripts, without types
import { chromiumPath } from '../../scripts/e2e/prereqs.mjs';

const ROOT = resolve(__dirname, '..', '..');
const executable: string | undefined = chromiumPath();
const why = executable ? '' : ' (skipped: no Chromium on this machine; `sudo apt-get install --no-install-recommends chromium`, or set AUDITLENS_CHROMIUM)';
if (!executable) console.warn(`[web-server-browser]${why}`);

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.md': 'text/markdown', '.c': 'text/plain' };

describe.skipIf(!executable)(`the web server in Chromium's own Worker${why}`, () => {
  let http: Server;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    ensureBuilt();
    // Only the extension's files, as a gallery serves them; nothing else is reachable.
    http = createServer((req, res) => {
      const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^\/+/, '');
      if (path === 'index.html') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>web server</title>');
        return;
      }
      if (!/^(dist\/|examples\/|docs\/rules\/)/.test(path) || path.includes('..')) {
        res.writeHead(404).end();
        return;
      }
      try {
        const body = readFileSync(join(ROOT, path));
        res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
    origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: executable,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((done) => (http ? http.close(done) : done(undefined)));
  });

  it('answers initialize, symbols and hover and publishes the example\'s diagnostics', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/index.html`);
    const text = readFileSync(join(ROOT, 'examples', 'kauditd-demo.c'), 'utf8');
    const result = await page.evaluate(async ({ text }) => {
      const worker = new Worker('/dist/web/server.js');
      const errors: string[] = [];
      worker.onerror = (e) => void errors.push(String(e.message));
      const pending = new Map<number, (r: unknown) => void>();
      const notes: { method: string; params: unknown }[] = [];
      let noted: (() => void) | undefined;
      worker.onmessage = (e: MessageEvent) => {
        const m = e.data as { id?: number; method?: string; params?: unknown; result?: unknown };
        if (m.id !== undefined && pending.has(m.id)) pending.get(m.id)!(m.result);
        else if (m.method) {
          notes.push({ method: m.method, params: m.params });
          noted?.();
        }
      };
      let id = 0;
      const request = (method: string, params: unknown) => new Promise((done) => {
        pending.set(++id, done);
        worker.postMessage({ jsonrpc: '2.0', id, method, params });
      });
      const notify = (method: string, params: unknown) => worker.postMessage({ jsonrpc: '2.0', method, params });
      const until = (pred: () => boolean) => new Promise<void>((done) => {
        if (pred()) return done();
        noted = () => pred() && done();
      });
      const uri = 'vscode-vfs://github/auditlens/auditlens/examples/kauditd-demo.c';
      const init = (await request('initialize', { processId: null, rootUri: null, capabilities: {} })) as { serverInfo: { name: string }; auditlens: { parser: { engine: string } } };
      notify('initialized', {});
      notify('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text } });
      await until(() => notes.some((n) => n.method === 'textDocument/publishDiagnostics'));
      const symbols = (await request('textDocument/documentSymbol', { textDocument: { uri } })) as { name: string }[];
      const at = text.indexOf('demo_kauditd_thread(void');
      const lines = text.slice(0, at).split('\n');
      const hover = (await request('textDocument/hover', { textDocument: { uri }, position: { line: lines.length - 1, character: lines[lines.length - 1].length } })) as { contents: { value: string } };
      worker.terminate();
      return {
        server: init.serverInfo.name,
        engine: init.auditlens.parser.engine,
        diagnostics: (notes.find((n) => n.method === 'textDocument/publishDiagnostics')!.params as { diagnostics: { severity: number }[] }).diagnostics,
        symbols: symbols.map((s) => s.name),
        hover: hover.contents.value,
        logs: notes.filter((n) => n.method === 'window/logMessage').map((n) => (n.params as { message: string }).message),
        errors,
      };
    }, { text });
    expect(result.errors).toEqual([]);
    expect(result.server).toBe('auditlens');
    expect(result.engine).toBe('wasm');
    expect(result.diagnostics.filter((d) => d.severity === 1 || d.severity === 2)).toEqual([]);
    expect(result.symbols).toEqual(expect.arrayContaining(['demo_kauditd_thread', 'demo_send_queue', 'demo_retry_skb']));
    expect(result.hover).toMatch(/consumer/);
    expect(result.logs.join('\n')).toMatch(/browser worker, parser: WebAssembly tree-sitter/);
    await page.close();
  });
});
