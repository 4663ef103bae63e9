/**
 * The server's reader of LSP base-protocol frames on a byte stream (stdin), in place of
 * vscode-jsonrpc's StreamMessageReader, which goes deaf after one bad frame: a non-numeric
 * Content-Length stops it, a wrong one leaves it reading bodies from the middle of messages.
 *
 * This one resynchronises instead. A frame is `Name: value\r\n`… `\r\n` with a decimal
 * Content-Length, then that many bytes of JSON. What is not (garbage between frames, a
 * header it cannot read, a body that is not JSON) is skipped up to the next header that
 * reads: a valid header cannot occur inside a JSON body, because raw CR LF never occurs
 * inside a JSON string. A Content-Length that claims more bytes than its message has is
 * caught as soon as the next header arrives, without waiting for bytes that never come.
 * When the bytes skipped are one JSON message (the length was wrong, the message is whole)
 * it is delivered; anything else is dropped. Each skip is reported once through `onSkip`.
 *
 * Bodies are parsed here (once, as the stock reader would) and handed to the connection as
 * messages. No LSP types beyond vscode-jsonrpc's reader interface.
 */
import { AbstractMessageReader, DataCallback, Disposable, Message, MessageReader } from 'vscode-languageserver/node';

/** Larger than any message the server accepts (V8's longest string is ~512 MiB of UTF-16). */
export const MAX_CONTENT_LENGTH = 512 * 1024 * 1024;
/** A header block longer than this is not one. */
const MAX_HEADER_BYTES = 4096;
const CRLF2 = Buffer.from('\r\n\r\n', 'latin1');
/** The header resynchronisation looks for, in the spellings clients send. */
const MARKERS = [Buffer.from('Content-Length:', 'latin1'), Buffer.from('content-length:', 'latin1'), Buffer.from('CONTENT-LENGTH:', 'latin1')];
/** Bytes kept at the end of skipped garbage: a marker may be split across chunks. */
const MARKER_TAIL = 15;

type Header = { kind: 'ok'; length: number; bytes: number } | { kind: 'incomplete' } | { kind: 'bad'; reason: string; /** bytes of a complete header block, 0 when there is none */ bytes: number };

/** Reads the header block at `at`; `end` is where the buffered bytes end. */
export function readHeader(buf: Buffer, at: number, end: number): Header {
  const limit = Math.min(end, at + MAX_HEADER_BYTES);
  const stop = buf.subarray(0, limit).indexOf(CRLF2, at);
  if (stop < 0) {
    // No end yet: keep waiting while what is there can still be the start of a header.
    if (end - at >= MAX_HEADER_BYTES) return { kind: 'bad', reason: `no header end in ${MAX_HEADER_BYTES} bytes`, bytes: 0 };
    return couldBeHeader(buf.toString('latin1', at, limit)) ? { kind: 'incomplete' } : { kind: 'bad', reason: 'bytes that are not a header', bytes: 0 };
  }
  const bytes = stop + 4 - at;
  let length: number | undefined;
  for (const line of buf.toString('latin1', at, stop).split('\r\n')) {
    const m = /^([A-Za-z][A-Za-z0-9-]*):[ \t]*([\x20-\x7e]*?)[ \t]*$/.exec(line);
    if (!m) return { kind: 'bad', reason: `a header line that is not 'Name: value' (${JSON.stringify(line.slice(0, 40))})`, bytes: 0 };
    if (m[1].toLowerCase() !== 'content-length') continue;
    if (!/^\d{1,10}$/.test(m[2])) return { kind: 'bad', reason: `Content-Length ${JSON.stringify(m[2].slice(0, 20))} is not a number of bytes`, bytes };
    length = Number(m[2]);
    if (length > MAX_CONTENT_LENGTH) return { kind: 'bad', reason: `Content-Length ${length} is over ${MAX_CONTENT_LENGTH}`, bytes };
  }
  return length === undefined ? { kind: 'bad', reason: 'a header without Content-Length', bytes } : { kind: 'ok', length, bytes };
}

const HEADER_LINE = /^[A-Za-z][A-Za-z0-9-]*:[\t\x20-\x7e]*$/;

