/**
 * The fuzz harness's inputs: every case is a pure function of (run seed, mode, case
 * number, seed files), so a failure found once is found again with the same arguments.
 *
 * Families:
 *  - `c`: mutated C files (byte and token damage, line endings, nameless functions,
 *    nesting of growing depth, many functions, a very long line, unclosed braces),
 *    run through check, explain, simulate, or used as the base of a review or a triage;
 *  - `patch`: mutated patches, emails and mboxes (corrupt hunk headers, truncation,
 *    archive damage, many files, a huge added line, many mails), run through review;
 *  - `kcsan`: mutated KCSAN reports, run through `auditlens kcsan`;
 *  - `lsp`: edit sessions against the language server (planned here, run by lspSession.ts).
 *
 * Nothing here touches the file system or spawns anything: the unit test runs it on fixtures.
 */
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Rng } from './rng';

export type Family = 'c' | 'patch' | 'kcsan' | 'lsp';
export const FAMILIES: readonly Family[] = ['c', 'patch', 'kcsan', 'lsp'];
export type Mode = 'smoke' | 'full';

export interface SeedFile {
  /** Where it came from, for reports: `shared/corpus/audit-2026.c`, `project/test/fixtures/...`. */
  name: string;
  text: string;
  /** The file on disk, when there is one (a command's second file is passed by this path, not copied). */
  path?: string;
}

export interface Seeds {
  c: SeedFile[];
  patch: SeedFile[];
  kcsan: SeedFile[];
  /** Files a review or a triage is run against (`--base`). */
  bases: SeedFile[];
  /** The shared kernel material is among the seeds (else the project's fixtures only). */
  shared: boolean;
}

/** Placeholders in a case's command: the runner writes the files and puts their paths here. */
export const INPUT = '{input}';
/** The command's second file (a --base, or the patch reviewed against a mutated C file). */
export const SECOND = '{second}';

export interface CliCase {
  family: 'c' | 'patch' | 'kcsan';
  index: number;
  op: string;
  /** What was done, in a few words (sizes included). */
  note: string;
  seedName: string;
  input: Buffer;
  /** File extension of the input (`.c`, `.patch`, `.mbox`, `.txt`...). */
  ext: string;
  /** `auditlens` arguments, with INPUT and SECOND for the files. */
  args: string[];
  /** The file behind SECOND, when the command has one. */
  second?: SeedFile;
  /**
   * Line-ending cases: the same text with LF endings. The runner runs it with the same
   * arguments and the two must agree (functions and findings, or a review's hunks and
   * findings, at the same lines).
   */
  reference?: Buffer;
}

export interface Position {
  line: number;
  character: number;
}

export type LspAction =
  | { kind: 'edit'; what: string; range?: { start: Position; end: Position }; text: string }
  | { kind: 'hover'; position: Position }
  | { kind: 'request'; method: string; params: unknown }
  /** A known request with params it must refuse (InvalidParams) without failing. */
  | { kind: 'badParams'; method: string; params: unknown }
  /** A well-framed message whose body is not a valid JSON-RPC message. */
  | { kind: 'badJson'; body: string }
  /** A frame with a broken header; the server must resynchronise or exit (then the session ends). */
  | { kind: 'badFrame'; bytes: string };

export interface LspCase {
  family: 'lsp';
  index: number;
  op: string;
  note: string;
  seedName: string;
  uri: string;
  languageId: string;
  text: string;
  actions: LspAction[];
}

export type FuzzCase = CliCase | LspCase;

// ---------------------------------------------------------------------------------------------
// Sizes: each generated shape has a ladder of sizes; a full run climbs it (then starts over),
// the smoke run takes one size that is quick when the code is linear and past the depths at
// which recursion used to fail.

export const LADDERS = {
  nesting: [50, 300, 1_000, 2_000, 5_000, 10_000, 20_000],
  functions: [100, 1_000, 10_000, 30_000, 100_000],
  longLine: [16_384, 262_144, 1_048_576, 4_194_304],
  statements: [1_000, 10_000, 100_000, 1_000_000],
  openBraces: [100, 1_000, 10_000, 100_000],
  patchFiles: [10, 100, 1_000, 10_000, 100_000],
  addedLine: [65_536, 524_288, 2_097_152],
  mails: [10, 100, 1_000, 3_000],
  reports: [10, 100, 1_000],
  lspSteps: [300, 1_000, 3_000],
} as const;

const SMOKE_SIZE: Record<keyof typeof LADDERS, number> = {
  nesting: 2_000,
  functions: 2_000,
  longLine: 262_144,
  statements: 10_000,
  openBraces: 2_000,
  patchFiles: 1_000,
  addedLine: 262_144,
  mails: 100,
  reports: 100,
  lspSteps: 150,
};

interface Ctx {
  rng: Rng;
  mode: Mode;
  /** How many times this op came round before: a full run climbs the ladders with it. */
  level: number;
  seeds: Seeds;
  seed: SeedFile;
}

function size(ctx: Ctx, ladder: keyof typeof LADDERS): number {
  if (ctx.mode === 'smoke') return SMOKE_SIZE[ladder];
  const steps = LADDERS[ladder];
  return steps[ctx.level % steps.length];
}

// ---------------------------------------------------------------------------------------------
// Text helpers

const lines = (text: string) => text.split('\n');

/** Offsets of line starts. */
function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) out.push(i + 1);
  return out;
}

/** Offsets between top-level definitions (after a line that is a lone `}` or `};`), plus the end. */
function topLevelOffsets(text: string): number[] {
  const out: number[] = [];
  const re = /^\}[;]?[ \t]*\n/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m.index + m[0].length);
  out.push(text.length);
  return out;
}

/** Offsets just inside function bodies (after the opening brace's line). */
function bodyOffsets(text: string): number[] {
  const out: number[] = [];
  const re = /^[A-Za-z_][^\n;=]*\)[ \t]*\n?\{[ \t]*\n/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m.index + m[0].length);
  return out;
}

