/**
 * Without a base file: rebuild the touched functions from the hunks alone, as
 * two compilable images (context and `-` lines; context and `+` lines).
 *
 * Only function bodies are kept: top-level comments cut by a hunk boundary are
 * dropped. A hunk that starts inside a function takes its signature from the
 * `@@` section; consecutive hunks of one function are joined with a gap
 * marker. Archives drop lone braces, and kernel code is indented one tab per
 * block, so braces are repaired from indentation. Globals the functions use
 * but never declare get declarations of the kind their use implies.
 */
import type { FilePatch } from './types';

export interface FragmentImage {
  text: string;
  /** Per line of `text`: the patch document line it came from (undefined for synthetic lines). */
  origin: (number | undefined)[];
  /** What the reconstruction had to add, for honesty in messages. */
  repairs: string[];
  /** Functions rebuilt, in order. */
  functions: string[];
  /** Functions only partly in the patch (cut at a hunk boundary, or with gaps): ownership of records cannot be judged there. */
  partial: string[];
}

interface SourceLine {
  text: string;
  origin?: number;
}

const SIGNATURE = /^(?:static\s+|inline\s+|extern\s+|const\s+|unsigned\s+|struct\s+\w+\s*\**\s*|\w+\s+\**\s*)*([A-Za-z_]\w*)\s*\((?!.*;\s*$)/;
const TOP_COMMENT = /^(\/\*\*?|\s?\*|\*\/)/;
const GAP = '\t/* [lines not in the patch] */';
const CONTROL = /^(if|while|for|else if)\s*\(.*\)\s*$|^else\s*$/;

function depthOf(line: string): number {
  let cols = 0;
  for (const c of line) {
    if (c === '\t') cols += 8;
    else if (c === ' ') cols += 1;
    else break;
  }
  return Math.floor(cols / 8);
}

function isSignature(line: string): boolean {
  return depthOf(line) === 0 && !line.startsWith(' ') && SIGNATURE.test(line) && !/^(if|while|for|switch|return)\b/.test(line.trim());
}

interface FunctionChunk {
  name: string;
  signature: SourceLine[];
  body: SourceLine[];
  /** Started inside the function (signature from the @@ section) or has a gap. */
  partial?: boolean;
}

/**
 * Splits one side of a file's hunks into function chunks. `tabbed`: the archive kept the
 * kernel's tab indentation, which then tells where functions and blocks end; otherwise
 * (archives that collapse whitespace) only the braces do.
 */
function chunks(file: FilePatch, side: 'pre' | 'post', tabbed: boolean): FunctionChunk[] {
  const out: FunctionChunk[] = [];
  let current: FunctionChunk | undefined;
  let inSignature = false;
  let braces = 0;
  for (const h of file.hunks) {
    const lines = h.lines.filter((l) => (side === 'pre' ? l.kind !== 'add' : l.kind !== 'del'));
    const section = h.section.trim();
    const sectionName = isSignature(section) ? SIGNATURE.exec(section)![1] : undefined;
    // Does the hunk start inside a function body (indented code before any signature)?
    const firstCode = lines.find((l) => l.text.trim() && !TOP_COMMENT.test(l.text));
    const startsInside = !!firstCode && !isSignature(firstCode.text) && (depthOf(firstCode.text) > 0 || /^\s/.test(firstCode.text));
    if (startsInside && sectionName) {
      if (current && current.name === sectionName) {
        current.body.push({ text: GAP });
        current.partial = true;
      } else {
        current = { name: sectionName, signature: [{ text: section }], body: [], partial: true };
        out.push(current);
        // a signature cut after its first line continues in the hunk's first lines
        inSignature = !/\)\s*(\{\s*)?$/.test(section);
      }
    } else {
      current = undefined;
    }
    for (const l of lines) {
      const t = l.text;
      if (isSignature(t) && (tabbed || braces <= 0)) {
        braces = 0;
        current = { name: SIGNATURE.exec(t)![1], signature: [{ text: t, origin: l.docLine }], body: [] };
        out.push(current);
        inSignature = !/\)\s*(\{\s*)?$/.test(t.trim());
        continue;
      }
      if (!current) continue; // top-level comments and declarations around the functions
      if (inSignature) {
        current.signature.push({ text: t, origin: l.docLine });
        inSignature = !/\)\s*(\{\s*)?$/.test(t.trim());
        continue;
      }
      if (tabbed && depthOf(t) === 0 && t.trim() && !t.startsWith('}') && !t.startsWith('{') && !/^[a-z_]\w*:/.test(t)) {
        // back at top level (a comment or declaration after the function)
        current = undefined;
        continue;
      }
      current.body.push({ text: tabbed ? t : `\t${t.trimStart()}`, origin: l.docLine });
      const code = t.replace(/"(?:\\.|[^"])*"|'(?:\\.|[^'])*'|\/\*.*?\*\/|\/\/.*$/g, '');
      for (const c of code) braces += c === '{' ? 1 : c === '}' ? -1 : 0;
      if (tabbed ? t.startsWith('}') : braces <= 0 && t.trim() === '}') current = undefined;
    }
  }
  return out;
}

