// Preloaded (NODE_OPTIONS=--require) into every Node process of the end-to-end run's
// code-server: the server, the extension host, the AuditLens language server and its
// `auditlens simulate` children. A connection or DNS lookup to anything but loopback is
// refused and recorded, one JSON line per attempt in $AUDITLENS_E2E_NETLOG, with the process
// and the stack, so the suite can tell whether the extension tried to reach the internet.
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const dns = require('node:dns');

const LOG = process.env.AUDITLENS_E2E_NETLOG;

function isLocal(host) {
  if (host === undefined || host === null || host === '') return true; // Node's default: localhost
  const h = String(host).replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\./.test(h);
}

function record(kind, host, port) {
  try {
    fs.appendFileSync(LOG, JSON.stringify({
      kind,
      host: String(host),
      port: port === undefined ? undefined : String(port),
      pid: process.pid,
      argv: process.argv.slice(1, 4),
      stack: (new Error().stack || '').split("\n").slice(3, 30).map((l) => l.trim()),
    }) + '\n');
  } catch {
    // the log is best effort; the refusal is not
  }
}

function refusal(kind, host, port) {
  const err = new Error(`${kind} to ${host}${port === undefined ? '' : `:${port}`} refused: the AuditLens end-to-end run allows loopback only`);
  err.code = kind === 'lookup' ? 'ENOTFOUND' : 'ECONNREFUSED';
  return err;
}

if (LOG) {
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function guardedConnect(...args) {
    // (options[, cb]), (port[, host][, cb]), (path[, cb]), or Node's own normalized [options, cb]
    const a = Array.isArray(args[0]) ? args[0] : args;
    let options;
    if (a[0] !== null && typeof a[0] === 'object') options = a[0];
    else if (typeof a[0] === 'string' && !/^\d+$/.test(a[0])) options = { path: a[0] };
    else options = { port: a[0], host: typeof a[1] === 'string' ? a[1] : undefined };
    if (options.path || isLocal(options.host)) return connect.apply(this, args);
    record('connect', options.host, options.port);
    const err = refusal('connect', options.host, options.port);
    process.nextTick(() => this.destroy(err));
    return this;
  };

  const lookup = dns.lookup;
  dns.lookup = function guardedLookup(hostname, options, callback) {
    if (isLocal(hostname)) return lookup.apply(this, arguments);
    const cb = typeof options === 'function' ? options : callback;
    record('lookup', hostname);
    if (typeof cb === 'function') process.nextTick(() => cb(refusal('lookup', hostname)));
    return {};
  };
  const promisesLookup = dns.promises.lookup;
  dns.promises.lookup = function guardedPromisesLookup(hostname, ...rest) {
    if (isLocal(hostname)) return promisesLookup.call(this, hostname, ...rest);
    record('lookup', hostname);
    return Promise.reject(refusal('lookup', hostname));
  };
}