/** Names that look like functions defined or called in the text. */
function functionNames(text: string): string[] {
  const names = new Set<string>();
  const re = /\b([a-z_][a-z0-9_]{2,})\s*\(/g;
  for (let m = re.exec(text); m && names.size < 400; m = re.exec(text)) {
    if (!/^(if|for|while|switch|return|sizeof|do)$/.test(m[1])) names.add(m[1]);
  }
  return [...names];
}

function insertAt(text: string, at: number, piece: string): string {
  return text.slice(0, at) + piece + text.slice(at);
}

/** Ensures the text ends with a newline (for appending whole definitions). */
const nl = (text: string) => (text.endsWith('\n') || !text ? text : `${text}\n`);

// ---------------------------------------------------------------------------------------------
// Byte-level damage, shared by all three text families

const TOKENS = [
  '{', '}', '(', ')', '"', "'", '[', ']', ';', ',', '/*', '*/', '//', '\\\n', '#if 0\n', '#endif\n', '#define X(a) a\n',
  '?', ':', '->', '...', '__attribute__((', 'static void {\n}\n', '\n}\n', '{\n', 'else ', 'if (', 'goto out;', 'out:',
  'do {', '} while (0)', 'return', '@@', '+', '-', '\n+', '\n-', '\n@@ -1 +1 @@\n', 'diff --git a/x b/x\n',
];

const INVALID_UTF8: readonly number[][] = [
  [0xff], [0xfe], [0x80], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80],
];

function insertBytes(buf: Buffer, at: number, piece: Buffer): Buffer {
  return Buffer.concat([buf.subarray(0, at), piece, buf.subarray(at)]);
}

/** Random bytes, mostly printable, some high (invalid UTF-8 alone), controls; NUL rarely (it makes a file binary). */
function junk(rng: Rng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    b[i] = rng.weighted([[60, () => rng.range(0x20, 0x7e)], [20, () => rng.range(0x80, 0xff)], [19.5, () => rng.range(1, 0x1f)], [0.5, () => 0]] as const)();
  }
  return b;
}

type ByteOp = (rng: Rng, buf: Buffer) => { buf: Buffer; note: string };

const BYTE_OPS: Record<string, ByteOp> = {
  'byte-insert': (rng, buf) => {
    const n = rng.range(1, 8);
    for (let i = 0; i < n; i++) buf = insertBytes(buf, rng.int(buf.length + 1), junk(rng, rng.range(1, 16)));
    return { buf, note: `${n} random byte insertions` };
  },
  'byte-delete': (rng, buf) => {
    const n = rng.range(1, 8);
    for (let i = 0; i < n && buf.length; i++) {
      const at = rng.int(buf.length);
      buf = Buffer.concat([buf.subarray(0, at), buf.subarray(Math.min(buf.length, at + rng.range(1, 64)))]);
    }
    return { buf, note: `${n} random deletions` };
  },
  'token-insert': (rng, buf) => {
    const n = rng.range(1, 12);
    const used: string[] = [];
    for (let i = 0; i < n; i++) {
      const t = rng.pick(TOKENS);
      used.push(JSON.stringify(t));
      buf = insertBytes(buf, rng.int(buf.length + 1), Buffer.from(t));
    }
    return { buf, note: `inserted ${used.slice(0, 6).join(' ')}${used.length > 6 ? ' ...' : ''}` };
  },
  'invalid-utf8': (rng, buf) => {
    const n = rng.range(1, 6);
    for (let i = 0; i < n; i++) buf = insertBytes(buf, rng.int(buf.length + 1), Buffer.from(rng.pick(INVALID_UTF8)));
    if (rng.chance(0.2)) buf = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), buf]);
    return { buf, note: `${n} invalid UTF-8 sequences` };
  },
  'line-dup': (rng, buf) => {
    const ls = lines(buf.toString('latin1'));
    const n = rng.range(1, 6);
    for (let i = 0; i < n; i++) {
      const at = rng.int(ls.length);
      const block = ls.slice(at, at + rng.range(1, 20));
      ls.splice(rng.int(ls.length + 1), 0, ...block);
    }
    return { buf: Buffer.from(ls.join('\n'), 'latin1'), note: `${n} duplicated line blocks` };
  },
  'line-delete': (rng, buf) => {
    const ls = lines(buf.toString('latin1'));
    const n = rng.range(1, 6);
    for (let i = 0; i < n && ls.length > 1; i++) ls.splice(rng.int(ls.length), rng.range(1, 20));
    return { buf: Buffer.from(ls.join('\n'), 'latin1'), note: `${n} deleted line blocks` };
  },
  truncate: (rng, buf) => {
    const at = rng.int(buf.length + 1);
    return { buf: buf.subarray(0, at), note: `truncated at byte ${at} of ${buf.length}` };
  },
};

function havoc(rng: Rng, buf: Buffer): { buf: Buffer; note: string } {
  const n = rng.range(2, 5);
  const notes: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = rng.pick(Object.keys(BYTE_OPS).filter((k) => k !== 'truncate'));
    const r = BYTE_OPS[name](rng, buf);
    buf = r.buf;
    notes.push(name);
  }
  return { buf, note: `havoc: ${notes.join(', ')}` };
}

type Ending = 'cr' | 'crlf' | 'mixed';
export function withEndings(text: string, ending: Ending, rng: Rng): string {
  if (ending === 'cr') return text.replace(/\n/g, '\r');
  if (ending === 'crlf') return text.replace(/\n/g, '\r\n');
  // mixed: each line break independently LF, CRLF or CR (but never a CR then an LF for an empty
  // line: that is one CRLF break, and the line would be lost)
  let out = '';
  let last = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    const line = text.slice(last, i);
    const afterCr = out.endsWith('\r') && !line;
    out += line + rng.pick(afterCr ? ['\r\n', '\r'] : ['\n', '\r\n', '\r']);
    last = i + 1;
  }
  return out + text.slice(last);
}

// ---------------------------------------------------------------------------------------------
// Generated C shapes

function wrapFunction(name: string, body: string): string {
  return `static void ${name}(int x)\n{\n\tint y = 0;\n${body}\tpr_info("%d", y);\n}\n`;
}

const NESTING: Record<string, (d: number, rng: Rng) => string> = {
  'deep-if': (d) => `${'\tif (x) {\n'.repeat(d)}\t\ty++;\n${'\t}\n'.repeat(d)}`,
  'deep-braces': (d) => `${'\t{\n'.repeat(d)}\t\ty++;\n${'\t}\n'.repeat(d)}`,
  'deep-parens': (d) => `\ty = ${'('.repeat(d)}x${')'.repeat(d)};\n`,
  'else-if-chain': (d) => {
    const parts = ['\tif (x == 0)\n\t\ty = 0;\n'];
    for (let i = 1; i <= d; i++) parts.push(`\telse if (x == ${i})\n\t\ty = ${i};\n`);
    return parts.join('');
  },
  'long-expression': (d, rng) => {
    const ops = [' + ', ' - ', ' * ', ' && ', ' || ', ' << ', ' | ', ' ^ ', ' == '];
    const parts: string[] = ['x'];
    for (let i = 1; i < d; i++) parts.push(rng.pick(ops), i % 3 ? `x${i % 97}` : String(i));
    return `\ty = ${parts.join('')};\n`;
  },
};

