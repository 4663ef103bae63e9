/**
 * Reading the reports people receive: a syzbot page (the report after prose
 * and a table), a console or dmesg log (timestamps, caller ids, other kernel
 * messages, several reports), a report quoted in a reply (`> ` at any depth,
 * `[...]` elisions), a report whose lines were wrapped or lost their
 * indentation. Data races become accesses with their frames; other kinds of
 * report (an RCU stall, a NULL dereference, lockdep, KMSAN, KASAN, a panic)
 * are named, with their frames, and claim no race. Nothing here knows the
 * base file: that is triage.ts.
 */

export type ReportKind = 'data-race' | 'rcu-stall' | 'null-deref' | 'lockdep' | 'kmsan' | 'kasan' | 'warning' | 'general-protection' | 'panic' | 'hung-task';

export interface Frame {
  fn: string;
  /** `+0x77/0x2270` when the frame has it. */
  offset?: string;
  file?: string;
  line?: number;
  inline: boolean;
  /** 1-based line of the report text the frame is on. */
  at: number;
}

export interface Access {
  kind: 'read' | 'write' | 'read-write';
  /** KCSAN's "(marked)": READ_ONCE/WRITE_ONCE or an atomic; a plain access otherwise. */
  marked: boolean;
  size?: number;
  /** `task 3040`, `interrupt`. */
  by?: string;
  cpu?: number;
  frames: Frame[];
  /** 1-based line of the access header. */
  at: number;
}

export interface Report {
  kind: ReportKind;
  /** The report's title line (`BUG: KCSAN: data-race in a / b`). */
  title: string;
  /** 1-based line of the title in the input. */
  at: number;
  /** Data races: the two accesses (one when KCSAN saw only a value change: "race at unknown origin"). */
  accesses: Access[];
  /** `value changed: 0x0 -> 0xffff...`. */
  valueChange?: { from: string; to: string };
  /** Every frame of a report that is not a race (its call trace). */
  frames: Frame[];
  /** What the reader had to guess or skip: elided lines, wrapped frames joined. */
  notes: string[];
}

export interface ParsedInput {
  reports: Report[];
  /** Why nothing could be read, when nothing could. */
  unusable?: string;
  /** The same report more than once (syzbot pages repeat it): how many copies were dropped. */
  duplicates: number;
}

const TITLES: [RegExp, ReportKind][] = [
  [/^BUG: KCSAN: (?:data-race|assert: race|race)\b/, 'data-race'],
  [/^BUG: KMSAN:/, 'kmsan'],
  [/^BUG: KASAN:/, 'kasan'],
  [/^BUG: kernel NULL pointer dereference/, 'null-deref'],
  [/^(?:rcu: )?INFO: rcu_\w+ (?:self-)?detected (?:stall|stalls)/, 'rcu-stall'],
  [/^WARNING: (?:possible (?:circular locking dependency|recursive locking) detected|inconsistent lock state|suspicious RCU usage)/, 'lockdep'],
  [/^INFO: task \S+ blocked for more than/, 'hung-task'],
  [/^general protection fault/, 'general-protection'],
  [/^WARNING: CPU: \d+ PID: \d+ at /, 'warning'],
  [/^Kernel panic - not syncing/, 'panic'],
];

const ACCESS = /^(?:race at unknown origin, with )?(read-write|read|write)( \(marked\))?(?: \((?:marked|reordered)\))* to (0x[0-9a-f]+) of (\d+) bytes by (task \d+|interrupt|\S+) on cpu (\d+):?\s*$/i;
const FRAME = /^(?:\? )?([A-Za-z_][\w.]*)(\+0x[0-9a-f]+\/0x[0-9a-f]+)?(?:\s+(?:\[[\w-]+\]\s+)?([\w./-]+\.[chS]):(\d+))?(\s+\[inline\])?\s*$/;
/** The second half of a frame whose line was wrapped: `kernel/audit.c:249 [inline]`. */
const FRAME_TAIL = /^([\w./-]+\.[chS]):(\d+)(\s+\[inline\])?\s*$/;
const VALUE = /^value changed: (0x[0-9a-f]+) -> (0x[0-9a-f]+)\s*$/i;
const SEPARATOR = /^={10,}\s*$/;
const END = /^(?:Reported by Kernel Concurrency Sanitizer on:|---\[ end trace|Kernel Offset:)/;

/** One input line as the report wrote it: quoting, timestamps and caller ids taken off. */
export function bare(line: string): string {
  let s = line.replace(/\r$/, '');
  // quoted in a reply, at any depth (`> > `, `>>`)
  s = s.replace(/^(?:\s*>)+ ?/, '');
  // syslog (`Feb 24 17:03:01 host kernel: `), then dmesg time and caller id (`[  123.456789][ T1234] `)
  s = s.replace(/^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ kernel: /, '');
  s = s.replace(/^\[\s*\d+\.\d+\]\s?/, '').replace(/^\[\s*[TC]\d+\]\s?/, '');
  return s.trim();
}

function isJunk(text: string): string | undefined {
  if (!text.trim()) return 'the report is empty';
  const sample = text.slice(0, 65536);
  if (sample.includes('\0')) return 'this looks like a binary file (it contains NUL bytes), not a kernel report';
  let odd = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffd) odd++;
  }
  return odd > sample.length / 20 ? 'this looks like binary data, not a kernel report' : undefined;
}

