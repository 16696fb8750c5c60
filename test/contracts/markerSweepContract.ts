import { describe, expect, it } from 'vitest';
import type { BuildLedger, BuildPush } from '../../src/ports/buildLedger.js';
import type { MarkerSweep } from '../../src/ports/markerSweep.js';
import type { ReplayGuard } from '../../src/ports/replayGuard.js';
import { digestOf, minute, shaOf, uniqueId } from './samples.js';

/** What a sweep works on: a builds ledger and a replay guard, and the sweep over both. */
export interface SweepWorld {
  readonly ledger: BuildLedger;
  readonly replays: ReplayGuard;
  readonly sweeps: MarkerSweep;
}

const REPO = 'team/app';

function pushOf(label: string, at: Date, repository = REPO): BuildPush {
  const gitSha = shaOf(label);
  return {
    eventId: uniqueId('push'),
    repository,
    digest: digestOf(label),
    gitSha,
    tag: `git-${gitSha.slice(0, 7)}`,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    registry: 'myacr.azurecr.io',
    at,
  };
}

const hours = (n: number) => new Date(Date.now() + n * 3_600_000);

/**
 * What every `MarkerSweep` does (src/ports/markerSweep.ts), stated once for the in-memory
 * fake and the Tables adapter. `makeWorld` gives empty stores of their own each call.
 */
export function markerSweepContract(name: string, makeWorld: () => SweepWorld): void {
  describe(`MarkerSweep contract: ${name}`, () => {
    it('removes event markers handled before the cut-off and keeps those inside the window: a redelivered event inside it is still a duplicate', async () => {
      const { ledger, sweeps } = makeWorld();
      const old = pushOf('old', minute(0));
      const edge = pushOf('edge', minute(60));
      const fresh = pushOf('fresh', minute(61));
      for (const push of [old, edge, fresh]) await ledger.recordBuild(push);

      expect(await sweeps.sweepEventMarkers(REPO, minute(60))).toBe(1);

      // Inside the window (and exactly at the cut-off): still duplicates.
      expect(await ledger.recordBuild(edge)).toMatchObject({ kind: 'duplicate-event' });
      expect(await ledger.recordBuild(fresh)).toMatchObject({ kind: 'duplicate-event' });
      // Past it, the marker is gone but the build stays: the event is not recorded twice.
      expect(await ledger.recordBuild(old)).toMatchObject({ kind: 'already-recorded' });
      expect(await ledger.getBuildByDigest(REPO, old.digest)).toMatchObject({
        digest: old.digest,
        gitShas: [old.gitSha],
      });
      // A second sweep finds nothing more to remove.
      expect(await sweeps.sweepEventMarkers(REPO, minute(60))).toBe(1);
      expect(await sweeps.sweepEventMarkers(REPO, minute(60))).toBe(0);
    });

    it('removes 250 old markers of one repository (more than one transaction holds) and none of another repository', async () => {
      const { ledger, sweeps } = makeWorld();
      for (let i = 0; i < 250; i += 25)
        await Promise.all(
          Array.from({ length: 25 }, (_, k) =>
            ledger.recordBuild(pushOf(`many-${String(i + k)}`, minute(i + k))),
          ),
        );
      const other = pushOf('other', minute(1), 'team/other');
      await ledger.recordBuild(other);

      expect(await sweeps.sweepEventMarkers(REPO, minute(1000))).toBe(250);
      expect(await sweeps.sweepEventMarkers(REPO, minute(1000))).toBe(0);
      expect(await ledger.recordBuild(other)).toMatchObject({ kind: 'duplicate-event' });
      expect(await sweeps.sweepEventMarkers('team/other', minute(0))).toBe(0);
      expect(await ledger.listBuilds(REPO, { limit: 1000 })).toMatchObject({
        builds: expect.any(Array) as unknown[],
      });
      expect((await ledger.listBuilds(REPO, { limit: 1000 })).builds).toHaveLength(250);
    });

    it('removes replay rows past their expiry only: a claim still inside its window still refuses a replay', async () => {
      const { replays, sweeps } = makeWorld();
      const expired = uniqueId('expired');
      const live = uniqueId('live');
      expect(await replays.claim('approvals', expired, hours(-2))).toBe(true);
      expect(await replays.claim('slack', live, hours(2))).toBe(true);

      expect(await sweeps.sweepReplays(hours(-1))).toBe(1);
      expect(await sweeps.sweepReplays(new Date())).toBe(0);

      expect(await replays.claim('slack', live, hours(2))).toBe(false);
      expect(await replays.claim('approvals', expired, hours(2))).toBe(true);
      expect(await replays.claim('approvals', expired, hours(2))).toBe(false);
    });

    it('sweeps a repository and a replay store it never saw without failing', async () => {
      const { sweeps } = makeWorld();
      expect(await sweeps.sweepEventMarkers('never/seen', new Date())).toBe(0);
      expect(await sweeps.sweepReplays(new Date())).toBe(0);
    });
  });
}
