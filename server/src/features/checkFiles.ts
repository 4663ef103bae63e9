/**
 * "AuditLens: Check Workspace" on the server: analyse a list of files the way
 * `auditlens check` does (cli/check.ts's analyseFile: same reading, same
 * refusals) and hand each analysis to `publish`, so the findings of files
 * nobody opened show in the Problems view. Open documents are not re-read:
 * their diagnostics, from the editor's current text, are already published.
 *
 * Files are checked one at a time, and each in stages (parse, outline, model,
 * findings) with a yield before each: the connection gets a turn, so hovers and
 * edits of other documents are answered while a big file is checked, and a
 * $/cancelRequest is honoured at the next stage. What was checked until then is
 * returned (and stays published); a file cancelled midway is left out. No LSP
 * types here: the server adapts its connection to CheckEnv.
 */
import * as path from 'node:path';
import type { Analyser, FileAnalysis } from '../analyser';
import { looksLikePatch, notCReason, readSource, unusableReason } from '../input/read';
import { uriPath, type TrackedDocument } from './documents';
import { countFindings } from './modelSummary';
import type { CheckedFile, CheckFilesParams, CheckFilesResult } from './requests';
import { utf8Length } from '../parse/utf8';

export interface CheckProgress {
  begin(title: string): void;
  /** `percent` 0..100 of the files started, `message` the file being checked. */
  report(percent: number, message: string): void;
  done(): void;
}

export interface CheckEnv {
  analyser: Analyser;
  maxFileSize: number;
  /** Workspace folders on disk, to show paths relative to them. */
  roots: readonly string[];
  /** What the server tracks for an open document, if it is open. */
  openDocument(uri: string): TrackedDocument | undefined;
  /** URIs of the open documents analysed as audit C. */
  openAuditDocuments(): string[];
  /** Publish the diagnostics of a checked file; undefined clears them (the file could not be checked). */
  publish(uri: string, analysis: FileAnalysis | undefined): void;
  token: { readonly isCancellationRequested: boolean };
  progress: CheckProgress;
  /** Gives the connection a turn (to answer a request, to read a cancel) between files and between the stages of one. */
  yieldToConnection(): Promise<void>;
}

/** The CLI's advice names its flag and subcommand; in the editor they are a setting and a command. */
export function editorReason(reason: string): string {
  return reason
    .replace(/; raise it with --max-size BYTES$/, '; raise auditlens.maxFileSize')
    .replace(/; use `auditlens review`(?: \(not implemented yet\))? rather than check$/, '; open it with AuditLens: Review Patch');
}

export function displayPath(filePath: string, roots: readonly string[]): string {
  for (const root of roots) {
    const rel = path.relative(root, filePath);
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  }
  return filePath;
}

/** Validates the request's parameters; a failure is a message, not an exception. */
export function parseCheckFilesParams(raw: unknown): CheckFilesParams | { error: string } {
  const files = raw && typeof raw === 'object' ? (raw as { files?: unknown }).files : undefined;
  if (!Array.isArray(files)) return { error: 'checkFiles takes { files: [{ uri, text? }], includeOpen? }' };
  const out: CheckFilesParams['files'] = [];
  for (const f of files) {
    const uri = f && typeof f === 'object' ? (f as { uri?: unknown }).uri : undefined;
    const text = f && typeof f === 'object' ? (f as { text?: unknown }).text : undefined;
    if (typeof uri !== 'string' || !uri) return { error: 'each file needs a uri (a string)' };
    if (text !== undefined && typeof text !== 'string') return { error: `the text of ${uri} must be a string` };
    out.push(text === undefined ? { uri } : { uri, text });
  }
  return { files: out, includeOpen: (raw as { includeOpen?: unknown }).includeOpen === true };
}

export async function checkFiles(params: CheckFilesParams, env: CheckEnv): Promise<CheckFilesResult> {
  const targets = new Map<string, string | undefined>();
  for (const f of params.files) if (!targets.has(f.uri)) targets.set(f.uri, f.text);
  if (params.includeOpen) for (const uri of env.openAuditDocuments()) if (!targets.has(uri)) targets.set(uri, undefined);

  const result: CheckFilesResult = { files: [], requested: targets.size, cancelled: false };
  env.progress.begin(`Checking ${targets.size} audit C file${targets.size === 1 ? '' : 's'}`);
  try {
    let i = 0;
    for (const [uri, text] of targets) {
      if (!(await turn(env))) break;
      const name = displayPath(uriPath(uri), env.roots);
      env.progress.report(Math.floor((100 * i) / targets.size), `${i + 1}/${targets.size} ${name}`);
      const checked = await checkOne(uri, text, name, env);
      if (!checked) break;
      result.files.push(checked);
      i++;
    }
    result.cancelled = env.token.isCancellationRequested && result.files.length < targets.size;
  } finally {
    env.progress.done();
  }
  return result;
}

