/**
 * textDocument/codeLens. The simulation lenses come with the simulator; until
 * then the handler is wired and answers with no lenses rather than fake ones.
 */
import type { CodeLens } from 'vscode-languageserver';
import type { FileAnalysis } from '../analyser';

export function codeLenses(_analysis: Pick<FileAnalysis, 'parsed' | 'outline'>): CodeLens[] {
  return [];
}
