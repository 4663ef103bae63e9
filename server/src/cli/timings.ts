/**
 * Where a CLI run's time goes, for `npm run bench`: AUDITLENS_TIMINGS=1 prints one JSON line
 * on stderr at exit with the milliseconds of each phase since the process started (node's own
 * start, loading the bundle, the parser engine, then what the command marked) and of garbage
 * collection. Off, it costs one environment lookup.
 */

// the web server bundles check.ts too, and a browser worker has no process
const enabled = typeof process !== 'undefined' && !!process.env?.AUDITLENS_TIMINGS;
let last = 0;
const phases: Record<string, number> = {};
let gc = 0;

/** Ends the phase `name` now (phases of the same name add up, e.g. one per file). */
export function mark(name: string): void {
  if (!enabled) return;
  const now = performance.now();
  phases[name] = (phases[name] ?? 0) + (now - last);
  last = now;
}

/** Starts counting: the bundle has loaded. Node's start is what came before bin/auditlens.js ran. */
export function startTimings(): void {
  if (!enabled) return;
  const started = (globalThis as { __auditlensStartedAt?: number }).__auditlensStartedAt ?? 0;
  phases.node = started;
  last = started;
  mark('load');
  // the global (Node's perf_hooks one), so the web bundle that shares check.ts needs no shim
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gc += e.duration;
  });
  observer.observe({ entryTypes: ['gc'] });
  // GC entries reach the observer a tick after the collection: the report waits for the loop to
  // empty (the run's work is done), then one more turn.
  process.once('beforeExit', () => {
    mark('rest');
    const total = performance.now();
    setTimeout(() => {
      observer.disconnect();
      const round = (v: number) => Math.round(v * 10) / 10;
      const out: Record<string, number> = {};
      for (const [k, v] of Object.entries(phases)) out[k] = round(v);
      out.gc = round(gc);
      out.total = round(total);
      process.stderr.write(`auditlens timings: ${JSON.stringify(out)}\n`);
    }, 20);
  });
}
