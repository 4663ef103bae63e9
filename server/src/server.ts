/**
 * The language server in Node (dist/server.js): stdio or node-ipc, picked from
 * argv. The parser engine is loaded first (native where its binding loads, else
 * WebAssembly); messages wait in the pipe meanwhile.
 *
 * Over stdio the frames are read by FrameReader, which skips a bad frame and reads on
 * from the next header (vscode-jsonrpc's reader would stop reading); if it cannot read
 * stdin at all it exits with code 2, so the client restarts the server rather than talk
 * to a deaf one. IPC (the desktop client's transport) carries whole messages: there is no
 * frame to lose. --socket and --pipe, which no AuditLens client uses, keep vscode-jsonrpc's reader.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { Connection, createConnection, ProposedFeatures, StreamMessageWriter } from 'vscode-languageserver/node';
import { FrameReader } from './frameReader';
import { configFiles, readSource } from './input/read';
import { WorkingTreeBaseline } from './features/workingTree';
import { childProcessRunner, inProcessRunner } from './features/simulation';
import { startServer } from './lspServer';
import { initParserEngine } from './parse/nodeEngine';

// Simulations run in a child `auditlens` process so a cancel can stop them (see features/simulation.ts),
// started through bin/auditlens.js where it is shipped beside dist/: its code cache spares each run
// the compile of the CLI bundle.
const cliLoader = path.join(__dirname, '..', 'bin', 'auditlens.js');
const cliModule = fs.existsSync(cliLoader) ? cliLoader : path.join(__dirname, 'cli.js');

/** The connection over stdio, through FrameReader; exits as vscode-languageserver's own stdio transport does. */
function stdioConnection(): Connection {
  const reader = new FrameReader(process.stdin);
  const connection = createConnection(ProposedFeatures.all, reader, new StreamMessageWriter(process.stdout));
  reader.onSkip((s) =>
    connection.console.warn(`a bad frame on stdin: ${s.reason}; ${s.recovered ? `its ${s.bytes} bytes were one whole message, read as such` : `${s.bytes} bytes skipped`}, reading on from the next header`),
  );
  // the stream ended: 0 after a shutdown request, else 1 (the client did not stop us: it died, or the pipe broke)
  reader.onClose(() => process.exit(reader.shutdownRead ? 0 : 1));
  reader.onError((err) => {
    process.stderr.write(`auditlens server: cannot read stdin any more: ${err.message}\n`);
    process.exit(2);
  });
  // stdout is the protocol: what the code might print goes to the client's log instead
  const log = (level: 'log' | 'warn' | 'error') => (...args: unknown[]) => connection.console[level](format(...args));
  console.log = console.info = console.debug = log('log');
  console.warn = log('warn');
  console.error = log('error');
  return connection;
}

initParserEngine().then(
  () => {
    startServer(process.argv.includes('--stdio') ? stdioConnection() : createConnection(ProposedFeatures.all), {
      platform: `node ${process.version}`,
      // In the bundle __dirname is dist/, so the rule pages are <extension>/docs/rules/<RULE>.md.
      rulesDocDir: path.join(__dirname, '..', 'docs', 'rules'),
      runSimulation: fs.existsSync(cliModule) ? childProcessRunner(cliModule) : inProcessRunner,
      pathOf: (uri) => (uri.startsWith('file:') ? fileURLToPath(uri) : undefined),
      readSource,
      exists: (p) => fs.existsSync(p),
      configFs: configFiles,
      workingTree: (analyser, onBaseline) => new WorkingTreeBaseline(analyser, onBaseline),
      // Two turns of the event loop: in the first, stdin is read and the connection queues what came
      // (its own setImmediate, behind ours); the second lets that run before the long work goes on.
      yieldToConnection: () => new Promise((resolve) => setImmediate(() => setImmediate(resolve))),
    });
  },
  (err) => {
    process.stderr.write(`auditlens server: cannot load a C parser: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
