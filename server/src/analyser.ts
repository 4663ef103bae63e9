/**
 * The analysis core behind the language server and the CLI: one plain class,
 * no LSP types. It keeps one parse per open document (incrementally updated)
 * and computes everything else lazily from it, once per version.
 */
import { KernelCParser, ParsedSource } from './parse/cParser';
import { Outline } from './parse/outline';
import { buildModel, QueueModel } from './model';
import type { Finding } from './rules/finding';

/** Everything known about one version of one C text. Lazy and memoised. */
export class FileAnalysis {
  private outlineCache?: Outline;
  private modelCache?: QueueModel;

  constructor(readonly parsed: ParsedSource, readonly version: number) {}

  get outline(): Outline {
    return (this.outlineCache ??= new Outline(this.parsed));
  }

  /** The queue state model (facts are reused across versions for unchanged functions). */
  get model(): QueueModel {
    return (this.modelCache ??= buildModel(this.outline));
  }

  /** Rule findings; the rules stage fills this in later issues. */
  get findings(): Finding[] {
    return [];
  }
}

export class Analyser {
  private readonly parser = new KernelCParser();
  private readonly documents = new Map<string, FileAnalysis>();

  /** Analyses a text that is not tracked as an open document (CLI, patch images). */
  analyseText(text: string): FileAnalysis {
    return new FileAnalysis(this.parser.parse(text), 0);
  }

  /** Opens or replaces a document; reuses the previous tree when there is one. */
  update(uri: string, text: string, version: number): FileAnalysis {
    const previous = this.documents.get(uri);
    const parsed = previous ? this.parser.reparse(previous.parsed, text) : this.parser.parse(text);
    const analysis = new FileAnalysis(parsed, version);
    this.documents.set(uri, analysis);
    return analysis;
  }

  get(uri: string): FileAnalysis | undefined {
    return this.documents.get(uri);
  }

  close(uri: string): void {
    this.documents.delete(uri);
  }
}
