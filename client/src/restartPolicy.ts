/**
 * What the client does when the server's connection closes without the client asking
 * (the server crashed, or exited non-zero because it could not read its input): restart
 * it once and say so; if it closes again soon after that restart, leave it stopped and
 * say how to start it. vscode-languageclient's default restarts up to four times in three
 * minutes, saying only "Connection to server got closed. Server will restart.", so a server
 * that dies on the file it is given would be restarted into the same death four times.
 *
 * No editor API here: context.ts turns the decision into the client's CloseAction, the
 * output channel and a message.
 */

/** How long after a restart another close counts as the same trouble. */
export const RESTART_WINDOW_MS = 3 * 60 * 1000;

export interface CloseDecision {
  restart: boolean;
  /** For the output channel and the message the user sees. */
  message: string;
}

export class RestartPolicy {
  private restartedAt: number | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /** The connection closed unexpectedly. */
  closed(): CloseDecision {
    const t = this.now();
    if (this.restartedAt !== undefined && t - this.restartedAt < RESTART_WINDOW_MS) {
      return {
        restart: false,
        message: `the AuditLens server stopped again ${Math.round((t - this.restartedAt) / 1000)} s after it was restarted; it is left stopped. See the AuditLens output for why, then run AuditLens: Restart Server.`,
      };
    }
    this.restartedAt = t;
    return { restart: true, message: 'the AuditLens server stopped unexpectedly; it is being restarted (once: if it stops again within 3 minutes it is left stopped). See the AuditLens output for why.' };
  }

  /** The user restarted the server: a later close is a new trouble again. */
  reset(): void {
    this.restartedAt = undefined;
  }
}
