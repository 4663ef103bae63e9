/**
 * Server settings (`auditlens.*`). They arrive in initializationOptions at start
 * and, when the client supports the pull model, from workspace/configuration.
 */
import type { RuleOptions } from './rules';
import { RULE_BY_ID } from './rules/catalogue';
import { isRuleSetting } from './config/projectConfig';

export interface ServerSettings {
  /** Documents larger than this many UTF-8 bytes are not parsed. */
  maxFileSize: number;
  /** `auditlens.rules`: per rule id, 'off' or a replacement severity. */
  rules: NonNullable<RuleOptions['rules']>;
  /** Mark findings an uncommitted change introduced (runs `git show HEAD:file`; off in untrusted workspaces). */
  workingTree: boolean;
}

export const DEFAULT_SETTINGS: Readonly<ServerSettings> = Object.freeze({ maxFileSize: 8 * 1024 * 1024, rules: {}, workingTree: true });

/** Merges whatever the client sent over `base`, ignoring values of the wrong shape. */
export function readSettings(raw: unknown, base: Readonly<ServerSettings> = DEFAULT_SETTINGS): ServerSettings {
  const out: ServerSettings = { ...base };
  if (raw && typeof raw === 'object') {
    const size = (raw as Record<string, unknown>).maxFileSize;
    if (typeof size === 'number' && Number.isFinite(size) && size > 0) out.maxFileSize = Math.floor(size);
    const wt = (raw as Record<string, unknown>).workingTree;
    if (typeof wt === 'boolean') out.workingTree = wt;
    const rules = (raw as Record<string, unknown>).rules;
    if (rules && typeof rules === 'object') {
      out.rules = {};
      for (const [id, v] of Object.entries(rules as Record<string, unknown>)) {
        if (RULE_BY_ID.has(id) && isRuleSetting(v)) out.rules[id] = v;
      }
    }
  }
  return out;
}
