// `npm run test:e2e`: the end-to-end suite in a real VS Code (code-server 4.100.3) driven by
// the machine's Chromium through playwright-core, offline.
//
//   1. prerequisites (prereqs.mjs): a Chromium already installed, and code-server installed once
//      into ${XDG_CACHE_HOME:-~/.cache}/auditlens-e2e/code-server-4.100.3/. What is missing from
//      the system is not installed (except under CI=true): the run says how to install it and
//      is skipped, exit 0.
//   2. `npm run package -- --target <this platform>` -> auditlens-<version>-<target>.vsix
//   3. vitest with vitest.e2e.config.mts (test/e2e/**/*.e2e.ts), which installs the VSIX into a
//      fresh code-server under a temporary root and checks the scenarios, with screenshots in
//      test-results/e2e/<run>/
//   4. whatever it started is stopped, even when it failed; then one summary.
//
// Environment: AUDITLENS_E2E_KEEP=1 keeps the temporary root; AUDITLENS_CHROMIUM picks the
// Chromium binary; CI=true lets prerequisites come from apt-get. Exit status: 0 all passed (or
// skipped for a missing prerequisite), 1 otherwise.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureChromium, ensureCodeServer, PrereqError, PrereqMissing, skipMessage } from './prereqs.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const log = (m) => console.log(`[e2e] ${m}`);
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

function fail(message) {
  console.error(`[e2e] FAILED: ${message}`);
  process.exit(1);
}

/** `npm run package`; its last line of output is the VSIX's path. */
function packageExtension() {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  if (!manifest.scripts?.package) fail('package.json has no "package" script (npm run package builds the VSIX the suite installs)');
  // code-server runs desktop extensions in its Node extension host: this machine's desktop VSIX.
  const target = `${process.platform}-${process.arch}`;
  const expected = path.join(ROOT, `${manifest.name}-${manifest.version}-${target}.vsix`);
  const r = spawnSync('npm', ['run', '--silent', 'package', '--', '--target', target, '--out', expected], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) fail(`npm run package failed (exit ${r.status ?? r.signal})${r.stdout ? `:\n${r.stdout}` : ''}`);
  const lines = r.stdout.trim().split('\n');
  const printed = lines[lines.length - 1]?.trim();
  const vsix = printed && printed.endsWith('.vsix') ? path.resolve(ROOT, printed) : expected;
  if (!fs.existsSync(vsix)) fail(`npm run package did not write ${vsix}`);
  return vsix;
}

/** Live (not zombie) processes: pid, process group, command line. */
function liveProcesses() {
  const out = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const fields = fs.readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
      if (fields[0] === 'Z') continue;
      out.push({ pid: Number(entry), pgrp: Number(fields[2]), cmdline: fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8') });
    } catch { /* gone meanwhile */ }
  }
  return out;
}

/**
 * Stops what the suite may have left running (it stops code-server and Chromium itself; this is
 * for a run that died): code-server's process group, and processes whose command line names this
 * run's temporary root (Chromium carries it as --auditlens-e2e-run=<root>), with their groups.
 */
