/**
 * `npm run package` (scripts/package.mjs): the VSIX itself, read as a zip,
 * holds exactly what the installed extension needs, and the unpacked
 * extension runs on its own: its language server and CLI load tree-sitter
 * from the extension's node_modules, with the repository out of reach.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMessageConnection,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentSymbol,
  DocumentSymbolRequest,
  ExitNotification,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  MarkupContent,
  MessageConnection,
  PublishDiagnosticsNotification,
  PublishDiagnosticsParams,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver/node';
import { RULES } from '../../server/src/rules/catalogue';
import { ZipFile } from '../zip';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const BUNDLES = ['dist/client.js', 'dist/server.js', 'dist/cli.js', 'dist/webview.js', 'dist/webview.css', 'dist/THIRD-PARTY-NOTICES.txt'];
const EXAMPLES = ['examples/kauditd-demo.c', 'examples/unbounded-retry.patch'];
/** The runtime files of the three packages the extension ships from node_modules, besides the bindings. */
const RUNTIME_MODULE_FILES = [
  'node_modules/tree-sitter/package.json',
  'node_modules/tree-sitter/index.js',
  'node_modules/tree-sitter/LICENSE',
  'node_modules/tree-sitter-c/package.json',
  'node_modules/tree-sitter-c/bindings/node/index.js',
  'node_modules/tree-sitter-c/src/node-types.json',
  'node_modules/tree-sitter-c/LICENSE',
  'node_modules/node-gyp-build/package.json',
  'node_modules/node-gyp-build/index.js',
  'node_modules/node-gyp-build/node-gyp-build.js',
  'node_modules/node-gyp-build/LICENSE',
];

/** The binding node-gyp-build loads for a package in the repository (the same layout as the unpacked VSIX). */
function repoBinding(pkg: string): string {
  const dir = join(ROOT, 'node_modules', pkg);
  const loader = createRequire(join(dir, 'package.json'))('node-gyp-build') as { path(dir: string): string };
  return relative(ROOT, loader.path(dir)).split(sep).join('/');
}

/** Every file under a repository folder, repository-relative with forward slashes. */
function filesUnder(dir: string): string[] {
  const abs = join(ROOT, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(ROOT, join(d.parentPath, d.name)).split(sep).join('/'));
}

