/**
 * Errors the CLI reports as one line on stderr with exit code 2: the user can
 * fix them (bad usage, unusable input). Anything else is an internal error.
 */
export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_BAD_INPUT = 2;

/** Wrong command line: unknown command or flag, missing argument. */
export class UsageError extends Error {}

/** A file `check` cannot analyse; the message says why and, where possible, what to do. */
export class InputError extends Error {}

/** The first line of an error's message, so stderr never gets more than one line per problem. */
export function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n', 1)[0].trim() || 'unknown error';
}
