/**
 * `check --format sarif`: the check report as a SARIF 2.1.0 log, for GitHub
 * code scanning and other SARIF viewers. One run; every catalogue rule in
 * tool.driver.rules; results point into the files by paths relative to
 * %SRCROOT% (the working directory). Messages stay plain text.
 */
import { createHash } from 'node:crypto';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RULES } from '../rules/catalogue';
import type { Severity } from '../rules/finding';
import { VERSION } from './commands';
import { functionLabel, type FileReport, type FindingReport } from '../report/checkReport';
import { RULE_FLAGS } from './sarifRules';
import type { BaselineEntry } from '../report/baseline';

export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
export const INFORMATION_URI = 'https://github.com/auditlens/auditlens';
export const SRCROOT = '%SRCROOT%';
/** Key of our partial fingerprint; bump the version if its inputs change. */
export const FINGERPRINT_KEY = 'auditlensAnchor/v1';

export type SarifLevel = 'error' | 'warning' | 'note';

export interface SarifMessage { text: string; markdown?: string }
export interface SarifRegion { startLine: number; startColumn?: number; endLine?: number; endColumn?: number }
export interface SarifArtifactLocation { uri: string; uriBaseId?: string }
export interface SarifLocation {
  id?: number;
  physicalLocation: { artifactLocation: SarifArtifactLocation; region: SarifRegion };
  logicalLocations?: { name: string; kind: string }[];
  message?: SarifMessage;
}

export interface SarifRule {
  id: string;
  name: string;
  shortDescription: SarifMessage;
  fullDescription: SarifMessage;
  help: SarifMessage;
  helpUri: string;
  defaultConfiguration: { level: SarifLevel };
}

export interface SarifResult {
  ruleId: string;
  ruleIndex?: number;
  level: SarifLevel;
  message: SarifMessage;
  locations: SarifLocation[];
  relatedLocations?: SarifLocation[];
  partialFingerprints?: Record<string, string>;
  baselineState?: 'new' | 'unchanged' | 'absent';
}

export interface SarifNotification { level: SarifLevel; message: SarifMessage; locations?: SarifLocation[] }

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: [{
    tool: { driver: { name: string; informationUri: string; version: string; semanticVersion: string; rules: SarifRule[] } };
    invocations: { executionSuccessful: boolean; toolExecutionNotifications?: SarifNotification[] }[];
    originalUriBaseIds: Record<string, { uri: string }>;
    columnKind: 'utf16CodeUnits';
    results: SarifResult[];
  }];
}

export interface SarifOptions {
  /** What %SRCROOT% stands for: the directory relative paths are resolved against (default: the working directory). */
  srcRoot?: string;
  /** One line per file that could not be checked; reported as tool notifications. */
  unusable?: readonly string[];
  /** With a baseline: its findings no longer found, reported with baselineState "absent". */
  absent?: readonly BaselineEntry[];
}

export function sarifLevel(severity: Severity): SarifLevel {
  return severity === 'information' ? 'note' : severity;
}

export function ruleHelpUri(id: string): string {
  return `${INFORMATION_URI}/blob/main/docs/rules/${id}.md`;
}

const RULE_INDEX: ReadonlyMap<string, number> = new Map(RULES.map((r, i) => [r.id, i]));

export function sarifRules(): SarifRule[] {
  return RULES.map((r) => {
    const flags = RULE_FLAGS[r.id] ?? r.summary;
    const helpUri = ruleHelpUri(r.id);
    return {
      id: r.id,
      name: r.name,
      shortDescription: { text: r.summary },
      fullDescription: { text: flags },
      help: {
        text: `${flags}\n\nWhy it matters, an example and the fix: ${helpUri}`,
        markdown: `**${r.id} ${r.name}** (default severity: ${r.severity})\n\n${flags}\n\nWhy it matters, an example and the fix: [docs/rules/${r.id}.md](${helpUri})`,
      },
      helpUri,
      defaultConfiguration: { level: sarifLevel(r.severity) },
    };
  });
}

