/**
 * FrameReader, the server's stdin reader, byte by byte: good frames in any chunking,
 * and every kind of bad frame followed by good ones, which must still be read.
 */
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import type { Message } from 'vscode-languageserver/node';
import { FrameReader, readHeader, Skip } from '../../server/src/frameReader';

const frame = (message: object, claim?: number | string): Buffer => {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${claim ?? body.length}\r\n\r\n`, 'latin1'), body]);
};
const req = (id: number, text = 'x') => ({ jsonrpc: '2.0', id, method: 'textDocument/hover', params: { text } });

/** Feeds the bytes to a reader in chunks of `size` (0: all at once); returns what it read and skipped. */
function read(bytes: Buffer, size = 0): { messages: Message[]; skips: Skip[]; reader: FrameReader } {
  const reader = new FrameReader(new PassThrough());
  const messages: Message[] = [];
  const skips: Skip[] = [];
  reader.onSkip((s) => skips.push(s));
  reader.listen((m) => messages.push(m));
  if (!size) reader.push(bytes);
  else for (let i = 0; i < bytes.length; i += size) reader.push(bytes.subarray(i, i + size));
  return { messages, skips, reader };
}
const ids = (messages: Message[]) => messages.map((m) => (m as { id?: number }).id);

describe('FrameReader', () => {
  it('reads good frames however they are chunked, with Content-Type and any header case', () => {
    const accented = Buffer.from(JSON.stringify(req(2, 'é€😀'.repeat(10))), 'utf8');
    const bytes = Buffer.concat([
      frame(req(1)),
      Buffer.from(`Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length: ${accented.length}\r\n\r\n`, 'latin1'),
      accented,
      frame(req(3, 'Content-Length: 12\\r\\n\\r\\n inside a string is text')),
    ]);
    for (const size of [0, 1, 2, 3, 7, 64]) {
      const { messages, skips } = read(bytes, size);
      expect(skips, `chunks of ${size}`).toEqual([]);
      expect(ids(messages), `chunks of ${size}`).toEqual([1, 2, 3]);
    }
  });

  it('reads a large body in small chunks', () => {
    const big = req(9, 'a'.repeat(3 * 1024 * 1024));
    const { messages } = read(Buffer.concat([frame(big), frame(req(10))]), 65536);
    expect(ids(messages)).toEqual([9, 10]);
    expect((messages[0] as unknown as { params: { text: string } }).params.text).toHaveLength(3 * 1024 * 1024);
  });

  const cases: [string, Buffer, { recovered: boolean; reason: RegExp }][] = [
    ['a Content-Length claiming more than the message', frame(req(1), 400), { recovered: true, reason: /longer than its message/ }],
    ['a Content-Length claiming fewer bytes than the message', frame(req(1), 20), { recovered: true, reason: /not a JSON message/ }],
    ['a non-numeric Content-Length', frame(req(1), 'twelve'), { recovered: true, reason: /"twelve" is not a number/ }],
    ['a negative Content-Length', frame(req(1), -5), { recovered: true, reason: /"-5" is not a number/ }],
    ['a huge Content-Length', frame(req(1), 99999999999), { recovered: true, reason: /is not a number|is over/ }],
    ['no Content-Length', Buffer.concat([Buffer.from('Content-Type: x\r\n\r\n'), Buffer.from(JSON.stringify(req(1)))]), { recovered: true, reason: /without Content-Length/ }],
    ['garbage bytes', Buffer.from('\x00\xff garbage \r\n\r\n{{{ not json'), { recovered: false, reason: /not a header|not 'Name: value'/ }],
    ['a body that is not JSON', Buffer.from('Content-Length: 5\r\n\r\nhello'), { recovered: false, reason: /not a JSON message/ }],
    ['a header line with no colon', Buffer.from('Content-Length 5\r\n\r\nhello'), { recovered: false, reason: /not 'Name: value'|not a header/ }],
  ];
  for (const [name, bad, expected] of cases) {
    it(`after ${name}, reads on from the next header`, () => {
      const bytes = Buffer.concat([frame(req(0)), bad, frame(req(2)), frame(req(3))]);
      for (const size of [0, 1, 5, 64]) {
        const { messages, skips } = read(bytes, size);
        expect(skips.map((s) => s.recovered), `chunks of ${size}`).toEqual([expected.recovered]);
        expect(skips[0].reason).toMatch(expected.reason);
        expect(ids(messages), `chunks of ${size}`).toEqual(expected.recovered ? [0, 1, 2, 3] : [0, 2, 3]);
      }
    });
  }

  it('does not wait for the bytes of an over-long Content-Length once the next header is in', () => {
    // the bad frame claims a megabyte; only the next frame follows, and it is read
    const { messages, skips } = read(Buffer.concat([frame(req(1), 1024 * 1024), frame(req(2))]));
    expect(ids(messages)).toEqual([1, 2]);
    expect(skips).toHaveLength(1);
  });

  it('notes the shutdown request (the exit code when stdin closes)', () => {
    const { reader } = read(frame({ jsonrpc: '2.0', id: 1, method: 'shutdown' }));
    expect(reader.shutdownRead).toBe(true);
  });

  it('reads a header in pieces, and tells garbage from a header early', () => {
    const buf = Buffer.from('Content-Length: 12\r\n\r');
    expect(readHeader(buf, 0, buf.length)).toEqual({ kind: 'incomplete' });
    const junk = Buffer.from('{"jsonrpc":');
    expect(readHeader(junk, 0, junk.length)).toMatchObject({ kind: 'bad' });
    const ok = Buffer.from('Content-Length: 12\r\n\r\n');
    expect(readHeader(ok, 0, ok.length)).toEqual({ kind: 'ok', length: 12, bytes: ok.length });
  });
});
