/** Finds LSP positions in fixture text by content, so tests do not hard-code line numbers. */
import { LineIndex } from '../../server/src/parse/lineIndex';

export interface Pos {
  line: number;
  character: number;
}

/** Position of the `occurrence`-th (0-based) match of `needle`, plus `delta` characters. */
export function positionOf(text: string, needle: string, occurrence = 0, delta = 0): Pos {
  let at = -1;
  for (let i = 0; i <= occurrence; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`fixture has no occurrence ${occurrence} of ${JSON.stringify(needle)}`);
  }
  return new LineIndex(text).positionAt(at + delta);
}

/** 0-based line of the first line matching `re`. */
export function lineOf(text: string, re: RegExp): number {
  const line = text.split('\n').findIndex((l) => re.test(l));
  if (line < 0) throw new Error(`fixture has no line matching ${re}`);
  return line;
}
