// Packages the extension into a VSIX with @vscode/vsce: offline, no prompts.
//
//   node scripts/package.mjs [--out FILE.vsix] [--no-build]      (npm run package)
//
// Builds the bundles (node scripts/build.mjs) unless --no-build, then packs what
// .vscodeignore allows plus the native bindings node-gyp-build loads on this
// machine (see nativeBindings below) into auditlens-<version>.vsix at the
// repository root (or FILE.vsix), and prints the VSIX's path as the last line.
//
// The VSIX is platform-specific: tree-sitter's binding is native code for this
// platform and architecture, so the package is marked with its VS Code target
// (linux-x64 here) and editors on other platforms refuse it instead of failing
// to start the server. The bindings are N-API, so one build serves every Node
// and Electron version.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(ROOT, 'package.json'));

/** The bundles the manifest, the server and the CLI load; --no-build needs them already built. */
const BUNDLES = ['dist/client.js', 'dist/server.js', 'dist/cli.js', 'dist/webview.js', 'dist/webview.css', 'dist/THIRD-PARTY-NOTICES.txt'];
/** Packages loaded at run time from the extension's node_modules (dist/*.js keep them external). */
const NATIVE_PACKAGES = ['tree-sitter', 'tree-sitter-c'];

/** The VS Code target (vsce --target) of the running platform, e.g. linux-x64 or alpine-arm64. */
export function vscodeTarget(platform = process.platform, arch = process.arch) {
  const musl = platform === 'linux' && !process.report?.getReport().header.glibcVersionRuntime;
  const os = platform === 'linux' && musl ? 'alpine' : platform;
  const cpu = arch === 'arm' ? 'armhf' : arch;
  const target = `${os}-${cpu}`;
  const known = ['win32-x64', 'win32-arm64', 'linux-x64', 'linux-arm64', 'linux-armhf', 'darwin-x64', 'darwin-arm64', 'alpine-x64', 'alpine-arm64'];
  if (!known.includes(target)) throw new Error(`no VS Code target for ${platform}-${arch}${musl ? ' (musl)' : ''}`);
  return target;
}

/**
 * The binding file each native package loads, as a repository-relative path:
 * exactly what node-gyp-build resolves for it here (tree-sitter's
 * build/Release/*.node when it was compiled at install time, else its
 * prebuilds/<platform>-<arch>/ file; tree-sitter-c's prebuild). The unpacked
 * extension has the same layout, so it resolves the same file there.
 */
export function nativeBindings() {
  return NATIVE_PACKAGES.map((name) => {
    const dir = dirname(require.resolve(`${name}/package.json`));
    if (dir !== join(ROOT, 'node_modules', name)) throw new Error(`${name} is not installed at node_modules/${name} (found ${dir}); run npm ci`);
    // The loader the package itself requires (node_modules/node-gyp-build, which .vscodeignore ships).
    const loaderPath = createRequire(join(dir, 'package.json')).resolve('node-gyp-build');
    if (loaderPath !== join(ROOT, 'node_modules', 'node-gyp-build', 'index.js')) {
      throw new Error(`${name} loads node-gyp-build from ${loaderPath}, not node_modules/node-gyp-build`);
    }
    const binding = require(loaderPath).path(dir);
    const rel = relative(ROOT, binding);
    if (isAbsolute(rel) || rel.startsWith('..')) throw new Error(`${name}'s binding ${binding} is outside the repository`);
    return rel.split(sep).join('/');
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

/** Builds (unless build is false) and packages; resolves to the VSIX's absolute path. */
export async function packageExtension({ out, build = true } = {}) {
  if (build) {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`node scripts/build.mjs failed (${r.error?.message ?? `exit ${r.status}`})`);
  }
  const missing = BUNDLES.filter((f) => !existsSync(join(ROOT, f)));
  if (missing.length) throw new Error(`not built: ${missing.join(', ')}; run without --no-build`);

  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  checkNoPrompts(manifest);
  const target = vscodeTarget();
  const packagePath = resolve(out ?? join(ROOT, `${manifest.name}-${manifest.version}.vsix`));

  // .vscodeignore is the allow-list of everything but the platform's binding files, added here.
  const tmp = mkdtempSync(join(tmpdir(), 'auditlens-package-'));
  try {
    const ignoreFile = join(tmp, 'vscodeignore');
    const natives = nativeBindings().map((f) => `!${f}`);
    writeFileSync(ignoreFile, `${readFileSync(join(ROOT, '.vscodeignore'), 'utf8')}\n# ${target} bindings (scripts/package.mjs)\n${natives.join('\n')}\n`);
    const { createVSIX } = require('@vscode/vsce');
    await createVSIX({
      cwd: ROOT,
      packagePath,
      target,
      ignoreFile,
      // Production dependencies come from `npm list --production` (local, no network); the
      // allow-list keeps only the runtime files of tree-sitter, tree-sitter-c and node-gyp-build.
      // (--no-dependencies would leave node_modules out altogether.)
      useYarn: false,
      githubBranch: 'main',
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (!statSync(packagePath).isFile()) throw new Error(`vsce did not write ${packagePath}`);
  return packagePath;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const usage = 'usage: node scripts/package.mjs [--out FILE.vsix] [--no-build]';
  let out;
  let build = true;
  for (let i = 0; i < args.length; i++) {
    // Relative to where the user ran `npm run package` from (npm runs scripts at the repository root).
    if (args[i] === '--out' && args[i + 1]) out = resolve((process.env.npm_lifecycle_event === 'package' && process.env.INIT_CWD) || process.cwd(), args[++i]);
    else if (args[i] === '--no-build') build = false;
    else {
      console.error(usage);
      process.exit(2);
    }
  }
  try {
    const started = Date.now();
    const vsix = await packageExtension({ out, build });
    console.error(`packaged in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(vsix);
  } catch (err) {
    console.error(`package: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
