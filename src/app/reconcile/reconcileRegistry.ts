import type { RepositoryPatterns } from '../../domain/repositoryPatterns.js';
import type { ReconcileMark, ReconcileMarks } from '../../ports/reconcileMarks.js';
import type { PushDeps } from '../push/handleRegistryEvents.js';
import { countedPorts, type RequestCounts } from './countedPorts.js';
import type { ReconcileReport, RepositoryReconcile } from './reconcileReport.js';
import { compareRepository } from './reconcileRepository.js';
import { isStageRepository, tagPlaces, type TagPlace } from './tagPlaces.js';
import { describeLocation } from '../promotion/stagePlace.js';

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
    // A catalog name that is only a stage's repository (`prod/myapp`) is compared with its build
    // repository's (`myapp`): it holds promoter's copies, never builds.
    const inLedger = new Set(recorded);
    const stageRepository = (name: string) =>
      !inLedger.has(name) &&
      isStageRepository(deps.pipeline, name, { buildRegistry: deps.defaultRegistry });
    names = [...new Set([...recorded, ...catalog.names])]
      .filter((name) => request.patterns.matches(name) && !stageRepository(name))
      .sort();
  }
  const marks = await run.marks.readAll();

  const compared: RepositoryReconcile[][] = new Array<RepositoryReconcile[]>(names.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < names.length; i = next++)
      compared[i] = await reconcileOne(run, names[i] ?? '', marks, request, started);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, names.length) }, worker));

  return {
    dryRun: request.dryRun,
    at: started.toISOString(),
    scope: request.repository ?? request.patterns.source,
    repositories: compared.flat(),
    ...(catalogError === undefined ? {} : { catalogError }),
    cost: {
      registryRequests: counts.registry,
      ledgerRequests: counts.ledger,
      ms: deps.clock.now().getTime() - started.getTime(),
    },
  };
}

/**
 * One build repository: each place its tags are in (`tagPlaces`), the build registry's first;
 * one entry each in the report, a stage's registry's with its `location`.
 */
async function reconcileOne(
  deps: ReconcileDeps,
  repository: string,
  marks: ReadonlyMap<string, ReconcileMark>,
  request: ReconcileRequest,
  now: Date,
): Promise<RepositoryReconcile[]> {
  let places: TagPlace[];
  try {
    places = tagPlaces(deps.pipeline, repository, { ...deps, buildRegistry: deps.defaultRegistry });
  } catch (error) {
    const failed = { repository, sweep: 'full', tagsListed: 0, actions: [], failed: [] } as const;
    return [{ ...failed, error: message(error) }];
  }
  const reports: RepositoryReconcile[] = [];
  for (const place of places)
    reports.push(
      await reconcilePlace(deps, repository, place, marks.get(place.markKey), request, now),
    );
  return reports;
}

/** One place of a build repository: listed since its own mark, compared, its mark moved. */
async function reconcilePlace(
  deps: ReconcileDeps,
  repository: string,
  place: TagPlace,
  mark: ReconcileMark | undefined,
  request: ReconcileRequest,
  now: Date,
): Promise<RepositoryReconcile> {
  const at: ReconcileDeps = place.builds ? deps : { ...deps, registry: place.registry };
  const location = place.builds ? {} : { location: describeLocation(place.location) };
  const lastSweep = mark?.fullSweepAt === undefined ? undefined : Date.parse(mark.fullSweepAt);
  const sweepDue = lastSweep === undefined || now.getTime() - lastSweep >= FULL_SWEEP_EVERY_MS;
  const since =
    sweepDue || mark?.listedUpTo === undefined
      ? undefined
      : new Date(Date.parse(mark.listedUpTo) - WATERMARK_OVERLAP_MS);
  try {
    const listing = await at.registry.listTags(repository, { updatedSince: since });
    const { actions, failed } = await compareRepository(
      at,
      repository,
      listing,
      request.dryRun,
      place,
    );
    const newest = listing.tags.reduce<string | undefined>(
      (max, t) =>
        t.updatedAt !== undefined && (max === undefined || t.updatedAt > max) ? t.updatedAt : max,
      mark?.listedUpTo,
    );
    // Written only when it moves: a registry without update times costs one write a day.
    const moved = newest !== mark?.listedUpTo || (listing.complete && sweepDue);
    if (!request.dryRun && failed.length === 0 && moved)
      await deps.marks.write(place.markKey, {
        listedUpTo: newest,
        fullSweepAt: listing.complete ? now.toISOString() : mark?.fullSweepAt,
      });
    return {
      repository,
      ...location,
      sweep: listing.complete ? 'full' : 'since-watermark',
      tagsListed: listing.tags.length,
      actions,
      failed,
    };
  } catch (error) {
    return {
      repository,
      ...location,
      sweep: since === undefined ? 'full' : 'since-watermark',
      tagsListed: 0,
      actions: [],
      failed: [],
      error: message(error),
    };
  }
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
