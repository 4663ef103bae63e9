/**
 * Can a unicast to auditd fail with -EAGAIN? netlink_unicast() only gives up
 * on a full receive queue when its socket has a finite send timeout (or the
 * call is non-blocking); with the default MAX_SCHEDULE_TIMEOUT it blocks until
 * auditd reads. Read from the file: assignments to `sk_sndtimeo`, the
 * kernel's sock_set_sndtimeo(), and the `nonblock` argument of each send.
 */
import type { FileFacts } from '../facts/fileFacts';

export interface TransientErrors {
  /** 'yes': a finite timeout or a non-blocking send; 'no': every send blocks; 'unknown': the socket set-up is not in view. */
  eagain: 'yes' | 'no' | 'unknown';
  why: string;
  /** Absolute offset of the evidence, when there is one. */
  at?: number;
}

/** `sk->sk_sndtimeo = <value>;`: the value is group 1 (also read by the simulator's clock). */
export const SEND_TIMEOUT_ASSIGNMENT = /\bsk_sndtimeo\s*=\s*([^;]+);/;
const TIMEOUT_ASSIGN = new RegExp(SEND_TIMEOUT_ASSIGNMENT.source, 'g');

export function transientErrors(file: FileFacts): TransientErrors {
  for (const e of file.functions.values()) {
    for (const c of e.facts.calls) {
      if (c.callee === 'netlink_unicast' && c.args[3] && !/^(0|false)$/.test(c.args[3].text.trim())) {
        return { eagain: 'yes', why: `${e.symbol.name}() sends non-blocking (netlink_unicast(..., ${c.args[3].text.trim()}))`, at: e.base + c.at.start };
      }
      if (c.callee === 'sock_set_sndtimeo') return { eagain: 'yes', why: `${e.symbol.name}() sets a finite send timeout (sock_set_sndtimeo())`, at: e.base + c.at.start };
    }
  }
  const text = file.source.text;
  let blocking: TransientErrors | undefined;
  if (text.includes('sk_sndtimeo')) {
    for (const e of file.functions.values()) {
      const body = text.slice(e.symbol.bodySpan.start, e.symbol.bodySpan.end);
      if (!body.includes('sk_sndtimeo')) continue;
      for (const m of body.matchAll(TIMEOUT_ASSIGN)) {
        const value = m[1].replace(/\s+/g, ' ').trim();
        const at = e.symbol.bodySpan.start + (m.index ?? 0);
        if (value === 'MAX_SCHEDULE_TIMEOUT') blocking ??= { eagain: 'no', why: `${e.symbol.name}() sets sk_sndtimeo = MAX_SCHEDULE_TIMEOUT: a send to a full auditd socket blocks instead of failing with -EAGAIN`, at };
        else return { eagain: 'yes', why: `${e.symbol.name}() sets a finite send timeout (sk_sndtimeo = ${value})`, at };
      }
    }
  }
  if (blocking) return blocking;
  const creates = [...file.functions.values()].find((e) => e.facts.calls.some((c) => c.callee === 'netlink_kernel_create'));
  if (creates) return { eagain: 'no', why: `${creates.symbol.name}() creates the socket with the default send timeout (MAX_SCHEDULE_TIMEOUT): sends block instead of failing with -EAGAIN` };
  return { eagain: 'unknown', why: 'the audit socket is not created in this file, so its send timeout is not in view' };
}
