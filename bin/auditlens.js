#!/usr/bin/env node
'use strict';
// The CLI is bundled into dist/cli.js by `npm run build`. It is loaded through a V8 code
// cache (what Node 22's module.enableCompileCache() does, which Node 20 lacks): the bytecode
// of every function the last run compiled is kept in the temporary directory, keyed by the
// bundle's size and time and by Node's version, so a run does not parse and compile the
// 650 KB bundle again. AUDITLENS_COMPILE_CACHE=0 turns it off; any failure of the cache
// falls back to a plain require.
globalThis.__auditlensStartedAt = performance.now();
const fs = require('node:fs');
const path = require('node:path');

const bundle = path.join(__dirname, '..', 'dist', 'cli.js');

function notBuilt() {
  process.stderr.write('auditlens: not built yet; run `npm run build` first\n');
  process.exit(2);
}

/** Runs the bundle as a CommonJS module compiled with `cachedData`; false when it could not set that up. */
function loadCached() {
  const vm = require('node:vm');
  const Module = require('node:module');
  const os = require('node:os');
  let stat;
  try {
    stat = fs.statSync(bundle);
  } catch {
    notBuilt();
  }
  const dir = path.join(os.tmpdir(), `auditlens-compile-cache-${typeof process.getuid === 'function' ? process.getuid() : 'user'}`);
  const key = `${process.version}-${process.arch}-${stat.size}-${Math.round(stat.mtimeMs)}.bin`;
  const cacheFile = path.join(dir, key);
  // Only a directory of our own that nobody else can write: a planted cache is code.
  const ours = (() => {
    if (typeof process.getuid !== 'function') return true; // Windows: the temporary directory is the user's
    try {
      const st = fs.statSync(dir);
      return st.isDirectory() && st.uid === process.getuid() && (st.mode & 0o022) === 0;
    } catch {
      return true; // not there yet: made below with mode 0700
    }
  })();
  if (!ours) return false;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch { /* first run with this bundle */ }
  // V8 rejects a cache made under other flags: the bundle sets this one for its parser
  // (parse/nodeEngine.ts), so it is set before the compile as well as before the cache is made.
  require('node:v8').setFlagsFromString('--liftoff-only');
  const source = fs.readFileSync(bundle, 'utf8');
  const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
  const mod = new Module(bundle, module);
  mod.filename = bundle;
  mod.paths = Module._nodeModulePaths(path.dirname(bundle));
  const localRequire = (id) => mod.require(id);
  localRequire.resolve = (request) => Module._resolveFilename(request, mod);
  localRequire.main = process.mainModule;
  localRequire.cache = Module._cache;
  // Written once the run is over, so the cache holds what a whole run compiled.
  process.once('exit', () => {
    if (process.env.AUDITLENS_COMPILE_CACHE_DEBUG) process.stderr.write(`compile cache: ${cachedData ? (script.cachedDataRejected ? 'rejected' : 'used') : 'absent'}\n`);
    if (cachedData && !script.cachedDataRejected) return;
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const tmp = `${cacheFile}.${process.pid}`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
      // the caches of earlier builds are of no use any more
      for (const old of fs.readdirSync(dir)) if (old !== key && old.startsWith(`${process.version}-`) && old.endsWith('.bin')) fs.rmSync(path.join(dir, old), { force: true });
    } catch { /* a read-only or full temporary directory only costs the next run its compile */ }
  });
  script.runInThisContext().call(mod.exports, mod.exports, localRequire, mod, bundle, path.dirname(bundle));
  return true;
}

if (process.env.AUDITLENS_COMPILE_CACHE === '0' || !loadCached()) {
  try {
    require('../dist/cli.js');
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND' && /dist[\\/]cli\.js/.test(String(err.message))) notBuilt();
    throw err;
  }
}
