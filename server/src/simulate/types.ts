/**
 * What a simulation takes and gives back (DESIGN.md's `auditlens simulate`
 * contract, plus the series and trace the editor's panel draws).
 */

export type ScenarioName = 'steady' | 'auditd-down' | 'auditd-restart' | 'auditd-stopped' | 'eagain-burst';

export const SCENARIOS: readonly ScenarioName[] = ['steady', 'auditd-down', 'auditd-restart', 'auditd-stopped', 'eagain-burst'];

export interface SimulationOptions {
  scenario: ScenarioName;
  /** Records the producers create before they stop (default 2000). */
  records?: number;
  /** audit_backlog_limit for the run (default: the file's initialiser, else 64). */
  backlogLimit?: number;
  /** Seed for the scenario's random choices (default 1). */
  seed?: number;
  /** Ticks of the scenario's trouble phase (default depends on the scenario). */
  troubleTicks?: number;
  /** auditd-stopped: how the outage ends (default resumes: auditd reads again; killed: a new auditd registers). */
  ending?: 'resumes' | 'killed';
  /** eagain-burst: chance that a burst of -EAGAIN starts in a tick (default 0.15). */
  failureRate?: number;
  /**
   * Jiffies (ticks) a unicast to an auditd that is not reading blocks before it fails -EAGAIN
   * (default: the file's `sk_sndtimeo`, else for ever, as the kernel's default; 0 fails at once).
   */
  sendTimeout?: number;
  /** Stop after this many interpreted steps inside one call (livelock budget, default 200000). */
  callBudget?: number;
  /**
   * Producers hold audit_cmd_mutex while they make records (as the netlink input does for
   * AUDIT_USER messages), so the backlog wait lets them through: the growth its exemption allows.
   */
  bypass?: boolean;
  /** Explore variants (smaller record counts, other seeds) and shrink the first counterexample. */
  explore?: boolean;
  /**
   * With explore: the violation wanted (a finding's invariant, for `bounded` its queue, and the
   * function whose code must take part in it); variants that break only something else, or
   * break it for another reason, are passed over.
   */
  target?: { invariant: Invariant; queue?: string; fn?: string };
  /** Checked between slices of work; returning true cancels the run. */
  cancelled?: () => boolean;
  /** Called between slices with the fraction done. */
  progress?: (fraction: number) => void;
}

export type Invariant = 'ordering' | 'bounded' | 'termination' | 'accounting' | 'progress';

/** What the harness found in the file to run, and so what the run means. */
export interface Coverage {
  consumer?: string;
  /** The producer path: the function that puts records on the main queue. */
  producer?: string;
  /** How auditd's connection is held, and the globals that hold it. */
  connection: { form: 'rcu-pointer' | 'struct' | 'globals' | 'none'; globals: string[] };
  /** The send timeout the run used, and where it came from. */
  sendTimeout: string;
  /** How producers meet the backlog wait: they wait on it, or they bypass it (and how). */
  producers: string;
}

/** One step of a trace: where the code was, what it did, and the queues then. */
export interface TraceStep {
  tick: number;
  /** 1-based source line in the simulated file, and the function. */
  line: number;
  fn: string;
  /** What happened: a call, a queue operation, a send outcome, a scheduling event. */
  event: string;
  /** Queue lengths after the step. */
  queues: Record<string, number>;
}

export interface Violation {
  invariant: Invariant;
  message: string;
  /** The queue a `bounded` violation is about. */
  queue?: string;
  trace: TraceStep[];
}

export interface SimulationResult {
  version: 1;
  scenario: ScenarioName;
  records: { produced: number; delivered: number; queued: number; lost: number; dropped: number };
  lostByReason: Record<string, number>;
  queues: Record<string, { max: number }>;
  violations: Violation[];
  /** Calls the modelled kernel does not know, run as no-ops (name -> count). */
  abstracted: Record<string, number>;
  /** Identifiers the code read that neither the file nor the modelled kernel defines (header macros): read as 0. */
  unknownValues: string[];
  /** What the harness saw that is no invariant's business (queues that never drained...). */
  notes: string[];
  /** Queue depths sampled over time, for the chart: tick, then one length per queue in `queueNames` order. */
  series: { queueNames: string[]; points: number[][] };
  /** Parameters actually used. */
  parameters: { records: number; backlogLimit: number; seed: number; troubleTicks: number; failureRate: number; sendTimeout: number | null; bypass: boolean; ending?: 'resumes' | 'killed' };
  /** Work done, for the throughput figure. */
  stats: { steps: number; ticks: number; ms: number; recordsPerSecond: number };
  /** When the run could not start (no consumer found...), why; counts are then zero. */
  error?: string;
  /** What the run is made of: consumer, producer path, connection, send timeout. */
  coverage?: Coverage;
}
