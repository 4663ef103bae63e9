/**
 * Problems found while reading, capped so hostile or junk input (millions of
 * bad lines) cannot flood the result: past the cap, one line says how many more.
 */
import type { PatchProblem } from './types';

const MAX_PROBLEMS = 100;

export class ProblemLog {
  private readonly list: PatchProblem[] = [];
  private dropped = 0;

  add(docLine: number, message: string): void {
    if (this.list.length < MAX_PROBLEMS) this.list.push({ docLine, message });
    else this.dropped++;
  }

  /** Sorted by line; with the count of unreported problems at the end. */
  done(): PatchProblem[] {
    const out = [...this.list].sort((a, b) => a.docLine - b.docLine);
    if (this.dropped) out.push({ docLine: out[out.length - 1].docLine, message: `${this.dropped} more problems of the same kinds not listed` });
    return out;
  }
}
