import type { Build } from '../../domain/build.js';
import { TransientError } from '../../domain/errors.js';
import { floatingTags } from '../../domain/pipeline.js';
import type { Promotion } from '../../domain/promotion.js';
import type { TagListing } from '../../ports/registry.js';
import type { PushDeps } from '../push/handleRegistryEvents.js';
import { allBuilds } from '../retention/applyRetention.js';
import type { Comparison } from './reconcileReport.js';
import { lostRequests, recordListedBuild, type Candidate } from './findCandidates.js';
import { requestRecovered } from './requestRecovered.js';
import {
  checkStageTag,
  promotedTags,
  reportMissingTag,
  reportUnknownTag,
} from './stageTagChecks.js';
import { markGoneBuild } from './markGoneBuild.js';
import { stageOfTagIn, type TagPlace } from './tagPlaces.js';
import { describeLocation } from '../promotion/stagePlace.js';

/**
 * Compares one place's registry listing (`place`: the build repository, or a registry and
 * repository stages keep their tags in) with the ledger of build repository `repository`, and
 * heals each gap (a dry run only lists them): see `reconcileRegistry`. Only the tags of the
 * stages kept in the place are compared there; builds only where builds are pushed (a stage's
 * registry holds promoter's copies, never builds). `deps.registry` is the place's registry
 * seen by build repository name. A failure of one action is reported in `failed` and the
 * others go on; a transient failure reading the ledger is thrown.
 */
export async function compareRepository(
  deps: PushDeps,
  repository: string,
  listing: TagListing,
  dryRun: boolean,
  place: Pick<TagPlace, 'builds' | 'stages' | 'location'>,
): Promise<Comparison> {
  const [builds, buildTags, state, promotions] = await Promise.all([
    place.builds ? allBuilds(deps.ledger, repository) : [],
    place.builds ? deps.ledger.listBuildTags(repository) : [],
    deps.promotions.getRepositoryState(repository),
    deps.promotions.listPromotions(repository),
  ]);
  const where = place.builds ? 'the registry' : describeLocation(place.location);
  // Every tag of every build (a build's own lists are bounded), as the builds come: newest first.
  const tagsOf = new Map<string, string[]>();
  for (const { tag, digest } of buildTags) {
    const tags = tagsOf.get(digest);
    if (tags) tags.push(tag);
    else tagsOf.set(digest, [tag]);
  }
  const everyTag = (build: Build): readonly string[] => tagsOf.get(build.digest) ?? build.tags;
  const byTag = new Map<string, Build>();
  for (const build of builds) for (const tag of everyTag(build)) byTag.set(tag, build);
  const owners = new Map<string, Promotion>();
  for (const p of promotions) if (p.status !== 'rejected') for (const t of p.tags) owners.set(t, p);
  const result: Comparison = { actions: [], failed: [] };
  const attempt = async <T>(action: string, run: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof TransientError) throw error;
      result.failed.push({ action, error: error instanceof Error ? error.message : String(error) });
      return undefined;
    }
  };

  const present = new Set(listing.tags.map((t) => t.tag));
  const isListed = (tag: string) => present.has(tag);
  /** Every tag the ledger says the place holds (its stages' tags) that the listing lacks. */
  const missingTags = async (): Promise<void> => {
    const here = new Set(place.stages.map((s) => s.name));
    for (const [tag, expected] of promotedTags(deps, state.heads, promotions))
      if (here.has(expected.stage) && !isListed(tag))
        await attempt(`checking the missing tag ${repository}:${tag}`, () =>
          reportMissingTag(deps, repository, tag, expected, dryRun, result, where),
        );
  };

  // Oldest first where the registry says (ACR): recovered builds are asked for dev in push order.
  const oldestFirst = [...listing.tags].sort((a, b) =>
    a.updatedAt === undefined || b.updatedAt === undefined
      ? 0
      : a.updatedAt < b.updatedAt
        ? -1
        : a.updatedAt > b.updatedAt
          ? 1
          : 0,
  );
  const recovered: Candidate[] = [];
  for (const listed of oldestFirst) {
    if (deps.pipeline.buildTag.gitShaOf(listed.tag) !== undefined) {
      if (!place.builds) continue; // not a build: nothing is pushed to a stage's registry
      const known = byTag.get(listed.tag);
      const same = known !== undefined && known.deletedAt === undefined;
      if (same && (listed.digest === undefined || listed.digest === known.digest)) continue;
      await attempt(`recording ${repository}:${listed.tag}`, async () => {
        const candidate = await recordListedBuild(deps, repository, listed, known, dryRun);
        if (candidate !== undefined) recovered.push(candidate);
      });
      continue;
    }
    // A tag of a stage kept elsewhere is no stage tag here (as for a registry event).
    const stage = stageOfTagIn(place, listed.tag);
    if (stage === undefined) continue;
    const expected = floatingTags(stage).includes(listed.tag)
      ? state.heads[stage.name]?.digest
      : owners.get(listed.tag)?.digest;
    await attempt(`checking ${repository}:${listed.tag}`, () =>
      expected === undefined
        ? reportUnknownTag(deps, repository, listed, stage, dryRun, result)
        : checkStageTag(deps, repository, listed, expected, dryRun, result),
    );
  }

  if (!place.builds) {
    if (listing.complete) await missingTags();
    return result;
  }
  const lost = await attempt(`finding lost automatic promotions of ${repository}`, () =>
    lostRequests(deps, repository, builds, promotions, recovered),
  );
  await attempt(`asking for the automatic promotions of ${repository}`, () =>
    requestRecovered(deps, repository, [...recovered, ...(lost ?? [])], {
      builds,
      promotions,
      head: deps.pipeline.stages[0] && state.heads[deps.pipeline.stages[0].name],
      dryRun,
      result,
    }),
  );

  if (listing.complete) {
    const heldDigests = new Set(listing.tags.flatMap((t) => (t.digest ? [t.digest] : [])));
    await missingTags();
    for (const build of builds)
      if (
        build.deletedAt === undefined &&
        !everyTag(build).some(isListed) &&
        !heldDigests.has(build.digest)
      )
        await attempt(`checking the build ${repository}@${build.digest}`, () =>
          markGoneBuild(deps, build, dryRun, result),
        );
  }
  return result;
}
