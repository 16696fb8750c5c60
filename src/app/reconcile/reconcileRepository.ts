import type { Build } from '../../domain/build.js';
import { NotFoundError, TransientError } from '../../domain/errors.js';
import { isoTimeOf } from '../../domain/isoDate.js';
import { floatingTags } from '../../domain/pipeline.js';
import type { Promotion, StageHead } from '../../domain/promotion.js';
import type { RegistryEvent } from '../../domain/registryEvents.js';
import type { ListedTag, TagListing } from '../../ports/registry.js';
import type { PushDeps } from '../push/handleRegistryEvents.js';
import { classifyEvent } from '../../domain/classifyEvent.js';
import { recordRegistryEvent } from '../push/recordRegistryEvent.js';
import {
  automaticPromotionId,
  requestAutomaticPromotion,
} from '../push/requestAutomaticPromotion.js';
import { detectDriftOnPush } from '../push/detectDriftOnPush.js';
import { putExactManifest } from '../promotion/putExactManifest.js';
import { allBuilds } from '../retention/applyRetention.js';
import { imageCreated } from './imageCreated.js';
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
  const attempt = async <T>(action: string, run: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof TransientError) throw error;
      result.failed.push({ action, error: error instanceof Error ? error.message : String(error) });
      return undefined;
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
  const recovered: Candidate[] = [];
  for (const listed of oldestFirst) {
    if (deps.pipeline.buildTag.gitShaOf(listed.tag) !== undefined) {
      const known = byTag.get(listed.tag);
      const same = known !== undefined && known.deletedAt === undefined;
      if (same && (listed.digest === undefined || listed.digest === known.digest)) continue;
      await attempt(`recording ${repository}:${listed.tag}`, async () => {
        const candidate = await recordListedBuild(deps, repository, listed, known, dryRun);
        if (candidate !== undefined) recovered.push(candidate);
      });
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

/**
 * A build whose automatic first-stage promotion the reconciler may ask for: one it recorded in
 * this run, or a recorded one whose request was lost.
 */
interface Candidate {
  readonly kind: 'recorded' | 'lost';
  readonly digest: string;
  readonly tag: string;
  readonly gitSha: string;
  /** The event that recorded it: the request's message id derives from it. */
  readonly eventId: string;
  /** When the registry says it was pushed (ISO 8601), if anything says. */
  readonly pushedAt: string | undefined;
  /** For `recorded`: why it was recorded (no event reported it), for the history. */
  readonly why?: string | undefined;
}

/** A build tag the ledger does not know (or, on ACR, one now on another digest): recorded. */
async function recordListedBuild(
  deps: PushDeps,
  repository: string,
  listed: ListedTag,
  known: Build | undefined,
  dryRun: boolean,
): Promise<Candidate | undefined> {
  const digest = listed.digest ?? (await deps.registry.resolveTag(repository, listed.tag));
  if (digest === undefined) return undefined; // gone since it was listed
  if (known?.digest === digest && known.deletedAt === undefined) return undefined;
  const manifest = await deps.registry.getManifest(repository, digest);
  const { mediaType } = manifest;
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
  if (decision.kind !== 'record') return undefined; // not an image (a Helm chart, a signature)
  const why = `no registry event reported ${listed.tag} (${digest}); who pushed it is unknown`;
  // The push time, as ACR's listing says; elsewhere the build time its image config says.
  const pushedAt = isoTimeOf(listed.updatedAt);
  const builtAt =
    pushedAt === undefined ? await imageCreated(deps.registry, repository, manifest) : undefined;
  if (!dryRun) {
    const outcome = await recordRegistryEvent({ ...event, timestamp: pushedAt ?? builtAt }, deps);
    // A registry event recorded it meanwhile: nothing to heal.
    if (outcome.outcome === 'already-recorded') return undefined;
  }
  return {
    kind: 'recorded',
    digest,
    tag: listed.tag,
    gitSha: decision.gitSha,
    eventId: event.id,
    pushedAt: pushedAt ?? builtAt,
    why,
  };
}

/** How far back `lostRequests` looks: builds recorded within this long before the run. */
export const LOST_REQUEST_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * How long after a build was recorded its request counts as lost when it has no outcome: a
 * request still in the queue gets its outcome (or is dead-lettered, with an outcome) within
 * about 19 minutes of redelivery pauses (`DEFAULT_REDELIVERY_POLICY`), and Service Bus drops
 * a resend of its message id within the hour of duplicate detection.
 */
export const LOST_REQUEST_AFTER_MS = 30 * 60 * 1000;

/**
 * Recorded builds whose automatic first-stage promotion has no outcome: recorded within
 * `LOST_REQUEST_WINDOW_MS` and at least `LOST_REQUEST_AFTER_MS` before the run, not deleted, with no promotion into the first stage (pending,
 * promoting, promoted or rejected), and no outcome under the message id the push asked with
 * (one ledger read each). None when the first stage needs approvals. Builds recorded before
 * promoter kept their event id cannot be asked for under the same id, and are left alone.
 */
async function lostRequests(
  deps: PushDeps,
  repository: string,
  builds: readonly Build[],
  promotions: readonly Promotion[],
  recovered: readonly Candidate[],
): Promise<Candidate[]> {
  const first = deps.pipeline.stages[0];
  if (first === undefined || first.approval.required > 0) return [];
  const now = deps.clock.now().getTime();
  const since = now - LOST_REQUEST_WINDOW_MS;
  const until = now - LOST_REQUEST_AFTER_MS;
  const decided = new Set(promotions.filter((p) => p.stage === first.name).map((p) => p.digest));
  for (const c of recovered) decided.add(c.digest);
  const found: Candidate[] = [];
  for (const build of builds) {
    const { eventId, digest } = build;
    const recordedAt = Date.parse(build.recordedAt);
    if (recordedAt < since) break; // newest first: the rest are older
    if (recordedAt > until) continue; // its request may still be in the queue
    if (build.deletedAt !== undefined || eventId === undefined || decided.has(digest)) continue;
    const id = automaticPromotionId(first.name, repository, eventId);
    if (await deps.promotions.getOutcome(repository, id)) continue;
    found.push({
      kind: 'lost',
      digest,
      tag: build.tags[0] ?? digest,
      gitSha: build.gitShas[0] ?? '',
      eventId,
      pushedAt: pushTimeOf(build),
    });
  }
  return found;
}

/**
 * When `build` was pushed, as far as anything says: the registry's time, else (for a build a
 * registry event recorded) when promoter recorded it, seconds after the push. A build the
 * reconciler recorded without a registry time has none: its `recordedAt` is the run's.
 */
function pushTimeOf(build: Build): string | undefined {
  if (build.pushedAt !== undefined) return build.pushedAt;
  return build.eventId?.startsWith('reconciled-') ? undefined : build.recordedAt;
}

/**
 * Asks for the automatic first-stage promotion of the recovered builds so that no stage moves
 * backwards: a candidate is asked for only when it was pushed after every other build the
 * ledger holds for the repository (deleted ones aside) and after the stage's head, and the
 * candidates are asked for oldest first, so the newest ends as the head. A candidate with no
 * push time is asked for only when the repository has no other build and no head. A candidate
 * not asked for is recorded, and the history says why under the request's message id, so
 * later runs and a late delivery of a lost request leave it alone. A candidate with a promotion
 * into the first stage already is not asked for again.
 */
async function requestRecovered(
  deps: PushDeps,
  repository: string,
  candidates: readonly Candidate[],
  context: {
    readonly builds: readonly Build[];
    readonly promotions: readonly Promotion[];
    readonly head: StageHead | undefined;
    readonly dryRun: boolean;
    readonly result: Comparison;
  },
): Promise<void> {
  const { dryRun, result, promotions } = context;
  const first = deps.pipeline.stages[0];
  const automatic = first !== undefined && first.approval.required === 0;
  const stage = first?.name ?? '';
  const decided = new Set(promotions.filter((p) => p.stage === stage).map((p) => p.digest));
  const bound = newestOther(context.builds, promotions, context.head, stage, candidates);
  const ordered = [...candidates].sort(
    (a, b) => ms(a.pushedAt ?? '') - ms(b.pushedAt ?? '') || (a.digest < b.digest ? -1 : 1),
  );
  const alone = candidates.length === 1 && bound === undefined;
  for (const candidate of ordered) {
    const held: Held =
      !automatic || decided.has(candidate.digest)
        ? { ask: false }
        : candidate.pushedAt === undefined
          ? alone
            ? { ask: true }
            : {
                ask: false,
                why: `the registry gives no push time to tell it is newer than ${bound?.label ?? 'the other builds recovered with it'}`,
              }
          : bound !== undefined && ms(candidate.pushedAt) <= bound.ms
            ? { ask: false, why: `older than ${bound.label}` }
            : { ask: true };
    await settleCandidate(deps, repository, candidate, held, dryRun, result);
  }
}

/** Whether to ask for a candidate's automatic promotion; if not, why not (none: nothing to ask). */
type Held = { readonly ask: true } | { readonly ask: false; readonly why?: string | undefined };

/**
 * The newest build of the repository other than the candidates, by push time: the first
 * stage's head (its promotion time when its push time is unknown), a build with a promotion
 * into the first stage, and every recorded build not deleted. With words for it.
 */
function newestOther(
  builds: readonly Build[],
  promotions: readonly Promotion[],
  head: StageHead | undefined,
  stage: string,
  candidates: readonly Candidate[],
): { readonly ms: number; readonly label: string } | undefined {
  const skip = new Set(candidates.map((c) => c.digest));
  const byDigest = new Map(builds.map((b) => [b.digest, b]));
  let bound: { ms: number; label: string } | undefined;
  const consider = (
    digest: string,
    fallback: string | undefined,
    label: (tag: string) => string,
  ) => {
    const build = byDigest.get(digest);
    const at = (build && pushTimeOf(build)) ?? fallback;
    if (at !== undefined && (bound === undefined || ms(at) > bound.ms))
      bound = { ms: ms(at), label: label(build?.tags[0] ?? digest) };
  };
  for (const build of builds)
    if (build.deletedAt === undefined && !skip.has(build.digest) && build.digest !== head?.digest)
      consider(build.digest, undefined, (tag) => `${tag}, which the ledger holds already`);
  for (const p of promotions)
    if (p.stage === stage && p.status !== 'rejected' && p.digest !== head?.digest)
      consider(p.digest, p.createdAt, (tag) => `${tag}, which ${stage} was asked for already`);
  if (head !== undefined)
    consider(head.digest, head.promotedAt, (tag) => `the ${stage} head ${tag}`);
  return bound;
}

const ms = (iso: string): number => {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
};

/** Asks for one candidate's automatic promotion, or holds it (`held` says why); reports both. */
async function settleCandidate(
  deps: PushDeps,
  repository: string,
  candidate: Candidate,
  held: Held,
  dryRun: boolean,
  result: Comparison,
): Promise<void> {
  const { digest, tag, gitSha, eventId } = candidate;
  const stage = deps.pipeline.stages[0]?.name ?? 'build';
  const autoId = automaticPromotionId(stage, repository, eventId);
  const notPromoted =
    held.ask || held.why === undefined ? undefined : `not promoted to ${stage}: ${held.why}`;
  let requested: string | undefined;
  if (!dryRun && held.ask)
    requested = await requestAutomaticPromotion(
      { id: eventId, action: 'push', outcome: 'recorded', repository, digest, gitSha, tag },
      deps,
    );
  const at = deps.clock.now();
  if (candidate.kind === 'recorded') {
    const why = candidate.why ?? '';
    if (dryRun) {
      result.actions.push({
        kind: 'build-recorded',
        tag,
        digest,
        gitSha,
        reason: `would record it: ${why}${notPromoted === undefined ? '' : `; ${notPromoted}`}`,
      });
      return;
    }
    const reason = `recorded ${tag}: ${why}${notPromoted === undefined ? '' : `; ${notPromoted}`}`;
    await deps.promotions.appendHistory(
      repository,
      reconciledEvent({
        id: eventId,
        reconciled: 'build-recorded',
        repository,
        stage,
        digest,
        tags: [tag],
        gitShas: [gitSha],
        reason,
        at,
        // Held: kept as the request's outcome, so no later run (or late request) asks for it.
        ...(notPromoted === undefined ? {} : { messageId: autoId }),
      }),
    );
    result.actions.push({
      kind: 'build-recorded',
      tag,
      digest,
      gitSha,
      ...(requested === undefined ? {} : { promotionRequested: requested }),
      reason: `recorded: ${why}${requested === undefined ? '' : '; its automatic promotion was asked for'}${notPromoted === undefined ? '' : `; ${notPromoted}`}`,
    });
    return;
  }
  const lostWhy = `${tag} (${digest}) was recorded, but its automatic promotion to ${stage} has no outcome (the request was lost)`;
  if (!held.ask && notPromoted === undefined) return;
  if (notPromoted !== undefined) {
    const reason = `${lostWhy}; ${notPromoted}`;
    if (!dryRun)
      await deps.promotions.appendHistory(
        repository,
        reconciledEvent({
          id: reconciledId('held', repository, digest, autoId),
          reconciled: 'promotion-held',
          repository,
          stage,
          digest,
          tags: [tag],
          gitShas: [gitSha],
          reason,
          at,
          messageId: autoId,
        }),
      );
    result.actions.push({ kind: 'promotion-held', tag, digest, reason });
    return;
  }
  if (dryRun) {
    result.actions.push({
      kind: 'promotion-requested',
      tag,
      digest,
      promotionRequested: autoId,
      reason: `${lostWhy}; a run would ask for it again as ${autoId}`,
    });
    return;
  }
  if (requested === undefined) return;
  const reason = `${lostWhy}; asked for it again as ${requested}`;
  await deps.promotions.appendHistory(
    repository,
    reconciledEvent({
      id: reconciledId('requested', repository, digest, requested),
      reconciled: 'promotion-requested',
      repository,
      stage,
      digest,
      tags: [tag],
      gitShas: [gitSha],
      reason,
      at,
    }),
  );
  result.actions.push({
    kind: 'promotion-requested',
    tag,
    digest,
    promotionRequested: requested,
    reason,
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
