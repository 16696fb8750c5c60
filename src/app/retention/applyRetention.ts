import type { Build } from '../../domain/build.js';
import type { Duration } from '../../domain/duration.js';
import type { OutcomeEvent } from '../../domain/outcomeEvent.js';
import type { Pipeline } from '../../domain/pipeline.js';
import { judgeBuild, planRetention } from '../../domain/retentionPlan.js';
import type { Clock } from '../../ports/clock.js';
import type { BuildLedger } from '../../ports/buildLedger.js';
import type { PromotionLedger } from '../../ports/promotionLedger.js';
import type { Registry } from '../../ports/registry.js';
import { outcomeLocation, stageLocationFields } from '../../domain/outcomeLocation.js';
import { stagePlace, stageRegistry, type RegistriesDeps } from '../promotion/stagePlace.js';

/**
 * What retention reads and writes: the ledgers, the build registry, and (for a first stage kept
 * in another registry or repository) the registries stages keep their tags in.
 */
export interface RetentionDeps extends RegistriesDeps {
  readonly ledger: BuildLedger;
  readonly promotions: PromotionLedger;
  readonly registry: Registry;
  readonly pipeline: Pipeline;
  readonly clock: Clock;
}

/** One run of retention. */
export interface RetentionRequest {
  /**
   * Builds recorded more than this long ago may go: PROMOTER_RETENTION_DAYS, or the operator's
   * `olderThan` for one run.
   */
  readonly age: Duration;
  /** Decide and report only: nothing is deleted or recorded. */
  readonly dryRun: boolean;
  /** One repository; every repository in the ledger when undefined. */
  readonly repository?: string | undefined;
}

/** A build as the report shows it. */
export interface ReportedBuild {
  readonly digest: string;
  readonly gitShas: readonly string[];
  readonly tags: readonly string[];
  readonly recordedAt: string;
}

/** What retention did, or would do, in one repository. */
export interface RepositoryRetention {
  readonly repository: string;
  /** Deleted from the registry and recorded (a dry run: would be), each with why it could go. */
  readonly deleted: readonly (ReportedBuild & { readonly reason: string })[];
  /** Kept, each with every reason it stays. */
  readonly kept: readonly (ReportedBuild & { readonly reasons: readonly string[] })[];
  /** Doomed, but deleting or recording failed: the next run tries again. */
  readonly failed: readonly (ReportedBuild & { readonly reason: string; readonly error: string })[];
  /** Why the repository could not be read at all, if it could not. */
  readonly error?: string | undefined;
}

/** The result of a run: per repository, in name order. */
export interface RetentionReport {
  readonly dryRun: boolean;
  /** The age past which builds could go, as the request gave it (`{ ms, label: '30 days' }`). */
  readonly age: Duration;
  /** The time the ages were measured from (ISO 8601). */
  readonly at: string;
  readonly repositories: readonly RepositoryRetention[];
}

/** Builds read per ledger page: the most the ledger gives at once. */
const PAGE_SIZE = 1000;

/**
 * Deletes, from the registry, the builds that retention allows (see `retentionPlan.ts`): for
 * each repository it reads every build, every promotion and the stage heads, plans, and for
 * each doomed build checks its promotions and the heads once more (a promotion may have started
 * meanwhile), deletes the manifest, then records the deletion: an outcome `deleted` in the
 * history, then the build marked deleted in the ledger. Both records are keyed on
 * `retention:<digest>`, so a run that failed half-way is finished by the next one: the manifest
 * is `not-found` by then, the history entry a duplicate, and the mark, written last, is what
 * stops the build from being tried again. A failure of one build is reported and the others go
 * on; a repository that cannot be read is reported and the others go on. A dry run reads only.
 */
export async function applyRetention(
  deps: RetentionDeps,
  request: RetentionRequest,
): Promise<RetentionReport> {
  const now = deps.clock.now();
  const names =
    request.repository === undefined ? await deps.ledger.listRepositories() : [request.repository];
  const repositories: RepositoryRetention[] = [];
  for (const repository of names) {
    try {
      repositories.push(await retainRepository(deps, request, repository, now));
    } catch (error) {
      repositories.push({ repository, deleted: [], kept: [], failed: [], error: message(error) });
    }
  }
  return {
    dryRun: request.dryRun,
    age: request.age,
    at: now.toISOString(),
    repositories,
  };
}

