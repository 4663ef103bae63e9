/**
 * Reading inputs and deciding whether a file is something `check` can analyse,
 * before and after parsing: the command line and the editor's Check Workspace
 * refuse the same files the same way. Each refusal is an InputError whose
 * message names the problem and, where there is one, the fix.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Analyser, FileAnalysis } from '../analyser';
import { InputError, oneLine } from './errors';

/** 8 MiB: kernel/audit.c is about 70 KiB; anything this large is not one C file to review. */
export const DEFAULT_MAX_SIZE = 8 * 1024 * 1024;

/** Share of characters that may fail UTF-8 decoding before the file counts as binary. */
const MAX_INVALID_UTF8 = 0.3;

/** Reads a C source file as text, refusing what cannot be one (missing, directory, too large, binary, a patch). */
export function readSource(path: string, maxSize: number): string {
  const text = readText(path, maxSize, 'C source');
  if (looksLikePatch(text)) {
    throw new InputError(`${path}: looks like a patch; use \`auditlens review\` rather than check`);
  }
  return text;
}

/** Reads C source from standard input (`-`), with the same refusals as a file: the editor pipes a document or a patch image this way. */
export function readSourceStdin(maxSize: number): string {
  const text = readStdin(maxSize, 'C source');
  if (looksLikePatch(text)) throw new InputError('standard input: looks like a patch; use `auditlens review`');
  return text;
}

/** Reads a patch, patch email or mbox as text (`-`: standard input, e.g. `git diff | auditlens review -`). */
export function readPatch(path: string, maxSize: number): string {
  const text = path === '-' ? readStdin(maxSize) : readText(path, maxSize, 'a patch');
  if (!looksLikePatch(text)) throw new InputError(`${path}: does not look like a patch (no diff, hunk or [PATCH] subject found)`);
  return text;
}

/** Reads a kernel report (a KCSAN report, a console log, a syzbot page, an email): `-` is standard input. */
export function readReport(path: string, maxSize: number): string {
  return path === '-' ? readStdin(maxSize, 'a kernel report') : readText(path, maxSize, 'a kernel report');
}

function readStdin(maxSize: number, what = 'a patch'): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(0);
  } catch (err) {
    throw new InputError(`standard input: ${describeFsError(err)}`);
  }
  if (bytes.length > maxSize) throw new InputError(`standard input: is ${formatBytes(bytes.length)}, over the ${formatBytes(maxSize)} limit; raise it with --max-size BYTES`);
  if (bytes.includes(0)) throw new InputError(`standard input: looks like binary data (it contains NUL bytes), not ${what}`);
  return new TextDecoder('utf-8').decode(bytes);
}

/** Reads a text file, refusing missing files, directories, files over the limit and binary data. */
function readText(path: string, maxSize: number, what: string): string {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new InputError(`${path}: is a directory; give the C files to check`);
    if (!st.isFile()) throw new InputError(`${path}: is not a regular file`);
    size = st.size;
  } catch (err) {
    throw err instanceof InputError ? err : new InputError(`${path}: ${describeFsError(err)}`);
  }
  // Checked before reading: a huge file is refused at once, without loading it.
  if (size > maxSize) {
    throw new InputError(`${path}: is ${formatBytes(size)}, over the ${formatBytes(maxSize)} limit for one file; raise it with --max-size BYTES`);
  }

  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new InputError(`${path}: ${describeFsError(err)}`);
  }
  if (bytes.includes(0)) throw new InputError(`${path}: looks like a binary file (it contains NUL bytes), not ${what}`);
  const text = new TextDecoder('utf-8').decode(bytes);
  const invalid = countChar(text, 0xfffd);
  if (text.length > 0 && invalid / text.length > MAX_INVALID_UTF8) {
    throw new InputError(`${path}: looks like a binary file (${Math.round((100 * invalid) / text.length)}% of it is not UTF-8 text), not ${what}`);
  }
  return text;
}

