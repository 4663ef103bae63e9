// Packages the extension with @vscode/vsce: offline, no prompts, one VSIX per
// VS Code target.
//
//   node scripts/package.mjs [--target T]... [--out FILE.vsix | --out-dir DIR] [--no-build]   (npm run package)
//
// With no --target it writes all seven: the six desktop platforms VS Code ships
// on (linux-x64, linux-arm64, darwin-x64, darwin-arm64, win32-x64, win32-arm64)
// and `web` (vscode.dev, github.dev). Each is auditlens-<version>-<target>.vsix in
// the repository root (or DIR); the paths are printed one per line, last.
//
// A desktop VSIX carries the client, server and CLI bundles, and node-tree-sitter
// and tree-sitter-c with exactly their prebuilds for its platform; where those
// do not load (tree-sitter 0.25.1's linux-x64 prebuild needs GLIBCXX_3.4.31, which
// Debian 12 lacks) the server parses with the WebAssembly build of the same
// grammar, which every VSIX carries. The web VSIX has the browser client and the
// worker server, WebAssembly only, and no native code at all. No binding compiled
// on this machine is ever packaged: what a user installs does not depend on the
// packager's libc.
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(ROOT, 'package.json'));

export const DESKTOP_TARGETS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];
export const TARGETS = [...DESKTOP_TARGETS, 'web'];

/** In every VSIX, besides what .vscodeignore allows (manifest, docs, grammar, examples). */
export const COMMON_FILES = ['dist/webview.js', 'dist/webview.css', 'dist/THIRD-PARTY-NOTICES.txt', 'dist/tree-sitter.wasm', 'dist/tree-sitter-c.wasm'];
/** The desktop extension: Node client, server and CLI. */
export const DESKTOP_FILES = ['dist/client.js', 'dist/server.js', 'dist/cli.js', 'bin/auditlens.js'];
/** The web extension: browser client and worker server. */
export const WEB_FILES = ['dist/web/client.js', 'dist/web/server.js'];
/** Runtime files of the native parser, loaded from the extension's node_modules (dist/*.js keep them external). */
export const NATIVE_RUNTIME_FILES = [
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
const NATIVE_PACKAGES = ['tree-sitter', 'tree-sitter-c'];

/** The VS Code target of the running platform, e.g. linux-x64 (the desktop VSIX this machine would install). */
export function hostTarget(platform = process.platform, arch = process.arch) {
  const target = `${platform}-${arch}`;
  if (!DESKTOP_TARGETS.includes(target)) throw new Error(`no desktop VSIX for ${target}; AuditLens packages ${DESKTOP_TARGETS.join(', ')} and web`);
  return target;
}

/** The prebuilds a desktop target carries: each native package's prebuilds/<target>/*.node, repository-relative. */
export function prebuildsFor(target) {
  return NATIVE_PACKAGES.flatMap((name) => {
    const dir = join('node_modules', name, 'prebuilds', target);
    const files = existsSync(join(ROOT, dir)) ? readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.node')) : [];
    if (files.length !== 1) throw new Error(`${name} has ${files.length} prebuilds for ${target} in ${dir} (expected one); run npm ci`);
    return [`${dir}/${files[0]}`];
  });
}

/** Every file a target's VSIX carries beyond .vscodeignore's common allow-list. */
export function filesFor(target) {
  if (!TARGETS.includes(target)) throw new Error(`unknown target ${target}; one of ${TARGETS.join(', ')}`);
  if (target === 'web') return [...COMMON_FILES, ...WEB_FILES];
  return [...COMMON_FILES, ...DESKTOP_FILES, ...NATIVE_RUNTIME_FILES, ...prebuildsFor(target)];
}

/** @vscode/vsce's packaging module (pinned, exact version: its `collect` is what `vsce package` runs) and its zip writer. */
const vsceRequire = createRequire(require.resolve('@vscode/vsce/package.json'));
const vsce = vsceRequire('./out/package.js');
const yazl = vsceRequire('yazl');

/** package.json as this target's VSIX carries it: the one entry point it runs. */
export function manifestFor(manifest, target) {
  const copy = JSON.parse(JSON.stringify(manifest));
  if (target === 'web') delete copy.main;
  else delete copy.browser;
  return copy;
}

/** Writes the files as vsce does: in-memory ones (manifests) from their contents, the rest from disk. */
function writeVsix(files, packagePath) {
  rmSync(packagePath, { force: true });
  return new Promise((done, fail) => {
    const zip = new yazl.ZipFile();
    for (const f of files) {
      if (f.contents !== undefined) zip.addBuffer(Buffer.from(f.contents), f.path, { mode: f.mode });
      else zip.addFile(f.localPath, f.path, { mode: f.mode });
    }
    zip.end();
    const out = createWriteStream(packagePath);
    zip.outputStream.once('error', fail).pipe(out);
    out.once('error', fail).once('finish', done);
  });
}

/** Refuses, with the reason, what would make vsce stop and ask a question. */
function checkNoPrompts(manifest) {
  const problems = [];
  if (!manifest.repository) problems.push('package.json has no "repository" (vsce would ask whether to continue)');
  if (!['LICENSE', 'LICENSE.md', 'LICENSE.txt'].some((f) => existsSync(join(ROOT, f)))) problems.push('there is no LICENSE file (vsce would ask whether to continue)');
  if (manifest.activationEvents?.includes('*')) problems.push('"*" activation (vsce would ask whether to continue)');
  if (manifest.icon && !existsSync(join(ROOT, manifest.icon))) problems.push(`the icon ${manifest.icon} is missing (node scripts/package-icon.mjs draws it)`);
  if (problems.length) throw new Error(`cannot package: ${problems.join('; ')}`);
}

function build() {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`node scripts/build.mjs failed (${r.error?.message ?? `exit ${r.status}`})`);
}

