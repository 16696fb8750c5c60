import type { Build } from '../../domain/build.js';
import { isoTimeOf } from '../../domain/isoDate.js';
import type { Promotion } from '../../domain/promotion.js';
import type { RegistryEvent } from '../../domain/registryEvents.js';
import type { ListedTag } from '../../ports/registry.js';
import type { PushDeps } from '../push/handleRegistryEvents.js';
import { classifyEvent } from '../../domain/classifyEvent.js';
import { recordRegistryEvent } from '../push/recordRegistryEvent.js';
import { automaticPromotionId } from '../push/requestAutomaticPromotion.js';
import { imageCreated } from './imageCreated.js';
import { reconciledId } from './reconciledEvent.js';

/**
 * A build whose automatic first-stage promotion the reconciler may ask for: one it recorded in
 * this run, or a recorded one whose request was lost.
 */
export interface Candidate {
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
export async function recordListedBuild(
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
export async function lostRequests(
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
export function pushTimeOf(build: Build): string | undefined {
  if (build.pushedAt !== undefined) return build.pushedAt;
  return build.eventId?.startsWith('reconciled-') ? undefined : build.recordedAt;
}