/** Body lines with braces repaired from indentation. */
function repairBody(body: SourceLine[], repairs: string[], name: string): SourceLine[] {
  const out: SourceLine[] = [];
  const open: { depth: number; loop: boolean }[] = [];
  let inComment = false;
  let parens = 0; // open parentheses carried from earlier lines (multi-line conditions)
  for (let i = 0; i < body.length; i++) {
    const l = body[i];
    const trimmed = l.text.trim();
    if (l.text.startsWith('}') || trimmed === '{' && depthOf(l.text) === 0) continue; // the function's own braces are added below
    if (l.text === GAP) {
      // Hunks merge when fewer than ~6 lines separate them, so a gap is several lines long:
      // blocks the next line is not deeper than were closed in it.
      // The next line (depth d) sits in a block opened at d-1: an if/else block there is short and
      // most likely ended in the gap, a loop most likely goes on.
      const after = body.slice(i + 1).find((x) => x.text.trim() && x.text !== GAP);
      const nextDepth = after ? Math.max(1, depthOf(after.text)) : 1;
      const top = () => open[open.length - 1];
      while (open.length && (top().depth >= nextDepth || (top().depth === nextDepth - 1 && !top().loop))) out.push({ text: `${'\t'.repeat(open.pop()!.depth)}}` });
      out.push(l);
      parens = 0;
      continue;
    }
    const next = body.slice(i + 1).find((x) => x.text.trim());
    if (!inComment && CONTROL.test(trimmed) && (!next || next.text === GAP || depthOf(next.text) <= depthOf(l.text))) {
      // `if (skb_hook)` whose body is outside the hunk: keep the test, give it an empty body
      out.push(l, { text: `${'\t'.repeat(depthOf(l.text) + 1)};` });
      repairs.push(`${name}: a statement cut by the hunk boundary was given an empty body`);
      continue;
    }
    if (!inComment && parens === 0 && parenBalance(trimmed) < 0 && /\)\s*\{\s*$/.test(trimmed)) {
      // the tail of a condition whose first line is outside the hunk: keep it as an unknown test
      out.push({ text: `${'\t'.repeat(depthOf(l.text))}if (__auditlens_cut ||` });
      repairs.push(`${name}: a condition cut by the hunk boundary was completed with an unknown test`);
    }
    if (inComment) {
      out.push(l);
      if (trimmed.includes('*/')) inComment = false;
      continue;
    }
    if (!trimmed) { out.push(l); continue; }
    const depth = Math.max(1, depthOf(l.text));
    const code = trimmed.replace(/"(?:\\.|[^"])*"|'(?:\\.|[^'])*'|\/\*.*?\*\/|\/\/.*$/g, '');
    // a line at depth d closes the blocks opened at depth >= d (but `} else {` closes one)
    const closesItself = code.startsWith('}');
    while (open.length && open[open.length - 1].depth >= depth && !(closesItself && open[open.length - 1].depth === depth)) {
      const d = open.pop()!.depth;
      out.push({ text: `${'\t'.repeat(d)}}` });
      repairs.push(`${name}: closed a block the archive left open`);
    }
    out.push(l);
    if (trimmed.startsWith('/*') && !trimmed.includes('*/')) { inComment = true; continue; }
    for (const c of code) {
      if (c === '{') open.push({ depth, loop: /^(while|for|do)\b/.test(code) });
      else if (c === '}') open.pop();
    }
    parens = Math.max(0, parens + parenBalance(code));
  }
  while (open.length) out.push({ text: `${'\t'.repeat(open.pop()!.depth)}}` });
  return out;
}