/** Packages one target (default: this machine's desktop one); resolves to the VSIX's absolute path. */
export async function packageExtension({ target = hostTarget(), out, build: doBuild = true } = {}) {
  if (doBuild) build();
  const files = filesFor(target);
  const missing = files.filter((f) => !existsSync(join(ROOT, f)));
  if (missing.length) throw new Error(`not built: ${missing.join(', ')}; run without --no-build`);

  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  checkNoPrompts(manifest);
  const packagePath = resolve(out ?? join(ROOT, `${manifest.name}-${manifest.version}-${target}.vsix`));
  const tmp = mkdtempSync(join(tmpdir(), 'auditlens-package-'));
  try {
    const ignoreFile = join(tmp, 'vscodeignore');
    writeFileSync(ignoreFile, `${readFileSync(join(ROOT, '.vscodeignore'), 'utf8')}\n# ${target} (scripts/package.mjs)\n${files.map((f) => `!${f}`).join('\n')}\n`);
    // vsce's own collection (allow-list, vsixmanifest with the target, content types, checks that
    // every entry point is there) with a manifest that names only this target's entry point:
    // a desktop VSIX has no `browser` client, the web one no `main`.
    const targetManifest = manifestFor(manifest, target);
    const collected = await vsce.collect(targetManifest, {
      cwd: ROOT,
      target,
      ignoreFile,
      // Production dependencies come from `npm list --production` (local, no network); the
      // allow-list keeps only the runtime files of tree-sitter, tree-sitter-c and node-gyp-build.
      useYarn: false,
      githubBranch: 'main',
    });
    const packageJson = `${JSON.stringify(targetManifest, null, 2)}\n`;
    await writeVsix(collected.map((f) => (/^extension\/package\.json$/i.test(f.path) ? { ...f, localPath: undefined, contents: packageJson } : f)), packagePath);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (!statSync(packagePath).isFile()) throw new Error(`vsce did not write ${packagePath}`);
  return packagePath;
}

/** Packages several targets (default: all seven) after one build; resolves to their paths, in order. */
export async function packageTargets({ targets = TARGETS, outDir = ROOT, build: doBuild = true } = {}) {
  if (doBuild) build();
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const paths = [];
  for (const target of targets) {
    paths.push(await packageExtension({ target, build: false, out: join(outDir, `${manifest.name}-${manifest.version}-${target}.vsix`) }));
  }
  return paths;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const usage = `usage: node scripts/package.mjs [--target ${TARGETS.join('|')}]... [--out FILE.vsix | --out-dir DIR] [--no-build]`;
  // Relative to where the user ran `npm run package` from (npm runs scripts at the repository root).
  const here = (p) => resolve((process.env.npm_lifecycle_event === 'package' && process.env.INIT_CWD) || process.cwd(), p);
  let out;
  let outDir = ROOT;
  let doBuild = true;
  const targets = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--out' && args[i + 1]) out = here(args[++i]);
    else if (args[i] === '--out-dir' && args[i + 1]) outDir = here(args[++i]);
    else if (args[i] === '--target' && TARGETS.includes(args[i + 1])) targets.push(args[++i]);
    else if (args[i] === '--no-build') doBuild = false;
    else {
      console.error(usage);
      process.exit(2);
    }
  }
  if (out && targets.length !== 1) {
    console.error(`--out names one file: give exactly one --target\n${usage}`);
    process.exit(2);
  }
  try {
    const started = Date.now();
    const paths = out ? [await packageExtension({ target: targets[0], out, build: doBuild })] : await packageTargets({ targets: targets.length ? targets : TARGETS, outDir, build: doBuild });
    console.error(`packaged ${paths.length} VSIX in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(paths.join('\n'));
  } catch (err) {
    console.error(`package: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