const NAMELESS = ['static void {\n}\n', 'static void {\n', 'static int (void)\n{\n\treturn 0;\n}\n', 'void\n{\n}\n', 'static void\n{\n\tskb_queue_tail(&audit_queue, skb);\n}\n', 'static void (*)(void) {\n}\n'];

// ---------------------------------------------------------------------------------------------
// C family

interface OpResult {
  text?: string;
  buf?: Buffer;
  note: string;
  /** Line-ending cases: the LF text to compare with. */
  reference?: string;
  /** Forces a command (e.g. the line-ending comparison runs check --format json). */
  args?: string[];
  /** The forced command's second file. */
  second?: SeedFile;
}

type COp = (ctx: Ctx) => OpResult;

/** Where a generated piece goes: between top-level definitions, or at the end of the file. */
function placeTopLevel(ctx: Ctx, text: string, piece: string): { text: string; where: string } {
  const spots = topLevelOffsets(text);
  if (ctx.rng.chance(0.3)) return { text: nl(text) + piece, where: 'appended' };
  const at = ctx.rng.pick(spots);
  return { text: insertAt(text, at, piece), where: `at line ${lineStarts(text.slice(0, at)).length}` };
}

/** Inside a random function's body when there is one, else as a function of its own. */
function placeInBody(ctx: Ctx, text: string, body: string, fname: string): { text: string; where: string } {
  const bodies = bodyOffsets(text);
  if (bodies.length && ctx.rng.chance(0.5)) {
    const at = ctx.rng.pick(bodies);
    return { text: insertAt(text, at, body), where: `inside the function body at line ${lineStarts(text.slice(0, at)).length}` };
  }
  return placeTopLevel(ctx, text, wrapFunction(fname, body));
}

const nestingOp = (name: string): COp => (ctx) => {
  const d = size(ctx, 'nesting');
  const placed = placeInBody(ctx, ctx.seed.text, NESTING[name](d, ctx.rng), `fuzz_${name.replace(/-/g, '_')}`);
  return { text: placed.text, note: `${name} depth ${d}, ${placed.where}` };
};

const byteCOp = (name: string): COp => (ctx) => BYTE_OPS[name](ctx.rng, Buffer.from(ctx.seed.text));

export const C_OPS: Record<string, COp> = {
  'byte-insert': byteCOp('byte-insert'),
  'byte-delete': byteCOp('byte-delete'),
  'token-insert': byteCOp('token-insert'),
  'invalid-utf8': byteCOp('invalid-utf8'),
  'line-dup': byteCOp('line-dup'),
  'line-delete': byteCOp('line-delete'),
  truncate: byteCOp('truncate'),
  havoc: (ctx) => havoc(ctx.rng, Buffer.from(ctx.seed.text)),
  'line-endings': (ctx) => {
    const ending = ctx.mode === 'smoke' ? 'cr' : ctx.rng.pick<Ending>(['cr', 'crlf', 'mixed']);
    const text = ctx.seed.text.replace(/\r\n?/g, '\n');
    return { text: withEndings(text, ending, ctx.rng), reference: text, note: `${ending} line endings, compared with LF`, args: ['check', '--no-config', '--format', 'json', INPUT] };
  },
  'nameless-function': (ctx) => {
    const piece = ctx.mode === 'smoke' ? NAMELESS[0] : ctx.rng.pick(NAMELESS);
    const placed = placeTopLevel(ctx, ctx.seed.text, piece);
    return { text: placed.text, note: `${JSON.stringify(piece)} ${placed.where}` };
  },
  'deep-if': nestingOp('deep-if'),
  'deep-braces': nestingOp('deep-braces'),
  'deep-parens': nestingOp('deep-parens'),
  'else-if-chain': nestingOp('else-if-chain'),
  'long-expression': nestingOp('long-expression'),
  'many-functions': (ctx) => {
    const n = size(ctx, 'functions');
    const queue = ctx.rng.chance(0.5);
    const fns: string[] = [];
    for (let i = 0; i < n; i++) {
      fns.push(queue && i % 4 === 0 ? `static void fuzz_q${i}(struct sk_buff *skb)\n{\n\tskb_queue_tail(&audit_queue, skb);\n}\n` : `static int fuzz_f${i}(int a)\n{\n\treturn a + ${i};\n}\n`);
    }
    return { text: nl(ctx.seed.text) + fns.join(''), note: `${n} ${queue ? 'small functions, a quarter queueing' : 'tiny functions'} appended` };
  },
  'long-line': (ctx) => {
    const len = size(ctx, 'longLine');
    const kind = ctx.rng.pick(['comment', 'string', 'identifiers', 'semicolons']);
    const line =
      kind === 'comment' ? `/* ${'x'.repeat(len)} */\n`
      : kind === 'string' ? `\tpr_info("${'a'.repeat(len)}");\n`
      : kind === 'identifiers' ? `\ty = ${'x+'.repeat(Math.floor(len / 2))}x;\n`
      : `\t${';'.repeat(len)}\n`;
    const placed = kind === 'comment' ? placeTopLevel(ctx, ctx.seed.text, line) : placeInBody(ctx, ctx.seed.text, line, 'fuzz_long_line');
    return { text: placed.text, note: `one ${len}-byte line (${kind}) ${placed.where}` };
  },
  'many-statements': (ctx) => {
    // one function with n statements, in lines of ordinary length (a long line is another case)
    const kind = ctx.rng.pick(['empty', 'increments', 'queueing', 'conditions'] as const);
    // under the 8 MiB default limit whatever the statement (a refused file tests nothing)
    const n = Math.min(size(ctx, 'statements'), Math.floor(7_500_000 / { empty: 1, increments: 5, queueing: 35, conditions: 19 }[kind]));
    const body =
      kind === 'empty' ? `\t${';'.repeat(1000)}\n`.repeat(Math.floor(n / 1000)) + `\t${';'.repeat(n % 1000)}\n`
      : kind === 'increments' ? '\ty++;\n'.repeat(n)
      : kind === 'queueing' ? '\tskb_queue_tail(&audit_queue, skb);\n'.repeat(n)
      : '\tif (x > y)\n\t\ty++;\n'.repeat(n);
    const placed = placeInBody(ctx, ctx.seed.text, body, 'fuzz_many_statements');
    return { text: placed.text, note: `${n} statements (${kind}) in one function, ${placed.where}` };
  },
  'unclosed-braces': (ctx) => {
    const n = size(ctx, 'openBraces');
    const newlines = ctx.rng.chance(0.5);
    const piece = newlines ? '{\n'.repeat(n) : '{'.repeat(n);
    if (ctx.rng.chance(0.7)) return { text: nl(ctx.seed.text) + piece, note: `${n} unclosed { appended${newlines ? ', one a line' : ''}` };
    const bodies = bodyOffsets(ctx.seed.text);
    const at = bodies.length ? ctx.rng.pick(bodies) : ctx.seed.text.length;
    return { text: insertAt(ctx.seed.text, at, piece), note: `${n} unclosed { inside a function at line ${lineStarts(ctx.seed.text.slice(0, at)).length}` };
  },
  splice: (ctx) => {
    const other = ctx.rng.pick(ctx.seeds.c);
    const a = lines(ctx.seed.text);
    const b = lines(other.text);
    const cutA = ctx.rng.int(a.length);
    const cutB = ctx.rng.int(b.length);
    return { text: [...a.slice(0, cutA), ...b.slice(cutB)].join('\n'), note: `first ${cutA} lines + ${other.name} from line ${cutB + 1}` };
  },
};

