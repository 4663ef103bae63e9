/**
 * `npm run package` (scripts/package.mjs): seven VSIX files, each read as a zip,
 * each holding exactly what that target's installed extension needs (the right
 * native prebuilds for a desktop platform, none for the web); and the unpacked
 * linux-x64 and web extensions run on their own, away from the repository: the
 * Node server over stdio and the CLI, and the web server in a worker.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
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
  LogMessageNotification,
  MarkupContent,
  MessageConnection,
  PublishDiagnosticsNotification,
  PublishDiagnosticsParams,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver/node';
import { RULES } from '../../server/src/rules/catalogue';
import { CORPUS, hasShared } from '../shared';
import { WorkerServer } from '../web/workerServer';
import { ZipFile } from '../zip';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const DESKTOP = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];
const TARGETS = [...DESKTOP, 'web'];
/** In every VSIX: the panel, the licences of what the bundles inline, and the WebAssembly parser. */
const COMMON = ['dist/webview.js', 'dist/webview.css', 'dist/THIRD-PARTY-NOTICES.txt', 'dist/tree-sitter.wasm', 'dist/tree-sitter-c.wasm'];
const DESKTOP_BUNDLES = ['dist/client.js', 'dist/server.js', 'dist/cli.js', 'bin/auditlens.js'];
const WEB_BUNDLES = ['dist/web/client.js', 'dist/web/server.js'];
const BUNDLES = [...COMMON, ...DESKTOP_BUNDLES, ...WEB_BUNDLES];
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

/** A target's native prebuild of a package, repository-relative (the same path inside the VSIX). */
function prebuild(pkg: 'tree-sitter' | 'tree-sitter-c', target: string): string {
  return `node_modules/${pkg}/prebuilds/${target}/${pkg}.node`;
}

/**
 * The platform a native binary is for, read from its header: ELF (Linux), Mach-O
 * (macOS) or PE (Windows), and the CPU. A VSIX with another platform's binding would
 * fail to start the server, or worse, load the wrong one.
 */
function binaryTarget(bytes: Buffer): string {
  if (bytes.readUInt32BE(0) === 0x7f454c46) {
    const machine = bytes.readUInt16LE(18);
    return `linux-${machine === 62 ? 'x64' : machine === 183 ? 'arm64' : `machine${machine}`}`;
  }
  if (bytes.readUInt32LE(0) === 0xfeedfacf) {
    const cpu = bytes.readUInt32LE(4);
    return `darwin-${cpu === 0x01000007 ? 'x64' : cpu === 0x0100000c ? 'arm64' : `cpu${cpu.toString(16)}`}`;
  }
  if (bytes.toString('latin1', 0, 2) === 'MZ') {
    const pe = bytes.readUInt32LE(0x3c);
    const machine = bytes.readUInt16LE(pe + 4);
    return `win32-${machine === 0x8664 ? 'x64' : machine === 0xaa64 ? 'arm64' : `machine${machine.toString(16)}`}`;
  }
  return 'unknown';
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
  const keys = new Set(['path', 'configuration', 'markdown', 'image', 'svg', 'icon', 'light', 'dark', 'url']);
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

/** The environment of a user's editor: no NODE_PATH, so only the extension's own node_modules can serve tree-sitter. */
function userEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_PATH;
  return env;
}

