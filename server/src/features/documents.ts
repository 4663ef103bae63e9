/**
 * Which open documents AuditLens looks at, and their current analysis. Plain
 * state over the Analyser so the server stays wiring only: the server calls
 * sync() on open/change and close() on close, then asks for `analysisFor`.
 */
import { fileURLToPath } from 'node:url';
import type { Analyser, FileAnalysis } from '../analyser';
import type { ServerSettings } from '../settings';
import { utf8Length } from '../parse/utf8';

/** `audit-c`: parsed and diagnosed; `patch`: tracked only (patch review comes later); `ignored`: other C files. */
export type DocumentKind = 'audit-c' | 'patch' | 'kcsan' | 'ignored';

const AUDIT_FILE_NAMES = new Set(['audit.c', 'auditsc.c', 'audit.h']);
const PATCH_EXTENSIONS = ['.patch', '.diff', '.eml', '.mbox'];
const REPORT_EXTENSIONS = ['.kcsan', '.report'];

/** The last path segment of a URI, decoded (`file:///x/kernel/audit.c` -> `audit.c`). */
export function uriFileName(uri: string): string {
  const path = uri.replace(/[?#].*$/, '');
  const last = path.slice(path.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/** The path part of a URI, decoded: the file path of a `file:` URI, the URI's path for other schemes. */
export function uriPath(uri: string): string {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : decodeURIComponent(new URL(uri).pathname);
  } catch {
    return uri;
  }
}

/** Cheap: a name check, else two substring searches (no parse). */
export function classifyDocument(uri: string, languageId: string, text: string): DocumentKind {
  const name = uriFileName(uri).toLowerCase();
  if (languageId === 'auditlens-kcsan' || REPORT_EXTENSIONS.some((ext) => name.endsWith(ext))) return 'kcsan';
  if (languageId === 'auditlens-patch' || PATCH_EXTENSIONS.some((ext) => name.endsWith(ext))) return 'patch';
  if (languageId !== 'c') return 'ignored';
  if (AUDIT_FILE_NAMES.has(name)) return 'audit-c';
  // A copy or an excerpt of the audit core under another name still declares its queues.
  return /\b(?:audit_queue|auditd_conn)\b/.test(text) ? 'audit-c' : 'ignored';
}

export interface DocumentSnapshot {
  readonly uri: string;
  readonly languageId: string;
  readonly version: number;
  getText(): string;
}

export interface TrackedDocument {
  uri: string;
  kind: DocumentKind;
  version: number;
  /** Present for `audit-c` documents within the size limit. */
  analysis?: FileAnalysis;
  /** Set when an `audit-c` document was too large to parse. */
  skipped?: { bytes: number; limit: number };
}

export class DocumentTracker {
  private readonly tracked = new Map<string, TrackedDocument>();

  /** `rulesFor`: a document's rule settings (its project configuration under the editor's settings). */
  constructor(private readonly analyser: Analyser, private readonly settings: () => ServerSettings, private readonly rulesFor?: (uri: string) => ServerSettings['rules']) {}

  /** Re-reads one document after open or change; returns its new and previous state. */
  sync(doc: DocumentSnapshot): { current: TrackedDocument; previous?: TrackedDocument } {
    const previous = this.tracked.get(doc.uri);
    const text = doc.getText();
    const kind = classifyDocument(doc.uri, doc.languageId, text);
    const current: TrackedDocument = { uri: doc.uri, kind, version: doc.version };
    if (kind === 'audit-c') {
      const limit = this.settings().maxFileSize;
      // UTF-8 bytes are never fewer than UTF-16 units: skip the count when the length already decides.
      const bytes = text.length > limit ? text.length : utf8Length(text);
      if (bytes > limit) {
        this.analyser.close(doc.uri); // no stale tree; a later, smaller version parses from scratch
        current.skipped = { bytes, limit };
      } else {
        current.analysis = this.analyser.update(doc.uri, text, doc.version, this.rulesFor ? { rules: this.rulesFor(doc.uri) } : undefined);
      }
    } else {
      this.analyser.close(doc.uri);
    }
    this.tracked.set(doc.uri, current);
    return { current, previous };
  }

  get(uri: string): TrackedDocument | undefined {
    return this.tracked.get(uri);
  }

  /** The analysis behind editor features; undefined for patches, ignored and skipped documents. */
  analysisFor(uri: string): FileAnalysis | undefined {
    return this.tracked.get(uri)?.analysis;
  }

  all(): TrackedDocument[] {
    return [...this.tracked.values()];
  }

  close(uri: string): TrackedDocument | undefined {
    const previous = this.tracked.get(uri);
    this.tracked.delete(uri);
    this.analyser.close(uri);
    return previous;
  }
}
