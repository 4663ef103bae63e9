/**
 * Working-tree mode: while kernel/audit.c has uncommitted changes, its
 * diagnostics say which findings the change introduced. The committed version
 * comes from `git show HEAD:<file>` (read-only; skipped where git or the
 * repository is missing), analysed once and cached for a while.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { Analyser } from '../analyser';
import { findingKey } from '../patch/review';
import type { Finding } from '../rules/finding';

const TTL_MS = 30_000;

interface HeadEntry {
  at: number;
  /** Keys of the findings at HEAD, or undefined when the file is not in a repository at HEAD. */
  keys?: Set<string>;
  text?: string;
}

export class WorkingTreeBaseline {
  private readonly cache = new Map<string, HeadEntry>();

  constructor(private readonly analyser: Analyser) {}

  /** The committed text of a file, or undefined (not in git, untracked, git missing). */
  static headText(filePath: string): string | undefined {
    try {
      const dir = path.dirname(filePath);
      const top = execFileSync('git', ['-C', dir, 'rev-parse', '--show-toplevel'], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      const rel = path.relative(top, filePath).split(path.sep).join('/');
      return execFileSync('git', ['-C', top, 'show', `HEAD:${rel}`], { encoding: 'utf8', timeout: 2000, maxBuffer: 32 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return undefined;
    }
  }

  /**
   * Findings of the current text the uncommitted change introduced; empty when the text is
   * the committed one or there is no committed version to compare with.
   */
  introduced(filePath: string, currentText: string, findings: Finding[]): Set<Finding> {
    let entry = this.cache.get(filePath);
    if (!entry || Date.now() - entry.at > TTL_MS) {
      const text = WorkingTreeBaseline.headText(filePath);
      entry = { at: Date.now(), text, keys: text === undefined ? undefined : new Set(this.analyser.analyseText(text).findings.map(findingKey)) };
      this.cache.set(filePath, entry);
    }
    if (!entry.keys || entry.text === currentText) return new Set();
    return new Set(findings.filter((f) => !entry!.keys!.has(findingKey(f))));
  }

  forget(filePath: string): void {
    this.cache.delete(filePath);
  }
}
