/**
 * How long the user waits, seen from the extension host: the server's start (activation →
 * initialize answered), and for each document the time from the text reaching the client
 * (didOpen, didChange) to its diagnostics coming back. The first of each document is logged
 * at info in the AuditLens output channel, every later one at trace (auditlens log level
 * Trace) unless it took longer than a user should wait (or AUDITLENS_LATENCY=1, which the
 * end-to-end suite sets); `npm run test:e2e` reads them to say where an editor's seconds go.
 */
import type * as vscode from 'vscode';
import type { Middleware } from 'vscode-languageclient';

/** Longer than this for a change's diagnostics is worth a line at info. */
const SLOW_MS = 250;
const everyLine = typeof process !== 'undefined' && process.env?.AUDITLENS_LATENCY === '1';

export class LatencyLog {
  private readonly sentAt = new Map<string, { at: number; what: 'open' | 'change' }>();
  private readonly diagnosed = new Set<string>();

  constructor(private readonly output: vscode.LogOutputChannel, private readonly activatedAt: number) {}

  /** The server answered initialize. */
  started(startAt: number): void {
    const now = performance.now();
    this.output.info(`latency: server ready ${(now - startAt).toFixed(0)} ms after the client started it, ${(now - this.activatedAt).toFixed(0)} ms after activation`);
  }

  /** Middleware that timestamps what is sent and logs when diagnostics come back. */
  middleware(): Middleware {
    return {
      didOpen: (doc, next) => {
        this.sentAt.set(doc.uri.toString(), { at: performance.now(), what: 'open' });
        return next(doc);
      },
      didChange: (e, next) => {
        if (e.contentChanges.length) this.sentAt.set(e.document.uri.toString(), { at: performance.now(), what: 'change' });
        return next(e);
      },
      didClose: (doc, next) => {
        this.sentAt.delete(doc.uri.toString());
        this.diagnosed.delete(doc.uri.toString());
        return next(doc);
      },
      handleDiagnostics: (uri, diagnostics, next) => {
        const key = uri.toString();
        const sent = this.sentAt.get(key);
        if (sent) {
          this.sentAt.delete(key);
          const ms = (performance.now() - sent.at).toFixed(0);
          const name = key.split('/').pop();
          if (!this.diagnosed.has(key)) {
            this.diagnosed.add(key);
            this.output.info(`latency: first diagnostics of ${name} ${ms} ms after ${sent.what === 'open' ? 'it was opened' : 'the change'} (${diagnostics.length} diagnostics)`);
          } else {
            const line = `latency: diagnostics of ${name} ${ms} ms after the ${sent.what === 'open' ? 'open' : 'change'}`;
            if (everyLine || Number(ms) > SLOW_MS) this.output.info(line);
            else this.output.trace(line);
          }
        }
        next(uri, diagnostics);
      },
    };
  }
}
