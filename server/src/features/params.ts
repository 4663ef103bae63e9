/**
 * The shapes of the requests' parameters, checked before a handler runs: a request
 * whose params do not fit is answered with InvalidParams and one sentence saying what
 * is wrong (`params.position.line must be a whole number ≥ 0`), instead of a handler
 * throwing a TypeError deep inside and answering null. Only what the handlers read is
 * checked; extra fields are allowed, as the protocol grows.
 *
 * No LSP types: a check is a function from a value to a problem, or undefined.
 */

/** The problem with `value` (found at `at`, a path like `params.textDocument`), or undefined. */
export type Shape = (value: unknown, at: string) => string | undefined;

const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : typeof v === 'string' ? 'a string' : typeof v);

export const string: Shape = (v, at) => (typeof v === 'string' ? undefined : `${at} must be a string, not ${kind(v)}`);
export const nonEmptyString: Shape = (v, at) => (typeof v === 'string' && v.length > 0 ? undefined : `${at} must be a non-empty string${typeof v === 'string' ? '' : `, not ${kind(v)}`}`);
export const boolean: Shape = (v, at) => (typeof v === 'boolean' ? undefined : `${at} must be true or false, not ${kind(v)}`);
/** LSP's uinteger. */
export const uinteger: Shape = (v, at) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 2 ** 31 - 1 ? undefined : `${at} must be a whole number ≥ 0, not ${typeof v === 'number' ? v : kind(v)}`);

/** Absent (undefined or null) or fitting `shape`. */
export function optional(shape: Shape): Shape {
  return (v, at) => (v === undefined || v === null ? undefined : shape(v, at));
}

/** An object with these fields (others allowed). */
export function object(fields: Record<string, Shape>): Shape {
  return (v, at) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return `${at} must be an object, not ${v === undefined ? 'missing' : kind(v)}`;
    for (const [name, shape] of Object.entries(fields)) {
      const problem = shape((v as Record<string, unknown>)[name], `${at}.${name}`);
      if (problem) return problem;
    }
    return undefined;
  };
}

/** An array whose first items fit `items` in order (more are allowed unless `max` says otherwise). */
export function tuple(items: Shape[], max = Infinity): Shape {
  return (v, at) => {
    if (!Array.isArray(v)) return `${at} must be an array, not ${v === undefined ? 'missing' : kind(v)}`;
    if (v.length > max) return `${at} takes at most ${max} item${max === 1 ? '' : 's'}, not ${v.length}`;
    for (let i = 0; i < items.length; i++) {
      const problem = items[i](v[i], `${at}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  };
}

/** An array whose every item fits `item`. */
export function array(item: Shape): Shape {
  return (v, at) => {
    if (!Array.isArray(v)) return `${at} must be an array, not ${v === undefined ? 'missing' : kind(v)}`;
    for (let i = 0; i < v.length; i++) {
      const problem = item(v[i], `${at}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  };
}

const integer: Shape = (v, at) => (typeof v === 'number' && Number.isInteger(v) ? undefined : `${at} must be a whole number, not ${typeof v === 'number' ? v : kind(v)}`);

export const textDocument = object({ uri: nonEmptyString });
export const position = object({ line: uinteger, character: uinteger });
export const range = object({ start: position, end: position });

/** The params of each request the server answers. */
export const PARAMS = {
  textDocument: object({ textDocument }),
  textDocumentPosition: object({ textDocument, position }),
  references: object({ textDocument, position, context: object({ includeDeclaration: boolean }) }),
  codeAction: object({ textDocument, range }),
  /** auditlens/status, auditlens/modelSummary */
  document: object({ uri: nonEmptyString }),
  executeCommand: object({ command: string, arguments: optional(tuple([])) }),
} satisfies Record<string, Shape>;

/** The params of the document-sync notifications: one that does not fit is logged in a line and ignored (a notification has no answer). */
export const NOTIFICATION_PARAMS = {
  didOpen: object({ textDocument: object({ uri: nonEmptyString, languageId: string, version: integer, text: string }) }),
  didChange: object({ textDocument: object({ uri: nonEmptyString, version: integer }), contentChanges: array(object({ text: string, range: optional(range) })) }),
  didClose: object({ textDocument }),
  /** willSave, willSaveWaitUntil, didSave */
  save: object({ textDocument }),
} satisfies Record<string, Shape>;

/** The arguments of each server command, by command. Values (a scenario's name, an option's range) are the command's to judge. */
export function commandArguments(command: string, commands: { draftReply: string; simulate: string; compare: string }): Shape | undefined {
  const options = optional(object({}));
  if (command === commands.draftReply) return tuple([nonEmptyString], 1);
  if (command === commands.simulate || command === commands.compare) return tuple([nonEmptyString, string, options], 3);
  return undefined;
}

/** The problem with `params` for `shape`, named from `params`. */
export function paramsProblem(shape: Shape, params: unknown): string | undefined {
  return shape(params, 'params');
}
