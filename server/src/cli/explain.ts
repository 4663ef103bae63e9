/**
 * `auditlens explain FILE.c SYMBOL`: the hover text of a function, global,
 * field path (`audit_cmd_mutex.owner`) or errno (`EAGAIN`) in FILE.c, as
 * Markdown (text) or `{ version: 1, symbol, markdown }` (json).
 */
import { Analyser } from '../analyser';
import { explainSymbol } from '../features/explain';
import { byteSize, choice, parseArgs } from './args';
import { EXPLAIN_USAGE } from './commands';
import { EXIT_CLEAN, InputError, UsageError, withInputPrefix } from './errors';
import { DEFAULT_MAX_SIZE, notCReason, readSource } from '../input/read';
import type { CliIO } from './io';

const FLAGS = {
  format: { takesValue: true },
  'max-size': { takesValue: true },
  help: { takesValue: false, short: 'h' },
};

export interface ExplainReport {
  version: 1;
  symbol: string;
  markdown: string;
}

export function runExplain(args: readonly string[], io: CliIO): number {
  const parsed = parseArgs('explain', args, FLAGS);
  if (parsed.flags.has('help')) {
    io.stdout(EXPLAIN_USAGE);
    return EXIT_CLEAN;
  }
  const format = choice('explain', parsed, 'format', ['text', 'json'] as const, 'text');
  const maxSize = byteSize('explain', parsed, 'max-size', DEFAULT_MAX_SIZE);
  if (parsed.positionals.length !== 2) throw new UsageError('auditlens explain: needs a C file and a symbol; try `auditlens explain --help`');
  const [path, symbol] = parsed.positionals;

  const analysis = new Analyser().analyseText(withInputPrefix(() => readSource(path, maxSize)));
  const notC = notCReason(path, analysis);
  if (notC) throw new InputError(`auditlens: ${notC}`);
  const markdown = explainSymbol(analysis, symbol);
  if (!markdown) throw new InputError(`auditlens explain: ${path} has no function, global, field or routed error code '${symbol}' the queue model knows`);

  if (format === 'json') {
    const report: ExplainReport = { version: 1, symbol, markdown };
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    io.stdout(`${markdown}\n`);
  }
  return EXIT_CLEAN;
}