/** Whether `seen` (no blank line yet) can be the start of a header block. */
function couldBeHeader(seen: string): boolean {
  const lines = seen.split('\r\n');
  const last = lines.pop()!;
  if (!lines.every((l) => HEADER_LINE.test(l))) return false;
  // the last line is partial: a name, a name and a value, or the CR of the blank line that ends the block
  return last === '' || (last === '\r' && lines.length > 0) || /^[A-Za-z][A-Za-z0-9-]*(?::[\t\x20-\x7e]*\r?)?$/.test(last);
}

/** Where the next marker in [from, end) starts, or -1. */
function findMarker(buf: Buffer, from: number, end: number): number {
  const within = buf.subarray(0, end); // (a search does not run on past `end`)
  let best = -1;
  for (const m of MARKERS) {
    const i = within.indexOf(m, from);
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  return best;
}

/** A JSON-RPC message parsed from `text`, or undefined. */
function parseMessage(text: string): Message | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    // `params` must be an object or an array when present; a null one made the protocol layer
    // throw (reading its workDoneToken) before any handler could answer InvalidParams
    const m = value as { method?: unknown; params?: unknown };
    if (typeof m.method === 'string' && 'params' in m && (m.params === null || typeof m.params !== 'object')) m.params = {};
    return value as Message;
  } catch {
    return undefined;
  }
}

/** What was skipped, for the log. */
export interface Skip {
  /** Bytes dropped (or re-read as the message they were). */
  bytes: number;
  reason: string;
  /** The skipped bytes were one whole message, delivered. */
  recovered: boolean;
}

export class FrameReader extends AbstractMessageReader implements MessageReader {
  private buf = Buffer.alloc(64 * 1024);
  private start = 0;
  private end = 0;
  /** Reading a body of this many bytes after the header; -1 between frames. */
  private bodyLength = -1;
  /** Resynchronising: skipped bytes start at `start`; `why` says what was wrong. */
  private skipping: string | undefined;
  /** Where the next search for a header inside pending bytes starts. */
  private scanFrom = 0;
  private callback: DataCallback | undefined;
  private readonly pending: Message[] = [];
  private readonly skipListeners: ((skip: Skip) => void)[] = [];
  /** A `shutdown` request was read: the client is ending the session (exit code 0 when the stream closes). */
  shutdownRead = false;

  constructor(private readonly readable: NodeJS.ReadableStream) {
    super();
  }

  /** Called for each skip: garbage, a bad header, a body that is not JSON, a wrong length. */
  onSkip(listener: (skip: Skip) => void): void {
    this.skipListeners.push(listener);
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    for (const m of this.pending.splice(0)) callback(m);
    const onData = (chunk: Buffer | string) => this.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    const onError = (err: Error) => this.fireError(err);
    const onClose = () => this.fireClose();
    this.readable.on('data', onData);
    this.readable.on('error', onError);
    this.readable.on('end', onClose);
    this.readable.on('close', onClose);
    return Disposable.create(() => {
      this.callback = undefined;
      this.readable.off('data', onData);
      this.readable.off('error', onError);
      this.readable.off('end', onClose);
      this.readable.off('close', onClose);
    });
  }

