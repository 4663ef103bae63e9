/**
 * The client's answer to a server that stopped unexpectedly (client/src/restartPolicy.ts,
 * wired in context.ts as the LanguageClient's errorHandler): restarted once, saying so;
 * left stopped if it stops again soon, saying how to start it.
 */
import { describe, expect, it } from 'vitest';
import { RESTART_WINDOW_MS, RestartPolicy } from '../../client/src/restartPolicy';

describe('RestartPolicy', () => {
  it('restarts the first time and says so; a second stop soon after is left stopped', () => {
    let now = 1_000_000;
    const policy = new RestartPolicy(() => now);
    const first = policy.closed();
    expect(first).toEqual({ restart: true, message: expect.stringMatching(/^the AuditLens server stopped unexpectedly; it is being restarted \(once/) });
    now += 20_000;
    const second = policy.closed();
    expect(second).toEqual({ restart: false, message: expect.stringMatching(/^the AuditLens server stopped again 20 s after it was restarted; it is left stopped\. .*AuditLens: Restart Server\.$/) });
    // and stays stopped: the client does not ask again, but a third close would not restart either
    expect(policy.closed().restart).toBe(false);
  });

  it('restarts again once the last restart is old, or after the user restarted it', () => {
    let now = 0;
    const policy = new RestartPolicy(() => now);
    expect(policy.closed().restart).toBe(true);
    now += RESTART_WINDOW_MS;
    expect(policy.closed().restart).toBe(true);
    now += 1000;
    expect(policy.closed().restart).toBe(false);
    policy.reset();
    expect(policy.closed().restart).toBe(true);
  });
});