export function parseReports(text: string): ParsedInput {
  const junk = isJunk(text);
  if (junk) return { reports: [], unusable: junk, duplicates: 0 };
  const lines = text.split('\n').map(bare);
  const reports: Report[] = [];
  let current: Report | undefined;
  let access: Access | undefined;
  let separatorSeen = false;
  const close = () => {
    current = undefined;
    access = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const n = i + 1;
    const kind = TITLES.find(([re]) => re.test(line))?.[1];
    if (kind) {
      current = { kind, title: line, at: n, accesses: [], frames: [], notes: [] };
      reports.push(current);
      access = undefined;
      separatorSeen = false;
      continue;
    }
    if (!current) continue;
    if (SEPARATOR.test(line)) {
      if (separatorSeen || current.accesses.length || current.frames.length) close();
      separatorSeen = true;
      continue;
    }
    if (END.test(line)) {
      // the report ends a few lines on (CPU, hardware, separator); nothing after it is a frame
      access = undefined;
      continue;
    }
    if (line === '[...]' || line === '...' || /^\[\.\.\.\]/.test(line)) {
      current.notes.push(`line ${n}: elided ([...]): frames may be missing there`);
      continue;
    }
    const a = ACCESS.exec(line);
    if (a && current.kind === 'data-race') {
      access = {
        kind: a[1].toLowerCase() as Access['kind'],
        marked: !!a[2] || /\(marked\)/i.test(line),
        size: Number(a[4]),
        by: a[5],
        cpu: Number(a[6]),
        frames: [],
        at: n,
      };
      current.accesses.push(access);
      continue;
    }
    const v = VALUE.exec(line);
    if (v) {
      current.valueChange = { from: v[1], to: v[2] };
      access = undefined;
      continue;
    }
    const tail = FRAME_TAIL.exec(line);
    const frames = access ? access.frames : current.frames;
    const last = frames[frames.length - 1];
    if (tail && last && last.file === undefined) {
      // a frame wrapped after its function: `audit_receive+0x77/0x2270` / `kernel/audit.c:1609`
      last.file = tail[1];
      last.line = Number(tail[2]);
      last.inline ||= !!tail[3];
      current.notes.push(`line ${n}: a wrapped frame joined to the line before`);
      continue;
    }
    if (line === '[inline]' && last) {
      last.inline = true;
      continue;
    }
    const f = FRAME.exec(line);
    if (f && (access || current.kind !== 'data-race') && looksLikeFrame(f)) {
      frames.push({ fn: f[1], offset: f[2], file: f[3], line: f[4] ? Number(f[4]) : undefined, inline: !!f[5], at: n });
      continue;
    }
    // a blank line ends an access's stack; anything else inside a report is not ours to read
    if (!line) access = undefined;
  }
  // the same report twice (a syzbot page shows it in its summary and again below): keep one
  const seen = new Set<string>();
  const unique: Report[] = [];
  let duplicates = 0;
  for (const r of reports) {
    const key = `${r.title}|${r.accesses.map((a) => `${a.kind}:${a.frames.map((f) => `${f.fn}${f.line ?? ''}`).join(',')}`).join('|')}|${r.frames.map((f) => f.fn).join(',')}`;
    if (seen.has(key)) { duplicates++; continue; }
    seen.add(key);
    unique.push(r);
  }
  if (!unique.length) return { reports: [], unusable: 'no kernel report found (no "BUG: KCSAN: ...", stall, oops, lockdep or KMSAN title line)', duplicates };
  return { reports: unique, duplicates };
}

/** Words that start kernel log lines but are no function names. */
const NOT_FRAMES = new Set(['CPU', 'Hardware', 'Call', 'RIP', 'RSP', 'RAX', 'RDX', 'RBP', 'R10', 'R13', 'Code', 'Modules', 'Tainted', 'Comm', 'audit', 'Read', 'Write']);

/** Kernel symbols are short (KSYM_NAME_LEN is 512, real ones far less): a longer word is junk, not a frame. */
const MAX_SYMBOL = 256;

function looksLikeFrame(f: RegExpExecArray): boolean {
  if (NOT_FRAMES.has(f[1]) || f[1].length > MAX_SYMBOL) return false;
  // a bare word is a frame only in a stack; with an offset or a file it is one for sure
  return !!(f[2] || f[3]) || /_/.test(f[1]);
}
