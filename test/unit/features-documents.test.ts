import { describe, expect, it } from 'vitest';
import { classifyDocument } from '../../server/src/features/documents';

describe('features/documents: which documents AuditLens analyses', () => {
  it.each([
    ['file:///linux/kernel/audit.c', 'c', '', 'audit-c'],
    ['file:///linux/kernel/auditsc.c', 'c', '', 'audit-c'],
    ['file:///linux/kernel/audit.h', 'c', '', 'audit-c'],
    ['untitled:Untitled-1', 'c', 'static struct sk_buff_head audit_queue;', 'audit-c'],
    ['file:///x/copy.c', 'c', 'static struct auditd_connection __rcu *auditd_conn;', 'audit-c'],
    ['file:///linux/kernel/fork.c', 'c', 'int x;', 'ignored'],
    ['file:///x/my_audit_queue_x.c', 'c', 'int my_audit_queue_x;', 'ignored'],
    ['file:///x/audit.c', 'cpp', '', 'ignored'],
    ['file:///x/0001-fix.patch', 'diff', '', 'patch'],
    ['file:///x/mail.eml', 'plaintext', '', 'patch'],
    ['untitled:Untitled-2', 'auditlens-patch', '', 'patch'],
  ])('%s (%s) is %s', (uri, languageId, body, expected) => {
    expect(classifyDocument(uri, languageId, body)).toBe(expected);
  });
});
