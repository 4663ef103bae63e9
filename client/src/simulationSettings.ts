/**
 * `auditlens.simulation.*`: the defaults the simulate, explore and compare
 * commands pass to the server, validated here with the server's own limits
 * (features/simulation.ts) so a bad value is reported in the output and left
 * out instead of failing the run. No `vscode` import: unit-tested.
 */

/** The options a run gets from the settings (absent: the engine's default). */
export interface SimulationDefaults {
  records?: number;
  seed?: number;
  /** audit_backlog_limit for the run; absent: the file's own initialiser, else 64. 0 is "no limit", as in the kernel. */
  backlogLimit?: number;
}

const LIMITS = { records: [1, 1_000_000], seed: [0, Number.MAX_SAFE_INTEGER], backlogLimit: [0, 0xffffffff] } as const;

/** Reads `simulation.records`, `simulation.seed` and `simulation.backlogLimit` through `get`; null or absent means the default. */
export function simulationDefaults(get: (key: string) => unknown): { options: SimulationDefaults; problems: string[] } {
  const options: SimulationDefaults = {};
  const problems: string[] = [];
  for (const [key, [min, max]] of Object.entries(LIMITS) as [keyof SimulationDefaults, readonly [number, number]][]) {
    const value = get(`simulation.${key}`);
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`auditlens.simulation.${key} must be a whole number from ${min} to ${max}${key === 'backlogLimit' ? ', or null for the file\'s own limit' : ''}; ${JSON.stringify(value)} is ignored`);
      continue;
    }
    options[key] = value;
  }
  return { options, problems };
}