/** Commands a C case runs (the C file as the checked file or as a base). */
function cCommand(ctx: Ctx, text: string, forced?: number): { args: string[]; second?: SeedFile; what: string } {
  const rng = ctx.rng;
  const choices = ['check', 'check-json', 'check-sarif', 'simulate', 'explain', 'review-base', 'kcsan-base'] as const;
  const choice = forced !== undefined ? choices[forced % choices.length] : rng.weighted<(typeof choices)[number]>([
    [30, 'check'], [10, 'check-json'], [5, 'check-sarif'], [25, 'simulate'], [15, 'explain'], [10, 'review-base'], [5, 'kcsan-base'],
  ]);
  switch (choice) {
    case 'check':
      return { args: ['check', '--no-config', ...(rng.chance(0.5) ? ['--verbose'] : []), INPUT], what: choice };
    case 'check-json':
      return { args: ['check', '--no-config', '--format', 'json', INPUT], what: choice };
    case 'check-sarif':
      return { args: ['check', '--no-config', '--format', 'sarif', INPUT], what: choice };
    case 'simulate': {
      const scenario = rng.pick(['steady', 'auditd-down', 'auditd-restart', 'auditd-stopped', 'eagain-burst']);
      const args = ['simulate', '--no-config', INPUT, '--scenario', scenario, '--records', String(rng.pick([20, 200, 1000])), '--seed', String(rng.int(1000))];
      if (rng.chance(0.3)) args.push('--backlog-limit', String(rng.pick([0, 1, 8, 64, 8192])));
      if (scenario === 'eagain-burst' && rng.chance(0.5)) args.push('--failure-rate', String(rng.pick([0, 0.5, 1])));
      if (scenario === 'auditd-stopped' && rng.chance(0.5)) args.push('--ending', rng.pick(['resumes', 'killed']));
      if (rng.chance(0.2)) args.push('--bypass');
      if (rng.chance(0.3)) args.push('--format', 'json');
      if (ctx.mode === 'full' && rng.chance(0.05)) args.push('--explore');
      return { args, what: `simulate ${scenario}` };
    }
    case 'explain': {
      const names = [...functionNames(text), 'audit_queue', 'audit_retry_queue', 'audit_cmd_mutex', 'EAGAIN', 'auditd_conn', 'audit_cmd_mutex.owner', 'no_such_symbol'];
      const symbol = rng.pick(names);
      return { args: ['explain', INPUT, symbol, ...(rng.chance(0.3) ? ['--format', 'json'] : [])], what: `explain ${symbol}` };
    }
    case 'review-base': {
      // a patch from the seeds, applied to the mutated file
      const patch = rng.pick(ctx.seeds.patch);
      return { args: ['review', '--no-config', '--base', INPUT, SECOND, ...(rng.chance(0.4) ? ['--format', 'json'] : [])], second: patch, what: `review ${patch.name} --base (this file)` };
    }
    case 'kcsan-base': {
      const report = rng.pick(ctx.seeds.kcsan);
      return { args: ['kcsan', '--base', INPUT, SECOND, ...(rng.chance(0.4) ? ['--format', 'json'] : [])], second: report, what: `kcsan ${report.name} --base (this file)` };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Patch family

const MBOX_FROM = 'From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\n';

type POp = (ctx: Ctx) => OpResult;

const bytePOp = (name: string): POp => (ctx) => BYTE_OPS[name](ctx.rng, Buffer.from(ctx.seed.text));

export const PATCH_OPS: Record<string, POp> = {
  'hunk-header': (ctx) => {
    const rng = ctx.rng;
    const ls = lines(ctx.seed.text);
    const hunks = ls.flatMap((l, i) => (l.startsWith('@@') ? [i] : []));
    if (!hunks.length) return { text: `${ctx.seed.text}\n@@ -99999999999999999999,-3 +0,0 @@\n+x\n`, note: 'appended a corrupt hunk header' };
    const n = rng.range(1, Math.min(3, hunks.length));
    const garbage = ['0', '1', '-1', '', 'x', '99999999999', '4294967296', '1e9', '0x10', ' '];
    for (let k = 0; k < n; k++) {
      const i = rng.pick(hunks);
      const how = rng.int(5);
      ls[i] =
        how === 0 ? ls[i].replace(/\d+/g, () => rng.pick(garbage))
        : how === 1 ? ls[i].replace(/ @@.*$/, '')
        : how === 2 ? ls[i].replace(/^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@/, '@@ -$1 +$3 @@')
        : how === 3 ? ls[i].replace(/,(\d+)/g, () => `,${rng.pick(garbage)}`)
        : ls[i].slice(0, rng.int(ls[i].length + 1));
    }
    return { text: ls.join('\n'), note: `${n} corrupted hunk headers` };
  },
  truncate: bytePOp('truncate'),
  'damaged-blank-lines': (ctx) => {
    const rng = ctx.rng;
    const how = rng.pick(['drop-blank-context', 'empty-blank-context', 'drop-lone-braces', 'strip-context-space']);
    let inHunk = false;
    const out: string[] = [];
    for (const l of lines(ctx.seed.text)) {
      if (l.startsWith('@@')) inHunk = true;
      else if (/^(diff --git|-- $|From [0-9a-f]{40} )/.test(l)) inHunk = false;
      if (inHunk && rng.chance(0.8)) {
        if (how === 'drop-blank-context' && (l === ' ' || l === '')) continue;
        if (how === 'empty-blank-context' && l === ' ') { out.push(''); continue; }
        if (how === 'drop-lone-braces' && /^[ +-]\s*\}?\s*$/.test(l) && l.includes('}')) continue;
        if (how === 'strip-context-space' && l.startsWith(' ')) { out.push(l.slice(1)); continue; }
      }
      out.push(l);
    }
    return { text: out.join('\n'), note: how };
  },
  'hunk-body-count': (ctx) => {
    const rng = ctx.rng;
    const ls = lines(ctx.seed.text);
    const body = ls.flatMap((l, i) => (/^[ +-]/.test(l) && !/^(\+\+\+|---)/.test(l) ? [i] : []));
    const n = rng.range(1, 8);
    for (let k = 0; k < n && body.length; k++) {
      const i = rng.pick(body);
      if (rng.chance(0.5)) ls.splice(i, 0, rng.pick(['+\tx++;', '-\tx--;', ' \ty = 0;', '+', '-', ' ']));
      else ls.splice(i, 1);
    }
    return { text: ls.join('\n'), note: `${n} hunk lines added or removed, counts left as they were` };
  },
  'many-files': (ctx) => {
    // the seed's own diffs, then n small ones (as a tree-wide rename or cleanup looks)
    const n = size(ctx, 'patchFiles');
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      const f = `d/f${i}.c`; // short: 100,000 of them stay under the 8 MiB default limit
      parts.push(`diff --git a/${f} b/${f}\n--- a/${f}\n+++ b/${f}\n@@ -1 +1 @@\n-a\n+b\n`);
    }
    const text = ctx.seed.text;
    const end = text.search(/^-- \n/m);
    const at = end >= 0 ? end : text.length;
    const out = nl(text.slice(0, at)) + parts.join('') + text.slice(at);
    return { text: out, note: `${n} more files, one small hunk each (${Math.round(out.length / 1024)} KiB)`, ...(out.length > 8_000_000 ? { args: ['review', '--no-config', INPUT, '--max-size', '100M'] } : {}) };
  },
  'huge-added-line': (ctx) => {
    const len = size(ctx, 'addedLine');
    const ls = lines(ctx.seed.text);
    const h = ls.findIndex((l) => /^@@ -\d+(,\d+)? \+\d+(,\d+)? @@/.test(l));
    const line = `+\tpr_info("${'a'.repeat(len)}");`;
    if (h < 0) return { text: `${ctx.seed.text}\n--- a/kernel/audit.c\n+++ b/kernel/audit.c\n@@ -1,0 +1,1 @@\n${line}\n`, note: `appended a diff adding one ${len}-byte line` };
    // keep the hunk valid: one more line on the new side
    ls[h] = ls[h].replace(/^(@@ -\d+(?:,\d+)? \+\d+)(?:,(\d+))?/, (_, a: string, c?: string) => `${a},${(c === undefined ? 1 : Number(c)) + 1}`);
    ls.splice(h + 1, 0, line);
    return { text: ls.join('\n'), note: `one added ${len}-byte line in the first hunk` };
  },
  'many-mails': (ctx) => {
    const n = size(ctx, 'mails');
    const mail = /^From [0-9a-f]{40} /.test(ctx.seed.text) ? ctx.seed.text.replace(/^From [^\n]*\n/, '') : ctx.seed.text;
    const parts: string[] = [];
    for (let i = 1; i <= n; i++) parts.push(MBOX_FROM + nl(mail.replace(/^Subject: (\[PATCH[^\]]*\] )?/m, `Subject: [PATCH ${i}/${n}] `)) + '\n');
    const text = parts.join('');
    const args = ['review', '--no-config', INPUT, ...(text.length > 8_000_000 ? ['--max-size', '100M'] : [])];
    return { text, note: `an mbox of ${n} mails (${Math.round(text.length / 1024)} KiB)`, args };
  },
  'reply-quote': (ctx) => {
    const depth = ctx.rng.range(1, 3);
    const all = ctx.rng.chance(0.5);
    const prefix = '> '.repeat(depth);
    const ls = lines(ctx.seed.text).map((l) => (all || ctx.rng.chance(0.7) ? prefix + l : l));
    return { text: `On Mon, someone wrote:\n${ls.join('\n')}`, note: `quoted ${depth} deep${all ? '' : ', some lines unquoted'}` };
  },
  'line-endings': (ctx) => {
    // CRLF (a patch saved from a Windows mail client) must review as LF does; CR-only or mixed must not fail
    const ending = ctx.mode === 'smoke' ? 'crlf' : ctx.rng.pick<Ending>(['crlf', 'crlf', 'cr', 'mixed']);
    const text = ctx.seed.text.replace(/\r\n?/g, '\n');
    if (ending !== 'crlf') return { text: withEndings(text, ending, ctx.rng), note: `${ending} line endings` };
    const base = ctx.rng.chance(0.6) && ctx.seeds.bases.length ? ctx.rng.pick(ctx.seeds.bases) : undefined;
    return {
      text: withEndings(text, ending, ctx.rng),
      reference: text,
      note: `${ending} line endings, compared with LF`,
      args: ['review', '--no-config', '--format', 'json', INPUT, ...(base ? ['--base', SECOND] : [])],
      second: base,
    };
  },
  'byte-insert': bytePOp('byte-insert'),
  'token-insert': bytePOp('token-insert'),
  'invalid-utf8': bytePOp('invalid-utf8'),
  'line-dup': bytePOp('line-dup'),
  'line-delete': bytePOp('line-delete'),
  havoc: (ctx) => havoc(ctx.rng, Buffer.from(ctx.seed.text)),
};

