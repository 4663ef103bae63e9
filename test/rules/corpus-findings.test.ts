/**
 * Every finding AuditLens keeps on today's kernel/audit.c, pinned with the
 * reasoning. Anything new here must be argued the same way, or fixed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CORPUS, hasShared, needsShared, readShared } from '../shared';
import { findingsOf } from './helpers';

describe.skipIf(!hasShared)(needsShared('findings on kernel/audit.c (2026)'), () => {
  let text: string;
  let findings: ReturnType<typeof findingsOf>;
  beforeAll(() => {
    text = readShared(CORPUS);
    findings = findingsOf(text);
  });
  const at = (rule: string, variableOrCase: string) => findings.find((f) => f.rule === rule && f.anchor.endsWith(`|${variableOrCase}`));

  it('keeps exactly these findings', () => {
    expect(findings.map((f) => `${f.rule} ${f.severity} ${f.anchor.split('|').slice(1).join(' ')}`)).toEqual([
      // Benign data races, information only (AL206): each is a plain read of a word that
      // another context writes; none can tear or make a decision the writer did not allow.
      'AL206 information audit_ctl_owner_current audit_cmd_mutex.owner', // seed 002's KCSAN report: only the owner sees its own task pointer
      'AL206 information audit_cfg_lsm audit_subj_secctx_cnt', // LSM counts written at LSM registration, read when logging contexts
      'AL206 information audit_cfg_lsm audit_obj_secctx_cnt',
      'AL206 information audit_panic audit_failure', // config words: written under audit_cmd_mutex, read plain
      'AL206 information audit_rate_check audit_rate_limit',
      'AL206 information audit_log_lost audit_backlog_limit',
      // Queue lengths read with skb_queue_len() outside the queue's own lock, one per queue
      // (the 2026 KCSAN report on the main queue; upstream now uses skb_queue_len_lockless()).
      // The retry and hold queues are also filled by auditd_reset() from the control path.
      'AL206 information kauditd_hold_skb audit_retry_queue.qlen',
      'AL206 information kauditd_hold_skb audit_hold_queue.qlen',
      // After one -EAGAIN in the retry queue's drain, the failed record goes back to retry while
      // the records behind it reach kauditd_hold_skb() with -ECONNREFUSED on the no-socket path
      // and go to hold, which is flushed first: one record out of order per failed pass (the
      // auditd-stopped simulation shows it). Information: nothing is lost.
      'AQ109 information kauditd_send_queue audit_retry_queue:audit_retry_queue>audit_hold_queue',
      'AL206 information kauditd_thread audit_queue.qlen',
      'AL206 information is_audit_feature_set af.features',
      // Real gaps in lock-down (AC301, warning): with auditctl -e 2, AUDIT_ADD_RULE/DEL_RULE and
      // AUDIT_SET refuse with -EPERM, but AUDIT_TRIM and AUDIT_MAKE_EQUIV still change the tree
      // rules: audit_trim_trees() and audit_tag_tree() (kernel/audit_tree.c) take
      // audit_filter_mutex and never consult audit_enabled.
      'AC301 warning audit_receive_msg AUDIT_TRIM',
      'AC301 warning audit_receive_msg AUDIT_MAKE_EQUIV',
      // audit_signal_info() stores the signalling task's uid/pid without a lock while
      // AUDIT_SIGNAL_INFO reads them: whole-word stores and loads, benign for tearing.
      'AL206 information audit_receive_msg audit_sig_uid',
      'AL206 information audit_receive_msg audit_sig_pid',
      'AL206 information audit_receive audit_backlog_wait_time',
      'AL206 information audit_log_multicast audit_enabled',
    ]);
  });

  it('says why the KCSAN race of seed 002 is benign, and relates both writers', () => {
    const owner = at('AL206', 'audit_cmd_mutex.owner')!;
    expect(owner.message).toMatch(/\(benign\)/);
    expect(owner.message).toMatch(/only ever holds the owning task or NULL/);
    expect(owner.message).toMatch(/aligned pointer stores do not tear/);
    const lines = text.split('\n');
    expect(owner.related.map((r) => lines[r.span.line].trim()).sort()).toEqual(['audit_cmd_mutex.owner = NULL;', 'audit_cmd_mutex.owner = current;']);
  });

  it('reports one finding per variable, with the other racing reads as related locations', () => {
    const limit = at('AL206', 'audit_backlog_limit')!;
    expect(limit.related.filter((r) => r.message.startsWith('plain read')).length).toBeGreaterThan(8);
    expect(findings.filter((f) => f.anchor.endsWith('|audit_backlog_limit'))).toHaveLength(1);
  });

  it('reports the main queue length race once, relating every skb_queue_len() reader and the producer', () => {
    const qlen = at('AL206', 'audit_queue.qlen')!;
    expect(qlen.message).toMatch(/\(benign\)/);
    expect(qlen.message).toMatch(/skb_queue_len_lockless\(\)/);
    const lines = text.split('\n');
    const readers = qlen.related.filter((r) => r.message.startsWith('plain read')).map((r) => r.span.line);
    expect(readers.length).toBe(4);
    for (const l of [qlen.span.line, ...readers]) expect(lines[l]).toMatch(/skb_queue_len\(&audit_queue\)/);
    expect(qlen.related.some((r) => /__audit_log_end\(\) updates the length through skb_queue_tail\(\)/.test(r.message))).toBe(true);
  });

  it('relates the refusing sibling messages to each lock-down gap', () => {
    const trim = at('AC301', 'AUDIT_TRIM')!;
    expect(trim.message).toMatch(/audit_trim_trees\(\)/);
    const lines = text.split('\n');
    expect(trim.related.map((r) => lines[r.span.line].trim())).toEqual(expect.arrayContaining(['case AUDIT_SET: {', 'case AUDIT_DEL_RULE:']));
    // Every related location is true: AUDIT_SET_FEATURE refuses a feature locked by its own lock bit
    // (-EPERM), never testing audit_enabled == AUDIT_LOCKED, so it is not named as refusing when locked.
    for (const f of [trim, at('AC301', 'AUDIT_MAKE_EQUIV')!]) {
      expect(f.message).not.toMatch(/AUDIT_SET_FEATURE/);
      expect(f.related.map((r) => lines[r.span.line].trim()).filter((l) => l.startsWith('case AUDIT_SET_FEATURE'))).toEqual([]);
    }
  });
});
