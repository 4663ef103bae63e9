/** Dispatches `auditlens <command> ...` and the top-level flags; returns the exit status. */
import { runCheck } from './check';
import { CHECK_USAGE, COMMANDS, EXPLAIN_USAGE, KCSAN_USAGE, REVIEW_USAGE, SIMULATE_USAGE, USAGE, VERSION, notImplemented } from './commands';
import { runKcsan } from './kcsan';
import { runExplain } from './explain';
import { runReview } from './review';
import { runSimulate } from './simulate';
import { EXIT_BAD_INPUT, EXIT_CLEAN, UsageError } from './errors';
import type { CliIO } from './io';
import { parserEngineLoaded } from '../parse/engine';

const RUNNERS: Record<string, (args: readonly string[], io: CliIO) => number> = {
  check: runCheck,
  explain: runExplain,
  review: runReview,
  simulate: runSimulate,
  kcsan: runKcsan,
};

const HELP: Record<string, string> = {
  check: CHECK_USAGE,
  explain: EXPLAIN_USAGE,
  review: REVIEW_USAGE,
  simulate: SIMULATE_USAGE,
  kcsan: KCSAN_USAGE,
};

export function run(argv: readonly string[], io: CliIO): number {
  const [command, ...rest] = argv;
  if (command === undefined) throw new UsageError('auditlens: missing command; try `auditlens --help`');
  if (command === 'help' || command === '--help' || command === '-h') return help(rest[0], io);
  if (command === '--version' || command === '-V') {
    // The second line says which parser engine this machine got, and why (native or WebAssembly).
    const engine = parserEngineLoaded();
    io.stdout(`auditlens ${VERSION}\nparser: ${engine ? engine.description : 'not loaded'}\n`);
    return EXIT_CLEAN;
  }
  if (command.startsWith('-')) throw new UsageError(`auditlens: unknown option '${command}'; try \`auditlens --help\``);
  if (Object.hasOwn(RUNNERS, command)) return RUNNERS[command](rest, io);
  return refuse(command, io);
}

function help(topic: string | undefined, io: CliIO): number {
  if (topic === undefined) {
    io.stdout(USAGE);
    return EXIT_CLEAN;
  }
  if (Object.hasOwn(HELP, topic)) {
    io.stdout(HELP[topic]);
    return EXIT_CLEAN;
  }
  return refuse(topic, io);
}

/** A command that is planned but not built yet, or no command at all. */
function refuse(command: string, io: CliIO): number {
  if (Object.hasOwn(COMMANDS, command) && !COMMANDS[command].implemented) {
    io.stderr(`${notImplemented(command)}\n`);
    return EXIT_BAD_INPUT;
  }
  throw new UsageError(`auditlens: unknown command '${command}'; try \`auditlens --help\``);
}
