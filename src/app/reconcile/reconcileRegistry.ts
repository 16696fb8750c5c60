import type { RepositoryPatterns } from '../../domain/repositoryPatterns.js';
import type { ReconcileMark, ReconcileMarks } from '../../ports/reconcileMarks.js';
import type { PushDeps } from '../push/handleRegistryEvents.js';
import { countedPorts, type RequestCounts } from './countedPorts.js';
import type { ReconcileReport, RepositoryReconcile } from './reconcileReport.js';
import { compareRepository } from './reconcileRepository.js';

export type { ReconcileAction, ReconcileReport, RepositoryReconcile } from './reconcileReport.js';

/** What the reconciler needs: the push flow's ports, and where it keeps its watermarks. */
export interface ReconcileDeps extends PushDeps {
  readonly marks: ReconcileMarks;
}

/** One run. */
export interface ReconcileRequest {
  /** Compare and report only: nothing is recorded, requested, written or marked. */
  readonly dryRun: boolean;
  /** The repositories in scope (PROMOTER_RECONCILE_REPOSITORIES). */
  readonly patterns: RepositoryPatterns;
  /** Only this repository (it need not match the patterns). */
  readonly repository?: string | undefined;
}

/** How often every tag is compared where the registry lists by update time (ACR). */
export const FULL_SWEEP_EVERY_MS = 24 * 60 * 60 * 1000;

/**
 * Tags updated this long before the watermark are listed again: the registry's update times and
 * the order its listing shows them in need not agree to the millisecond.
 */
export const WATERMARK_OVERLAP_MS = 10 * 60 * 1000;

/** Repositories compared at once. */
const CONCURRENCY = 4;

/**
 * The reconciler: compares, per repository in scope (the ledger's repositories and the
 * registry's catalog, filtered by the patterns), the registry's tags with the ledger, and heals
 * what no registry event reported:
 * - a build tag the ledger lacks is recorded (pusher unknown) through the push flow, and the
 *   automatic first-stage promotion asked for as for a push; the event id is derived from
 *   repository, tag and digest, so two runs, or a run and a late event, record it once;
 * - a stage tag on another digest than the ledger says goes through the push flow's drift
 *   check (`detectDriftOnPush`: a promotion in flight is not drift; restored with `restoreOnDrift`);
 * - a stage tag no promotion made is reported as unknown;
 * and, when the listing was complete, a tag the ledger says was promoted but the registry
 * lacks is reported (written back with `restoreOnDrift`), and a recorded build whose manifest
 * is gone is marked deleted. Each finding is kept in the history (outcome `reconciled`, or
 * `drift`), keyed on a deterministic id.
 *
 * Cost: where the registry lists tags by update time (ACR) a run lists only the tags updated
 * since the repository's watermark (minus `WATERMARK_OVERLAP_MS`), and compares every tag at
 * most once a day (`FULL_SWEEP_EVERY_MS`); elsewhere every run reads each repository's whole
 * tag list and resolves its stage tags (the distribution API lists names only). The report says
 * what the run asked of the registry and the ledger. A repository that fails is reported and
 * the others go on; its watermark stays, so the next run covers it again.
 */
export async function reconcileRegistry(
  deps: ReconcileDeps,
  request: ReconcileRequest,
): Promise<ReconcileReport> {
  const started = deps.clock.now();
  const counts: RequestCounts = { registry: 0, ledger: 0 };
  const ports = countedPorts(deps, counts);
  const run: ReconcileDeps = { ...deps, ...ports };

  let catalogError: string | undefined;
  let names: string[];
  if (request.repository !== undefined) names = [request.repository];
  else {
    const [recorded, catalog] = await Promise.all([
      run.ledger.listRepositories(),
      run.registry.listRepositories().catch((error: unknown) => {
        catalogError = message(error);
        return { names: [] };
      }),
    ]);
    names = [...new Set([...recorded, ...catalog.names])]
      .filter((name) => request.patterns.matches(name))
      .sort();
  }
  const marks = await run.marks.readAll();

  const repositories: RepositoryReconcile[] = new Array<RepositoryReconcile>(names.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < names.length; i = next++) {
      const repository = names[i] ?? '';
      repositories[i] = await reconcileOne(
        run,
        repository,
        marks.get(repository),
        request,
        started,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, names.length) }, worker));

  return {
    dryRun: request.dryRun,
    at: started.toISOString(),
    scope: request.repository ?? request.patterns.source,
    repositories,
    ...(catalogError === undefined ? {} : { catalogError }),
    cost: {
      registryRequests: counts.registry,
      ledgerRequests: counts.ledger,
      ms: deps.clock.now().getTime() - started.getTime(),
    },
  };
}

async function reconcileOne(
  deps: ReconcileDeps,
  repository: string,
  mark: ReconcileMark | undefined,
  request: ReconcileRequest,
  now: Date,
): Promise<RepositoryReconcile> {
  const lastSweep = mark?.fullSweepAt === undefined ? undefined : Date.parse(mark.fullSweepAt);
  const sweepDue = lastSweep === undefined || now.getTime() - lastSweep >= FULL_SWEEP_EVERY_MS;
  const since =
    sweepDue || mark?.listedUpTo === undefined
      ? undefined
      : new Date(Date.parse(mark.listedUpTo) - WATERMARK_OVERLAP_MS);
  try {
    const listing = await deps.registry.listTags(repository, { updatedSince: since });
    const { actions, failed } = await compareRepository(deps, repository, listing, request.dryRun);
    const newest = listing.tags.reduce<string | undefined>(
      (max, t) =>
        t.updatedAt !== undefined && (max === undefined || t.updatedAt > max) ? t.updatedAt : max,
      mark?.listedUpTo,
    );
    // Written only when it moves: a registry without update times costs one write a day.
    const moved = newest !== mark?.listedUpTo || (listing.complete && sweepDue);
    if (!request.dryRun && failed.length === 0 && moved)
      await deps.marks.write(repository, {
        listedUpTo: newest,
        fullSweepAt: listing.complete ? now.toISOString() : mark?.fullSweepAt,
      });
    return {
      repository,
      sweep: listing.complete ? 'full' : 'since-watermark',
      tagsListed: listing.tags.length,
      actions,
      failed,
    };
  } catch (error) {
    return {
      repository,
      sweep: since === undefined ? 'full' : 'since-watermark',
      tagsListed: 0,
      actions: [],
      failed: [],
      error: message(error),
    };
  }
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