  /** Takes bytes (public for tests: a chunk boundary may fall anywhere). */
  push(chunk: Buffer): void {
    this.append(chunk);
    try {
      this.drain();
    } catch (err) {
      // a bug here would leave the stream unread: say so, and let the server exit
      this.fireError(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private append(chunk: Buffer): void {
    if (this.end + chunk.length > this.buf.length) {
      const live = this.end - this.start;
      const size = Math.max(this.buf.length, 2 * (live + chunk.length));
      const next = live + chunk.length <= this.buf.length / 2 ? this.buf : Buffer.allocUnsafe(size);
      this.buf.copy(next, 0, this.start, this.end);
      this.buf = next;
      this.scanFrom -= this.start;
      this.end = live;
      this.start = 0;
    }
    chunk.copy(this.buf, this.end);
    this.end += chunk.length;
  }

  /** The buffered bytes (searches must not see the stale ones after `end`). */
  private view(): Buffer {
    return this.buf.subarray(0, this.end);
  }

  private deliver(message: Message): void {
    if ((message as { method?: unknown }).method === 'shutdown') this.shutdownRead = true;
    if (this.callback) this.callback(message);
    else this.pending.push(message);
  }

  private skipped(skip: Skip): void {
    for (const l of this.skipListeners) l(skip);
  }

  private consume(bytes: number): void {
    this.start += bytes;
    if (this.start === this.end) {
      this.start = this.end = 0;
      // a large message's buffer is not kept for the whole session
      if (this.buf.length > 1024 * 1024) this.buf = Buffer.alloc(64 * 1024);
    }
    this.scanFrom = this.start;
  }

  private drain(): void {
    for (;;) {
      if (this.skipping !== undefined) {
        if (!this.resync()) return;
        continue;
      }
      if (this.bodyLength < 0) {
        if (this.start === this.end) return;
        const h = readHeader(this.view(), this.start, this.end);
        if (h.kind === 'incomplete') return;
        if (h.kind === 'bad') {
          // skip the bad header's block when it has one (its body may still be a whole message)
          this.consume(h.bytes);
          this.skipping = h.reason;
          this.scanFrom = this.start + (h.bytes ? 0 : 1);
          continue;
        }
        this.consume(h.bytes);
        this.bodyLength = h.length;
        continue;
      }
      if (this.end - this.start >= this.bodyLength) {
        // a header inside the body: the length claimed more than the message had
        const inside = this.headerWithin(this.scanFrom, this.start + this.bodyLength);
        if (inside >= 0) {
          this.bodyLength = -1;
          this.settleSkipped(inside, 'a Content-Length longer than its message (the next header came first)');
          continue;
        }
        const message = parseMessage(this.buf.toString('utf8', this.start, this.start + this.bodyLength));
        if (message) {
          this.consume(this.bodyLength);
          this.bodyLength = -1;
          this.deliver(message);
          continue;
        }
        // not JSON: a wrong length (or garbage); what follows up to the next header is looked at with it
        this.bodyLength = -1;
        this.skipping = 'a body that is not a JSON message (a wrong Content-Length?)';
        this.scanFrom = this.start;
        continue;
      }
      // Waiting for more body: a complete header already in it means the length was wrong.
      const inside = this.headerWithin(this.scanFrom, this.end);
      if (inside < 0) return;
      this.bodyLength = -1;
      this.settleSkipped(inside, 'a Content-Length longer than its message (the next header came first)');
    }
  }

  /**
   * The first complete, valid header block in [from, to) past `start`; -1 when there is none
   * (scanFrom then moves on, keeping a marker's length, so bytes are searched about once).
   */
  private headerWithin(from: number, to: number): number {
    let at = Math.max(from, this.start);
    for (;;) {
      const m = findMarker(this.view(), at, to);
      if (m < 0) {
        this.scanFrom = Math.max(this.start, to - MARKER_TAIL);
        return -1;
      }
      const h = readHeader(this.view(), m, this.end);
      if (h.kind === 'ok') return m;
      if (h.kind === 'incomplete') {
        this.scanFrom = m;
        return -1;
      }
      at = m + 1;
    }
  }

  /** Skipping: finds the next header; false while there is none yet. */
  private resync(): boolean {
    const next = this.headerWithin(this.scanFrom, this.end);
    if (next < 0) {
      // bounded: skipped bytes past the limit cannot be a message the server would take
      if (this.scanFrom - this.start > MAX_CONTENT_LENGTH) {
        this.skipped({ bytes: this.scanFrom - this.start, reason: this.skipping!, recovered: false });
        this.consume(this.scanFrom - this.start);
        this.skipping = 'more bytes with no header';
      }
      return false;
    }
    this.settleSkipped(next, this.skipping!);
    return true;
  }

  /** Bytes from `start` to the header at `next` were not a frame: deliver them if they are one whole message, else drop them. */
  private settleSkipped(next: number, reason: string): void {
    const bytes = next - this.start;
    const text = this.buf.toString('utf8', this.start, next).trim();
    const message = text.startsWith('{') ? parseMessage(text) : undefined;
    this.consume(bytes);
    this.skipping = undefined;
    this.skipped({ bytes, reason, recovered: !!message });
    if (message) this.deliver(message);
  }
}
