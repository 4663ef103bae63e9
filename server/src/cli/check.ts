/**
 * `auditlens check FILE.c...`: analyse each file, carry on past unusable
 * ones, and decide the exit status (2 bad input > 1 findings > 0 clean).
 */
import { Analyser, type FileAnalysis } from '../analyser';
import type { SyntaxProblem } from '../parse/cParser';
import { byteSize, choice, parseArgs } from './args';
import { CHECK_USAGE } from './commands';
import { EXIT_BAD_INPUT, EXIT_CLEAN, EXIT_FINDINGS, InputError, UsageError, oneLine } from './errors';
import { analyseFile, DEFAULT_MAX_SIZE, unusableReason } from '../input/read';
import type { CliIO } from './io';
import { CheckReport, FileReport, fileReport, hasWarnings } from '../report/checkReport';
import { sarifLog } from './sarif';
import { formatFileText, formatSummary } from './text';
import { mark } from './timings';

const FLAGS = {
  format: { takesValue: true },
  'max-size': { takesValue: true },
  verbose: { takesValue: false, short: 'v' },
  'exit-zero': { takesValue: false },
  help: { takesValue: false, short: 'h' },
};

export function runCheck(args: readonly string[], io: CliIO): number {
  const parsed = parseArgs('check', args, FLAGS);
  if (parsed.flags.has('help')) {
    io.stdout(CHECK_USAGE);
    return EXIT_CLEAN;
  }
  const format = choice('check', parsed, 'format', ['text', 'json', 'sarif'] as const, 'text');
  const maxSize = byteSize('check', parsed, 'max-size', DEFAULT_MAX_SIZE);
  const verbose = parsed.flags.has('verbose');
  if (parsed.positionals.length === 0) throw new UsageError('auditlens check: no input files; try `auditlens check --help`');

  const analyser = new Analyser();
  const files: FileReport[] = [];
  const unusable: string[] = [];
  for (const path of parsed.positionals) {
    const checked = checkFile(analyser, path, maxSize);
    if (typeof checked === 'string') {
      unusable.push(checked);
      io.stderr(`auditlens: ${checked}\n`);
      continue;
    }
    files.push(checked.report);
    // Text streams file by file; JSON and SARIF are one document at the end.
    if (format === 'text') io.stdout(formatFileText(checked.report, checked.problems, verbose));
    mark('output');
  }

  if (format === 'json') {
    const report: CheckReport = { version: 1, files };
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else if (format === 'sarif') {
    io.stdout(`${JSON.stringify(sarifLog(files, { unusable }), null, 2)}\n`);
  } else if (files.length > 0) {
    io.stdout(formatSummary(files, unusable.length));
  }
  mark('output');
  if (unusable.length > 0) return EXIT_BAD_INPUT;
  return hasWarnings(files) && !parsed.flags.has('exit-zero') ? EXIT_FINDINGS : EXIT_CLEAN;
}

/** The report of one file, or the one-line reason it cannot be checked. */
function checkFile(analyser: Analyser, path: string, maxSize: number): { report: FileReport; problems: readonly SyntaxProblem[] } | string {
  const analysis = analyseFile(analyser, path, maxSize, () => mark('read'));
  mark('parse');
  if (typeof analysis === 'string') return analysis;
  try {
    const report = fileReport(path, analysis);
    mark('analysis');
    analyser.release(analysis); // the report holds all that is printed
    return { report, problems: analysis.parsed.problems };
  } catch (err) {
    return unusableReason(path, err);
  }
}

