import type { ReplayGuard } from '../../src/ports/replayGuard.js';

/** In-memory ReplayGuard for handler tests, on the same clock as the services it serves. */
export class MemoryReplayGuard implements ReplayGuard {
  readonly claimed = new Map<string, Date>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  claim(scope: string, id: string, expiresAt: Date): Promise<boolean> {
    const key = `${scope}|${id}`;
    const until = this.claimed.get(key);
    if (until && until.getTime() > this.now().getTime()) return Promise.resolve(false);
    this.claimed.set(key, expiresAt);
    return Promise.resolve(true);
  }
}