/** The connection's turn; false when the check was cancelled meanwhile. */
async function turn(env: CheckEnv): Promise<boolean> {
  await env.yieldToConnection();
  return !env.token.isCancellationRequested;
}

/** One file, its stages separated by turns of the connection; undefined when cancelled midway. */
async function checkOne(uri: string, text: string | undefined, name: string, env: CheckEnv): Promise<CheckedFile | undefined> {
  const none = { error: 0, warning: 0, information: 0 };
  const open = env.openDocument(uri);
  if (open) {
    if (open.skipped) return { uri, path: name, source: 'open', findings: none, problem: `${name}: not analysed: ${open.skipped.bytes} bytes, over auditlens.maxFileSize (${open.skipped.limit})` };
    if (!open.analysis) return { uri, path: name, source: 'open', findings: none, problem: `${name}: open, but not audit C code AuditLens analyses` };
    return counted(uri, name, 'open', open.analysis, false, env);
  }
  let source: CheckedFile['source'];
  let read: { text: string } | { refused: string };
  let label: string;
  if (text !== undefined) {
    source = 'text';
    label = name;
    const refused = textRefusal(name, text, env.maxFileSize);
    read = refused ? { refused } : { text };
  } else if (uri.startsWith('file:')) {
    // as `auditlens check` reads it (input/read.ts's analyseFile), with turns between the stages
    source = 'disk';
    label = uriPath(uri);
    try {
      read = { text: readSource(label, env.maxFileSize) };
    } catch (err) {
      read = { refused: unusableReason(label, err) };
    }
  } else {
    return { uri, path: name, source: 'text', findings: none, problem: `${name}: not on a local file system, and its text was not sent` };
  }
  const analysis = 'refused' in read ? read.refused : await analyseInStages(env, label, read.text);
  if (analysis === undefined) return undefined;
  if (typeof analysis === 'string') {
    env.publish(uri, undefined);
    return { uri, path: name, source, findings: none, problem: editorReason(analysis) };
  }
  return counted(uri, name, source, analysis, true, env);
}

/**
 * Parse, outline (and the refusal of what is not C), model, findings: each stage is
 * computed after a turn of the connection. An exception is the file's reason, as in
 * the CLI; undefined when the check was cancelled between stages.
 */
async function analyseInStages(env: CheckEnv, label: string, text: string): Promise<FileAnalysis | string | undefined> {
  try {
    const analysis = env.analyser.analyseText(text);
    if (!(await turn(env))) return undefined;
    const notC = notCReason(label, analysis);
    if (notC) return notC;
    if (!(await turn(env))) return undefined;
    void analysis.model;
    if (!(await turn(env))) return undefined;
    void analysis.findings;
    return analysis;
  } catch (err) {
    return unusableReason(label, err);
  }
}

function counted(uri: string, name: string, source: CheckedFile['source'], analysis: FileAnalysis, publish: boolean, env: CheckEnv): CheckedFile {
  try {
    const findings = countFindings(analysis.findings);
    if (publish) env.publish(uri, analysis);
    return { uri, path: name, source, findings };
  } catch (err) {
    return { uri, path: name, source, findings: { error: 0, warning: 0, information: 0 }, problem: unusableReason(name, err) };
  }
}

/** The CLI's refusals for text that did not come from a local file (a virtual file system), before it is parsed. */
function textRefusal(name: string, text: string, maxSize: number): string | undefined {
  const bytes = utf8Length(text);
  if (bytes > maxSize) return `${name}: is ${bytes} bytes, over auditlens.maxFileSize (${maxSize})`;
  if (text.includes('\0')) return `${name}: looks like a binary file (it contains NUL bytes), not C source`;
  if (looksLikePatch(text)) return `${name}: looks like a patch; open it with AuditLens: Review Patch`;
  return undefined;
}
