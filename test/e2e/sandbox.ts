/**
 * The end-to-end run's private world: a temporary root holding code-server's
 * config, user data, extensions, XDG folders and home, and the workspace (the
 * example files laid out as a reviewer's tree); then code-server itself,
 * started on loopback in its own process group and stopped by its PID.
 * Everything here comes from scripts/e2e/run.mjs through the environment.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { CORPUS, hasShared } from '../shared';

export const REPO = path.resolve(__dirname, '..', '..');

export interface E2EEnv {
  /** code-server's out/node/entry.js, run with this Node. */
  codeServerEntry: string;
  vsix: string;
  chromium: string;
  /** Screenshots and logs of this run: test-results/e2e/<run>/. */
  results: string;
  /** The temporary root of this run (scripts/e2e/run.mjs removes it). */
  root: string;
}

export function e2eEnv(): E2EEnv {
  const get = (name: string): string => {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set: run the end-to-end suite with \`npm run test:e2e\` (scripts/e2e/run.mjs)`);
    return v;
  };
  return {
    codeServerEntry: get('AUDITLENS_E2E_CODE_SERVER'),
    vsix: get('AUDITLENS_E2E_VSIX'),
    chromium: get('AUDITLENS_E2E_CHROMIUM'),
    results: get('AUDITLENS_E2E_RESULTS'),
    root: get('AUDITLENS_E2E_ROOT'),
  };
}

/** User settings: quiet, offline, no motion, and an editor that types exactly what it is given. */
export const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'workbench.reduceMotion': 'on',
  'editor.hover.delay': 200,
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  // the web workbench saves after a delay by default: edits must stay in the editor
  'files.autoSave': 'off',
  'workbench.editor.enablePreview': false,
  // a file opens at its top, whatever the scenario before did with it
  'workbench.editor.restoreViewState': false,
  'git.enabled': false,
  // no "your application is running on port N" toasts over the editor
  'remote.autoForwardPorts': false,
  'remote.restoreForwardedPorts': false,
  'security.workspace.trust.enabled': false,
  // typed text goes in as typed: no completion, closing pair or auto-format in between
  'editor.quickSuggestions': { other: false, comments: false, strings: false },
  'editor.suggestOnTriggerCharacters': false,
  'editor.wordBasedSuggestions': 'off',
  'editor.acceptSuggestionOnEnter': 'off',
  'editor.autoClosingBrackets': 'never',
  'editor.autoClosingQuotes': 'never',
  'editor.formatOnType': false,
  'editor.parameterHints.enabled': false,
  'editor.minimap.enabled': false,
  'chat.commandCenter.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