function patchCommand(ctx: Ctx): { args: string[]; second?: SeedFile; what: string } {
  const rng = ctx.rng;
  const args = ['review', '--no-config', INPUT];
  let base: SeedFile | undefined;
  if (rng.chance(0.5) && ctx.seeds.bases.length) {
    base = rng.pick(ctx.seeds.bases);
    args.push('--base', SECOND);
  }
  const shape = rng.weighted([[6, 'text'], [3, 'json'], [2, 'reply']] as const);
  if (shape === 'json') args.push('--format', 'json');
  if (shape === 'reply') args.push('--reply', '--from', 'Fuzz Reviewer <fuzz@example.org>', ...(rng.chance(0.5) ? ['--reviewed-by'] : []));
  return { args, second: base, what: `review${base ? ` --base ${base.name}` : ''} (${shape})` };
}

// ---------------------------------------------------------------------------------------------
// KCSAN family

const AUDIT_FUNCTIONS = ['audit_log_start', 'audit_receive', 'kauditd_thread', 'kauditd_send_queue', 'auditd_reset', 'audit_log_lost', 'audit_receive_msg', 'kauditd_hold_skb', 'kauditd_retry_skb', '__audit_log_end', 'audit_log_end'];

const byteKOp = (name: string): POp => (ctx) => BYTE_OPS[name](ctx.rng, Buffer.from(ctx.seed.text));