/** Files package.json's contributes points at (grammars, language configurations, walkthrough media...). */
function contributedFiles(): string[] {
  const keys = new Set(['path', 'configuration', 'markdown', 'image', 'svg', 'icon', 'light', 'dark']);
  const out: string[] = [];
  const walk = (v: unknown, key: string) => {
    if (typeof v === 'string') {
      if (keys.has(key) && /^\.?\.?\/?[\w.-]+(\/[\w.-]+)*\.\w+$/.test(v) && !/^https?:/.test(v)) out.push(v.replace(/^\.\//, ''));
    } else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(manifest.contributes, '');
  return out;
}

/** vsce's target for this machine, as scripts/package.mjs computes it. */
function expectedTarget(): string {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const musl = process.platform === 'linux' && !report?.header?.glibcVersionRuntime;
  return `${musl ? 'alpine' : process.platform}-${process.arch === 'arm' ? 'armhf' : process.arch}`;
}

/** The environment of a user's editor: no NODE_PATH, so only the extension's own node_modules can serve tree-sitter. */
function userEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_PATH;
  return env;
}

let tmp: string;
let vsixPath: string;
let zip: ZipFile;
let names: Set<string>;
/** The unpacked extension folder (what VS Code extracts from the VSIX's extension/). */
let extDir: string;
let packagedIn = 0;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'auditlens-vsix-'));
  vsixPath = join(tmp, 'auditlens-test.vsix');
  // `npm test` builds first; rebuilding here would rewrite dist/ under the suites that run it.
  const built = BUNDLES.every((f) => existsSync(join(ROOT, f)));
  const started = Date.now();
  const { stdout } = await run(process.execPath, ['scripts/package.mjs', '--out', vsixPath, ...(built ? ['--no-build'] : [])], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  packagedIn = Date.now() - started;
  expect(stdout.trim().split('\n').at(-1)).toBe(vsixPath);
  zip = new ZipFile(readFileSync(vsixPath));
  names = new Set(zip.names);
  zip.extractTo(join(tmp, 'unpacked'));
  extDir = join(tmp, 'unpacked', 'extension');
}, 120_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the VSIX from npm run package', () => {
  it('is written where asked, within a few seconds, as a zip whose every entry checks out', () => {
    expect(statSync(vsixPath).size).toBeGreaterThan(100_000);
    expect(packagedIn).toBeLessThan(60_000);
    for (const e of zip.entries) expect(zip.read(e).length, e.name).toBe(e.size);
  });

  it('contains every file the installed extension needs', () => {
    const required = [
      'extension.vsixmanifest',
      '[Content_Types].xml',
      // vsce renames these three for the Marketplace.
      'extension/package.json',
      'extension/readme.md',
      'extension/changelog.md',
      'extension/LICENSE.txt',
      `extension/${manifest.icon}`,
      ...BUNDLES.map((f) => `extension/${f}`),
      'extension/bin/auditlens.js',
      ...contributedFiles().map((f) => `extension/${f}`),
      'extension/docs/rules/README.md',
      ...RULES.map((r) => `extension/docs/rules/${r.id}.md`),
      ...EXAMPLES.map((f) => `extension/${f}`),
      ...filesUnder('docs/walkthrough').map((f) => `extension/${f}`),
      ...RUNTIME_MODULE_FILES.map((f) => `extension/${f}`),
      `extension/${repoBinding('tree-sitter')}`,
      `extension/${repoBinding('tree-sitter-c')}`,
    ];
    expect(RULES.length).toBe(16);
    expect(manifest.icon).toBe('media/icon.png');
    expect(contributedFiles()).toContain('syntaxes/auditlens-patch.tmLanguage.json');
    expect(required.filter((f) => !names.has(f))).toEqual([]);
    // The bindings are real: the same bytes as the ones that load in the repository.
    for (const pkg of ['tree-sitter', 'tree-sitter-c']) {
      const binding = repoBinding(pkg);
      expect(binding).toMatch(/\.node$/);
      expect(zip.entry(`extension/${binding}`).size).toBe(statSync(join(ROOT, binding)).size);
    }
  });

  it('contains nothing else: no sources, maps, tests, scripts, benchmark or development packages', () => {
    const all = [...names];
    const shipped = all.filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length));
    expect(all.filter((n) => !n.startsWith('extension/')).sort()).toEqual(['[Content_Types].xml', 'extension.vsixmanifest']);
    expect(shipped.filter((f) => /\.(ts|mts|cts|map)$/.test(f))).toEqual([]);
    expect(shipped.filter((f) => /(^|\/)(test|tests|fixtures|scripts|\.ci|\.git|\.tmpbuild|server|client)\//.test(f))).toEqual([]);
    expect(shipped.filter((f) => f.startsWith('dist/') && !BUNDLES.includes(f))).toEqual([]);
    expect(names.has('extension/dist/bench.js')).toBe(false);
    const modules = new Set(shipped.filter((f) => f.startsWith('node_modules/')).map((f) => f.split('/')[1]));
    expect([...modules].sort()).toEqual(['node-gyp-build', 'tree-sitter', 'tree-sitter-c']);
    expect(shipped.filter((f) => /node_modules\/.*node_modules\//.test(f))).toEqual([]);
    for (const dev of ['@vscode', 'vsce', 'playwright', 'esbuild', 'typescript', 'vitest', 'vscode-languageclient', 'vscode-languageserver', 'uplot', 'node-addon-api']) {
      expect(shipped.filter((f) => f.split('/').includes(dev)), dev).toEqual([]);
    }
    // One binding per package, for this platform only (node-gyp-build never looks at the others).
    expect(shipped.filter((f) => f.endsWith('.node')).sort()).toEqual([repoBinding('tree-sitter'), repoBinding('tree-sitter-c')].sort());

    // And exactly the allow-list: every shipped file is one of these.
    const allowed = new Set([
      'package.json',
      'readme.md',
      'changelog.md',
      'LICENSE.txt',
      manifest.icon,
      ...BUNDLES,
      'bin/auditlens.js',
      'docs/rules/README.md',
      ...RULES.map((r) => `docs/rules/${r.id}.md`),
      ...EXAMPLES,
      ...contributedFiles(),
      ...RUNTIME_MODULE_FILES,
      repoBinding('tree-sitter'),
      repoBinding('tree-sitter-c'),
    ]);
    const grammar = /^syntaxes\/[^/]+\.json$/;
    const walkthrough = /^docs\/walkthrough\//;
    expect(shipped.filter((f) => !allowed.has(f) && !grammar.test(f) && !walkthrough.test(f))).toEqual([]);
  });

  it('carries the repository\'s manifest (version, main) and is marked for this platform', () => {
    const packaged = JSON.parse(zip.read('extension/package.json').toString('utf8'));
    expect(packaged.name).toBe(manifest.name);
    expect(packaged.version).toBe(manifest.version);
    expect(packaged.main).toBe('./dist/client.js');
    expect(packaged.icon).toBe('media/icon.png');
    const vsixManifest = zip.read('extension.vsixmanifest').toString('utf8');
    expect(vsixManifest).toContain(`Version="${manifest.version}"`);
    expect(vsixManifest).toContain(`TargetPlatform="${expectedTarget()}"`);
    expect(vsixManifest).toContain('<Icon>extension/media/icon.png</Icon>');
    expect(vsixManifest).toContain('<License>extension/LICENSE.txt</License>');
  });

  it('has a 128x128 PNG icon that scripts/package-icon.mjs draws', async () => {
    const png = zip.read(`extension/${manifest.icon}`);
    expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    expect(png.toString('latin1', 12, 16)).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([128, 128]);
    expect(png.equals(readFileSync(join(ROOT, manifest.icon)))).toBe(true);
    await run(process.execPath, ['scripts/package-icon.mjs', '--check'], { cwd: ROOT }); // rejects on exit 1
  });

  it('starts the language server from the packaged dist/server.js', () => {
    // The client resolves the server inside the installed extension folder ...
    expect(readFileSync(join(ROOT, 'client/src/context.ts'), 'utf8')).toContain("asAbsolutePath('dist/server.js')");
    expect(readFileSync(join(extDir, 'dist/client.js'), 'utf8')).toMatch(/asAbsolutePath\(["']dist\/server\.js["']\)/);
    // ... and the server bundle leaves the native parser to node's resolution from there.
    const server = readFileSync(join(extDir, 'dist/server.js'), 'utf8');
    expect(server).toContain('require("tree-sitter")');
    expect(server).toContain('require("tree-sitter-c")');
  });
});

describe('the unpacked extension, away from the repository', () => {
  const demoUri = () => pathToFileURL(join(extDir, 'examples', 'kauditd-demo.c')).href;

  function positionOf(text: string, needle: string): { line: number; character: number } {
    const at = text.indexOf(needle);
    if (at < 0) throw new Error(`no ${needle}`);
    const before = text.slice(0, at).split('\n');
    return { line: before.length - 1, character: before[before.length - 1].length };
  }

  it('runs its language server over stdio with tree-sitter from the extension\'s node_modules', async () => {
    expect(relative(ROOT, extDir).startsWith('..')).toBe(true);
    const child = spawn(process.execPath, [join(extDir, 'dist', 'server.js'), '--stdio'], { cwd: tmp, env: userEnv(), stdio: 'pipe' });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const connection: MessageConnection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const published: PublishDiagnosticsParams[] = [];
    const waiters: { version: number; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
    connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      published.push(p);
      for (const w of waiters.filter((x) => p.uri === demoUri() && p.version === x.version)) w.resolve(p);
    });
    // Every wait also ends when the server dies (a missing module, a binding that does not load).
    const DIED = Symbol('died');
    const died = exited.then(() => DIED);
    const live = async <T>(p: Promise<T>): Promise<T> => {
      const r = await Promise.race([p, died]);
      if (r === DIED) throw new Error(`the server exited (code ${child.exitCode})`);
      return r as T;
    };
    const diagnostics = (version: number) =>
      live(
        new Promise<PublishDiagnosticsParams>((res) => {
          const seen = published.find((p) => p.uri === demoUri() && p.version === version);
          if (seen) res(seen);
          else waiters.push({ version, resolve: res });
        }),
      );
    connection.listen();
    try {
      const init = await live(connection.sendRequest(InitializeRequest.type, {
        processId: process.pid,
        rootUri: pathToFileURL(extDir).href,
        capabilities: {
          textDocument: {
            publishDiagnostics: { relatedInformation: true, versionSupport: true },
            hover: { contentFormat: ['markdown', 'plaintext'] },
            documentSymbol: { hierarchicalDocumentSymbolSupport: true },
          },
        },
      }));
      expect(init.serverInfo?.name).toBe('auditlens');
      await connection.sendNotification(InitializedNotification.type, {});

      // The example as shipped: parsed, modelled, and clean.
      const text = readFileSync(join(extDir, 'examples', 'kauditd-demo.c'), 'utf8');
      await connection.sendNotification(DidOpenTextDocumentNotification.type, {
        textDocument: { uri: demoUri(), languageId: 'c', version: 1, text },
      });
      expect((await diagnostics(1)).diagnostics.filter((d) => d.severity === 1 || d.severity === 2)).toEqual([]);
      const symbols = (await live(connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: demoUri() } }))) as DocumentSymbol[];
      expect(symbols.map((s) => s.name)).toEqual(expect.arrayContaining(['demo_kauditd_thread', 'demo_send_queue', 'demo_retry_skb']));
      const hover = await live(connection.sendRequest(HoverRequest.type, {
        textDocument: { uri: demoUri() },
        position: positionOf(text, 'demo_kauditd_thread(void'),
      }));
      expect((hover?.contents as MarkupContent).value).toMatch(/consumer/);

      // The edit of examples/unbounded-retry.patch, typed in: the retry queue loses its bound (AQ101).
      const guard = /\tif \(audit_backlog_limit &&\n\t    skb_queue_len\(&audit_retry_queue\) >= audit_backlog_limit\) \{\n[^}]*\}\n/;
      expect(text).toMatch(guard);
      await connection.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri: demoUri(), version: 2 },
        contentChanges: [{ text: text.replace(guard, '') }],
      });
      const after = (await diagnostics(2)).diagnostics;
      expect(after.map((d) => d.code)).toContain('AQ101');

      // The process mapped its native bindings from the unpacked extension, nothing from the repository.
      if (process.platform === 'linux') {
        const maps = readFileSync(`/proc/${child.pid}/maps`, 'utf8');
        const natives = [...new Set(maps.split('\n').map((l) => l.split(/\s+/).slice(5).join(' ')).filter((p) => p.endsWith('.node')))];
        expect(natives.sort()).toEqual([join(extDir, repoBinding('tree-sitter')), join(extDir, repoBinding('tree-sitter-c'))].sort());
      }

      await live(connection.sendRequest(ShutdownRequest.type));
      await connection.sendNotification(ExitNotification.type);
      expect(await exited).toBe(0);
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\nserver stderr:\n${stderr}`);
    } finally {
      connection.dispose();
      if (child.exitCode === null) child.kill();
    }
  });

  it('runs its CLI: check and review of the packaged examples', async () => {
    const cli = join(extDir, 'bin', 'auditlens.js');
    const { stdout } = await run(process.execPath, [cli, 'check', '--format', 'json', join(extDir, 'examples', 'kauditd-demo.c')], { cwd: tmp, env: userEnv() });
    const report = JSON.parse(stdout);
    expect(report.files[0].parse).toMatchObject({ errors: 0, functions: 15 });
    expect(report.files[0].findings.filter((f: { severity: string }) => f.severity !== 'information')).toEqual([]);

    // review exits 1: the patch introduces AQ101.
    const review = await run(process.execPath, [cli, 'review', '--format', 'json', '--base', 'extension/examples/kauditd-demo.c', 'extension/examples/unbounded-retry.patch'], {
      cwd: join(tmp, 'unpacked'),
      env: userEnv(),
    }).then(
      () => ({ code: 0, stdout: '' }),
      (err: { code: number; stdout: string }) => err,
    );
    expect(review.code).toBe(1);
    expect(review.stdout).toContain('AQ101');
  });
});
