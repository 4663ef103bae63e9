/**
 * A baseline of accepted findings, as code-scanning tools keep one: a kernel
 * tree adopts AuditLens in CI without first fixing upstream, and later runs
 * report only what is new. Findings are matched by a position-independent
 * fingerprint (rule, file, function, cause), so edits that move code do not
 * turn known findings into new ones; a finding whose cause changes is new.
 */
import { createHash } from 'node:crypto';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { FileReport, FindingReport } from './checkReport';

export type BaselineState = 'new' | 'unchanged' | 'absent';

export interface BaselineEntry {
  fingerprint: string;
  rule: string;
  /** The file, relative to the baseline's directory, '/'-separated. */
  file: string;
  function: string;
  severity: string;
  line: number;
  message: string;
}

export interface BaselineFile {
  version: 1;
  tool: 'auditlens';
  note: string;
  findings: BaselineEntry[];
}

/** A baseline that cannot be used (absent, not JSON, another tool's). */
export class BaselineError extends Error {}

/** The file's path as the baseline names it: relative to the baseline's own directory, so any working directory gives the same key. */
export function baselinePath(file: string, baselineDir: string, cwd: string): string {
  const abs = resolve(cwd, file);
  const rel = relative(baselineDir, abs);
  return (rel === '' || isAbsolute(rel) ? abs : rel).split(sep).join('/');
}

export function fingerprintOf(file: string, f: Pick<FindingReport, 'rule' | 'function' | 'anchor' | 'message'>): string {
  // without an anchor the message stands for the cause; it carries no line numbers
  return createHash('sha256').update([f.rule, file, f.function, f.anchor ?? f.message].join('\0')).digest('hex').slice(0, 32);
}

export function writeBaseline(files: readonly FileReport[], baselineFile: string, cwd: string): BaselineFile {
  const dir = dirname(resolve(cwd, baselineFile));
  const findings = files.flatMap((file) => {
    const path = baselinePath(file.path, dir, cwd);
    return file.findings.map((f) => ({ fingerprint: fingerprintOf(path, f), rule: f.rule, file: path, function: f.function, severity: f.severity, line: f.line, message: f.message }));
  });
  return {
    version: 1,
    tool: 'auditlens',
    note: 'Findings accepted when this file was written: `auditlens check --baseline <this file>` reports only findings not listed here. Regenerate with --write-baseline.',
    findings,
  };
}

export function parseBaseline(text: string, path: string): BaselineFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new BaselineError(`${path}: not a baseline: not valid JSON (${(err as Error).message})`);
  }
  const b = raw as Partial<BaselineFile> | null;
  if (!b || typeof b !== 'object' || b.tool !== 'auditlens' || b.version !== 1 || !Array.isArray(b.findings)) {
    throw new BaselineError(`${path}: not an AuditLens baseline (write one with \`auditlens check --write-baseline ${path} ...\`)`);
  }
  const findings = b.findings.filter((e): e is BaselineEntry => !!e && typeof e === 'object' && typeof e.fingerprint === 'string');
  if (findings.length !== b.findings.length) throw new BaselineError(`${path}: ${b.findings.length - findings.length} entries have no fingerprint`);
  return { version: 1, tool: 'auditlens', note: String(b.note ?? ''), findings };
}

export interface BaselineComparison {
  /** Per file report, per finding (same order): its state against the baseline. */
  states: BaselineState[][];
  /** Baseline entries no finding of this run matched: fixed, or their file was not checked. */
  absent: BaselineEntry[];
  newCount: number;
  unchangedCount: number;
}

/**
 * Marks each finding new or unchanged. Fingerprints are matched as a multiset:
 * two findings with one fingerprint need two baseline entries.
 */
export function compareWithBaseline(files: readonly FileReport[], baseline: BaselineFile, baselineFile: string, cwd: string): BaselineComparison {
  const dir = dirname(resolve(cwd, baselineFile));
  const left = new Map<string, BaselineEntry[]>();
  for (const e of baseline.findings) left.set(e.fingerprint, [...(left.get(e.fingerprint) ?? []), e]);
  let newCount = 0;
  let unchangedCount = 0;
  const states = files.map((file) => {
    const path = baselinePath(file.path, dir, cwd);
    return file.findings.map((f): BaselineState => {
      const bucket = left.get(fingerprintOf(path, f));
      if (bucket?.length) {
        bucket.pop();
        unchangedCount++;
        return 'unchanged';
      }
      newCount++;
      return 'new';
    });
  });
  // absent entries only for the files this run checked: the others were not looked at
  const checked = new Set(files.map((f) => baselinePath(f.path, dir, cwd)));
  const absent = [...left.values()].flat().filter((e) => checked.has(e.file));
  return { states, absent, newCount, unchangedCount };
}
