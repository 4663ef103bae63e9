/**
 * The mail around a drafted reply: who it goes to (the author, and everyone
 * the original went to), the threading headers, and the attribution line in
 * the form kernel reviewers' mailers write it
 * (`On Wed, Jan 19, 2022 at 01:26:28AM +0000, Paul Moore wrote:`).
 * Archives obfuscate addresses (`paul at paul-moore.com`, `paul(a)...`): they
 * are read back into addresses.
 */

export interface Address {
  name?: string;
  addr?: string;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `paul at paul-moore.com`, `paul(a)paul-moore.com`, `paul@paul-moore.com`: the address. */
function deobfuscate(s: string): string {
  return s.replace(/\s+at\s+/i, '@').replace(/\(a\)|\[at\]/i, '@').trim();
}

const ADDR = /^[^\s@<>(),;]+@[\w.-]+\.[A-Za-z]{2,}$/;

/** One mailbox as a header or an archive page writes it. */
export function parseAddress(raw: string): Address {
  const s = raw.trim();
  const angle = /^(.*?)<([^>]+)>\s*$/.exec(s);
  if (angle) {
    const name = angle[1].trim().replace(/^"(.*)"$/, '$1').trim();
    const addr = deobfuscate(angle[2]);
    return { ...(name ? { name } : {}), ...(ADDR.test(addr) ? { addr } : {}) };
  }
  // archive pages: "Paul Moore paul at paul-moore.com"
  const archived = /^(.*?)\s+(\S+)\s+at\s+([\w.-]+\.[A-Za-z]{2,})$/.exec(s);
  if (archived) return { ...(archived[1].trim() ? { name: archived[1].trim() } : {}), addr: `${archived[2]}@${archived[3]}` };
  const bare = deobfuscate(s.replace(/\s*\(([^)]*)\)\s*$/, ''));
  if (ADDR.test(bare)) {
    const comment = /\(([^)]*)\)\s*$/.exec(s);
    return { ...(comment ? { name: comment[1].trim() } : {}), addr: bare };
  }
  return s ? { name: s } : {};
}

