/**
 * Entry point of the `auditlens` command (bundled to dist/cli.js). Every
 * failure ends as one line on stderr and exit status 2, never a stack trace;
 * AUDITLENS_DEBUG=1 adds the stack for internal errors.
 */
import { EXIT_BAD_INPUT, InputError, UsageError, oneLine } from './errors';
import type { CliIO } from './io';
import { run } from './run';
import { initParserEngine } from '../parse/nodeEngine';
import { mark, startTimings } from './timings';

startTimings();

const io: CliIO = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

// A closed pipe (`auditlens check ... | head`) is not an error worth a trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') process.stderr.write(`auditlens: cannot write output: ${oneLine(err)}\n`);
  process.exit(err.code === 'EPIPE' ? (Number(process.exitCode) || 0) : EXIT_BAD_INPUT);
});

// The WebAssembly engine loads asynchronously; everything after it is synchronous.
initParserEngine().then(
  () => {
    mark('parser engine');
    main();
  },
  (err) => {
    io.stderr(`auditlens: cannot load a C parser: ${oneLine(err)}\n`);
    process.exitCode = EXIT_BAD_INPUT;
  },
);

function main(): void {
  try {
    // exitCode rather than exit(): lets a large JSON report drain into a pipe first.
    process.exitCode = run(process.argv.slice(2), io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof InputError) {
      io.stderr(`${oneLine(err)}\n`);
    } else {
      const debug = !!process.env.AUDITLENS_DEBUG;
      io.stderr(`auditlens: internal error: ${oneLine(err)}${debug ? '' : ' (AUDITLENS_DEBUG=1 shows details)'}\n`);
      if (debug && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    }
    process.exitCode = EXIT_BAD_INPUT;
  }
}
