import type { Build } from '../../domain/build.js';
import { NotFoundError, TransientError } from '../../domain/errors.js';
import { floatingTags } from '../../domain/pipeline.js';
import type { Promotion, StageHead } from '../../domain/promotion.js';
import type { RegistryEvent } from '../../domain/registryEvents.js';
import type { ListedTag, TagListing } from '../../ports/registry.js';
import type { PushDeps } from '../push/handleRegistryEvents.js';
import { classifyEvent } from '../../domain/classifyEvent.js';
import { recordRegistryEvent } from '../push/recordRegistryEvent.js';
import { requestAutomaticPromotion } from '../push/requestAutomaticPromotion.js';
import { detectDriftOnPush } from '../push/detectDriftOnPush.js';
import { putExactManifest } from '../promotion/putExactManifest.js';
import { allBuilds } from '../retention/applyRetention.js';
import { reconciledEvent, reconciledId } from './reconciledEvent.js';
import type { ReconcileAction } from './reconcileReport.js';

/** What comparing one repository found and did. */
export interface Comparison {
  readonly actions: ReconcileAction[];
  readonly failed: { readonly action: string; readonly error: string }[];
}

/**
 * Compares one repository's registry listing with the ledger and heals each gap (a dry run only
 * lists them): see `reconcileRegistry`. A failure of one action is reported in `failed` and the
 * others go on; a transient failure reading the ledger is thrown.
 */
