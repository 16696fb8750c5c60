import type { ReplayGuard } from '../../src/ports.js';

/** In-memory ReplayGuard for handler tests. */
export class MemoryReplayGuard implements ReplayGuard {
  readonly claimed = new Map<string, Date>();

  claim(scope: string, id: string, expiresAt: Date): Promise<boolean> {
    const key = `${scope}|${id}`;
    const until = this.claimed.get(key);
    if (until && until.getTime() > Date.now()) return Promise.resolve(false);
    this.claimed.set(key, expiresAt);
    return Promise.resolve(true);
  }
}
