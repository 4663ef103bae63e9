// Bundles client, server, CLI and benchmark with esbuild. Native parsers and the
// editor API stay external: they are loaded at run time from node_modules / the host.
import { build } from 'esbuild';

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
  loader: { '.scm': 'text' },
  logLevel: 'warning',
};

const entries = [
  { entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js' },
  { entryPoints: ['server/src/server.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['server/src/cli/main.ts'], outfile: 'dist/cli.js' },
  { entryPoints: ['scripts/bench.ts'], outfile: 'dist/bench.js' },
  // The simulation panel's script, with uPlot and its CSS (dist/webview.css): runs in the webview, loads nothing remote.
  { entryPoints: ['client/src/webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022', external: [] },
];

await Promise.all(entries.map((e) => build({ ...common, ...e })));
if (watch) console.log('watch mode is not implemented; re-run npm run build');
