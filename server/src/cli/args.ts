/**
 * A small, strict argument parser: every flag must be declared, so a typo is a
 * usage error rather than silently ignored. Accepts `--flag value`,
 * `--flag=value`, short aliases and `--` to end options.
 */
import { UsageError } from './errors';

export interface FlagSpec {
  /** True when the flag takes a value (`--format json`). */
  takesValue: boolean;
  /** A one-letter alias without the dash (`h` for `-h`). */
  short?: string;
  /** May be given more than once (`--rule A=off --rule B=error`); every value is kept. */
  repeatable?: boolean;
}

export interface ParsedArgs {
  flags: Map<string, string | true>;
  positionals: string[];
  /** Every value of a repeatable flag, in order. */
  repeated: Map<string, string[]>;
}

export function parseArgs(command: string, args: readonly string[], spec: Record<string, FlagSpec>): ParsedArgs {
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  const repeated = new Map<string, string[]>();
  const byShort = new Map(Object.entries(spec).flatMap(([name, s]) => (s.short ? [[s.short, name] as const] : [])));

  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const written = eq > 0 ? arg.slice(0, eq) : arg;
    const name = written.startsWith('--') ? written.slice(2) : written.length === 2 ? byShort.get(written[1]) : undefined;
    const flag = name !== undefined && Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (!name || !flag) throw new UsageError(`auditlens ${command}: unknown option '${written}'; try \`auditlens ${command} --help\``);
    if (!flag.takesValue) {
      if (eq > 0) throw new UsageError(`auditlens ${command}: option '--${name}' takes no value`);
      flags.set(name, true);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || value === '') throw new UsageError(`auditlens ${command}: option '--${name}' needs a value`);
    flags.set(name, value);
    if (flag.repeatable) repeated.set(name, [...(repeated.get(name) ?? []), value]);
  }
  return { flags, positionals, repeated };
}

/** A `--flag value` restricted to a set of words. */
export function choice<T extends string>(command: string, parsed: ParsedArgs, name: string, allowed: readonly T[], fallback: T): T {
  const value = parsed.flags.get(name);
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`auditlens ${command}: --${name} must be one of ${allowed.join(', ')} (got '${String(value)}')`);
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** A byte count: digits with an optional binary K/M/G suffix (`8388608`, `16M`). */
export function byteSize(command: string, parsed: ParsedArgs, name: string, fallback: number): number {
  const value = parsed.flags.get(name);
  if (value === undefined) return fallback;
  const m = typeof value === 'string' ? /^(\d+)\s*([kmg]?)(i?b)?$/i.exec(value) : null;
  const bytes = m ? Number(m[1]) * SIZE_UNITS[m[2].toLowerCase()] : NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new UsageError(`auditlens ${command}: --${name} must be a positive number of bytes, optionally with K, M or G (got '${String(value)}')`);
  }
  return bytes;
}

/** A whole number within [min, max], or undefined when the flag is absent (the engine's default applies). */
export function integer(command: string, parsed: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const value = parsed.flags.get(name);
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`auditlens ${command}: --${name} must be a whole number from ${min} to ${max} (got '${String(value)}')`);
  }
  return n;
}
