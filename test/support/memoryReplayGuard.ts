import type { ReplayGuard } from '../../src/ports/replayGuard.js';

/**
 * In-memory ReplayGuard for handler tests, on the same clock as the services it serves. Same
 * contract as the Tables guard (test/contracts/replayGuardContract.ts runs both).
 */
export class MemoryReplayGuard implements ReplayGuard {
  /** Claims by `[scope, id]` (as JSON, so no scope and id pair can pass for another). */
  readonly claimed = new Map<string, Date>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  claim(scope: string, id: string, expiresAt: Date): Promise<boolean> {
    const key = JSON.stringify([scope, id]);
    const until = this.claimed.get(key);
    if (until && until.getTime() > this.now().getTime()) return Promise.resolve(false);
    this.claimed.set(key, expiresAt);
    return Promise.resolve(true);
  }
}
