import { describe, expect, it } from 'vitest';
import { Analyser } from '../../server/src/analyser';
import { clearFactCache } from '../../server/src/facts/fileFacts';
import { versionFixture } from './helpers';

describe('per-function fact cache', () => {
  it('re-extracts only the edited function on a new document version', () => {
    clearFactCache();
    const analyser = new Analyser();
    const text = versionFixture('v2022');
    const first = analyser.update('file:///a/kernel/audit.c', text, 1).model;
    expect(first.file.extracted).toBeGreaterThan(20);
    const edited = text.replace('skb_queue_tail(&audit_hold_queue, skb);\n}', 'skb_queue_head(&audit_hold_queue, skb);\n}');
    expect(edited).not.toBe(text);
    const second = analyser.update('file:///a/kernel/audit.c', edited, 2).model;
    expect(second.file.extracted).toBe(1);
    // and the model follows the edit
    const rehold = [...second.queues.get('audit_hold_queue')!.enqueues].find((s) => s.end === 'head');
    expect(rehold?.fn).toBe('kauditd_rehold_skb');
  });
});