export interface Layout {
  home: string;
  /** One JSON line per connection or lookup a code-server process tried off loopback (scripts/e2e/netguard.cjs). */
  networkLog: string;
  config: string;
  userData: string;
  extensions: string;
  workspace: string;
  logs: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The workspace: kernel/audit.c is the base the server applies a patch to
 * (<folder>/kernel/audit.c, server.ts patchBase), here the example file;
 * examples/ holds the example and its patch at the paths the patch names.
 */
export function prepareLayout(root: string): Layout {
  const dir = (...p: string[]) => {
    const d = path.join(root, ...p);
    fs.mkdirSync(d, { recursive: true });
    return d;
  };
  const home = dir('home');
  const logs = dir('logs');
  const networkLog = path.join(logs, 'network.jsonl');
  const guard = path.join(REPO, 'scripts', 'e2e', 'netguard.cjs');
  const layout: Layout = {
    home,
    networkLog,
    config: path.join(dir('code-server'), 'config.yaml'),
    userData: dir('user-data'),
    extensions: dir('extensions'),
    workspace: dir('workspace'),
    logs,
    env: {
      ...process.env,
      HOME: home,
      XDG_CONFIG_HOME: dir('xdg', 'config'),
      XDG_DATA_HOME: dir('xdg', 'data'),
      XDG_CACHE_HOME: dir('xdg', 'cache'),
      XDG_RUNTIME_DIR: dir('xdg', 'runtime'),
      // temporary files of code-server, the extension and its server stay in the run's root
      TMPDIR: dir('tmp'),
      EXTENSIONS_GALLERY: '{}',
      // every Node process of code-server (extension host, language server, simulations) refuses
      // and records connections off loopback
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require "${guard}"`.trim(),
      AUDITLENS_E2E_NETLOG: networkLog,
      // the extension logs every diagnostics latency (client/src/latency.ts), for the timings
      AUDITLENS_LATENCY: '1',
      // no proxy of the user's may route anything off the machine
      HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '', NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost',
    },
  };
  fs.chmodSync(layout.env.XDG_RUNTIME_DIR!, 0o700);
  fs.writeFileSync(layout.config, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  fs.mkdirSync(path.join(layout.userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(layout.userData, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
  fs.mkdirSync(path.join(layout.workspace, 'kernel'));
  fs.mkdirSync(path.join(layout.workspace, 'examples'));
  restoreWorkspace(layout);
  return layout;
}

/** The workspace's files as in the repository (a scenario's edits are never saved, but make sure). */
export function restoreWorkspace(layout: Layout): string[] {
  const example = path.join(REPO, 'examples', 'kauditd-demo.c');
  const want: [string, string][] = [
    [example, path.join(layout.workspace, 'kernel', 'audit.c')],
    [example, path.join(layout.workspace, 'examples', 'kauditd-demo.c')],
    [path.join(REPO, 'examples', 'unbounded-retry.patch'), path.join(layout.workspace, 'examples', 'unbounded-retry.patch')],
  ];
  // a file with findings to time the first open by: today's audit.c where the shared material is
  // there, else one of our own rule fixtures (the example has no findings, so no Problems entry)
  if (hasShared) want.push([CORPUS, path.join(layout.workspace, 'corpus', 'audit-2026.c')]);
  else want.push([path.join(REPO, 'test', 'fixtures', 'rules', 'AQ103-trigger.c'), path.join(layout.workspace, 'corpus', 'AQ103-trigger.c')]);
  const restored: string[] = [];
  for (const [from, to] of want) {
    fs.mkdirSync(path.dirname(to), { recursive: true });
    if (fs.existsSync(to) && fs.readFileSync(from).equals(fs.readFileSync(to))) continue;
    if (fs.existsSync(to)) restored.push(path.relative(layout.workspace, to));
    fs.copyFileSync(from, to);
  }
  return restored;
}

export interface NetworkAttempt {
  kind: 'connect' | 'lookup';
  host: string;
  port?: string;
  pid: number;
  argv: string[];
  stack: string[];
}

/** What code-server's processes tried to reach off loopback, and which of it was AuditLens's doing. */
export function networkAttempts(layout: Layout, extensionDir: string): { extension: NetworkAttempt[]; other: NetworkAttempt[] } {
  const all: NetworkAttempt[] = fs.existsSync(layout.networkLog)
    ? fs.readFileSync(layout.networkLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as NetworkAttempt)
    : [];
  const ours = (a: NetworkAttempt) => [...a.argv, ...a.stack].some((s) => s.includes(extensionDir));
  return { extension: all.filter(ours), other: all.filter((a) => !ours(a)) };
}

function commonArgs(layout: Layout): string[] {
  return ['--config', layout.config, '--user-data-dir', layout.userData, '--extensions-dir', layout.extensions];
}

/** `code-server --install-extension X.vsix` into the fresh extensions folder; resolves to the installed folder. */
export async function installExtension(env: E2EEnv, layout: Layout): Promise<string> {
  const output = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [env.codeServerEntry, ...commonArgs(layout), '--install-extension', env.vsix], { env: layout.env, timeout: 120_000 }, (err, stdout, stderr) => {
      fs.writeFileSync(path.join(layout.logs, 'install-extension.log'), `${stdout}\n${stderr}`);
      if (err) reject(new Error(`code-server --install-extension ${env.vsix} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(`${stdout}\n${stderr}`);
    });
  });
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  const id = `${manifest.publisher}.${manifest.name}-${manifest.version}`;
  const installed = fs.readdirSync(layout.extensions).find((d) => d.startsWith(id));
  if (!installed) throw new Error(`the VSIX did not install as ${id} in ${layout.extensions}:\n${output}`);
  return path.join(layout.extensions, installed);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/healthz`, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
  });
}

/** Live (not zombie) processes of a process group, from /proc. */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = fs.readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export class CodeServer {
  private constructor(readonly child: ChildProcess, readonly url: string, readonly logFile: string) {}

  /** Starts code-server on 127.0.0.1:<free port> and resolves once /healthz answers. */
  static async start(env: E2EEnv, layout: Layout): Promise<CodeServer> {
    const port = await freePort();
    const logFile = path.join(layout.logs, 'code-server.log');
    const out = fs.openSync(logFile, 'a');
    const args = [
      env.codeServerEntry, ...commonArgs(layout),
      '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
      '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', '--disable-proxy',
      '--ignore-last-opened', layout.workspace,
    ];
    // Detached: its own process group, so stop() takes the extension host and the language server with it.
    const child = spawn(process.execPath, args, { env: layout.env, detached: true, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    fs.writeFileSync(path.join(env.root, 'code-server.pid'), String(child.pid));
    const server = new CodeServer(child, `http://127.0.0.1:${port}`, logFile);
    let exited: string | undefined;
    child.once('exit', (code, signal) => { exited = `code-server exited (${code ?? signal}) before it answered /healthz; see ${logFile}`; });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (exited) throw new Error(exited);
      if (await healthy(server.url)) return server;
      if (Date.now() > deadline) {
        server.stop();
        throw new Error(`code-server did not answer ${server.url}/healthz within 60 s; see ${logFile}`);
      }
      // poll interval for /healthz (a readiness probe, not a wait for the UI)
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** SIGTERM to the process group, SIGKILL to what is left after 3 s; resolves when the group is gone. */
  async stopGracefully(): Promise<void> {
    const pid = this.child.pid;
    if (!pid) return;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      try { process.kill(-pid, 'SIGTERM'); } catch { /* already gone */ }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    }
    this.stop();
    // the kernel takes a moment to finish SIGKILLed processes: poll /proc until none is left
    for (let i = 0; i < 50 && groupMembers(pid).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    const left = groupMembers(pid);
    if (left.length) throw new Error(`code-server's process group ${pid} still has processes ${left.join(', ')} after SIGKILL`);
  }

  /** SIGKILL to the whole process group (idempotent). */
  stop(): void {
    const pid = this.child.pid;
    if (!pid) return;
    try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ }
  }
}