export const KCSAN_OPS: Record<string, POp> = {
  frames: (ctx) => {
    const rng = ctx.rng;
    let n = 0;
    const frames = ctx.seed.text.match(/\b([A-Za-z_][\w.]*)\+0x([0-9a-f]+)\/0x([0-9a-f]+)/g)?.length ?? 0;
    const forced = rng.int(Math.max(1, frames)); // at least one frame changes
    let k = 0;
    const text = ctx.seed.text.replace(/\b([A-Za-z_][\w.]*)\+0x([0-9a-f]+)\/0x([0-9a-f]+)/g, (all, fn: string, off: string, len: string) => {
      if (k++ !== forced && !rng.chance(0.5)) return all;
      n++;
      switch (rng.int(6)) {
        case 0: return `${fn}+0x${'f'.repeat(rng.range(9, 40))}/0x${len}`;
        case 1: return `${fn}+0x${off}/0x0`;
        case 2: return `${rng.pick(AUDIT_FUNCTIONS)}+0x${off}/0x${len}`;
        case 3: return `${fn}+0x${off}`;
        case 4: return `${fn}+0xzz/0x${len}`;
        default: return `${fn.repeat(rng.range(2, 50))}+0x${off}/0x${len}`;
      }
    });
    const text2 = text.replace(/kernel\/audit\.c:(\d+)/g, (all) => (rng.chance(0.3) ? `kernel/audit.c:${rng.pick(['0', '-1', '999999999', '', '12a'])}` : all));
    if (!frames) return { text: `${nl(text2)} audit_log_start+0x${'f'.repeat(20)}/0x0 kernel/audit.c:99999999999\n`, note: 'no frames to corrupt: a corrupt one appended' };
    return { text: text2, note: `${n} stack frames corrupted` };
  },
  'many-reports': (ctx) => {
    const n = size(ctx, 'reports');
    const m = /={20,}\n[\s\S]*?\n={20,}\n?/.exec(ctx.seed.text);
    const block = m ? m[0] : nl(ctx.seed.text);
    return { text: block.repeat(n), note: `${n} copies of one report` };
  },
  'timestamps': (ctx) => {
    const rng = ctx.rng;
    let t = rng.int(100000);
    return { text: lines(ctx.seed.text).map((l) => `[${(t += rng.int(1000)) / 1000}][    T${rng.int(99999)}] ${l}`).join('\n'), note: 'console timestamps on every line' };
  },
  'rewrap': (ctx) => {
    const width = ctx.rng.range(20, 90);
    const unindent = ctx.rng.chance(0.5);
    const out: string[] = [];
    for (let l of lines(ctx.seed.text)) {
      if (unindent) l = l.trimStart();
      while (l.length > width) {
        out.push(l.slice(0, width));
        l = l.slice(width);
      }
      out.push(l);
    }
    return { text: out.join('\n'), note: `rewrapped at ${width} columns${unindent ? ', unindented' : ''}` };
  },
  'reply-quote': (ctx) => ({ text: `On Tue, syzbot wrote:\n${lines(ctx.seed.text).map((l) => `> ${l}`).join('\n')}`, note: 'quoted in a reply' }),
  'long-line': (ctx) => {
    const len = size(ctx, 'longLine');
    const ls = lines(ctx.seed.text);
    ls.splice(ctx.rng.int(ls.length + 1), 0, ` audit_log_start+0x${'1'.repeat(8)}/0x20 kernel/audit.c:1 ${'x'.repeat(len)}`);
    return { text: ls.join('\n'), note: `one ${len}-byte line` };
  },
  splice: (ctx) => {
    const other = ctx.rng.pick(ctx.seeds.kcsan);
    const a = lines(ctx.seed.text);
    const b = lines(other.text);
    const cutA = ctx.rng.int(a.length + 1);
    const cutB = ctx.rng.int(b.length + 1);
    return { text: [...a.slice(0, cutA), ...b.slice(cutB)].join('\n'), note: `first ${cutA} lines + ${other.name} from line ${cutB + 1}` };
  },
  'line-endings': (ctx) => {
    const ending = ctx.rng.pick<Ending>(['cr', 'crlf', 'mixed']);
    return { text: withEndings(ctx.seed.text.replace(/\r\n?/g, '\n'), ending, ctx.rng), note: `${ending} line endings` };
  },
  truncate: byteKOp('truncate'),
  'byte-insert': byteKOp('byte-insert'),
  'token-insert': byteKOp('token-insert'),
  'invalid-utf8': byteKOp('invalid-utf8'),
  'line-dup': byteKOp('line-dup'),
  'line-delete': byteKOp('line-delete'),
  havoc: (ctx) => havoc(ctx.rng, Buffer.from(ctx.seed.text)),
};

function kcsanCommand(ctx: Ctx): { args: string[]; second?: SeedFile; what: string } {
  const rng = ctx.rng;
  const args = ['kcsan', INPUT];
  let base: SeedFile | undefined;
  if (rng.chance(0.7) && ctx.seeds.bases.length) {
    base = rng.pick(ctx.seeds.bases);
    args.push('--base', SECOND);
  }
  const format = rng.weighted([[6, 'text'], [3, 'json'], [1, 'sarif']] as const);
  if (format !== 'text') args.push('--format', format);
  return { args, second: base, what: `kcsan${base ? ` --base ${base.name}` : ''} (${format})` };
}

// ---------------------------------------------------------------------------------------------
// LSP sessions: a plan of actions, computed against a client-side copy of the document
// (positions are exactly what the server will see).

const FRAGMENTS = ['x', 'a', '_', '(', ')', '{', '}', ';', '"', '\n', '\t', 'skb', 'if (', 'static void {\n}\n', '/*', '*/', '->', 'é', '\u{1F600}', '\r', '\r\n'];

