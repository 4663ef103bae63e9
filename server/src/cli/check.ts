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
import { CliConfig, CONFIG_FLAGS } from './config';
import { BaselineError, BaselineFile, compareWithBaseline, parseBaseline, writeBaseline, type BaselineEntry } from '../report/baseline';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const FLAGS = {
  format: { takesValue: true },
  'max-size': { takesValue: true },
  verbose: { takesValue: false, short: 'v' },
  'exit-zero': { takesValue: false },
  baseline: { takesValue: true },
  'write-baseline': { takesValue: true },
  ...CONFIG_FLAGS,
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
  const config = new CliConfig('check', parsed, io);
  const writeTo = stringFlag(parsed.flags.get('write-baseline'));
  const baselinePath = stringFlag(parsed.flags.get('baseline'));
  if (writeTo && baselinePath) throw new UsageError('auditlens check: --write-baseline records every finding; it cannot be combined with --baseline');
  const baseline = baselinePath ? readBaseline(baselinePath) : undefined;
  const cwd = process.cwd();

  const analyser = new Analyser();
  const files: FileReport[] = [];
  const unusable: string[] = [];
  const absent: BaselineEntry[] = [];
  let known = 0;
  for (const path of parsed.positionals) {
    analyser.options = { rules: config.rules(path) };
    const checked = checkFile(analyser, path, maxSize);
    if (typeof checked === 'string') {
      unusable.push(checked);
      io.stderr(`auditlens: ${checked}\n`);
      continue;
    }
    if (baseline && baselinePath) {
      const cmp = compareWithBaseline([checked.report], baseline, baselinePath, cwd);
      checked.report.findings.forEach((f, i) => { f.baselineState = cmp.states[0][i] as 'new' | 'unchanged'; });
      absent.push(...cmp.absent);
      known += cmp.unchangedCount;
    }
    files.push(checked.report);
    // Text streams file by file; JSON and SARIF are one document at the end.
    if (format === 'text') io.stdout(formatFileText(checked.report, checked.problems, verbose));
    mark('output');
  }

  const baselineSummary = baselinePath ? { path: baselinePath, new: files.reduce((n, f) => n + f.findings.length, 0) - known, unchanged: known, absent } : undefined;
  if (format === 'json') {
    const report: CheckReport = { version: 1, files, ...(baselineSummary ? { baseline: baselineSummary } : {}) };
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else if (format === 'sarif') {
    io.stdout(`${JSON.stringify(sarifLog(files, { unusable, absent: baselineSummary ? absent.map((e) => ({ ...e, file: resolve(dirname(resolve(baselineSummary.path)), e.file) })) : undefined }), null, 2)}\n`);
  } else if (files.length > 0) {
    io.stdout(formatSummary(files, unusable.length, baselineSummary));
  }
  mark('output');
  if (writeTo) {
    const written = writeBaseline(files, writeTo, cwd);
    try {
      writeFileSync(writeTo, `${JSON.stringify(written, null, 2)}\n`);
    } catch (err) {
      throw new InputError(`auditlens: ${writeTo}: cannot write the baseline: ${(err as Error).message}`);
    }
    io.stderr(`auditlens: wrote ${written.findings.length} finding${written.findings.length === 1 ? '' : 's'} to the baseline ${writeTo}\n`);
  }
  if (unusable.length > 0) return EXIT_BAD_INPUT;
  // writing a baseline accepts what it records
  if (writeTo) return EXIT_CLEAN;
  return hasWarnings(files) && !parsed.flags.has('exit-zero') ? EXIT_FINDINGS : EXIT_CLEAN;
}

function stringFlag(v: string | true | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function readBaseline(path: string): BaselineFile {
  if (!existsSync(path)) throw new InputError(`auditlens: ${path}: baseline not found (write one with \`auditlens check --write-baseline ${path} ...\`)`);
  try {
    return parseBaseline(readFileSync(path, 'utf8'), path);
  } catch (err) {
    if (err instanceof BaselineError) throw new InputError(`auditlens: ${err.message}`);
    throw new InputError(`auditlens: ${path}: ${(err as Error).message}`);
  }
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

