/**
 * The project configuration as the CLI meets it: `--config FILE` or the
 * nearest `.auditlens.json` above each input, `--no-config` for none, and
 * `--rule RULE=SETTING` over both. A configuration that cannot be read is
 * unusable input (exit 2); keys it does not know are warned about once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { configFiles } from '../input/read';
import { dirname, resolve } from 'node:path';
import { ConfigError, EMPTY_CONFIG, loadConfigFor, mergeRules, parseConfig, parseRuleFlags, ProjectConfig } from '../config/projectConfig';
import type { RuleOptions } from '../rules';
import type { ParsedArgs } from './args';
import { InputError, UsageError } from './errors';
import type { CliIO } from './io';

export const CONFIG_FLAGS = {
  config: { takesValue: true },
  'no-config': { takesValue: false },
  rule: { takesValue: true, repeatable: true },
};


export class CliConfig {
  private readonly byDir = new Map<string, ProjectConfig>();
  private readonly warned = new Set<string>();
  private readonly explicit?: ProjectConfig;
  private readonly none: boolean;
  private readonly ruleFlags: NonNullable<RuleOptions['rules']>;

  constructor(private readonly command: string, parsed: ParsedArgs, private readonly io: CliIO) {
    const ruleFlags = parseRuleFlags(parsed.repeated.get('rule') ?? []);
    if (typeof ruleFlags === 'string') throw new UsageError(`auditlens ${command}: ${ruleFlags}`);
    this.ruleFlags = ruleFlags;
    this.none = parsed.flags.has('no-config');
    const file = parsed.flags.get('config');
    if (typeof file === 'string') {
      if (this.none) throw new UsageError(`auditlens ${command}: --config and --no-config contradict each other`);
      if (!existsSync(file)) throw new InputError(`auditlens: ${file}: configuration file not found`);
      this.explicit = this.read(resolve(file));
    }
  }

  /** The configuration for an input (its directory's, walking up; standard input: the working directory's). */
  for(inputPath: string): ProjectConfig {
    if (this.none) return { ...EMPTY_CONFIG, problems: [] };
    if (this.explicit) return this.explicit;
    const dir = inputPath === '-' ? process.cwd() : dirname(resolve(inputPath));
    let hit = this.byDir.get(dir);
    if (!hit) {
      try {
        hit = loadConfigFor(dir, configFiles);
      } catch (err) {
        throw this.unusable(err);
      }
      this.warn(hit);
      this.byDir.set(dir, hit);
    }
    return hit;
  }

  /** Rule settings for an input: the file's, then `--rule` over them. */
  rules(inputPath: string): NonNullable<RuleOptions['rules']> {
    return mergeRules(this.for(inputPath).rules, this.ruleFlags);
  }

  private read(path: string): ProjectConfig {
    try {
      const config = parseConfig(readFileSync(path, 'utf8'), path);
      this.warn(config);
      return config;
    } catch (err) {
      throw this.unusable(err);
    }
  }

  private unusable(err: unknown): Error {
    if (err instanceof ConfigError) return new InputError(`auditlens: ${err.message}`);
    const e = err as NodeJS.ErrnoException;
    return e?.code ? new InputError(`auditlens: configuration: ${e.message}`) : (err as Error);
  }

  private warn(config: ProjectConfig): void {
    for (const p of config.problems) {
      if (this.warned.has(p)) continue;
      this.warned.add(p);
      this.io.stderr(`auditlens: warning: ${p}\n`);
    }
  }
}
