/**
 * The server's frame reader hands the protocol layer only messages it can take: a request whose
 * params are null (or a number) reaches the handler as `{}`, so it is answered InvalidParams by
 * the handler's check instead of an internal error from the protocol layer. (Over real stdio:
 * test/lsp/reliability.test.ts.)
 */
import { PassThrough } from 'node:stream';
import { expect, it } from 'vitest';
import { FrameReader } from '../../server/src/frameReader';

function frame(body: string): Buffer {
  return Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

it('a request with null or scalar params is handed on with empty params; others as they came', async () => {
  const input = new PassThrough();
  const reader = new FrameReader(input);
  const got: unknown[] = [];
  reader.listen((m) => got.push(m));
  input.write(frame(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'textDocument/definition', params: null })));
  input.write(frame(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'textDocument/hover', params: 5 })));
  input.write(frame(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'shutdown' })));
  input.write(frame(JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'textDocument/hover', params: { textDocument: { uri: 'file:///a.c' }, position: { line: 0, character: 0 } } })));
  input.write(frame(JSON.stringify({ jsonrpc: '2.0', id: 9, result: null })));
  await new Promise((r) => setImmediate(r));
  expect(got).toEqual([
    { jsonrpc: '2.0', id: 1, method: 'textDocument/definition', params: {} },
    { jsonrpc: '2.0', id: 2, method: 'textDocument/hover', params: {} },
    { jsonrpc: '2.0', id: 3, method: 'shutdown' },
    { jsonrpc: '2.0', id: 4, method: 'textDocument/hover', params: { textDocument: { uri: 'file:///a.c' }, position: { line: 0, character: 0 } } },
    // a response's null result is no params
    { jsonrpc: '2.0', id: 9, result: null },
  ]);
});
