import type { MarkerSweep } from '../../src/ports/markerSweep.js';
import type { MemoryBuildLedger } from './memoryBuildLedger.js';
import type { MemoryReplayGuard } from './memoryReplayGuard.js';

/**
 * In-memory MarkerSweep over the in-memory builds ledger and replay guard: the same contract
 * as the Tables one (test/contracts/markerSweepContract.ts runs both).
 */
export class MemoryMarkerSweep implements MarkerSweep {
  constructor(
    private readonly stores: {
      readonly ledger: MemoryBuildLedger;
      readonly replays: MemoryReplayGuard;
    },
  ) {}

  sweepEventMarkers(repository: string, before: Date): Promise<number> {
    const { ledger } = this.stores;
    let removed = 0;
    for (const [key, at] of ledger.eventTimes)
      if (key.startsWith(`${repository}|`) && at.getTime() < before.getTime()) {
        ledger.events.delete(key);
        ledger.eventTimes.delete(key);
        removed++;
      }
    return Promise.resolve(removed);
  }

  sweepReplays(before: Date): Promise<number> {
    let removed = 0;
    for (const [key, until] of this.stores.replays.claimed)
      if (until.getTime() < before.getTime()) {
        this.stores.replays.claimed.delete(key);
        removed++;
      }
    return Promise.resolve(removed);
  }
}
