/**
 * An input that cannot be analysed (missing, binary, too large, a patch where C was expected):
 * the message says why and, where possible, what to do. The command line prints it as one line
 * and exits 2; the editor shows it for that file and carries on.
 */
export class InputError extends Error {}

/** The first line of an error's message, so stderr never gets more than one line per problem. */
export function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n', 1)[0].trim() || 'unknown error';
}
