/**
 * The analysis core behind the language server and the CLI: one plain class,
 * no LSP types. It keeps one parse per open document (incrementally updated)
 * and computes everything else lazily from it, once per version.
 */
import { KernelCParser, ParsedSource } from './parse/cParser';
import { Outline } from './parse/outline';
import { buildModel, QueueModel } from './model';
import { forgetFactOwner, notAnalysedReason } from './facts/fileFacts';
import type { Finding } from './rules/finding';
import { runRules, RuleOptions } from './rules';

/** Everything known about one version of one C text. Lazy and memoised. */
export class FileAnalysis {
  private outlineCache?: Outline;
  private modelCache?: QueueModel;
  private findingsCache?: Finding[];

  /** `owner`: the open document this is a version of (its old versions' cached facts are dropped as it changes). */
  constructor(readonly parsed: ParsedSource, readonly version: number, readonly options: RuleOptions = {}, readonly owner?: string) {}

  get outline(): Outline {
    return (this.outlineCache ??= new Outline(this.parsed));
  }

  /** The queue state model (facts are reused across versions for unchanged functions). */
  get model(): QueueModel {
    if (!this.modelCache) {
      try {
        this.modelCache = buildModel(this.outline, this.owner);
      } catch (err) {
        this.isolate(err, false);
      }
    }
    return this.modelCache!;
  }

  /** Everything read from the tree is built: the tree itself is no longer needed. */
  get settled(): boolean {
    return !!this.outlineCache && !!this.modelCache;
  }

  /** Rule findings on the model, with the analyser's rule options applied. */
  get findings(): Finding[] {
    if (!this.findingsCache) {
      const model = this.model;
      try {
        this.findingsCache = runRules(model, this.options);
      } catch (err) {
        this.isolate(err, true);
      }
    }
    return this.findingsCache!;
  }

  /**
   * The model or a rule threw on this version: find the one function whose absence lets both
   * through, and analyse the file without it (that function is reported "not analysed", with
   * why). The function that broke the document's previous version is tried first, so a
   * document that stays broken while it is edited costs one extra build, not one per function.
   * When no single function explains it, the error stands (the caller reports the file).
   */
  private isolate(err: unknown, forRules: boolean): void {
    const what = forRules ? 'a rule failed on it' : 'the queue model could not be built with it';
    const hint = this.owner !== undefined ? culprits.get(this.owner) : undefined;
    const names = [...new Set([...(hint ? [hint] : []), ...this.outline.functions.map((f) => f.name)])];
    // each try is a whole model and rule run: bounded (by count, so the answer does not depend
    // on the machine's speed), so a failure no function explains cannot hold an editor for minutes
    for (const name of names.slice(0, ISOLATION_TRIES)) {
      const exclude = new Map([[name, notAnalysedReason(what, err)]]);
      try {
        const model = buildModel(this.outline, this.owner, exclude);
        const findings = runRules(model, this.options);
        this.modelCache = model;
        this.findingsCache = findings;
        if (this.owner !== undefined) culprits.set(this.owner, name);
        return;
      } catch {
        // not this one
      }
    }
    throw err;
  }
}

/** Functions tried, one at a time, as the one that explains a failure (kernel/audit.c has about 100). */
const ISOLATION_TRIES = 150;

/** Per open document, the function that last had to be left out (tried first next time). */
const culprits = new Map<string, string>();

export class Analyser {
  private readonly parser = new KernelCParser();
  private readonly documents = new Map<string, FileAnalysis>();
  /** Rule enable/severity settings, applied to every analysis made from now on. */
  options: RuleOptions = {};

  /** Analyses a text that is not tracked as an open document (CLI, patch images). */
  analyseText(text: string): FileAnalysis {
    return new FileAnalysis(this.parser.parse(text), 0, this.options);
  }

  /** Opens or replaces a document; reuses the previous tree when there is one. `options`: this document's rule settings (its project configuration's). */
  update(uri: string, text: string, version: number, options: RuleOptions = this.options): FileAnalysis {
    const previous = this.documents.get(uri);
    const parsed = previous ? this.parser.reparse(previous.parsed, text) : this.parser.parse(text);
    const analysis = new FileAnalysis(parsed, version, options, uri);
    this.documents.set(uri, analysis);
    if (previous) this.retire(previous, analysis);
    return analysis;
  }

  /**
   * A superseded version gives its tree back at once when it will not read it again (its
   * outline and model are built, and the new version has a tree of its own); else the
   * collector frees it later.
   */
  private retire(previous: FileAnalysis, next: FileAnalysis): void {
    if (previous.parsed.tree !== next.parsed.tree && previous.settled) this.parser.release(previous.parsed);
  }

  /**
   * Frees an analysis's tree once its caller is done reading it (a CLI run over many files):
   * WebAssembly trees live in memory the collector does not see until it finalises them.
   */
  release(analysis: FileAnalysis): void {
    if (analysis.settled) this.parser.release(analysis.parsed);
  }

  get(uri: string): FileAnalysis | undefined {
    return this.documents.get(uri);
  }

  close(uri: string): void {
    const closed = this.documents.get(uri);
    this.documents.delete(uri);
    if (closed?.settled) this.parser.release(closed.parsed);
    forgetFactOwner(uri);
    culprits.delete(uri);
  }
}
