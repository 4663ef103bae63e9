/**
 * Span <-> LSP conversions. Offsets in a parse are UTF-16 string indices, the
 * unit LSP positions use, so the parse's LineIndex converts both ways.
 */
import type { Position, Range } from 'vscode-languageserver';
import type { LineIndex } from '../parse/lineIndex';

export interface OffsetRange {
  start: number;
  end: number;
}

export function toRange(lines: LineIndex, span: OffsetRange): Range {
  return { start: lines.positionAt(span.start), end: lines.positionAt(span.end) };
}

export function toOffset(lines: LineIndex, position: Position): number {
  return lines.offsetAt(position);
}