export function sarifLog(files: readonly FileReport[], options: SarifOptions = {}): SarifLog {
  const srcRoot = options.srcRoot ?? process.cwd();
  const unusable = options.unusable ?? [];
  // functions left out of the analysis: the run did not look at them, and says where
  const skipped: SarifNotification[] = files.flatMap((file) => [
    ...(file.notAnalysed ?? []).map((n) => ({ text: `${functionLabel(n.function)} was not analysed: ${n.reason}`, line: n.line, endLine: n.endLine })),
    ...(file.notRead ?? []).map((n) => ({ text: n.reason, line: n.line, endLine: n.endLine })),
  ].map((n) => ({
    level: 'warning' as const,
    message: { text: n.text },
    locations: [{ physicalLocation: { artifactLocation: artifactLocation(file.path, srcRoot), region: { startLine: n.line, endLine: n.endLine } } }],
  })));
  const results = files.flatMap((file) => {
    const artifact = artifactLocation(file.path, srcRoot);
    return file.findings.map((f) => sarifResult(f, artifact));
  });
  for (const e of options.absent ?? []) results.push(absentResult(e, srcRoot));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'AuditLens', informationUri: INFORMATION_URI, version: VERSION, semanticVersion: VERSION, rules: sarifRules() } },
      invocations: [{
        executionSuccessful: unusable.length === 0,
        ...(unusable.length || skipped.length ? { toolExecutionNotifications: [...unusable.map((text) => ({ level: 'error' as const, message: { text } })), ...skipped] } : {}),
      }],
      originalUriBaseIds: { [SRCROOT]: { uri: directoryUri(srcRoot) } },
      columnKind: 'utf16CodeUnits',
      results,
    }],
  };
}

function sarifResult(f: FindingReport, artifact: SarifArtifactLocation): SarifResult {
  const index = RULE_INDEX.get(f.rule);
  const result: SarifResult = {
    ruleId: f.rule,
    ...(index !== undefined ? { ruleIndex: index } : {}),
    level: sarifLevel(f.severity),
    message: { text: f.message },
    locations: [{
      physicalLocation: {
        artifactLocation: artifact,
        region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn },
      },
      ...(f.function ? { logicalLocations: [{ name: f.function, kind: 'function' }] } : {}),
    }],
  };
  if (f.related.length) {
    result.relatedLocations = f.related.map((r, i) => ({
      id: i + 1,
      physicalLocation: { artifactLocation: artifact, region: { startLine: r.line } },
      message: { text: r.message },
    }));
  }
  if (f.anchor) result.partialFingerprints = { [FINGERPRINT_KEY]: fingerprint(artifact.uri, f) };
  if (f.baselineState) result.baselineState = f.baselineState;
  return result;
}

/** A baseline finding this run no longer has: where it was when the baseline was written. */
function absentResult(e: BaselineEntry, srcRoot: string): SarifResult {
  const index = RULE_INDEX.get(e.rule);
  const severity = (['error', 'warning', 'information'] as const).find((s) => s === e.severity) ?? 'warning';
  return {
    ruleId: e.rule,
    ...(index !== undefined ? { ruleIndex: index } : {}),
    level: sarifLevel(severity),
    message: { text: e.message },
    locations: [{
      physicalLocation: { artifactLocation: artifactLocation(e.file, srcRoot), region: { startLine: Math.max(1, e.line | 0) } },
      ...(e.function ? { logicalLocations: [{ name: e.function, kind: 'function' }] } : {}),
    }],
    baselineState: 'absent',
  };
}

/** Position-independent: survives edits that move the finding, changes when the rule, file, function or cause changes. */
function fingerprint(uri: string, f: FindingReport): string {
  return createHash('sha256').update([f.rule, uri, f.function, f.anchor ?? ''].join('\0')).digest('hex').slice(0, 32);
}

/** A path under the source root as a relative URI against %SRCROOT%; anything else as an absolute file URI. */
export function artifactLocation(path: string, srcRoot: string): SarifArtifactLocation {
  const absolute = resolve(srcRoot, path);
  const rel = relative(srcRoot, absolute);
  if (rel === '' || isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) return { uri: pathToFileURL(absolute).href };
  return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
}

function directoryUri(dir: string): string {
  const href = pathToFileURL(dir).href;
  return href.endsWith('/') ? href : `${href}/`;
}
