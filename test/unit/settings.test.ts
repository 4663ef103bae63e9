import { describe, expect, it } from 'vitest';
import { Analyser } from '../../server/src/analyser';
import { DEFAULT_SETTINGS, readSettings } from '../../server/src/settings';
import { fixture } from '../shared';

describe('auditlens.rules', () => {
  it('keeps known rule ids with valid values and ignores the rest', () => {
    const s = readSettings({ rules: { AQ101: 'off', AL206: 'warning', XX999: 'off', AQ102: 'loud' } }, DEFAULT_SETTINGS);
    expect(s.rules).toEqual({ AQ101: 'off', AL206: 'warning' });
    expect(s.maxFileSize).toBe(DEFAULT_SETTINGS.maxFileSize);
  });

  it('disables a rule or replaces its severity in the analysis', () => {
    const text = fixture('rules/AQ101-trigger.c');
    const analyser = new Analyser();
    expect(analyser.analyseText(text).findings.map((f) => `${f.rule}:${f.severity}`)).toEqual(['AQ101:warning', 'AQ109:information']);
    analyser.options = { rules: { AQ101: 'error' } };
    expect(analyser.analyseText(text).findings.map((f) => `${f.rule}:${f.severity}`)).toEqual(['AQ101:error', 'AQ109:information']);
    analyser.options = { rules: { AQ101: 'off', AQ109: 'off' } };
    expect(analyser.analyseText(text).findings).toEqual([]);
  });
});
