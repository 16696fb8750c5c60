import type { Duration } from '../../domain/duration.js';
import type { BuildLedger } from '../../ports/buildLedger.js';
import type { Clock } from '../../ports/clock.js';
import type { MarkerSweep } from '../../ports/markerSweep.js';

/** What the sweep reads and deletes. */
export interface SweepDeps {
  readonly ledger: Pick<BuildLedger, 'listRepositories'>;
  readonly sweeps: MarkerSweep;
  readonly clock: Clock;
}

/** What the sweep removed in one repository, or why it could not. */
export type RepositorySwept =
  | { readonly repository: string; readonly eventMarkers: number }
  | { readonly repository: string; readonly error: string };

/** The result of one sweep. */
export interface SweepReport {
  /** How long event markers are kept (PROMOTER_MARKER_DAYS). */
  readonly window: Duration;
  /** Event markers handled before this time (ISO 8601) were removed: now less the window. */
  readonly before: string;
  /** Per repository with a recorded build, in name order. */
  readonly repositories: readonly RepositorySwept[];
  /** Replay rows removed (expired before the clock's now), or why they could not be. */
  readonly replays: { readonly removed: number } | { readonly error: string };
  /** Whether the list of repositories could not be read (then none was swept). */
  readonly error?: string | undefined;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Removes the idempotency markers past their window: in every repository with a recorded
 * build, the registry event markers handled more than `window` ago, and the replay guard's
 * expired rows. The history (the audit trail), builds and promotions stay.
 * A marker inside the window is never removed, so a redelivery inside it is still a
 * duplicate. One repository failing does not stop the others; the report says which.
 */
export async function sweepMarkers(
  deps: SweepDeps,
  request: { readonly window: Duration },
): Promise<SweepReport> {
  const now = deps.clock.now();
  const before = new Date(now.getTime() - request.window.ms);
  const replays = await deps.sweeps.sweepReplays(now).then(
    (removed) => ({ removed }),
    (error: unknown) => ({ error: messageOf(error) }),
  );
  let names: readonly string[];
  try {
    names = await deps.ledger.listRepositories();
  } catch (error) {
    return {
      window: request.window,
      before: before.toISOString(),
      repositories: [],
      replays,
      error: messageOf(error),
    };
  }
  const repositories: RepositorySwept[] = [];
  for (const repository of [...names].sort())
    repositories.push(
      await deps.sweeps.sweepEventMarkers(repository, before).then(
        (eventMarkers) => ({ repository, eventMarkers }),
        (error: unknown) => ({ repository, error: messageOf(error) }),
      ),
    );
  return { window: request.window, before: before.toISOString(), repositories, replays };
}
