/**
 * Errors the CLI reports as one line on stderr with exit code 2: the user can
 * fix them (bad usage, unusable input). Anything else is an internal error.
 */
export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_BAD_INPUT = 2;

/** Wrong command line: unknown command or flag, missing argument. */
export class UsageError extends Error {}

// Unusable input is the core's to recognise (the editor refuses the same files): see input/errors.ts.
export { InputError, oneLine } from '../input/errors';