/** A header's list of mailboxes, split on commas outside quotes and angle brackets. */
export function parseAddressList(raw: string | undefined): Address[] {
  if (!raw) return [];
  const out: string[] = [];
  let cur = '';
  let quote = false;
  let angle = 0;
  for (const ch of raw) {
    if (ch === '"') quote = !quote;
    else if (ch === '<' && !quote) angle++;
    else if (ch === '>' && !quote) angle = Math.max(0, angle - 1);
    if ((ch === ',' || ch === ';') && !quote && !angle) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map(parseAddress).filter((a) => a.addr || a.name);
}

export function formatAddress(a: Address): string {
  if (!a.addr) return a.name ?? '';
  if (!a.name) return a.addr;
  return /[",.;:<>@()[\]\\]/.test(a.name) ? `"${a.name.replace(/(["\\])/g, '\\$1')}" <${a.addr}>` : `${a.name} <${a.addr}>`;
}

/** The name a reply calls the author by: their name, else their address. */
export function displayName(a: Address): string {
  return a.name ?? a.addr ?? '';
}

interface Moment {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
  /** `+0000`, or undefined when the source did not say. */
  zone?: string;
}

const ZONES: Record<string, string> = { UT: '+0000', UTC: '+0000', GMT: '+0000', Z: '+0000', EST: '-0500', EDT: '-0400', CST: '-0600', CDT: '-0500', MST: '-0700', MDT: '-0600', PST: '-0800', PDT: '-0700', CET: '+0100', CEST: '+0200' };

function zoneOf(z: string | undefined): string | undefined {
  if (!z) return undefined;
  if (/^[+-]\d{4}$/.test(z)) return z;
  if (/^[+-]\d\d:\d\d$/.test(z)) return z.replace(':', '');
  return ZONES[z.toUpperCase()];
}

/** Reads the date forms patch mail carries: RFC 2822, pipermail's `Wed Jan 19 01:26:28 UTC 2022`, ISO `2016-11-23 20:41`. */
export function parseMailDate(raw: string | undefined): Moment | undefined {
  if (!raw) return undefined;
  const s = raw.trim().replace(/\s+/g, ' ');
  const month = (m: string) => MONTHS.findIndex((x) => x.toLowerCase() === m.slice(0, 3).toLowerCase());
  let m = /^(?:\w{3},? )?(\d{1,2}) (\w{3})\w* (\d{4}) (\d{1,2}):(\d\d)(?::(\d\d))?(?: ([+-]\d{4}|[A-Z]{1,4}))?/.exec(s);
  if (m && month(m[2]) >= 0) return { year: +m[3], month: month(m[2]), day: +m[1], hour: +m[4], minute: +m[5], second: m[6] ? +m[6] : undefined, zone: zoneOf(m[7]) };
  m = /^\w{3} (\w{3}) +(\d{1,2}) (\d{1,2}):(\d\d)(?::(\d\d))?(?: ([A-Z]{1,4}|[+-]\d{4}))? (\d{4})/.exec(s);
  if (m && month(m[1]) >= 0) return { year: +m[7], month: month(m[1]), day: +m[2], hour: +m[3], minute: +m[4], second: m[5] ? +m[5] : undefined, zone: zoneOf(m[6]) };
  m = /^(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d))?(Z|[+-]\d\d:?\d\d)?)?/.exec(s);
  if (m) return { year: +m[1], month: +m[2] - 1, day: +m[3], hour: m[4] ? +m[4] : undefined, minute: m[5] ? +m[5] : undefined, second: m[6] ? +m[6] : undefined, zone: zoneOf(m[7]) };
  return undefined;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `Wed, Jan 19, 2022 at 01:26:28AM +0000` (mutt's attribution, which most kernel reviewers' mail shows). */
export function attributionDate(raw: string | undefined): string | undefined {
  const t = parseMailDate(raw);
  if (!t || t.month < 0 || t.day < 1 || t.day > 31) return undefined;
  const weekday = DAYS[new Date(Date.UTC(t.year, t.month, t.day)).getUTCDay()];
  let out = `${weekday}, ${MONTHS[t.month]} ${t.day}, ${t.year}`;
  if (t.hour !== undefined && t.minute !== undefined) {
    const h12 = t.hour % 12 === 0 ? 12 : t.hour % 12;
    out += ` at ${pad(h12)}:${pad(t.minute)}${t.second !== undefined ? `:${pad(t.second)}` : ''}${t.hour < 12 ? 'AM' : 'PM'}`;
    if (t.zone) out += ` ${t.zone}`;
  }
  return out;
}

/** `On <date>, <name> wrote:` (or `<name> wrote:` when the date is unknown). */
export function attributionLine(from: Address | undefined, date: string | undefined): string {
  const who = from ? displayName(from) : '';
  const when = attributionDate(date);
  if (!who) return when ? `On ${when}, you wrote:` : 'You wrote:';
  return when ? `On ${when}, ${who} wrote:` : `${who} wrote:`;
}

/** `Re: <subject>`, once. */
export function replySubject(subject: string): string {
  const s = subject.trim() || 'your patch';
  return /^re:/i.test(s) ? s : `Re: ${s}`;
}

/** Message-IDs in angle brackets, as References wants them. */
export function messageIds(raw: string | undefined): string[] {
  if (!raw) return [];
  const ids = raw.match(/<[^<>\s]+>/g);
  if (ids) return ids;
  const bare = raw.trim();
  return bare && /^[^\s<>]+@[^\s<>]+$/.test(bare) ? [`<${bare}>`] : [];
}

/** Lists that take audit patches, by the file a patch touches (the kernel's MAINTAINERS). */
const MAINTAINERS_LISTS: { file: RegExp; list: string }[] = [
  { file: /^(?:a\/|b\/)?(?:kernel\/audit|include\/linux\/audit|include\/uapi\/linux\/audit)/, list: 'audit@vger.kernel.org' },
];

export function listsFor(files: readonly string[]): string[] {
  return [...new Set(MAINTAINERS_LISTS.filter((m) => files.some((f) => m.file.test(f))).map((m) => m.list))];
}