function parenBalance(code: string): number {
  let n = 0;
  for (const c of code.replace(/"(?:\\.|[^"])*"|'(?:\\.|[^'])*'|\/\*.*?\*\//g, '')) {
    if (c === '(') n++;
    else if (c === ')') n--;
  }
  return n;
}

/** Without indentation to go by: drop the function's own braces and close what stays open. */
function balanceBody(body: SourceLine[], repairs: string[], name: string): SourceLine[] {
  const out: SourceLine[] = [];
  let depth = 0;
  let started = false;
  for (const l of body) {
    const code = l.text.replace(/"(?:\\.|[^"])*"|'(?:\\.|[^'])*'|\/\*.*?\*\/|\/\/.*$/g, '').trim();
    if (!started && code === '{') { started = true; continue; } // the function's own opening brace
    let d = depth;
    for (const c of code) d += c === '{' ? 1 : c === '}' ? -1 : 0;
    if (d < 0) { depth = 0; continue; } // the function's own closing brace
    depth = d;
    out.push(l);
  }
  for (; depth > 0; depth--) {
    out.push({ text: '\t}' });
    repairs.push(`${name}: closed a block the archive left open`);
  }
  return out;
}

/** Declarations for identifiers the functions use as globals without declaring them. */
function assumedDeclarations(text: string): string[] {
  const queues = new Set<string>();
  for (const m of text.matchAll(/\bskb_\w*\(\s*&\s*([a-z_]\w*)\s*[,)]/g)) queues.add(m[1]);
  const out = [...queues].map((q) => `static struct sk_buff_head ${q};`);
  const locals = new Set<string>();
  for (const m of text.matchAll(/\b(?:struct\s+\w+|int|u32|long|bool|unsigned int|unsigned long|char|void)\s*\**\s*([a-z_]\w*)\s*[;=,)[]/g)) locals.add(m[1]);
  const words = new Set<string>();
  for (const m of text.matchAll(/(?<!struct\s+)\b(audit_[a-z_]\w*|auditd_[a-z_]\w*)\b(?!\s*\()/g)) {
    if (!queues.has(m[1]) && !locals.has(m[1])) words.add(m[1]);
  }
  for (const w of words) out.push(`static u32 ${w};`);
  return out;
}

export function fragmentImages(file: FilePatch): { pre: FragmentImage; post: FragmentImage } {
  const build = (side: 'pre' | 'post'): FragmentImage => {
    const repairs: string[] = [];
    const lines: SourceLine[] = [];
    const tabbed = file.hunks.some((h) => h.lines.some((l) => l.text.startsWith('\t')));
    const fns = chunks(file, side, tabbed);
    for (const fn of fns) {
      const body = tabbed ? repairBody(fn.body, repairs, fn.name) : balanceBody(fn.body, repairs, fn.name);
      lines.push({ text: '' }, ...fn.signature, { text: '{' }, ...body, { text: '}' });
    }
    const bodyText = lines.map((l) => l.text).join('\n');
    const header = ['/* AuditLens: functions rebuilt from the patch alone; declarations assumed for what they use */', ...assumedDeclarations(bodyText)];
    const all: SourceLine[] = [...header.map((text) => ({ text })), ...lines];
    const partial = fns.filter((f) => f.partial || !f.body.some((l) => l.text.startsWith('}'))).map((f) => f.name);
    return { text: all.map((l) => l.text).join('\n') + '\n', origin: all.map((l) => l.origin), repairs, functions: fns.map((f) => f.name), partial };
  };
  return { pre: build('pre'), post: build('post') };
}
