/**
 * Quick fixes: each one, applied to the text and analysed again, removes its
 * finding and adds no warning (the fixes verify themselves; these tests apply
 * them independently and check the result).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyFilePatch } from '../../server/src/patch/apply';
import { parsePatch } from '../../server/src/patch/parse';
import { Analyser } from '../../server/src/analyser';
import { applyEdits, quickFixes } from '../../server/src/features/quickFixes';
import { CORPUS, hasShared, needsShared, readShared } from '../shared';
import { versionFixture } from '../model/helpers';

function fixAndReanalyse(text: string, rule: string, pick: (anchor: string) => boolean = () => true) {
  const a = new Analyser().analyseText(text);
  const finding = a.findings.find((f) => f.rule === rule && pick(f.anchor));
  expect(finding, `no ${rule} finding to fix`).toBeDefined();
  const fixes = quickFixes(a, finding!);
  expect(fixes.length, `no verified fix for ${finding!.anchor}`).toBeGreaterThan(0);
  const fixed = applyEdits(text, fixes[0].edits);
  const after = new Analyser().analyseText(fixed);
  return { before: a, fix: fixes[0], fixed, after };
}

describe('AL206: READ_ONCE/WRITE_ONCE', () => {
  it.skipIf(!hasShared)(needsShared('marks the owner read of seed 002 and the race report goes away'), () => {
    const { fix, fixed, after } = fixAndReanalyse(readShared(CORPUS), 'AL206', (a) => a.endsWith('|audit_cmd_mutex.owner'));
    expect(fix.title).toMatch(/READ_ONCE\(\)\/WRITE_ONCE\(\)/);
    expect(fixed).toContain('return (current == READ_ONCE(audit_cmd_mutex.owner));');
    expect(fixed).toContain('WRITE_ONCE(audit_cmd_mutex.owner, current);');
    expect(fixed).toContain('WRITE_ONCE(audit_cmd_mutex.owner, NULL);');
    expect(after.parsed.problems).toEqual([]);
    expect(after.findings.some((f) => f.anchor.endsWith('|audit_cmd_mutex.owner'))).toBe(false);
  });

  it('marks every plain read of a config word on the 2022 fixture', () => {
    const { fixed, after } = fixAndReanalyse(versionFixture('v2022'), 'AL206', (a) => a.endsWith('|audit_backlog_limit'));
    expect(fixed).toMatch(/skb_queue_len\(&audit_retry_queue\) < READ_ONCE\(audit_backlog_limit\)/);
    expect(after.findings.filter((f) => f.rule === 'AL206' && f.anchor.endsWith('|audit_backlog_limit'))).toEqual([]);
  });
});

describe('AQ101: insert the backlog-limit guard', () => {
  it('bounds the v4.11 retry queue the way the 2022 patch did', () => {
    const { fixed, after } = fixAndReanalyse(versionFixture('v4_11'), 'AQ101');
    expect(fixed).toMatch(/if \(audit_backlog_limit &&\n\s+skb_queue_len_lockless\(&audit_retry_queue\) >= audit_backlog_limit\) \{\n\s+audit_log_lost\("retry queue overflow"\);\n\s+kfree_skb\(skb\);\n\s+return;\n\s+\}\n\s+skb_queue_tail\(&audit_retry_queue, skb\);/);
    expect(after.findings.filter((f) => f.rule === 'AQ101')).toEqual([]);
    expect(after.findings.filter((f) => f.rule === 'AQ105')).toEqual([]); // the drop it adds is counted
  });

  it('counts the loss the way the file does: the example\'s own wrapper, not audit_log_lost', () => {
    const demo = readFileSync(resolve(__dirname, '..', '..', 'examples', 'kauditd-demo.c'), 'utf8');
    const patch = parsePatch(readFileSync(resolve(__dirname, '..', '..', 'examples', 'unbounded-retry.patch'), 'utf8')).messages[0].files[0];
    const { fixed, after } = fixAndReanalyse(applyFilePatch(demo, patch).post, 'AQ101');
    expect(fixed).toMatch(/skb_queue_len_lockless\(&audit_retry_queue\) >= audit_backlog_limit\) \{\n\s+demo_count_lost\("retry queue overflow"\);/);
    expect(after.findings).toEqual([]);
  });
});

describe('AQ102/AQ103: move the requeue', () => {
  it('requeues at the tail in a single-pass drain that keeps going (the 2022 fix of the livelock)', () => {
    const text = versionFixture('v2022').replace('skb_queue_tail(&audit_hold_queue, skb);\n}', 'skb_queue_head(&audit_hold_queue, skb);\n}');
    const before = new Analyser().analyseText(text).findings.filter((f) => f.rule === 'AQ103');
    expect(before.map((f) => f.function)).toEqual(['kauditd_rehold_skb']);
    const { fix, fixed, after } = fixAndReanalyse(text, 'AQ103');
    expect(fix.title).toMatch(/at the tail/);
    expect(fixed).toBe(versionFixture('v2022'));
    expect(after.findings.filter((f) => f.rule === 'AQ103' || f.rule === 'AQ102')).toEqual([]);
  });

  it('offers no fix where moving the requeue would not be right (v4.11: head is correct while the loop stops)', () => {
    const a = new Analyser().analyseText(versionFixture('v4_11'));
    const aq102 = a.findings.find((f) => f.rule === 'AQ102')!;
    expect(quickFixes(a, aq102)).toEqual([]);
  });
});
