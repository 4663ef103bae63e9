/**
 * Errors the CLI reports as one line on stderr with exit code 2: the user can
 * fix them (bad usage, unusable input). Anything else is an internal error.
 */
import { InputError } from '../input/errors';

export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_BAD_INPUT = 2;

/** Wrong command line: unknown command or flag, missing argument. */
export class UsageError extends Error {}

// Unusable input is the core's to recognise (the editor refuses the same files): see input/errors.ts.
export { InputError, oneLine } from '../input/errors';

/** Runs `fn`; an input error it throws reads like `check`'s (`auditlens: PATH: why`). */
export function withInputPrefix<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    // (once: an error already read that way is passed on as it is)
    if (err instanceof InputError && !err.message.startsWith('auditlens: ')) throw new InputError(`auditlens: ${err.message}`);
    throw err;
  }
}