async function retainRepository(
  deps: RetentionDeps,
  request: RetentionRequest,
  repository: string,
  now: Date,
): Promise<RepositoryRetention> {
  const [builds, promotions, state] = await Promise.all([
    allBuilds(deps.ledger, repository),
    deps.promotions.listPromotions(repository),
    deps.promotions.getRepositoryState(repository),
  ]);
  const { age } = request;
  const locations = stageLocations(deps, repository);
  const plan = planRetention({
    builds,
    promotions,
    heads: state.heads,
    pipeline: deps.pipeline,
    now,
    age,
    locations,
  });
  const firstStage = deps.pipeline.stages[0]?.name ?? '';
  const deleted: RepositoryRetention['deleted'][number][] = [];
  const kept: RepositoryRetention['kept'][number][] = [];
  const failed: RepositoryRetention['failed'][number][] = [];
  for (const verdict of plan.verdicts) {
    const shown = reported(verdict.build);
    if (verdict.kind === 'keep') {
      kept.push({ ...shown, reasons: verdict.reasons });
      continue;
    }
    if (request.dryRun) {
      deleted.push({ ...shown, reason: verdict.reason });
      continue;
    }
    try {
      const [again, fresh] = await Promise.all([
        deps.promotions.listPromotionsOfDigest(repository, verdict.build.digest),
        deps.promotions.getRepositoryState(repository),
      ]);
      const recheck = judgeBuild(verdict.build, {
        promotions: again,
        heads: fresh.heads,
        firstStage,
        now,
        age,
        locations,
      });
      if (recheck.kind === 'keep') {
        kept.push({ ...shown, reasons: recheck.reasons });
        continue;
      }
      await deleteBuild(deps, verdict.build, `retention: ${verdict.reason}`);
      deleted.push({ ...shown, reason: verdict.reason });
    } catch (error) {
      failed.push({ ...shown, reason: verdict.reason, error: message(error) });
    }
  }
  return { repository, deleted, kept, failed };
}

/**
 * Where each stage kept in another registry or repository has its tags for `repository`
 * (`prodacr.azurecr.io/myapp`), by stage name: the reasons a build is kept name them.
 */
function stageLocations(deps: RetentionDeps, repository: string): Record<string, string> {
  const locations: Record<string, string> = {};
  for (const stage of deps.pipeline.stages) {
    const at = outcomeLocation({ repository, ...stageLocationFields(stage, repository) });
    if (at !== undefined) locations[stage.name] = at;
  }
  return locations;
}

/**
 * Deletes one build's manifest and records it: history first, the ledger's mark last. A first
 * stage kept in another registry or repository holds a copy of the digest there (promoter
 * copied it in): deleted first, so no copy outlives its build. A build goes only when it
 * never went past the first stage, so no later stage shares the copy.
 */
async function deleteBuild(deps: RetentionDeps, build: Build, reason: string): Promise<void> {
  const { repository, digest } = build;
  const first = deps.pipeline.stages[0];
  // `not-found`: deleted by an earlier run that failed before recording, or by hand.
  if (first !== undefined && stagePlace(first, repository, deps).elsewhere)
    await stageRegistry(first, deps).deleteManifest(repository, digest);
  await deps.registry.deleteManifest(repository, digest);
  const at = deps.clock.now();
  const key = `retention:${digest}`;
  const event: OutcomeEvent = {
    type: 'promotion.outcome',
    id: key,
    outcome: 'deleted',
    repository,
    stage: first?.name ?? '',
    digest,
    gitShas: build.gitShas,
    tags: build.tags,
    reason,
    messageId: key,
    at: at.toISOString(),
  };
  await deps.promotions.appendHistory(repository, event);
  const marked = await deps.ledger.markBuildDeleted({ eventId: key, repository, digest, at });
  // A digest deleted once, pushed again (which un-deletes it) and now deleted again: the
  // first deletion's event id is spent, so this one is recorded under its own.
  if (marked.kind === 'duplicate-event' && marked.build?.deletedAt === undefined)
    await deps.ledger.markBuildDeleted({
      eventId: `${key}:${at.toISOString()}`,
      repository,
      digest,
      at,
    });
}

/** Every build of a repository, page by page (the reconciler reads them so too). */
export async function allBuilds(ledger: BuildLedger, repository: string): Promise<Build[]> {
  const builds: Build[] = [];
  let cursor: string | undefined;
  do {
    const page = await ledger.listBuilds(repository, { limit: PAGE_SIZE, cursor });
    builds.push(...page.builds);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return builds;
}

const reported = (build: Build): ReportedBuild => ({
  digest: build.digest,
  gitShas: build.gitShas,
  tags: build.tags,
  recordedAt: build.recordedAt,
});

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