function stopLeftovers(root) {
  const pidFile = path.join(root, 'code-server.pid');
  const codeServer = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8')) : undefined;
  const left = liveProcesses().filter((p) => p.pgrp === codeServer || p.cmdline.includes(root));
  for (const p of left) {
    // a group leader (code-server, Chromium as playwright starts it) goes with its group
    try { process.kill(p.pgrp === p.pid ? -p.pid : p.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  return left.map((p) => `${p.pid} (${p.cmdline.split('\0').slice(0, 2).join(' ').slice(0, 80)})`);
}

function copyLogs(root, results) {
  const into = path.join(results, 'logs');
  for (const [from, name] of [[path.join(root, 'logs'), 'run'], [path.join(root, 'user-data', 'logs'), 'vscode']]) {
    if (fs.existsSync(from)) fs.cpSync(from, path.join(into, name), { recursive: true });
  }
}

function summary(jsonFile) {
  if (!fs.existsSync(jsonFile)) return undefined;
  const report = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
  const tests = report.testResults.flatMap((f) => f.assertionResults.map((t) => ({ ...t, file: path.relative(ROOT, f.name), fileMessage: f.message })));
  const fileErrors = report.testResults.filter((f) => f.status === 'failed' && f.message).map((f) => `${path.relative(ROOT, f.name)}: ${f.message}`);
  return { tests, fileErrors };
}

async function main() {
  const started = Date.now();
  let chromium;
  let codeServer;
  const t0 = Date.now();
  try {
    chromium = ensureChromium(log);
    log(`Chromium: ${chromium}`);
    codeServer = await ensureCodeServer(log);
  } catch (err) {
    if (err instanceof PrereqMissing) {
      log(skipMessage(err));
      process.exit(0);
    }
    fail(err instanceof PrereqError ? err.message : err.stack);
  }
  const prereqMs = Date.now() - t0;

  const t1 = Date.now();
  log('packaging the extension (npm run package)');
  const vsix = packageExtension();
  const packageMs = Date.now() - t1;
  log(`packaged ${path.relative(ROOT, vsix)} in ${seconds(packageMs)}`);

  const run = new Date().toISOString().replace(/[:.]/g, '-').replace(/Z$/, '');
  const results = path.join(ROOT, 'test-results', 'e2e', run);
  fs.mkdirSync(results, { recursive: true });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'auditlens-e2e-'));
  const jsonFile = path.join(results, 'vitest.json');

  const t2 = Date.now();
  const child = spawn(process.execPath, [
    path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'vitest.e2e.config.mts',
    '--reporter=verbose', '--reporter=json', `--outputFile.json=${jsonFile}`,
  ], {
    cwd: ROOT,
    stdio: 'inherit',
    env: {
      ...process.env,
      AUDITLENS_E2E_CODE_SERVER: codeServer.entry,
      AUDITLENS_E2E_VSIX: vsix,
      AUDITLENS_E2E_CHROMIUM: chromium,
      AUDITLENS_E2E_RESULTS: results,
      AUDITLENS_E2E_ROOT: root,
    },
  });
  let interrupted;
  const forward = (signal) => { interrupted = signal; child.kill(signal); };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const code = await new Promise((resolve) => child.on('close', (c, s) => resolve(c ?? (s ? 1 : 0))));
  const testMs = Date.now() - t2;

  const leftovers = stopLeftovers(root);
  copyLogs(root, results);
  if (process.env.AUDITLENS_E2E_KEEP === '1') log(`kept the temporary root ${root}`);
  else fs.rmSync(root, { recursive: true, force: true });

  const s = summary(jsonFile);
  const passed = s?.tests.filter((t) => t.status === 'passed') ?? [];
  const failed = s?.tests.filter((t) => t.status === 'failed') ?? [];
  const ok = code === 0 && !interrupted && s && failed.length === 0 && s.fileErrors.length === 0 && passed.length > 0;
  const shots = fs.readdirSync(results).filter((f) => f.endsWith('.png')).length;
  console.log('');
  console.log(`AuditLens end-to-end: ${ok ? 'PASSED' : 'FAILED'}: ${passed.length} passed, ${failed.length} failed` +
    ` in ${seconds(Date.now() - started)} (prerequisites ${seconds(prereqMs)}${codeServer.installedMs ? `, of which installing code-server ${seconds(codeServer.installedMs)}` : ''}, package ${seconds(packageMs)}, workbench ${seconds(testMs)})`);
  for (const t of s?.tests ?? []) {
    const mark = t.status === 'passed' ? 'ok  ' : t.status === 'failed' ? 'FAIL' : t.status.toUpperCase().padEnd(4);
    console.log(`  ${mark} ${t.title} (${seconds(t.duration ?? 0)})`);
    if (t.status === 'failed') for (const m of t.failureMessages ?? []) console.log(`       ${m.split('\n')[0]}`);
  }
  for (const e of s?.fileErrors ?? []) console.log(`  FAIL ${e.split('\n')[0]}`);
  if (!s) console.log(`  no test report (${path.relative(ROOT, jsonFile)}): vitest exited ${code}${interrupted ? ` after ${interrupted}` : ''}`);
  if (leftovers.length) console.log(`  stopped leftover processes: ${leftovers.join(', ')}`);
  const timingsFile = path.join(results, 'timings.json');
  if (fs.existsSync(timingsFile)) {
    // what a user waits for in this workbench, and the extension's own view of it (its latency: log lines)
    const { moments = {}, ...timings } = JSON.parse(fs.readFileSync(timingsFile, 'utf8'));
    console.log('  timings (ms, from the workbench):');
    for (const [name, ms] of Object.entries(timings)) console.log(`    ${String(ms).padStart(6)}  ${name}`);
    const logs = path.join(results, 'logs', 'vscode');
    const own = fs.existsSync(logs) ? fs.readdirSync(logs, { recursive: true }).filter((f) => String(f).endsWith('AuditLens.log')) : [];
    const lines = own.flatMap((f) => fs.readFileSync(path.join(logs, String(f)), 'utf8').split('\n')).filter((l) => l.includes('latency:'));
    for (const line of lines.slice(0, 12)) console.log(`    extension: ${line.replace(/^.*latency: /, '')}`);
    if (lines.length > 12) console.log(`    extension: ... ${lines.length - 12} more latency lines in the AuditLens log`);
    // where the first open's seconds go: the workbench's clock and the extension log's, on one machine
    const at = (line) => new Date(line.slice(0, 23).replace(' ', 'T')).getTime();
    const first = lines.find((l) => /first diagnostics of (audit-2026|AQ103-trigger)\.c/.test(l) && /after it was opened/.test(l));
    if (first && moments.openStarted) {
      const arrived = at(first);
      const sent = arrived - Number(/ (\d+) ms after/.exec(first)[1]);
      console.log(`  the first open, step by step (ms from the command): text shown ${moments.textShown - moments.openStarted}, didOpen sent ${sent - moments.openStarted}, diagnostics back in the extension ${arrived - moments.openStarted}, Problems entry ${moments.problemsShown - moments.openStarted}`);
    }
  }
  console.log(`  screenshots (${shots}) and logs: ${path.relative(ROOT, results)}/`);
  process.exit(ok ? 0 : 1);
}

await main();