let tmp: string;
/** target -> its VSIX, read */
const vsix = new Map<string, { path: string; zip: ZipFile; names: Set<string> }>();
/** The unpacked linux-x64 and web extensions (what VS Code extracts from the VSIX's extension/). */
let extDir: string;
let webDir: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'auditlens-vsix-'));
  // `npm test` builds first; rebuilding here would rewrite dist/ under the suites that run it.
  const built = BUNDLES.every((f) => existsSync(join(ROOT, f)));
  const { stdout } = await run(process.execPath, ['scripts/package.mjs', '--out-dir', tmp, ...(built ? ['--no-build'] : [])], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  const printed = stdout.trim().split('\n');
  expect(printed).toEqual(TARGETS.map((t) => join(tmp, `${manifest.name}-${manifest.version}-${t}.vsix`)));
  for (const [i, target] of TARGETS.entries()) {
    const zip = new ZipFile(readFileSync(printed[i]));
    vsix.set(target, { path: printed[i], zip, names: new Set(zip.names) });
  }
  vsix.get('linux-x64')!.zip.extractTo(join(tmp, 'linux-x64'));
  vsix.get('web')!.zip.extractTo(join(tmp, 'web'));
  extDir = join(tmp, 'linux-x64', 'extension');
  webDir = join(tmp, 'web', 'extension');
}, 300_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** What every VSIX carries from the repository, whatever its target. */
function commonFiles(): string[] {
  return [
    'package.json',
    'readme.md',
    'changelog.md',
    'LICENSE.txt',
    manifest.icon,
    ...COMMON,
    ...contributedFiles(),
    'docs/rules/README.md',
    ...RULES.map((r) => `docs/rules/${r.id}.md`),
    ...EXAMPLES,
    ...filesUnder('docs/walkthrough'),
  ];
}

/** Exactly the files a target's VSIX holds under extension/. */
function expectedFiles(target: string): string[] {
  if (target === 'web') return [...new Set([...commonFiles(), ...WEB_BUNDLES])].sort();
  return [...new Set([...commonFiles(), ...DESKTOP_BUNDLES, ...RUNTIME_MODULE_FILES, prebuild('tree-sitter', target), prebuild('tree-sitter-c', target)])].sort();
}

describe('the seven VSIX files from npm run package', () => {
  it('are zips whose every entry checks out', () => {
    expect([...vsix.keys()]).toEqual(TARGETS);
    for (const { path, zip } of vsix.values()) {
      expect(statSync(path).size).toBeGreaterThan(100_000);
      for (const e of zip.entries) expect(zip.read(e).length, `${path}: ${e.name}`).toBe(e.size);
    }
  });

  it.each(TARGETS)('%s holds exactly its files: its bundles, the WebAssembly parser, and its own prebuilds only', (target) => {
    const { names } = vsix.get(target)!;
    expect(RULES.length).toBe(17);
    expect(contributedFiles()).toContain('syntaxes/auditlens-patch.tmLanguage.json');
    const all = [...names];
    expect(all.filter((n) => !n.startsWith('extension/')).sort()).toEqual(['[Content_Types].xml', 'extension.vsixmanifest']);
    const shipped = all.filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length)).sort();
    expect(shipped).toEqual(expectedFiles(target));
    // and so: no sources, maps, tests, scripts, benchmark or development packages
    expect(shipped.filter((f) => /\.(ts|mts|cts|map)$/.test(f) || f === 'dist/bench.js')).toEqual([]);
  });

  it.each(DESKTOP)('%s carries the prebuilds for its platform and CPU, byte for byte the packages\' own', (target) => {
    const { zip } = vsix.get(target)!;
    for (const pkg of ['tree-sitter', 'tree-sitter-c'] as const) {
      const bytes = zip.read(`extension/${prebuild(pkg, target)}`);
      expect(binaryTarget(bytes), `${pkg} in ${target}`).toBe(target);
      expect(bytes.equals(readFileSync(join(ROOT, prebuild(pkg, target))))).toBe(true);
    }
  });

  it('web carries no native code and no Node entry points', () => {
    const { names } = vsix.get('web')!;
    expect([...names].filter((n) => n.includes('node_modules/') || n.endsWith('.node'))).toEqual([]);
  });

  it.each(TARGETS)('%s is marked for its target and names only the entry point it runs', (target) => {
    const { zip } = vsix.get(target)!;
    const packaged = JSON.parse(zip.read('extension/package.json').toString('utf8'));
    expect(packaged.name).toBe(manifest.name);
    expect(packaged.version).toBe(manifest.version);
    expect(packaged.contributes).toEqual(manifest.contributes);
    if (target === 'web') {
      expect(packaged.main).toBeUndefined();
      expect(packaged.browser).toBe('./dist/web/client.js');
    } else {
      expect(packaged.main).toBe('./dist/client.js');
      expect(packaged.browser).toBeUndefined();
    }
    const vsixManifest = zip.read('extension.vsixmanifest').toString('utf8');
    expect(vsixManifest).toContain(`Version="${manifest.version}"`);
    expect(vsixManifest).toContain(`TargetPlatform="${target}"`);
    expect(vsixManifest).toContain('<Icon>extension/media/icon.png</Icon>');
    expect(vsixManifest).toContain('<License>extension/LICENSE.txt</License>');
  });

  it('has a 128x128 PNG icon that scripts/package-icon.mjs draws', async () => {
    const png = vsix.get('linux-x64')!.zip.read(`extension/${manifest.icon}`);
    expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    expect(png.toString('latin1', 12, 16)).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([128, 128]);
    expect(png.equals(readFileSync(join(ROOT, manifest.icon)))).toBe(true);
    await run(process.execPath, ['scripts/package-icon.mjs', '--check'], { cwd: ROOT }); // rejects on exit 1
  });

  it('starts the language server from the packaged bundles', () => {
    // The clients resolve the server inside the installed extension folder ...
    expect(readFileSync(join(ROOT, 'client/src/nodeClient.ts'), 'utf8')).toContain("asAbsolutePath('dist/server.js')");
    expect(readFileSync(join(extDir, 'dist/client.js'), 'utf8')).toMatch(/asAbsolutePath\(["']dist\/server\.js["']\)/);
    expect(readFileSync(join(webDir, 'dist/web/client.js'), 'utf8')).toMatch(/joinPath\([^)]*["']dist["'], ["']web["'], ["']server\.js["']\)/);
    // ... the Node server leaves the native parser to node's resolution from there ...
    const server = readFileSync(join(extDir, 'dist/server.js'), 'utf8');
    expect(server).toContain('require("tree-sitter")');
    expect(server).toContain('require("tree-sitter-c")');
    // ... and the web server has no way to it.
    const web = readFileSync(join(webDir, 'dist/web/server.js'), 'utf8');
    expect(web).not.toMatch(/require\("tree-sitter(-c)?"\)/);
  });
});