/** A unified diff or a patch email, possibly quoted with `> ` in a reply. */
export function looksLikePatch(text: string): boolean {
  const quote = '^(?:> ?)*';
  return (
    new RegExp(`${quote}diff --git \\S`, 'm').test(text) ||
    (new RegExp(`${quote}--- \\S.*\\r?\\n${quote}\\+\\+\\+ \\S`, 'm').test(text) &&
      new RegExp(`${quote}@@ -\\d+(?:,\\d+)? \\+\\d+(?:,\\d+)? @@`, 'm').test(text)) ||
    new RegExp(`${quote}Subject:.*\\[PATCH`, 'mi').test(text.slice(0, 16 * 1024))
  );
}

/** Top-level constructs that only C gives: one of them parsed cleanly means the file is C, however broken elsewhere. */
const C_DEFINITIONS: ReadonlySet<string> = new Set([
  'function_definition', 'declaration', 'type_definition', 'struct_specifier', 'union_specifier',
  'enum_specifier', 'preproc_include', 'preproc_def', 'preproc_function_def',
]);

/**
 * Why a parsed text is not C, or undefined when it is. tree-sitter-c reads
 * anything, so prose comes back as a tree of ERROR nodes and stray
 * declarations with MISSING semicolons: refuse when no function was found, no
 * top-level construct parsed cleanly and most of the text is in broken nodes.
 */
export function notCReason(path: string, analysis: FileAnalysis): string | undefined {
  if (analysis.outline.functions.length > 0) return undefined;
  const { text, tree } = analysis.parsed;
  const total = countNonSpace(text, 0, text.length);
  if (total === 0) return undefined; // an empty C file is still C
  // When recovery fails altogether the root itself is an ERROR node over loose tokens.
  const rootBroken = tree.rootNode.type === 'ERROR';
  let broken = 0;
  for (const node of tree.rootNode.children) {
    if (node.hasError || (rootBroken && node.type !== 'comment')) broken += countNonSpace(text, node.startIndex, node.endIndex);
    else if (C_DEFINITIONS.has(node.type)) return undefined;
  }
  if (broken * 2 <= total) return undefined;
  return `${path}: does not look like C source (${Math.round((100 * broken) / total)}% of it does not parse as C and it has no function or declaration)`;
}

function countNonSpace(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12 && c !== 11) n++;
  }
  return n;
}

function countChar(text: string, code: number): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === code) n++;
  return n;
}

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES':
    case 'EPERM': return 'cannot read it (permission denied)';
    case 'EISDIR': return 'is a directory; give the C files to check';
    case 'ENOTDIR': return 'no such file (a part of the path is not a directory)';
    case 'ELOOP': return 'cannot read it (too many symbolic links)';
    default: return `cannot read it (${code ?? (err instanceof Error ? err.message : String(err))})`;
  }
}

/** `20 MiB`, `8 MiB`, `1000 bytes`: exact for round sizes, one decimal otherwise. */
export function formatBytes(n: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (n >= size) {
      const v = n / size;
      return `${Number.isInteger(v) ? v : v.toFixed(1)} ${unit} (${n} bytes)`;
    }
  }
  return `${n} bytes`;
}

/**
 * Reads, parses and vets one C file as `check` does: its analysis, or the
 * one-line reason it cannot be checked. The editor's "Check Workspace" reads
 * files through this too, so both refuse the same inputs the same way.
 */
export function analyseFile(analyser: Analyser, path: string, maxSize: number, onRead?: () => void): FileAnalysis | string {
  try {
    const text = readSource(path, maxSize);
    onRead?.();
    const analysis = analyser.analyseText(text);
    return notCReason(path, analysis) ?? analysis;
  } catch (err) {
    return unusableReason(path, err);
  }
}

export function unusableReason(path: string, err: unknown): string {
  if (err instanceof InputError) return oneLine(err);
  // One file breaking the analysis must not hide the others' results.
  return `${path}: internal error while analysing (please report it): ${oneLine(err)}`;
}

/** Project configuration files (.auditlens.json) as the CLI and the Node server read them. */
export const configFiles = {
  exists: (path: string): boolean => {
    try {
      return statSync(path).isFile();
    } catch {
      return false;
    }
  },
  read: (path: string): string => readFileSync(path, 'utf8'),
};
