/** `.auditlens.json`: what it may say, how it is found, and how flags and settings go over it. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../server/src/rules/catalogue';
import { ConfigError, findConfigFile, loadConfigFor, mergeRules, parseConfig, parseRuleFlags } from '../../server/src/config/projectConfig';

function memoryFs(files: Record<string, string>) {
  return { exists: (p: string) => p in files, read: (p: string) => files[p] };
}

describe('project configuration', () => {
  it('reads rules, the patch base (relative to the file), simulation defaults and the reply footnote', () => {
    const c = parseConfig(JSON.stringify({ rules: { AC301: 'off', AQ109: 'warning' }, patch: { base: 'kernel/audit.c' }, simulate: { scenario: 'auditd-stopped', records: 500 }, reply: { footnote: false } }), '/tree/.auditlens.json');
    expect(c.rules).toEqual({ AC301: 'off', AQ109: 'warning' });
    expect(c.patchBase).toBe('/tree/kernel/audit.c');
    expect(c.simulate).toEqual({ scenario: 'auditd-stopped', records: 500 });
    expect(c.replyFootnote).toBe(false);
    expect(c.problems).toEqual([]);
  });

  it('reports what it does not understand instead of applying it', () => {
    const c = parseConfig(JSON.stringify({ rule: {}, rules: { AC301: 'of', ZZ1: 'off' }, simulate: { scenario: 'x', speed: 2 }, patch: 'kernel/audit.c' }), '/t/.auditlens.json');
    expect(c.rules).toEqual({});
    expect(c.problems.join('\n')).toMatch(/unknown key "rule"/);
    expect(c.problems.join('\n')).toMatch(/rules\.AC301: must be off/);
    expect(c.problems.join('\n')).toMatch(/rules\.ZZ1: no rule ZZ1/);
    expect(c.problems.join('\n')).toMatch(/simulate\.scenario must be one of/);
    expect(c.problems.join('\n')).toMatch(/unknown key "simulate\.speed"/);
    expect(c.problems.join('\n')).toMatch(/"patch" must be an object/);
    expect(() => parseConfig('{', '/t/.auditlens.json')).toThrow(ConfigError);
    expect(() => parseConfig('[]', '/t/.auditlens.json')).toThrow(/must be a JSON object/);
  });

  it('is found by walking up, nearest first, either name', () => {
    const fs = memoryFs({ '/a/.auditlens.json': '{"rules":{"AC301":"off"}}', '/a/b/auditlens.config.json': '{"rules":{"AC301":"error"}}' });
    expect(findConfigFile('/a/b/c/d', fs)).toBe('/a/b/auditlens.config.json');
    expect(findConfigFile('/a/x', fs)).toBe('/a/.auditlens.json');
    expect(findConfigFile('/elsewhere', fs)).toBeUndefined();
    expect(loadConfigFor('/a/b/c', fs).rules).toEqual({ AC301: 'error' });
    expect(loadConfigFor('/elsewhere', fs)).toMatchObject({ rules: {}, replyFootnote: true });
  });

  it('flags and editor settings go over the file; "default" restores the catalogue', () => {
    expect(mergeRules({ AC301: 'off', AQ101: 'error' }, { AC301: 'warning', AQ101: 'default' })).toEqual({ AC301: 'warning' });
    expect(parseRuleFlags(['AC301=off,aq101=Error', 'AL206=information'])).toEqual({ AC301: 'off', AQ101: 'error', AL206: 'information' });
    expect(parseRuleFlags(['AC301'])).toMatch(/RULE=SETTING/);
    expect(parseRuleFlags(['AC301=loud'])).toMatch(/must be off/);
  });
});

describe('the JSON schema VS Code validates .auditlens.json with', () => {
  const schema = JSON.parse(readFileSync(resolve(__dirname, '..', '..', 'schemas', 'auditlens-config.schema.json'), 'utf8'));
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

  it('names every rule of the catalogue, and only those', () => {
    expect(Object.keys(schema.properties.rules.properties).sort()).toEqual(RULES.map((r) => r.id).sort());
  });

  it('accepts what the parser accepts and rejects what it reports', () => {
    const docs = readFileSync(resolve(__dirname, '..', '..', 'docs', 'ci.md'), 'utf8');
    const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(docs)![1]);
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(parseConfig(JSON.stringify(example), '/t/.auditlens.json').problems).toEqual([]);
    for (const bad of [{ rulez: {} }, { rules: { AC301: 'of' } }, { simulate: { scenario: 'x' } }, { reply: { footnote: 'yes' } }]) {
      expect(validate(bad), JSON.stringify(bad)).toBe(false);
      expect(parseConfig(JSON.stringify(bad), '/t/.auditlens.json').problems.length, JSON.stringify(bad)).toBeGreaterThan(0);
    }
  });

  it('is contributed for both file names', () => {
    const manifest = JSON.parse(readFileSync(resolve(__dirname, '..', '..', 'package.json'), 'utf8'));
    expect(manifest.contributes.jsonValidation).toEqual([{ fileMatch: ['.auditlens.json', 'auditlens.config.json'], url: './schemas/auditlens-config.schema.json' }]);
  });
});