describe('the unpacked linux-x64 extension, away from the repository', () => {
  const demoUri = () => pathToFileURL(join(extDir, 'examples', 'kauditd-demo.c')).href;

  function positionOf(text: string, needle: string): { line: number; character: number } {
    const at = text.indexOf(needle);
    if (at < 0) throw new Error(`no ${needle}`);
    const before = text.slice(0, at).split('\n');
    return { line: before.length - 1, character: before[before.length - 1].length };
  }

  it('runs its language server over stdio, parsing with the extension\'s own prebuild or its WebAssembly build', async () => {
    expect(relative(ROOT, extDir).startsWith('..')).toBe(true);
    // Which engine this machine gets from the packaged files, and why: the CLI says (--version).
    const version = (await run(process.execPath, [join(extDir, 'bin', 'auditlens.js'), '--version'], { cwd: tmp, env: userEnv() })).stdout;
    const native = /^parser: native/m.test(version);
    if (!native) {
      // The prebuild did not load here (Debian 12's libstdc++ is older than it needs): the reason names the packaged file.
      expect(version).toMatch(/^parser: WebAssembly tree-sitter .*native binding unavailable: .*/m);
      expect(version).toContain(join(extDir, 'node_modules', 'tree-sitter'));
    }
    const child = spawn(process.execPath, [join(extDir, 'dist', 'server.js'), '--stdio'], { cwd: tmp, env: userEnv(), stdio: 'pipe' });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const connection: MessageConnection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const published: PublishDiagnosticsParams[] = [];
    const logs: string[] = [];
    connection.onNotification(LogMessageNotification.type, (p) => void logs.push(p.message));
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
      const guard = /\tif \(audit_backlog_limit &&\n\t    skb_queue_len_lockless\(&audit_retry_queue\) >= audit_backlog_limit\) \{\n[^}]*\}\n/;
      expect(text).toMatch(guard);
      await connection.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri: demoUri(), version: 2 },
        contentChanges: [{ text: text.replace(guard, '') }],
      });
      const after = (await diagnostics(2)).diagnostics;
      expect(after.map((d) => d.code)).toContain('AQ101');

      // Today's kernel/audit.c, when ../shared is here: symbols, a hover and its pinned findings.
      if (hasShared) {
        const corpusUri = pathToFileURL(CORPUS).href;
        const corpus = readFileSync(CORPUS, 'utf8');
        const published = live(new Promise<PublishDiagnosticsParams>((res) => {
          connection.onNotification(PublishDiagnosticsNotification.type, (p) => void (p.uri === corpusUri && res(p)));
        }));
        await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: corpusUri, languageId: 'c', version: 1, text: corpus } });
        expect((await published).diagnostics.map((d) => d.code).sort()).toEqual(['AC301', 'AC301', ...Array(14).fill('AL206'), 'AQ109'].sort());
        const corpusSymbols = (await live(connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: corpusUri } }))) as DocumentSymbol[];
        expect(corpusSymbols.map((s) => s.name)).toContain('kauditd_thread');
        const corpusHover = await live(connection.sendRequest(HoverRequest.type, { textDocument: { uri: corpusUri }, position: positionOf(corpus, 'kauditd_thread(void') }));
        expect((corpusHover?.contents as MarkupContent).value).toMatch(/consumer/);
      }

      // The process mapped native bindings only from the unpacked extension (none when WebAssembly
      // parses), nothing from the repository, and said which engine in its log.
      if (process.platform === 'linux') {
        const maps = readFileSync(`/proc/${child.pid}/maps`, 'utf8');
        const natives = [...new Set(maps.split('\n').map((l) => l.split(/\s+/).slice(5).join(' ')).filter((p) => p.endsWith('.node')))];
        const packaged = [join(extDir, prebuild('tree-sitter', 'linux-x64')), join(extDir, prebuild('tree-sitter-c', 'linux-x64'))];
        expect(natives.sort()).toEqual(native ? packaged.sort() : []);
      }
      expect(logs.join('\n')).toMatch(native ? /parser: native tree-sitter/ : /parser: WebAssembly tree-sitter/);

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
      cwd: join(tmp, 'linux-x64'),
      env: userEnv(),
    }).then(
      () => ({ code: 0, stdout: '' }),
      (err: { code: number; stdout: string }) => err,
    );
    expect(review.code).toBe(1);
    expect(review.stdout).toContain('AQ101');
  });
});

