/**
 * Server settings (`auditlens.*`). They arrive in initializationOptions at start
 * and, when the client supports the pull model, from workspace/configuration.
 */
export interface ServerSettings {
  /** Documents larger than this many UTF-8 bytes are not parsed. */
  maxFileSize: number;
}

export const DEFAULT_SETTINGS: Readonly<ServerSettings> = Object.freeze({ maxFileSize: 8 * 1024 * 1024 });

/** Merges whatever the client sent over `base`, ignoring values of the wrong shape. */
export function readSettings(raw: unknown, base: Readonly<ServerSettings> = DEFAULT_SETTINGS): ServerSettings {
  const out: ServerSettings = { ...base };
  if (raw && typeof raw === 'object') {
    const size = (raw as Record<string, unknown>).maxFileSize;
    if (typeof size === 'number' && Number.isFinite(size) && size > 0) out.maxFileSize = Math.floor(size);
  }
  return out;
}
