/**
 * The progress invariant's watchdog, after the kernel's hung-task detector
 * (khungtaskd, hung_task_timeout_secs = 120): while auditd is connected and
 * reading, records must keep reaching it. A consumer that delivers nothing for
 * that long while records wait, or a producer that has not finished its record
 * for that long while there is room for it, is hung: asleep in a loop it never
 * leaves, or waiting for something nothing makes true. The run stops there
 * (nothing would change by running on) and says where the task sleeps.
 */
import { KERNEL_CONSTANTS } from './kernel';

/** Ticks of healthy auditd without progress before a task counts as hung: 120 s, as khungtaskd. */
export const HUNG_TASK_TICKS = 120 * (KERNEL_CONSTANTS.HZ ?? 100);

export type Hung = 'consumer' | 'producer';

export class HungTaskWatch {
  private quietSince = 0;
  private delivered = -1;
  /** Last tick at which auditd was not healthy (or the run began). */
  private troubledAt = 0;
  /** Tick at which the producer began the record it is on; -1 between records. */
  recordSince = -1;

  constructor(private readonly ticks = HUNG_TASK_TICKS) {}

  /**
   * Called once a tick: auditd healthy now, records delivered so far, records on the backlog
   * queues, and whether the producers would wait for room (the main queue at its limit).
   * Returns the task that is hung, or `suspect` when one is halfway there (time to watch it).
   */
  check(tick: number, healthy: boolean, delivered: number, queued: number, full: boolean): Hung | `suspect-${Hung}` | undefined {
    if (!healthy) this.troubledAt = tick;
    if (!healthy || delivered !== this.delivered || queued === 0) {
      this.quietSince = tick;
      this.delivered = delivered;
    }
    // a producer waiting for room waits on the consumer; one that waits with room is stuck itself
    const busy = this.recordSince < 0 || full ? 0 : tick - Math.max(this.recordSince, this.troubledAt);
    const quiet = tick - this.quietSince;
    if (busy >= this.ticks) return 'producer';
    if (quiet >= this.ticks) return 'consumer';
    if (busy >= this.ticks / 2) return 'suspect-producer';
    if (quiet >= this.ticks / 2) return 'suspect-consumer';
    return undefined;
  }
}
