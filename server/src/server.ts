/**
 * The language server in Node (dist/server.js): stdio or node-ipc, picked by
 * createConnection from argv. The parser engine is loaded first (native where
 * its binding loads, else WebAssembly); messages wait in the pipe meanwhile.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { readSource } from './input/read';
import { WorkingTreeBaseline } from './features/workingTree';
import { childProcessRunner, inProcessRunner } from './features/simulation';
import { startServer } from './lspServer';
import { initParserEngine } from './parse/nodeEngine';

// Simulations run in a child `auditlens` process so a cancel can stop them (see features/simulation.ts),
// started through bin/auditlens.js where it is shipped beside dist/: its code cache spares each run
// the compile of the CLI bundle.
const cliLoader = path.join(__dirname, '..', 'bin', 'auditlens.js');
const cliModule = fs.existsSync(cliLoader) ? cliLoader : path.join(__dirname, 'cli.js');

initParserEngine().then(
  () => {
    startServer(createConnection(ProposedFeatures.all), {
      platform: `node ${process.version}`,
      // In the bundle __dirname is dist/, so the rule pages are <extension>/docs/rules/<RULE>.md.
      rulesDocDir: path.join(__dirname, '..', 'docs', 'rules'),
      runSimulation: fs.existsSync(cliModule) ? childProcessRunner(cliModule) : inProcessRunner,
      pathOf: (uri) => (uri.startsWith('file:') ? fileURLToPath(uri) : undefined),
      readSource,
      exists: (p) => fs.existsSync(p),
      configFs: {
        exists: (p) => {
          try {
            return fs.statSync(p).isFile();
          } catch {
            return false;
          }
        },
        read: (p) => fs.readFileSync(p, 'utf8'),
      },
      workingTree: (analyser, onBaseline) => new WorkingTreeBaseline(analyser, onBaseline),
      yieldToConnection: () => new Promise((resolve) => setImmediate(resolve)),
    });
  },
  (err) => {
    process.stderr.write(`auditlens server: cannot load a C parser: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