describe('the unpacked web extension', () => {
  it('runs its server in a worker with WebAssembly only: initialize, documentSymbol, hover and diagnostics', async () => {
    expect(relative(ROOT, webDir).startsWith('..')).toBe(true);
    const server = new WorkerServer(join(webDir, 'dist', 'web', 'server.js'));
    try {
      // The corpus when ../shared is here (what a kernel fork in github.dev shows), else the packaged example.
      const text = hasShared ? readFileSync(CORPUS, 'utf8') : readFileSync(join(webDir, 'examples', 'kauditd-demo.c'), 'utf8');
      const uri = hasShared ? 'vscode-vfs://github/torvalds/linux/kernel/audit.c' : 'vscode-vfs://github/x/y/kauditd-demo.c';
      expect((await server.initialize([{ uri, text }])).serverInfo?.name).toBe('auditlens');
      const { diagnostics } = await server.diagnostics(uri, 1);
      const symbols = (await server.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) as DocumentSymbol[];
      const consumer = hasShared ? 'kauditd_thread' : 'demo_kauditd_thread';
      expect(symbols.map((s) => s.name)).toContain(consumer);
      const at = text.indexOf(`${consumer}(void`);
      const before = text.slice(0, at).split('\n');
      const hover = await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: before.length - 1, character: before[before.length - 1].length } });
      expect((hover?.contents as MarkupContent).value).toMatch(/consumer/);
      if (hasShared) expect(diagnostics.map((d) => d.code).sort()).toEqual(['AC301', 'AC301', ...Array(14).fill('AL206'), 'AQ109'].sort());
      else expect(diagnostics.filter((d) => d.severity === 1 || d.severity === 2)).toEqual([]);
      for (const d of diagnostics) expect(d.codeDescription?.href).toBe(pathToFileURL(join(webDir, 'docs', 'rules', `${d.code}.md`)).href);
      expect(server.logs.join('\n')).toMatch(/browser worker, parser: WebAssembly tree-sitter/);
    } finally {
      await server.stop();
    }
  });
});
