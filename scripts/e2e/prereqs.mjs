// Prerequisites of the end-to-end suite, offline: a Chromium already on the machine, and
// code-server, installed once into a cache folder outside the project (so `npm ci` stays light).
// See ../../../shared/E2E.md for why each step is the way it is.
//
// The suite does not change the system: a missing Chromium or build tool is reported with the
// command that installs it, and the run is skipped (PrereqMissing). Only under CI=true, on a
// throwaway machine, does it install them itself with apt-get, installing nothing else and
// upgrading nothing it need not.
import { spawnSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';
/** The @vscode/ripgrep of code-server 4.100.3 looks for this cached download before fetching it. */
const RIPGREP_CACHE = { dir: 'vscode-ripgrep-cache-1.15.11', file: 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz' };
/**
 * npm 11 runs no dependency install script unless allowed, and an allow-list in an npmrc or in
 * the environment is passed on to nested npm runs, where a project install refuses it
 * (EALLOWSCRIPTS). code-server's postinstall runs `npm install` in lib/vscode and
 * lib/vscode/extensions, so: install code-server with its own script denied, give those two
 * folders a project .npmrc with their allow-list, then `npm rebuild code-server` runs it.
 * These are the packages of code-server 4.100.3's tree that have install scripts on Linux.
 */
const TOP_ALLOWED = ['argon2'];
const VSCODE_ALLOWED = ['@parcel/watcher', '@vscode/deviceid', '@vscode/ripgrep', '@vscode/spdlog', 'kerberos', 'native-watchdog', 'node-pty'];
const COMPLETE_MARKER = '.auditlens-e2e-complete';
/** Chromium binaries tried in this order (after AUDITLENS_CHROMIUM): Debian's, Ubuntu's, Google's. */
const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** A prerequisite is there but unusable, or could not be installed: the run fails. */
export class PrereqError extends Error {}

/** A prerequisite is missing and this is not CI: the run is skipped; `install` says how to get it. */
export class PrereqMissing extends Error {
  constructor(message, install) {
    super(message);
    this.install = install;
  }
}

/** CI=true: a throwaway machine, where the suite may install what it needs. */
export function onCi() {
  return process.env.CI === 'true';
}

export function cacheRoot() {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'auditlens-e2e');
}

export function codeServerDir() {
  return path.join(cacheRoot(), `code-server-${CODE_SERVER_VERSION}`);
}

/** The code-server entry script (run with this Node), when installed. */
export function codeServerEntry(dir = codeServerDir()) {
  return path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim() || undefined;
}

/** AUDITLENS_CHROMIUM (AUDITLENS_E2E_CHROMIUM, its older name) if set, else the first Chromium found. */
export function chromiumPath() {
  const chosen = process.env.AUDITLENS_CHROMIUM || process.env.AUDITLENS_E2E_CHROMIUM;
  if (chosen) return chosen;
  for (const c of CHROMIUM_CANDIDATES) {
    const found = c.startsWith('/') ? (fs.existsSync(c) ? c : undefined) : which(c);
    if (found) return found;
  }
  return undefined;
}

function isInstalled(dir) {
  return fs.existsSync(path.join(dir, COMPLETE_MARKER)) && fs.existsSync(codeServerEntry(dir));
}

/** What code-server's install needs from Debian, as the packages that provide it; missing ones only. */
function missingBuildTools() {
  const missing = [];
  if (!fs.existsSync('/usr/bin/rg') && !which('rg')) missing.push('ripgrep');
  if (!which('pkg-config')) missing.push('pkg-config', 'libkrb5-dev');
  else if (spawnSync('pkg-config', ['--exists', 'krb5-gssapi']).status !== 0) missing.push('libkrb5-dev');
  for (const tool of ['make', 'g++', 'python3']) if (!which(tool)) missing.push(tool);
  return missing;
}

/** The one command a user runs to install `packages` (nothing recommended comes with them). */
function installCommand(packages) {
  return which('apt-get')
    ? `sudo apt-get install --no-install-recommends ${packages.join(' ')}`
    : `install ${packages.join(', ')} with your system's package manager`;
}

/**
 * `why` is missing: outside CI, stop with the command that installs `packages` (the run is
 * skipped); under CI=true, install exactly those with apt-get, nothing recommended, and no
 * upgrade of a package already installed (--no-upgrade; apt upgrades a dependency only when a
 * new package needs a newer version of it).
 */
function installOrSkip(log, why, packages) {
  if (!onCi()) throw new PrereqMissing(why, installCommand(packages));
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = !root && which('sudo') && spawnSync('sudo', ['-n', 'true']).status === 0;
  if (!which('apt-get') || (!root && !sudo)) {
    throw new PrereqError(`${why}; CI=true, but apt-get ${which('apt-get') ? 'needs root (or sudo without a password)' : 'is not there'}: ${installCommand(packages)}, then run again`);
  }
  const install = ['install', '-y', '--no-install-recommends', '--no-upgrade', ...packages];
  log(`${why}; CI=true, so installing it: ${sudo ? 'sudo ' : ''}apt-get update && ${sudo ? 'sudo ' : ''}apt-get ${install.join(' ')}`);
  for (const args of [['update'], install]) {
    const [cmd, argv] = sudo ? ['sudo', ['-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args]] : ['apt-get', args];
    // apt's own output goes to stdout: the log says what it installed
    const r = spawnSync(cmd, argv, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) throw new PrereqError(`apt-get ${args[0]} failed (exit ${r.status ?? r.signal}); ${installCommand(packages)}, then run again`);
  }
}

/** A Chromium already on the machine; see installOrSkip for when there is none. */
export function ensureChromium(log) {
  const chosen = process.env.AUDITLENS_CHROMIUM ? 'AUDITLENS_CHROMIUM' : process.env.AUDITLENS_E2E_CHROMIUM ? 'AUDITLENS_E2E_CHROMIUM' : undefined;
  if (chosen) {
    if (!fs.existsSync(chromiumPath())) throw new PrereqError(`${chosen}=${chromiumPath()} does not exist`);
    return chromiumPath();
  }
  const found = chromiumPath();
  if (found) return found;
  installOrSkip(log, `no Chromium found (${CHROMIUM_CANDIDATES.join(', ')}; or set AUDITLENS_CHROMIUM to one)`, ['chromium']);
  const installed = chromiumPath();
  if (!installed) throw new PrereqError('apt-get installed chromium but no Chromium binary is there');
  return installed;
}

/** Removes install folders left by interrupted runs (their process is gone). */
function removeStaleInstalls(root) {
  for (const name of fs.existsSync(root) ? fs.readdirSync(root) : []) {
    const m = /^\.install-(\d+)-/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = false;
    try { process.kill(pid, 0); alive = pid !== process.pid; } catch { alive = false; }
    if (!alive) fs.rmSync(path.join(root, name), { recursive: true, force: true });
  }
}

function runLogged(cmd, args, options, logFile) {
  return new Promise((resolve) => {
    const out = fs.openSync(logFile, 'a');
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', out, out] });
    child.on('close', (code, signal) => { fs.closeSync(out); resolve({ code, signal }); });
    child.on('error', (err) => { fs.appendFileSync(logFile, `\n${err.stack}\n`); resolve({ code: -1 }); });
  });
}

/**
 * code-server in <cache>/code-server-<version>/, installed into a temporary sibling folder and
 * renamed into place only when complete, so an interrupted install is never taken for a cached one.
 */
export async function ensureCodeServer(log) {
  const target = codeServerDir();
  // its postinstall refuses any other major, and its native modules are built for the Node that installs it
  if (Number(process.versions.node.split('.')[0]) !== 20) {
    throw new PrereqError(`code-server ${CODE_SERVER_VERSION} needs Node 20 (this is Node ${process.versions.node}); run the end-to-end suite under Node 20`);
  }
  if (isInstalled(target)) return { dir: target, entry: codeServerEntry(target), installedMs: 0 };
  const missing = missingBuildTools();
  if (missing.length) installOrSkip(log, `installing code-server ${CODE_SERVER_VERSION} (once, into ${target}) needs ${missing.join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} missing`, missing);
  const still = missingBuildTools();
  if (still.length) throw new PrereqError(`code-server's install needs ${still.join(', ')}, which are still missing`);

  const root = cacheRoot();
  fs.mkdirSync(root, { recursive: true });
  removeStaleInstalls(root);
  if (fs.existsSync(target)) fs.rmSync(target, { recursive: true, force: true }); // present but incomplete: not ours to trust

  const started = Date.now();
  const work = fs.mkdtempSync(path.join(root, `.install-${process.pid}-`));
  const logFile = path.join(root, `install-code-server-${CODE_SERVER_VERSION}.log`);
  fs.writeFileSync(logFile, `${new Date().toISOString()} installing code-server ${CODE_SERVER_VERSION} into ${work}\n`);
  log(`installing code-server ${CODE_SERVER_VERSION} into ${target} (once; about a minute; log: ${logFile})`);

  // @vscode/ripgrep takes Debian's rg from its download cache instead of fetching it.
  const tmp = path.join(work, '.tmp');
  const rgCache = path.join(tmp, RIPGREP_CACHE.dir);
  fs.mkdirSync(rgCache, { recursive: true });
  const rgDir = path.join(work, '.rg');
  fs.mkdirSync(rgDir);
  fs.copyFileSync(fs.existsSync('/usr/bin/rg') ? '/usr/bin/rg' : which('rg'), path.join(rgDir, 'rg'));
  fs.chmodSync(path.join(rgDir, 'rg'), 0o755);
  const tar = spawnSync('tar', ['czf', path.join(rgCache, RIPGREP_CACHE.file), '-C', rgDir, 'rg'], { encoding: 'utf8' });
  if (tar.status !== 0) throw new PrereqError(`could not pack rg for @vscode/ripgrep's cache: ${tar.stderr.trim()}`);

  const pkgFile = path.join(work, 'package.json');
  // Only allowScripts changes between the two steps (npm install adds the dependency itself).
  const writePackage = (allowCodeServer) => {
    const pkg = fs.existsSync(pkgFile) ? JSON.parse(fs.readFileSync(pkgFile, 'utf8')) : { name: 'auditlens-e2e-code-server', private: true };
    pkg.allowScripts = { ...Object.fromEntries(TOP_ALLOWED.map((p) => [p, true])), 'code-server': allowCodeServer };
    fs.writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n');
  };
  const env = {
    ...process.env,
    TMPDIR: tmp,
    npm_config_yes: 'true',
    npm_config_unsafe_perm: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  // `npm run test:e2e` exports the project's npm settings; its ignore-scripts=true would keep
  // code-server's postinstall from running (which scripts run is decided by allowScripts above)
  delete env.npm_config_ignore_scripts;
  const pkgDir = path.join(work, 'node_modules', 'code-server');
  writePackage(false);
  let step = 'npm install code-server';
  let r = await runLogged('npm', ['install', `code-server@${CODE_SERVER_VERSION}`, '--foreground-scripts'], { cwd: work, env }, logFile);
  if (r.code === 0) {
    step = 'npm rebuild code-server (its postinstall)';
    for (const sub of ['lib/vscode', 'lib/vscode/extensions']) {
      fs.writeFileSync(path.join(pkgDir, sub, '.npmrc'), `allow-scripts=${VSCODE_ALLOWED.join(',')}\n`);
    }
    writePackage(true);
    fs.appendFileSync(logFile, '\n--- npm rebuild code-server (its postinstall) ---\n');
    r = await runLogged('npm', ['rebuild', 'code-server', '--foreground-scripts'], { cwd: work, env }, logFile);
  }
  const failed = r.code !== 0 ? `${step} exited ${r.code ?? r.signal}`
    : !fs.existsSync(codeServerEntry(work)) ? 'code-server is not where it should be after npm install'
      : !fs.existsSync(path.join(work, 'node_modules', 'code-server', 'lib', 'vscode', 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg')) ? 'the code-server postinstall did not complete (no ripgrep in lib/vscode; were its install scripts blocked?)'
        : undefined;
  if (failed) {
    const tail = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-25).join('\n');
    fs.rmSync(work, { recursive: true, force: true });
    throw new PrereqError(`installing code-server ${CODE_SERVER_VERSION} failed: ${failed} (full log: ${logFile})\n${tail}`);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(rgDir, { recursive: true, force: true });
  fs.writeFileSync(path.join(work, COMPLETE_MARKER), `${new Date().toISOString()} code-server ${CODE_SERVER_VERSION}\n`);
  fs.chmodSync(work, 0o755); // mkdtemp's 0700 is for the temporary folder, not the cache
  try {
    fs.renameSync(work, target);
  } catch (err) {
    // another run finished first: use its install
    fs.rmSync(work, { recursive: true, force: true });
    if (!isInstalled(target)) throw err;
  }
  const installedMs = Date.now() - started;
  log(`code-server ${CODE_SERVER_VERSION} installed in ${(installedMs / 1000).toFixed(0)} s`);
  return { dir: target, entry: codeServerEntry(target), installedMs };
}

/** The message of a skipped run: what is missing and the one command that installs it. */
export function skipMessage(err) {
  return `SKIPPED: ${err.message}.\n[e2e] To install it: ${err.install}\n[e2e] (or run with CI=true on a throwaway machine to let the suite install it)`;
}

// `node scripts/e2e/prereqs.mjs`: just the prerequisites.
if (import.meta.url === `file://${process.argv[1]}`) {
  const log = (m) => console.log(`[e2e] ${m}`);
  try {
    log(`Chromium: ${ensureChromium(log)}`);
    const cs = await ensureCodeServer(log);
    log(`code-server: ${cs.entry}`);
  } catch (err) {
    if (err instanceof PrereqMissing) {
      log(skipMessage(err));
      process.exit(0);
    }
    console.error(`[e2e] ${err instanceof PrereqError ? err.message : err.stack}`);
    process.exit(1);
  }
}
