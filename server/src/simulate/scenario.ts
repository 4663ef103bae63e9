/**
 * Scenarios: what auditd does over time. Every scenario ends with a healthy,
 * connected auditd so that ordering and accounting are judged on the full
 * delivery; the trouble phase sits inside the production window so producers
 * keep producing through it.
 */
import { ERRNO } from '../facts/apis';
import type { ScenarioName } from './types';

export interface Timeline {
  /** auditd connected at this tick? (false: nobody listening) */
  connected(tick: number): boolean;
  /** Outcome of a unicast send at this tick: 0 or a negative errno. */
  outcome(tick: number): number;
  /** Ticks at which the harness (re)connects auditd. */
  connectAt: number[];
  /** Ticks at which auditd goes away (its port is gone: sends fail -ECONNREFUSED). */
  dieAt: number[];
  /** Last tick of trouble; production runs past it. */
  troubleEnd: number;
}

/** Deterministic PRNG (mulberry32) for the scenario's random choices. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const TROUBLE_START = 10;

/** How an auditd-stopped outage ends: auditd reads again, or it is killed and a new one registers. */
export type StoppedEnding = 'resumes' | 'killed';

export const DEFAULT_FAILURE_RATE = 0.15;

/**
 * How long one -EAGAIN burst lasts. A send blocks for the socket's timeout before it fails, so a
 * burst shorter than that fails nothing: bursts outlast the timeout, some by one attempt (the
 * record goes to the retry queue), some by the drain's whole retry budget (it goes on to the
 * hold queue). With no timeout a send fails at once; with MAX_SCHEDULE_TIMEOUT it never fails
 * with -EAGAIN, and a burst only delays it.
 */
function burstLength(r: () => number, sendTimeout: number): number {
  const jitter = 1 + Math.floor(r() * 4);
  if (!Number.isFinite(sendTimeout) || sendTimeout <= 0) return jitter;
  return sendTimeout * (1 + Math.floor(r() * BURST_ATTEMPTS)) + jitter;
}

/** Send attempts a long burst outlasts: more than the drains' retry budgets (UNICAST_RETRIES is 5). */
const BURST_ATTEMPTS = 7;

/** auditd-stopped with `ending: 'killed'`: ticks between the kill and the new auditd's AUDIT_SET. */
export const RESTART_GAP = 10;

export function timeline(name: ScenarioName, troubleTicks: number, seed: number, failureRate = DEFAULT_FAILURE_RATE, sendTimeout = 0, ending: StoppedEnding = 'resumes'): Timeline {
  const start = TROUBLE_START;
  const end = start + troubleTicks;
  const ok = 0;
  switch (name) {
    case 'steady':
      return { connected: () => true, outcome: () => ok, connectAt: [0], dieAt: [], troubleEnd: start };
    case 'auditd-down':
      // no auditd at all at first (boot, or audit=1 before auditd starts), then it connects
      return { connected: (t) => t >= end, outcome: () => ok, connectAt: [end], dieAt: [], troubleEnd: end };
    case 'auditd-restart':
      // a healthy auditd is killed: its port is gone until the new one registers
      return { connected: (t) => t < start || t >= end, outcome: (t) => (t >= start && t < end ? -ERRNO.ECONNREFUSED : ok), connectAt: [0, end], dieAt: [start], troubleEnd: end };
    case 'auditd-stopped': {
      // connected but not reading (SIGSTOP): every send times out with -EAGAIN for a long time;
      // then it resumes, or the admin kills it and a new auditd registers
      if (ending === 'resumes') return { connected: () => true, outcome: (t) => (t >= start && t < end ? -ERRNO.EAGAIN : ok), connectAt: [0], dieAt: [], troubleEnd: end };
      const back = end + RESTART_GAP;
      return {
        connected: (t) => t < end || t >= back,
        outcome: (t) => (t >= start && t < end ? -ERRNO.EAGAIN : t >= end && t < back ? -ERRNO.ECONNREFUSED : ok),
        connectAt: [0, back], dieAt: [end], troubleEnd: back,
      };
    }
    case 'eagain-burst': {
      // a healthy auditd that is briefly slow now and then
      const r = rng(seed);
      const bursts = new Set<number>();
      for (let t = start; t < end; t++) {
        if (bursts.has(t) || r() >= failureRate) continue;
        const n = burstLength(r, sendTimeout);
        for (let k = 0; k < n; k++) bursts.add(t + k);
      }
      return { connected: () => true, outcome: (t) => (bursts.has(t) ? -ERRNO.EAGAIN : ok), connectAt: [0], dieAt: [], troubleEnd: end };
    }
  }
}
