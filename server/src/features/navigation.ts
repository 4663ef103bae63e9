/**
 * textDocument/definition and textDocument/references within one file, from
 * the Outline's name resolution (locals shadow file-level symbols).
 */
import type { Location, Position } from 'vscode-languageserver';
import type { FileAnalysis } from '../analyser';
import { toOffset, toRange } from './convert';

type Navigable = Pick<FileAnalysis, 'parsed' | 'outline'>;

export function definition(analysis: Navigable, uri: string, position: Position): Location[] {
  const lines = analysis.parsed.lines;
  const spans = analysis.outline.definitionAt(toOffset(lines, position));
  return spans.map((span) => ({ uri, range: toRange(lines, span) }));
}

export function references(analysis: Navigable, uri: string, position: Position, includeDeclaration: boolean): Location[] {
  const lines = analysis.parsed.lines;
  const spans = analysis.outline.referencesAt(toOffset(lines, position), includeDeclaration);
  return spans
    .slice()
    .sort((a, b) => a.start - b.start)
    .map((span) => ({ uri, range: toRange(lines, span) }));
}
