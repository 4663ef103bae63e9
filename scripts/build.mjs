// Bundles client, server, CLI and benchmark with esbuild. Native parsers and the
// editor API stay external: they are loaded at run time from node_modules / the host.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  external: ['vscode', 'tree-sitter', 'tree-sitter-c'],
  // web-tree-sitter's CommonJS build: its ES build reads import.meta, which a CJS bundle has not.
  alias: { 'web-tree-sitter': './node_modules/web-tree-sitter/tree-sitter.cjs' },
  loader: { '.scm': 'text' },
  logLevel: 'warning',
};

// In the web server bundle, Node built-ins resolve to browser stand-ins (server/src/web/shims/).
const webShims = {
  name: 'web-shims',
  setup(b) {
    b.onResolve({ filter: /^(node:)?(path|url|fs|fs\/promises|os|child_process|crypto|module)$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      const file = name === 'path' || name === 'url' ? name : 'unavailable';
      return { path: join(ROOT, 'server', 'src', 'web', 'shims', `${file}.ts`) };
    });
  },
};

const entries = [
  { entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js', shipped: true },
  { entryPoints: ['server/src/server.ts'], outfile: 'dist/server.js', shipped: true },
  { entryPoints: ['server/src/cli/main.ts'], outfile: 'dist/cli.js', shipped: true },
  { entryPoints: ['scripts/bench.ts'], outfile: 'dist/bench.js' },
  { entryPoints: ['scripts/fuzz/main.ts'], outfile: 'dist/fuzz.js' },
  // The web extension (package.json "browser"): client and a server that runs in a web worker,
  // WebAssembly parser only. Node built-ins the shared modules import are browser stand-ins.
  { entryPoints: ['client/src/extensionWeb.ts'], outfile: 'dist/web/client.js', platform: 'browser', target: 'es2022', plugins: [webShims], shipped: true },
  { entryPoints: ['server/src/serverWeb.ts'], outfile: 'dist/web/server.js', platform: 'browser', format: 'iife', target: 'es2022', external: [], plugins: [webShims], shipped: true },
  // The simulation panel's script, with uPlot and its CSS (dist/webview.css): runs in the webview, loads nothing remote.
  { entryPoints: ['client/src/webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022', external: [], shipped: true },
];

// The WebAssembly engine's two modules sit beside the bundles that load them (parse/nodeEngine.ts).
mkdirSync(join(ROOT, 'dist'), { recursive: true });
copyFileSync(join(ROOT, 'node_modules', 'web-tree-sitter', 'tree-sitter.wasm'), join(ROOT, 'dist', 'tree-sitter.wasm'));
copyFileSync(join(ROOT, 'node_modules', 'tree-sitter-c', 'tree-sitter-c.wasm'), join(ROOT, 'dist', 'tree-sitter-c.wasm'));

const results = await Promise.all(entries.map(({ shipped, ...e }) => build({ ...common, ...e, metafile: !!shipped })));

// The shipped bundles carry other packages' code, and esbuild drops their licence headers: list
// each bundled package with its licence text in dist/THIRD-PARTY-NOTICES.txt (packaged with them).
const bundled = new Map(); // package directory (relative) -> name
for (const r of results) {
  for (const input of Object.keys(r.metafile?.inputs ?? {})) {
    // the innermost node_modules/<name>/ (nested copies are packages of their own)
    const at = input.lastIndexOf('node_modules/');
    if (at < 0) continue;
    const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input.slice(at));
    if (m) bundled.set(input.slice(0, at) + `node_modules/${m[1]}`, m[1]);
  }
}
const notices = [...bundled].sort((a, b) => a[1].localeCompare(b[1]) || a[0].localeCompare(b[0])).map(([rel, name]) => {
  const dir = join(ROOT, rel);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
  if (!file) throw new Error(`${rel} is bundled but has no licence file to credit`);
  return `${name} ${pkg.version} (${pkg.license})\n${'-'.repeat(60)}\n${readFileSync(join(dir, file), 'utf8').trim()}\n`;
});
mkdirSync(join(ROOT, 'dist'), { recursive: true });
writeFileSync(join(ROOT, 'dist', 'THIRD-PARTY-NOTICES.txt'), `AuditLens bundles the following packages into dist/*.js.\n\n${notices.join('\n')}`);
if (watch) console.log('watch mode is not implemented; re-run npm run build');
