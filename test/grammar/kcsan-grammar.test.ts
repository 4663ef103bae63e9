/**
 * The auditlens-kcsan TextMate grammar on our own reports: the title, access
 * lines (kind, address, size, task, cpu, marked), frames (function, offset,
 * file, line, [inline], audit.c paths set apart), value changed, and the
 * prefixes of console logs and quoted replies.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type * as TM from 'vscode-textmate';
import { FIXTURES } from '../shared';
import { hasPrefix, INITIAL, loadGrammar, loadOniguruma, onigRegExp, Tokenized } from './textmate';

const ROOT = resolve(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8'));
const GRAMMAR_PATH = resolve(ROOT, 'syntaxes', 'auditlens-kcsan.tmLanguage.json');
const report = (name: string) => readFileSync(join(FIXTURES, 'kcsan', name), 'utf8');

let grammar: TM.IGrammar;
beforeAll(async () => {
  grammar = await loadGrammar('source.auditlens-kcsan', { 'source.auditlens-kcsan': GRAMMAR_PATH });
});

describe('grammar file and manifest', () => {
  it('is contributed for the auditlens-kcsan language, which opens .kcsan and .report files and reports by their first line', () => {
    expect(manifest.contributes.grammars).toContainEqual({ language: 'auditlens-kcsan', scopeName: 'source.auditlens-kcsan', path: './syntaxes/auditlens-kcsan.tmLanguage.json' });
    const lang = manifest.contributes.languages.find((l: { id: string }) => l.id === 'auditlens-kcsan');
    expect(lang.extensions).toEqual(['.kcsan', '.report']);
    const first = new RegExp(lang.firstLine);
    expect(first.test('BUG: KCSAN: data-race in a / b')).toBe(true);
    expect(first.test('[  812.113456][ T2211] ==================================================================')).toBe(true);
    expect(first.test('syzbot')).toBe(true);
    expect(first.test('#include <linux/audit.h>')).toBe(false);
    expect(manifest.activationEvents).toContain('onLanguage:auditlens-kcsan');
  });

  it('every regex compiles in Oniguruma', async () => {
    await loadOniguruma();
    const raw = JSON.parse(readFileSync(GRAMMAR_PATH, 'utf8'));
    const regexes: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) (k === 'match' && typeof v === 'string' ? regexes.push(v) : walk(v));
    };
    walk(raw);
    expect(regexes.length).toBeGreaterThan(8);
    for (const re of regexes) expect(() => onigRegExp(re).dispose(), re).not.toThrow();
  });
});

describe('a console log with two reports', () => {
  let doc: Tokenized;
  beforeAll(() => {
    doc = new Tokenized(grammar, report('console-two-races.log'));
  });
  it('scopes the timestamp, the title, and the separator', () => {
    expect(hasPrefix(doc.at(/BUG: KCSAN/, '[  812.113470][ T2211]'), 'comment.line.timestamp')).toBe(true);
    expect(hasPrefix(doc.at(/BUG: KCSAN/, 'BUG: KCSAN: data-race in audit_log_start / audit_receive'), 'markup.heading.title')).toBe(true);
    expect(hasPrefix(doc.at(/\] =====/, '====='), 'punctuation.separator.report')).toBe(true);
  });
  it('scopes an access line\'s kind, address, size, task and cpu', () => {
    const i = doc.find(/write to 0xffffffff85c1d8a8/);
    expect(hasPrefix(doc.scopes(i, 'write'), 'keyword.other.access-kind')).toBe(true);
    expect(hasPrefix(doc.scopes(i, '0xffffffff85c1d8a8'), 'constant.numeric.address')).toBe(true);
    expect(hasPrefix(doc.scopes(i, 'task 907'), 'variable.other.task')).toBe(true);
  });
  it('scopes a frame\'s function, offset, audit.c path apart from other paths, line and [inline]', () => {
    const inline = doc.find(/audit_ctl_lock kernel\/audit.c:73/);
    expect(hasPrefix(doc.scopes(inline, 'audit_ctl_lock'), 'entity.name.function.frame')).toBe(true);
    expect(hasPrefix(doc.scopes(inline, 'kernel/audit.c'), 'string.unquoted.path.audit')).toBe(true);
    expect(hasPrefix(doc.scopes(inline, '73'), 'constant.numeric.line')).toBe(true);
    expect(hasPrefix(doc.scopes(inline, '[inline]'), 'storage.modifier.inline')).toBe(true);
    const other = doc.find(/netlink_unicast\+0x41a/);
    expect(hasPrefix(doc.scopes(other, '+0x41a/0x540'), 'constant.numeric.offset')).toBe(true);
    expect(hasPrefix(doc.scopes(other, 'net/netlink/af_netlink.c'), 'string.unquoted.path.audit')).toBe(false);
    expect(hasPrefix(doc.scopes(other, 'net/netlink/af_netlink.c'), 'string.unquoted.path')).toBe(true);
  });
  it('scopes value changed', () => {
    expect(hasPrefix(doc.at(/value changed/, 'value changed:'), 'keyword.other.value-changed')).toBe(true);
  });
});

describe('a report quoted in a reply', () => {
  it('scopes the quote marks and still finds the frames and the elision', () => {
    const doc = new Tokenized(grammar, report('quoted-reply.eml'));
    const frame = doc.find(/audit_do_config_change kernel/);
    expect(hasPrefix(doc.scopes(frame, '> >>'), 'punctuation.definition.quote')).toBe(true);
    expect(hasPrefix(doc.scopes(frame, 'audit_do_config_change'), 'entity.name.function.frame')).toBe(true);
    expect(hasPrefix(doc.at(/\[\.\.\.\]/, '[...]'), 'comment.line.elided')).toBe(true);
  });
  it('tokenizes every fixture to its end, and a long hostile line too', () => {
    for (const name of readdirSync(join(FIXTURES, 'kcsan')).filter((f) => f !== 'junk.bin')) {
      let state = INITIAL;
      for (const line of report(name).split('\n')) {
        const r = grammar.tokenizeLine(line, state);
        expect(r.stoppedEarly, `${name}: ${line}`).toBe(false);
        state = r.ruleStack;
      }
    }
    const long = `${' audit_ctl_lock'.repeat(4000)}+0x`;
    expect(grammar.tokenizeLine(long, INITIAL).stoppedEarly).toBe(false);
  });
});
