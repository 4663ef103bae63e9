/**
 * The project's own configuration, shared by the CLI and the language server:
 * `.auditlens.json` (or `auditlens.config.json`), found by walking up from the
 * checked file as ESLint and Prettier find theirs. It says which rules are off
 * or at another severity, which file patches are reviewed against, the
 * simulation's defaults and whether drafted replies carry the rule-id footnote.
 * Command-line flags and the editor's `auditlens.*` settings override it.
 */
import { dirname, join, resolve } from 'node:path';
import { RULE_BY_ID } from '../rules/catalogue';
import type { RuleOptions } from '../rules';
import { SCENARIOS, type ScenarioName } from '../simulate/types';

export const CONFIG_NAMES = ['.auditlens.json', 'auditlens.config.json'] as const;

export type RuleSetting = NonNullable<RuleOptions['rules']>[string];
const RULE_SETTINGS = new Set<string>(['default', 'off', 'error', 'warning', 'information']);

/** Whether `v` is a rule setting (`off`, a severity, or `default`): the file's, the flags' and the editor's. */
export function isRuleSetting(v: unknown): v is RuleSetting {
  return typeof v === 'string' && RULE_SETTINGS.has(v);
}

export interface SimulationDefaults {
  scenario?: ScenarioName;
  records?: number;
  backlogLimit?: number;
  seed?: number;
}

export interface ProjectConfig {
  /** The file it was read from (absent for the empty configuration). */
  path?: string;
  rules: Record<string, RuleSetting>;
  /** The base for patch review, resolved against the configuration file's directory. */
  patchBase?: string;
  simulate: SimulationDefaults;
  /** Drafted replies end with an "AuditLens: AQ103" footnote naming the rules (default on). */
  replyFootnote: boolean;
  /** What in the file was not understood and so not applied, one line each. */
  problems: string[];
}

export const EMPTY_CONFIG: Readonly<ProjectConfig> = Object.freeze({ rules: {}, simulate: {}, replyFootnote: true, problems: [] });

/** A configuration file that cannot be used at all (not JSON, not an object). */
export class ConfigError extends Error {}

const KNOWN_KEYS = new Set(['$schema', 'rules', 'patch', 'simulate', 'reply']);

/**
 * Reads a configuration's text. Keys or values it does not know are reported in
 * `problems` and left out, so a typo never silently changes what is checked.
 */
export function parseConfig(text: string, path: string): ProjectConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new ConfigError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${path}: must be a JSON object`);
  const obj = raw as Record<string, unknown>;
  const out: ProjectConfig = { path, rules: {}, simulate: {}, replyFootnote: true, problems: [] };
  const problem = (s: string) => out.problems.push(`${path}: ${s}`);
  for (const key of Object.keys(obj)) if (!KNOWN_KEYS.has(key)) problem(`unknown key "${key}" ignored (known: rules, patch, simulate, reply)`);

  const rules = obj.rules;
  if (rules !== undefined) {
    if (!rules || typeof rules !== 'object' || Array.isArray(rules)) problem('"rules" must map rule ids to off, error, warning, information or default');
    else {
      for (const [id, v] of Object.entries(rules as Record<string, unknown>)) {
        const setting = ruleSetting(id, v);
        if (typeof setting === 'string') out.rules[id] = setting as RuleSetting;
        else problem(`rules.${id}: ${setting.why}`);
      }
    }
  }

  const patch = section(obj, 'patch', problem);
  if (patch) {
    for (const key of Object.keys(patch)) if (key !== 'base') problem(`unknown key "patch.${key}" ignored`);
    if (patch.base !== undefined) {
      if (typeof patch.base === 'string' && patch.base.trim()) out.patchBase = resolve(dirname(path), patch.base);
      else problem('patch.base must be a path to the kernel/audit.c patches apply to');
    }
  }

  const sim = section(obj, 'simulate', problem);
  if (sim) {
    for (const [key, v] of Object.entries(sim)) {
      if (key === 'scenario') {
        if (typeof v === 'string' && (SCENARIOS as readonly string[]).includes(v)) out.simulate.scenario = v as ScenarioName;
        else problem(`simulate.scenario must be one of ${SCENARIOS.join(', ')}`);
      } else if (key === 'records' || key === 'backlogLimit' || key === 'seed') {
        const min = key === 'seed' ? 0 : 1;
        if (typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= 1_000_000_000) out.simulate[key] = v;
        else problem(`simulate.${key} must be a whole number from ${min}`);
      } else problem(`unknown key "simulate.${key}" ignored (known: scenario, records, backlogLimit, seed)`);
    }
  }

  const reply = section(obj, 'reply', problem);
  if (reply) {
    for (const [key, v] of Object.entries(reply)) {
      if (key === 'footnote' && typeof v === 'boolean') out.replyFootnote = v;
      else problem(key === 'footnote' ? 'reply.footnote must be true or false' : `unknown key "reply.${key}" ignored (known: footnote)`);
    }
  }
  return out;
}

function ruleSetting(id: string, v: unknown): string | { why: string } {
  if (!RULE_BY_ID.has(id)) return { why: `no rule ${id} in the catalogue; ignored` };
  if (isRuleSetting(v)) return v;
  return { why: `must be off, error, warning, information or default (got ${JSON.stringify(v)}); ignored` };
}

function section(obj: Record<string, unknown>, key: string, problem: (s: string) => void): Record<string, unknown> | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  problem(`"${key}" must be an object; ignored`);
  return undefined;
}

/** What the finder needs of a file system: the CLI's is node:fs, the server's its host. */
export interface ConfigFs {
  exists(path: string): boolean;
  read(path: string): string;
}

/** The nearest configuration file at or above `dir`, or undefined. */
export function findConfigFile(dir: string, fs: ConfigFs): string | undefined {
  let cur = resolve(dir);
  for (let i = 0; i < 256; i++) {
    for (const name of CONFIG_NAMES) {
      const candidate = join(cur, name);
      if (fs.exists(candidate)) return candidate;
    }
    const up = dirname(cur);
    if (up === cur) return undefined;
    cur = up;
  }
  return undefined;
}

/** The configuration that applies to files in `dir` (the empty one when there is none). */
export function loadConfigFor(dir: string, fs: ConfigFs): ProjectConfig {
  const path = findConfigFile(dir, fs);
  return path ? parseConfig(fs.read(path), path) : { ...EMPTY_CONFIG, problems: [] };
}

/**
 * Rule settings with `over` taking precedence (a flag or an editor setting over the file);
 * `default` in `over` restores the catalogue's own severity even where the file changed it.
 */
export function mergeRules(base: Record<string, RuleSetting>, over: Record<string, RuleSetting>): Record<string, RuleSetting> {
  const out: Record<string, RuleSetting> = { ...base };
  for (const [id, v] of Object.entries(over)) {
    if (v === 'default') delete out[id];
    else out[id] = v;
  }
  return out;
}

/** `AC301=off`, `AQ101=error,AL206=off`: the CLI's `--rule` values. */
export function parseRuleFlags(values: readonly string[]): Record<string, RuleSetting> | string {
  const out: Record<string, RuleSetting> = {};
  for (const item of values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z]+\d+)=(\w+)$/.exec(item);
    if (!m) return `--rule takes RULE=SETTING (for example AC301=off), got '${item}'`;
    const setting = ruleSetting(m[1].toUpperCase(), m[2].toLowerCase());
    if (typeof setting !== 'string') return `--rule ${item}: ${setting.why.replace(/; ignored$/, '')}`;
    out[m[1].toUpperCase()] = setting as RuleSetting;
  }
  return out;
}
