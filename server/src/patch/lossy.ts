/**
 * Heuristics for patches that went through a mailing-list archive or a mail
 * client: lines without a diff marker (context whose leading space was
 * stripped, or a reviewer's comment pasted in without quote marks), the end of
 * the patch (signatures, list footers, sign-offs), snipped quotes and hunk
 * headers wrapped by the mailer. All checks are per line and linear.
 */
import type { ViewLine } from './view';

/** Longer lines are never prose or headers; keeps every regex cheap on hostile input. */
const MAX_HEURISTIC_LINE = 400;

const COMMENT_MARKERS = /^(?:\*|\/\*|\/\/)|\/\*|\*\//;
const C_PUNCT = /[;{}=#]|->|&&|\|\|/;
const C_ENDINGS = /[;{}\\]$/;
const PLAIN_WORD = /^[A-Za-z][a-z']*[,.?!:;]?$/;
const SENTENCE = /[.?!]$|[a-z)][.?!] +[A-Z]/;
/** "Reviewed-by: Name <mail>" after an unquoted patch: the reviewer's tag, never C. */
const REVIEW_TAG = /^(?:[A-Z][a-z]+-)+by: \S/;
/** Words that make a line look like English but are C. */
const C_WORDS = new Set([
  'auto', 'bool', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum',
  'extern', 'float', 'for', 'goto', 'if', 'inline', 'int', 'long', 'register', 'return', 'short', 'signed',
  'sizeof', 'static', 'struct', 'switch', 'typedef', 'union', 'unsigned', 'void', 'volatile', 'while',
]);

export type LineSense = 'prose' | 'weak' | 'code';

/**
 * How much an unmarked line reads like English: `prose` (a sentence of several
 * words), `weak` (could continue a sentence, e.g. "result."), or `code`.
 * Comment lines of C (`*`, `/*`) are code: archives keep them as context.
 */
export function senseOf(line: string): LineSense {
  const t = line.trim();
  if (t === '' || t.length > MAX_HEURISTIC_LINE || COMMENT_MARKERS.test(t) || C_ENDINGS.test(t)) return 'code';
  if (REVIEW_TAG.test(t)) return 'prose';
  const tokens = t.split(/\s+/);
  let words = 0;
  for (const tok of tokens) if (PLAIN_WORD.test(tok) && !C_WORDS.has(tok.replace(/[,.?!:;]$/, ''))) words++;
  const ratio = words / tokens.length;
  // C punctuation rules a line out unless it is clearly a long sentence that mentions code.
  if (C_PUNCT.test(t)) return words >= 6 && ratio >= 0.7 ? 'prose' : 'code';
  const sentence = SENTENCE.test(t);
  if (words >= 4 && ratio >= 0.6) return 'prose';
  if (sentence && words >= 3 && ratio >= 0.5) return 'prose';
  if (words > 0 && ratio >= 0.5 && (sentence || words >= 2 || t.endsWith(','))) return 'weak';
  return 'code';
}

/**
 * Labels a run of consecutive unmarked lines: prose lines, and weak lines next
 * to them, form a comment; everything else is context that lost its marker.
 */
export function classifyRun(texts: readonly string[]): ('comment' | 'context')[] {
  const sense = texts.map(senseOf);
  const label = sense.map((s) => (s === 'prose' ? 'comment' : 'context') as 'comment' | 'context');
  for (let k = 1; k < label.length; k++) if (label[k - 1] === 'comment' && sense[k] === 'weak') label[k] = 'comment';
  for (let k = label.length - 2; k >= 0; k--) if (label[k + 1] === 'comment' && sense[k] === 'weak') label[k] = 'comment';
  return label;
}

const FOOTER = /^(?:More information about the .{1,80} mailing list|_{20,})\s*$/;
/** "- RGB", "-Paul": a sign-off after the patch, not a deleted line. */
const SIGN_OFF = /^- ?[A-Z][A-Za-z.]{0,15}$/;
/** "-- " (or "--" after an archive trimmed it): a signature follows. */
export const SIGNATURE_SEPARATOR = /^--\s?$/;
const DIFF_LIKE = /^(?:[-+ ]|@@|diff )/;

function nextOwn(view: readonly ViewLine[], i: number): ViewLine | undefined {
  for (let k = i + 1; k < view.length; k++) if (!view[k].foreign) return view[k];
  return undefined;
}

/** The patch ends here: a signature separator, a list footer, or a sign-off closing the mail. */
export function endsPatch(view: readonly ViewLine[], i: number): boolean {
  const t = view[i].text;
  if (t.length > MAX_HEURISTIC_LINE) return false;
  if (FOOTER.test(t)) return true;
  if (SIGNATURE_SEPARATOR.test(t)) {
    const next = nextOwn(view, i);
    return next === undefined || !DIFF_LIKE.test(next.text);
  }
  if (SIGN_OFF.test(t)) {
    const next = nextOwn(view, i);
    return next === undefined || next.text.trim() === '' || SIGNATURE_SEPARATOR.test(next.text);
  }
  return false;
}

/** "[...]", "<snip>": the replier trimmed the quoted patch here. */
export const SNIP = /^\s*(?:\[\s*(?:\.{3}|…|snip(?:ped)?)\s*\]|<\s*snip\s*>|\.{3}|…)\s*$/i;

function balance(s: string): number {
  let b = 0;
  for (const c of s) b += c === '(' ? 1 : c === ')' ? -1 : 0;
  return b;
}

/**
 * A mailer wrapped the hunk header's section ("@@ ... @@ f(struct sk_buff *skb, gfp_t"
 * then "gfp_mask)"): the next line has no marker and closes the open parenthesis.
 */
export function wrappedSection(section: string, next: ViewLine | undefined): boolean {
  if (!next || next.foreign || next.text.length > MAX_HEURISTIC_LINE) return false;
  const open = balance(section);
  const t = next.text;
  return open > 0 && t.trim() !== '' && !/^[-+ @\\]/.test(t) && !/[;{}=]/.test(t) && balance(t) === -open;
}