function lspSession(rng: Rng, seed: SeedFile, steps: number, kind: 'c' | 'patch'): LspAction[] {
  const uri = 'file:///fuzz/doc';
  let doc = TextDocument.create(uri, kind === 'c' ? 'c' : 'auditlens-patch', 1, seed.text);
  const actions: LspAction[] = [];
  const edit = (what: string, start: number, end: number, text: string) => {
    const range = { start: doc.positionAt(start), end: doc.positionAt(end) };
    actions.push({ kind: 'edit', what, range, text });
    doc = TextDocument.update(doc, [{ range, text }], doc.version + 1);
  };
  const randomOffset = () => rng.int(doc.getText().length + 1);
  const td = { uri: '{uri}' };
  /** Typing into one name, a character at a time (each keystroke a change, as an editor sends them). */
  let typing: { at: number; left: number } | undefined;
  // A prologue with one of each kind, so a session cut short by its time budget still tried them all.
  actions.push({ kind: 'hover', position: doc.positionAt(randomOffset()) });
  actions.push({ kind: 'request', method: 'textDocument/documentSymbol', params: { textDocument: td } });
  actions.push({ kind: 'request', method: 'textDocument/codeLens', params: { textDocument: td } });
  actions.push({ kind: 'badParams', method: 'textDocument/hover', params: { textDocument: td, position: 'here' } });
  actions.push({ kind: 'badParams', method: 'textDocument/definition', params: null });
  actions.push({ kind: 'badJson', body: '{"jsonrpc":"2.0","id":' });
  if (kind === 'c') {
    const at = rng.pick(topLevelOffsets(doc.getText()));
    edit('nameless function', at, at, 'static void {\n}\n');
    actions.push({ kind: 'hover', position: doc.positionAt(at + 12) });
    const bodies = bodyOffsets(doc.getText());
    const inside = bodies.length ? rng.pick(bodies) : doc.getText().length;
    edit('nesting 2000', inside, inside, NESTING['deep-if'](2000, rng));
    actions.push({ kind: 'hover', position: doc.positionAt(inside) });
  } else {
    const at = randomOffset();
    edit('insert', at, at, '\n@@ -1,99999999 +1 @@\n');
    actions.push({ kind: 'hover', position: doc.positionAt(at) });
  }
  for (let s = 0; s < steps; s++) {
    if (typing && typing.left > 0) {
      edit('type', typing.at, typing.at, rng.pick(['a', 'b', '_', '1', 'x']));
      typing.at++;
      typing.left--;
      if (rng.chance(0.2)) actions.push({ kind: 'hover', position: doc.positionAt(typing.at - 1) });
      continue;
    }
    const action = rng.weighted<string>([
      [20, 'start-typing'], [20, 'insert'], [8, 'delete'], [4, 'paste-lines'], [2, 'nameless'], [2, 'nesting'], [1, 'full-replace'],
      [20, 'hover'], [6, 'request'], [4, 'bad-params'], [3, 'bad-json'],
    ]);
    const text = doc.getText();
    switch (action) {
      case 'start-typing': {
        const names = [...text.matchAll(/\b[a-z_][a-z0-9_]{3,}\b/g)];
        const at = names.length ? rng.pick(names).index! + rng.int(4) : randomOffset();
        typing = { at, left: rng.range(5, 60) };
        break;
      }
      case 'insert':
        { const at = randomOffset(); edit('insert', at, at, rng.pick(FRAGMENTS)); }
        break;
      case 'delete': {
        const at = randomOffset();
        edit('delete', at, Math.min(text.length, at + rng.range(1, 80)), '');
        break;
      }
      case 'paste-lines': {
        const starts = lineStarts(text);
        const i = rng.int(starts.length);
        const block = text.slice(starts[i], starts[Math.min(starts.length - 1, i + rng.range(1, 30))] ?? text.length);
        const at = rng.pick(starts);
        edit('paste', at, at, block);
        break;
      }
      case 'nameless': {
        const at = rng.pick(topLevelOffsets(text));
        edit('nameless function', at, at, 'static void {\n}\n');
        break;
      }
      case 'nesting': {
        const d = rng.pick([100, 500, 2000]);
        const bodies = bodyOffsets(text);
        const at = bodies.length ? rng.pick(bodies) : text.length;
        edit(`nesting ${d}`, at, at, NESTING[rng.pick(Object.keys(NESTING))](d, rng));
        break;
      }
      case 'full-replace': {
        // a whole-document change (no range), e.g. after a reload from disk
        const next = rng.chance(0.5) ? seed.text : text.slice(0, rng.int(text.length + 1));
        actions.push({ kind: 'edit', what: 'full replace', text: next });
        doc = TextDocument.create(uri, doc.languageId, doc.version + 1, next);
        break;
      }
      case 'hover':
        actions.push({ kind: 'hover', position: doc.positionAt(randomOffset()) });
        break;
      case 'request': {
        const method = rng.pick(['textDocument/documentSymbol', 'textDocument/codeLens', 'textDocument/definition', 'textDocument/references', 'textDocument/documentLink', 'auditlens/status']);
        const position = doc.positionAt(randomOffset());
        const params =
          method === 'auditlens/status' ? { uri: '{uri}' }
          : method === 'textDocument/definition' ? { textDocument: td, position }
          : method === 'textDocument/references' ? { textDocument: td, position, context: { includeDeclaration: rng.chance(0.5) } }
          : { textDocument: td };
        actions.push({ kind: 'request', method, params });
        break;
      }
      case 'bad-params': {
        const method = rng.pick(['textDocument/hover', 'textDocument/definition', 'textDocument/references', 'textDocument/documentSymbol', 'textDocument/codeLens', 'auditlens/status', 'auditlens/modelSummary']);
        const params = rng.pick<unknown>([
          null, {}, [], 42, 'x', { textDocument: 5 }, { textDocument: td }, { textDocument: td, position: 'here' },
          { textDocument: td, position: { line: -1, character: -1 } }, { textDocument: td, position: { line: 1e9, character: 1e9 } },
          { textDocument: { uri: 'file:///no/such/file.c' }, position: { line: 0, character: 0 } }, { textDocument: { uri: 42 }, position: { line: 0, character: 0 } },
          { textDocument: td, position: { line: 1.5, character: null } }, { uri: null },
        ]);
        actions.push({ kind: 'badParams', method, params });
        break;
      }
      case 'bad-json':
        actions.push({ kind: 'badJson', body: rng.pick(['{', 'not json', '[]', 'null', '{"jsonrpc":"2.0"}', '{"jsonrpc":"2.0","id":{},"method":7}', '{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"{uri}","version":"x"},"contentChanges":[{"range":1}]}}', '{"jsonrpc":"1.0","id":1,"method":"textDocument/hover"}', '\u00ff\u00fe']) });
        break;
    }
  }
  // A broken frame header at the end: the server must resynchronise (the last hover is answered) or exit.
  actions.push({ kind: 'badFrame', bytes: rng.pick(['Content-Length: abc\r\n\r\n{}', 'Content-Length: 5\r\n\r\n{"jsonrpc":"2.0","id":1,"method":"x"}', 'Garbage: yes\r\n\r\n{}', 'Content-Length: -4\r\n\r\n']) });
  actions.push({ kind: 'hover', position: doc.positionAt(rng.int(doc.getText().length + 1)) });
  return actions;
}

