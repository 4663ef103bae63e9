/**
 * The project configuration (`.auditlens.json`) as the language server uses
 * it: looked up once per directory of an open document, dropped when a
 * configuration file changes (the server watches them), and reported where
 * it is wrong, as diagnostics on the configuration file itself. The editor's
 * `auditlens.*` settings go over it.
 */
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, ConfigFs, EMPTY_CONFIG, findConfigFile, mergeRules, parseConfig, ProjectConfig } from '../config/projectConfig';
import type { RuleOptions } from '../rules';
import { Diagnostic, DiagnosticSeverity } from 'vscode-languageserver';

export type Rules = NonNullable<RuleOptions['rules']>;

/** Configuration files above this are not read (nobody writes a megabyte of settings). */
const MAX_CONFIG_BYTES = 1024 * 1024;

export interface ConfigProblem {
  /** The configuration file. */
  path: string;
  text: string;
  problems: string[];
}

export class ProjectConfigs {
  private readonly byDir = new Map<string, ProjectConfig>();
  private readonly files = new Map<string, ConfigProblem>();
  /** What was last published per configuration file URI (its text and problems). */
  private published = new Map<string, string>();
  /** Files were read or forgotten since the last pendingDiagnostics(): only then is there news (it runs on every keystroke). */
  private changed = false;

  /** `fs` absent (the web): no configuration files, settings only. */
  constructor(private readonly fs: ConfigFs | undefined, private readonly pathOf: (uri: string) => string | undefined) {}

  /** The configuration for an open document (the empty one where there is none or no disk). */
  forUri(uri: string): ProjectConfig {
    const path = this.pathOf(uri);
    if (!path || !this.fs) return EMPTY_CONFIG;
    const dir = dirname(path);
    let hit = this.byDir.get(dir);
    if (!hit) {
      hit = this.load(dir);
      this.byDir.set(dir, hit);
    }
    return hit;
  }

  /** Rule settings for a document: its configuration file's, the editor's settings over them. */
  rulesFor(uri: string, settings: Rules): Rules {
    return mergeRules(this.forUri(uri).rules, settings);
  }

  /** Forgets everything read: a configuration file was created, changed or deleted. */
  clear(): void {
    this.changed = true;
    this.byDir.clear();
    this.files.clear();
  }

  /**
   * Diagnostics to publish on configuration files since the last call: each file read, and an
   * empty list for those published before that are no longer read (changed or deleted).
   */
  pendingDiagnostics(): { uri: string; diagnostics: Diagnostic[] }[] {
    if (!this.changed) return [];
    this.changed = false;
    const out: { uri: string; diagnostics: Diagnostic[] }[] = [];
    const now = new Map([...this.files.values()].map((f) => [pathToFileURL(f.path).href, f]));
    for (const uri of this.published.keys()) if (!now.has(uri)) out.push({ uri, diagnostics: [] });
    for (const [uri, f] of now) {
      const key = `${f.text}\0${f.problems.join('\n')}`;
      if (this.published.get(uri) === key) continue;
      out.push({ uri, diagnostics: configDiagnostics(f) });
    }
    this.published = new Map([...now].map(([uri, f]) => [uri, `${f.text}\0${f.problems.join('\n')}`]));
    return out;
  }

  private load(dir: string): ProjectConfig {
    const fs = this.fs!;
    let path: string | undefined;
    let text = '';
    try {
      path = findConfigFile(dir, fs);
      if (!path) return EMPTY_CONFIG;
      text = fs.read(path);
      if (text.length > MAX_CONFIG_BYTES) throw new ConfigError(`${path}: larger than 1 MB; not read`);
      const config = parseConfig(text, path);
      this.files.set(path, { path, text, problems: config.problems });
      this.changed = true;
      return config;
    } catch (err) {
      // an unusable file configures nothing, and says so where the user edits it
      const message = err instanceof ConfigError ? err.message : `${path ?? dir}: ${(err as Error).message}`;
      if (path) {
        this.files.set(path, { path, text, problems: [message] });
        this.changed = true;
      }
      return { ...EMPTY_CONFIG, path, problems: [message] };
    }
  }
}

/** Where in the file a problem is about: the line of the key it names (`rules.AC999` → `"AC999"`), else the first. */
export function problemLine(text: string, problem: string): number {
  const key = /(?:"([^"]+)"|\b(?:rules|simulate|patch|reply)\.([\w]+))/.exec(problem.replace(/^[^:]*\.json: /, ''));
  const name = key?.[1]?.split('.').pop() ?? key?.[2];
  if (!name) return 0;
  const at = text.indexOf(`"${name}"`);
  return at < 0 ? 0 : text.slice(0, at).split('\n').length - 1;
}

/** A configuration file's problems as diagnostics on it (warnings: the rest of the file still applies). */
export function configDiagnostics(file: ConfigProblem): Diagnostic[] {
  return file.problems.map((problem) => {
    const line = problemLine(file.text, problem);
    return {
      range: { start: { line, character: 0 }, end: { line, character: file.text.split('\n')[line]?.length ?? 0 } },
      severity: DiagnosticSeverity.Warning,
      source: 'auditlens',
      code: 'config',
      message: problem.replace(/^[^:]*\.json: /, ''),
    };
  });
}
