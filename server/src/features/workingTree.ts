/**
 * Working-tree mode: while kernel/audit.c has uncommitted changes, its
 * diagnostics say which findings the change introduced. The committed version
 * comes from `git show HEAD:<file>` (read-only; skipped where git or the
 * repository is missing), analysed once and cached for a while.
 *
 * git runs off the keystroke path: diagnostics are published at once with what is known
 * (nothing on the first open, the last baseline after that), and when a fresh baseline
 * arrives the file's diagnostics are published again through `onBaseline`.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { Analyser } from '../analyser';
import { findingKey } from '../patch/review';
import type { Finding } from '../rules/finding';

const TTL_MS = 30_000;
const GIT_OPTIONS = { encoding: 'utf8' as const, timeout: 2000, maxBuffer: 32 * 1024 * 1024 };

interface HeadEntry {
  at: number;
  /** Keys of the findings at HEAD, or undefined when the file is not in a repository at HEAD. */
  keys?: Set<string>;
  text?: string;
}

/** git's answer, or undefined when it failed (not a repository, no such file at HEAD, no git). */
function git(args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, GIT_OPTIONS, (err, stdout) => resolve(err ? undefined : stdout));
  });
}

export class WorkingTreeBaseline {
  private readonly cache = new Map<string, HeadEntry>();
  private readonly pending = new Map<string, Promise<void>>();
  /** The text each file was last asked about: a baseline that marks nothing in it needs no new publish. */
  private readonly asked = new Map<string, string>();

  /** `onBaseline(file)`: a baseline arrived or changed; the file's diagnostics should be published again. */
  constructor(private readonly analyser: Analyser, private readonly onBaseline: (filePath: string) => void = () => undefined) {}

  /** The committed text of a file, or undefined (not in git, untracked, git missing). */
  static async headText(filePath: string): Promise<string | undefined> {
    const top = (await git(['-C', path.dirname(filePath), 'rev-parse', '--show-toplevel']))?.trim();
    if (!top) return undefined;
    const rel = path.relative(top, filePath).split(path.sep).join('/');
    return git(['-C', top, 'show', `HEAD:${rel}`]);
  }

  /**
   * Findings of the current text the uncommitted change introduced; empty when the text is
   * the committed one, there is no committed version to compare with, or it is still being
   * read (a refresh is started, and onBaseline says when it is there).
   */
  introduced(filePath: string, currentText: string, findings: Finding[]): Set<Finding> {
    this.asked.set(filePath, currentText);
    const entry = this.cache.get(filePath);
    if (!entry || Date.now() - entry.at > TTL_MS) void this.refresh(filePath);
    if (!entry?.keys || entry.text === currentText) return new Set();
    return new Set(findings.filter((f) => !entry.keys!.has(findingKey(f))));
  }

  /** Reads HEAD's version again (once at a time per file); resolves when the baseline is in. */
  refresh(filePath: string): Promise<void> {
    const running = this.pending.get(filePath);
    if (running) return running;
    const done = WorkingTreeBaseline.headText(filePath).then((text) => {
      const before = this.cache.get(filePath);
      let keys: Set<string> | undefined;
      try {
        keys = text === undefined ? undefined : new Set(this.analyser.analyseText(text).findings.map(findingKey));
      } catch {
        keys = undefined; // a committed version we cannot analyse marks nothing
      }
      this.cache.set(filePath, { at: Date.now(), text, keys });
      // published again only when the marks can differ from what was published: a file outside
      // git, or one whose text is HEAD's, was published with none and would be again
      const same = before && before.text === text;
      const marks = keys !== undefined && this.asked.get(filePath) !== text;
      if (!same && marks) this.onBaseline(filePath);
    }).catch(() => undefined).finally(() => this.pending.delete(filePath));
    this.pending.set(filePath, done);
    return done;
  }

  forget(filePath: string): void {
    this.cache.delete(filePath);
    this.asked.delete(filePath);
  }
}