export async function compareRepository(
  deps: PushDeps,
  repository: string,
  listing: TagListing,
  dryRun: boolean,
): Promise<Comparison> {
  const [builds, state, promotions] = await Promise.all([
    allBuilds(deps.ledger, repository),
    deps.promotions.getRepositoryState(repository),
    deps.promotions.listPromotions(repository),
  ]);
  const byTag = new Map<string, Build>();
  for (const build of builds) for (const tag of build.tags) byTag.set(tag, build);
  const owners = new Map<string, Promotion>();
  for (const p of promotions) if (p.status !== 'rejected') for (const t of p.tags) owners.set(t, p);
  const result: Comparison = { actions: [], failed: [] };
  const attempt = async (action: string, run: () => Promise<void>): Promise<void> => {
    try {
      await run();
    } catch (error) {
      if (error instanceof TransientError) throw error;
      result.failed.push({ action, error: error instanceof Error ? error.message : String(error) });
    }
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
  for (const listed of oldestFirst) {
    if (deps.pipeline.buildTag.gitShaOf(listed.tag) !== undefined) {
      const known = byTag.get(listed.tag);
      const same = known !== undefined && known.deletedAt === undefined;
      if (same && (listed.digest === undefined || listed.digest === known.digest)) continue;
      await attempt(`recording ${repository}:${listed.tag}`, () =>
        recordListedBuild(deps, repository, listed, known, dryRun, result),
      );
      continue;
    }
    const stage = deps.pipeline.stageOfTag(listed.tag);
    if (stage === undefined) continue;
    const expected = floatingTags(stage).includes(listed.tag)
      ? state.heads[stage.name]?.digest
      : owners.get(listed.tag)?.digest;
    await attempt(`checking ${repository}:${listed.tag}`, () =>
      expected === undefined
        ? reportUnknownTag(deps, repository, listed, stage.name, dryRun, result)
        : checkStageTag(deps, repository, listed, expected, dryRun, result),
    );
  }

  if (listing.complete) {
    const present = new Set(listing.tags.map((t) => t.tag));
    const heldDigests = new Set(listing.tags.flatMap((t) => (t.digest ? [t.digest] : [])));
    for (const [tag, expected] of promotedTags(deps, state.heads, promotions))
      if (!present.has(tag))
        await attempt(`checking the missing tag ${repository}:${tag}`, () =>
          reportMissingTag(deps, repository, tag, expected, dryRun, result),
        );
    for (const build of builds)
      if (
        build.deletedAt === undefined &&
        !build.tags.some((t) => present.has(t)) &&
        !heldDigests.has(build.digest)
      )
        await attempt(`checking the build ${repository}@${build.digest}`, () =>
          markGoneBuild(deps, build, dryRun, result),
        );
  }
  return result;
}

/** A build tag the ledger does not know (or, on ACR, one now on another digest). */
async function recordListedBuild(
  deps: PushDeps,
  repository: string,
  listed: ListedTag,
  known: Build | undefined,
  dryRun: boolean,
  result: Comparison,
): Promise<void> {
  const digest = listed.digest ?? (await deps.registry.resolveTag(repository, listed.tag));
  if (digest === undefined) return; // gone since it was listed
  if (known?.digest === digest && known.deletedAt === undefined) return;
  const { mediaType } = await deps.registry.getManifest(repository, digest);
  const event: RegistryEvent = {
    kind: 'push',
    id: reconciledId('push', repository, listed.tag, digest),
    timestamp: listed.updatedAt,
    registry: undefined,
    repository,
    digest,
    mediaType,
    tag: listed.tag,
  };
  const decision = classifyEvent(event, deps.pipeline);
  if (decision.kind !== 'record') return; // not an image (a Helm chart, a signature)
  const why = `no registry event reported ${listed.tag} (${digest}); who pushed it is unknown`;
  if (dryRun) {
    result.actions.push({
      kind: 'build-recorded',
      tag: listed.tag,
      digest,
      gitSha: decision.gitSha,
      reason: `would record it: ${why}`,
    });
    return;
  }
  const outcome = await recordRegistryEvent(event, deps);
  // A registry event recorded it meanwhile: nothing to heal.
  if (outcome.outcome === 'already-recorded') return;
  const promotionRequested = await requestAutomaticPromotion(outcome, deps);
  await deps.promotions.appendHistory(
    repository,
    reconciledEvent({
      id: event.id,
      reconciled: 'build-recorded',
      repository,
      stage: deps.pipeline.stages[0]?.name ?? 'build',
      digest,
      tags: [listed.tag],
      gitShas: [decision.gitSha],
      reason: `recorded ${listed.tag}: ${why}`,
      at: deps.clock.now(),
    }),
  );
  result.actions.push({
    kind: 'build-recorded',
    tag: listed.tag,
    digest,
    gitSha: decision.gitSha,
    ...(promotionRequested === undefined ? {} : { promotionRequested }),
    reason: `recorded: ${why}${promotionRequested === undefined ? '' : '; its automatic promotion was asked for'}`,
  });
}

/** A stage tag the ledger has a digest for: drift when the registry holds another one. */
async function checkStageTag(
  deps: PushDeps,
  repository: string,
  listed: ListedTag,
  expected: string,
  dryRun: boolean,
  result: Comparison,
): Promise<void> {
  const digest = listed.digest ?? (await deps.registry.resolveTag(repository, listed.tag));
  if (digest === undefined || digest === expected) return;
  const eventId = reconciledId('tag', repository, listed.tag, digest, expected);
  // Reported by an earlier run (and not put back): announced once, not every run.
  if (await deps.promotions.getOutcome(repository, `drift:${eventId}`)) return;
  if (dryRun) {
    result.actions.push({
      kind: 'drift',
      tag: listed.tag,
      digest,
      expected,
      restored: false,
      reason: `would check for drift: ${listed.tag} holds ${digest}, the ledger says ${expected}`,
    });
    return;
  }
  const check = await detectDriftOnPush(
    { eventId, repository, tag: listed.tag, digest, pushedBy: undefined },
    deps,
  );
  if (check.kind !== 'drift') return; // promoter's own write in flight, or the tag moved back
  result.actions.push({
    kind: 'drift',
    tag: listed.tag,
    digest,
    expected,
    restored: check.event.restored ?? false,
    reason: check.event.reason ?? 'drift',
  });
}

/** A stage tag no promotion made (e.g. rc tags a lost ledger write forgot): reported. */
async function reportUnknownTag(
  deps: PushDeps,
  repository: string,
  listed: ListedTag,
  stage: string,
  dryRun: boolean,
  result: Comparison,
): Promise<void> {
  // Read again: a promotion may have allocated the tag since the ledger was read.
  const owner = await deps.promotions.findPromotionByTag(repository, listed.tag);
  if (owner !== undefined && owner.status !== 'rejected') return;
  const digest = listed.digest ?? (await deps.registry.resolveTag(repository, listed.tag));
  if (digest === undefined) return;
  const reason = `${listed.tag} (${digest}) is a ${stage} tag that no promotion in the ledger made; promoter leaves it alone (a lost ledger write, or pushed by hand)`;
  const id = reconciledId('unknown', repository, listed.tag, digest);
  if (!dryRun) {
    const event = reconciledEvent({
      id,
      reconciled: 'tag-unknown',
      repository,
      stage,
      digest,
      tags: [listed.tag],
      reason,
      at: deps.clock.now(),
    });
    // Announced when first found; later runs still list it, without a new announcement.
    if ((await deps.promotions.appendHistory(repository, event)).kind === 'recorded')
      await deps.publisher.publish(event);
  }
  result.actions.push({ kind: 'tag-unknown', tag: listed.tag, stage, digest, reason });
}

/** A tag the ledger says the registry holds, and since when. */
interface ExpectedTag {
  readonly digest: string;
  readonly stage: string;
  readonly immutable: boolean;
  /** When it was promoted: a tag missing again after a later promotion is a new finding. */
  readonly since: string;
}

/** Every tag the ledger says the registry holds: each head's tags, and promoted immutable tags. */
function promotedTags(
  deps: PushDeps,
  heads: Readonly<Record<string, StageHead>>,
  promotions: readonly Promotion[],
): Map<string, ExpectedTag> {
  const expected = new Map<string, ExpectedTag>();
  for (const p of promotions) {
    const stage = deps.pipeline.stage(p.stage);
    if (p.status !== 'promoted' || stage === undefined) continue;
    const floating = floatingTags(stage);
    for (const tag of p.tags)
      if (!floating.includes(tag))
        expected.set(tag, {
          digest: p.digest,
          stage: stage.name,
          immutable: stage.immutable,
          since: p.promotedAt ?? p.updatedAt,
        });
  }
  for (const [name, head] of Object.entries(heads)) {
    const stage = deps.pipeline.stage(name);
    if (stage === undefined) continue;
    for (const tag of head.tags)
      if (!expected.has(tag))
        expected.set(tag, {
          digest: head.digest,
          stage: name,
          immutable: stage.immutable && !floatingTags(stage).includes(tag),
          since: head.promotedAt,
        });
  }
  return expected;
}

/** A promoted tag the registry did not list: reported, and written back with `restoreOnDrift`. */
async function reportMissingTag(
  deps: PushDeps,
  repository: string,
  tag: string,
  expected: ExpectedTag,
  dryRun: boolean,
  result: Comparison,
): Promise<void> {
  // Written since the listing (a promotion that just finished)? Then it is not missing.
  if ((await deps.registry.resolveTag(repository, tag)) !== undefined) return;
  const restore = deps.pipeline.restoreOnDrift;
  const { digest } = expected;
  if (dryRun) {
    result.actions.push({
      kind: 'tag-missing',
      tag,
      digest,
      restored: false,
      reason: `${tag} is missing from the registry; the ledger says it holds ${digest}${restore ? '; a run would write it back' : ''}`,
    });
    return;
  }
  if (restore) {
    const manifest = await deps.registry.getManifest(repository, digest);
    await putExactManifest(
      deps.registry,
      repository,
      tag,
      manifest,
      `restoring ${repository}:${tag}`,
    );
    if (expected.immutable) await deps.registry.lockTag(repository, tag);
  }
  const reason = `${tag} was missing from the registry (the ledger says it holds ${digest})${restore ? '; promoter wrote it back' : '; set "restoreOnDrift": true to have promoter write it back'}`;
  const event = reconciledEvent({
    id: reconciledId('missing', repository, tag, digest, expected.since),
    reconciled: 'tag-missing',
    repository,
    stage: expected.stage,
    digest,
    tags: [tag],
    restored: restore,
    reason,
    at: deps.clock.now(),
  });
  // Announced when first found; a run that finds it missing again lists it without announcing.
  if ((await deps.promotions.appendHistory(repository, event)).kind === 'recorded')
    await deps.publisher.publish(event);
  result.actions.push({ kind: 'tag-missing', tag, digest, restored: restore, reason });
}

/** A recorded build none of whose tags is listed: marked deleted if its manifest is gone. */
async function markGoneBuild(
  deps: PushDeps,
  build: Build,
  dryRun: boolean,
  result: Comparison,
): Promise<void> {
  const { repository, digest } = build;
  try {
    await deps.registry.getManifest(repository, digest);
    return; // untagged, but still there
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  const reason = `the registry no longer holds ${digest} (${build.tags.join(', ')}) and no registry event said so`;
  if (!dryRun) {
    const at = deps.clock.now();
    const id = reconciledId('deleted', repository, digest);
    await deps.promotions.appendHistory(
      repository,
      reconciledEvent({
        id,
        reconciled: 'build-deleted',
        repository,
        stage: deps.pipeline.stages[0]?.name ?? 'build',
        digest,
        tags: build.tags,
        gitShas: build.gitShas,
        reason: `marked deleted: ${reason}`,
        at,
      }),
    );
    const marked = await deps.ledger.markBuildDeleted({ eventId: id, repository, digest, at });
    // Deleted once, pushed again and now gone again: the first id is spent.
    if (marked.kind === 'duplicate-event' && marked.build?.deletedAt === undefined)
      await deps.ledger.markBuildDeleted({
        eventId: `${id}-${at.getTime()}`,
        repository,
        digest,
        at,
      });
  }
  result.actions.push({
    kind: 'build-deleted',
    digest,
    tags: build.tags,
    reason: dryRun ? `would mark it deleted: ${reason}` : `marked deleted: ${reason}`,
  });
}