// ---------------------------------------------------------------------------------------------
// Scheduling: which case number is which family and op

/** CLI cases of a full run follow this pattern: half C, a quarter patches, a quarter reports. */
const FULL_PATTERN: readonly ('c' | 'patch' | 'kcsan')[] = ['c', 'patch', 'c', 'kcsan', 'c', 'patch', 'c', 'kcsan'];

const OPS = { c: C_OPS, patch: PATCH_OPS, kcsan: KCSAN_OPS } as const;

/** Every (family, op) once: the smoke run's cases, in order. */
export const SMOKE_CASES: readonly { family: 'c' | 'patch' | 'kcsan'; op: string }[] = (['c', 'patch', 'kcsan'] as const).flatMap((family) =>
  Object.keys(OPS[family]).map((op) => ({ family, op })),
);

/** The smoke run's LSP sessions: one on a C file, one on a patch. */
export const SMOKE_LSP_SESSIONS = 2;

/** Family, op and ladder level of CLI case `index`. */
export function scheduleCli(mode: Mode, index: number): { family: 'c' | 'patch' | 'kcsan'; op: string; level: number } | undefined {
  if (mode === 'smoke') {
    const c = SMOKE_CASES[index];
    return c && { ...c, level: 0 };
  }
  const family = FULL_PATTERN[index % FULL_PATTERN.length];
  const perCycle = FULL_PATTERN.filter((f) => f === family).length;
  const before = Math.floor(index / FULL_PATTERN.length) * perCycle + FULL_PATTERN.slice(0, index % FULL_PATTERN.length).filter((f) => f === family).length;
  const ops = Object.keys(OPS[family]);
  return { family, op: ops[before % ops.length], level: Math.floor(before / ops.length) };
}

/** How many CLI cases the mode has (Infinity: a full run stops on time). */
export function cliCaseCount(mode: Mode): number {
  return mode === 'smoke' ? SMOKE_CASES.length : Infinity;
}

function pickSeed(rng: Rng, pool: SeedFile[], seeds: Seeds): SeedFile {
  if (!pool.length) throw new Error('no seed files');
  // Prefer the real kernel file (the shared ones come first) half of the time: the fixtures are many and small.
  const shared = pool.filter((s) => s.name.startsWith('shared/'));
  return seeds.shared && shared.length && rng.chance(0.5) ? rng.pick(shared) : rng.pick(pool);
}

/** CLI case `index` of a run: the same for the same seed, mode and seed files. */
export function cliCase(seeds: Seeds, runSeed: number, mode: Mode, index: number): CliCase | undefined {
  const sched = scheduleCli(mode, index);
  if (!sched) return undefined;
  const rng = Rng.forCase(runSeed, index, `${mode}:${sched.family}:${sched.op}`);
  const pool = seeds[sched.family];
  // the smoke run's shapes go into the real file when there is one: it is what users open
  const seed = mode === 'smoke' && seeds.shared && sched.family === 'c' ? seeds.c[0] : pickSeed(rng, pool, seeds);
  const ctx: Ctx = { rng, mode, level: sched.level, seeds, seed };
  const r = OPS[sched.family][sched.op](ctx);
  const input = r.buf ?? Buffer.from(r.text ?? '');
  const text = r.text ?? input.toString('latin1');
  const ext = sched.family === 'c' ? '.c' : sched.family === 'kcsan' ? '.txt' : sched.op === 'many-mails' ? '.mbox' : /\.(eml|mbox|diff|txt)$/.exec(seed.name)?.[0] ?? '.patch';
  let cmd: { args: string[]; second?: SeedFile; what: string };
  if (r.args) cmd = { args: r.args, second: r.second, what: `${r.args[0]}${r.second ? ` --base ${r.second.name}` : ''}` };
  else if (sched.family === 'c') cmd = cCommand(ctx, text, mode === 'smoke' ? index : undefined);
  else if (sched.family === 'patch') cmd = patchCommand(ctx);
  else cmd = kcsanCommand(ctx);
  return {
    family: sched.family,
    index,
    op: sched.op,
    note: `${r.note}; ${cmd.what}`,
    seedName: seed.name,
    input,
    ext,
    args: cmd.args,
    second: cmd.second,
    reference: r.reference === undefined ? undefined : Buffer.from(r.reference),
  };
}

/** LSP session `index` of a run. */
export function lspCase(seeds: Seeds, runSeed: number, mode: Mode, index: number): LspCase {
  const rng = Rng.forCase(runSeed, index, `${mode}:lsp`);
  const kind: 'c' | 'patch' = mode === 'smoke' ? (index % 2 === 0 ? 'c' : 'patch') : rng.chance(0.75) ? 'c' : 'patch';
  const seed = kind === 'c' && seeds.shared ? seeds.c[0] : pickSeed(rng, kind === 'c' ? seeds.c : seeds.patch, seeds);
  const steps = mode === 'smoke' ? SMOKE_SIZE.lspSteps : LADDERS.lspSteps[index % LADDERS.lspSteps.length];
  const actions = lspSession(rng, seed, steps, kind);
  const uri = kind === 'c' ? 'file:///fuzz/kernel/audit.c' : 'file:///fuzz/fuzz.patch';
  return {
    family: 'lsp',
    index,
    op: kind === 'c' ? 'edit-c' : 'edit-patch',
    note: `${steps} steps on ${seed.name}`,
    seedName: seed.name,
    uri,
    languageId: kind === 'c' ? 'c' : 'auditlens-patch',
    text: seed.text,
    actions,
  };
}
