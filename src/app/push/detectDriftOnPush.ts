import { TransientError } from '../../domain/errors.js';
import type { OutcomeEvent } from '../../domain/outcomeEvent.js';
import { floatingTags, type Pipeline, type Stage } from '../../domain/pipeline.js';
import type { Clock } from '../../ports/clock.js';
import type { OutcomePublisher } from '../../ports/outcomePublisher.js';
import type { PromotionLedger } from '../../ports/promotionLedger.js';
import type { Registry } from '../../ports/registry.js';
import { MAX_ATTEMPTS } from '../promotion/commitStep.js';
import { driftEvent } from './driftEvent.js';
import { restoreFloatingTag, restoreOwnedTag } from './restoreStageTag.js';
import { promotionWrote, rollbackInFlightFrom } from './stageTagWriters.js';

/** A push of a manifest under a stage tag (`dev-latest`, `1.2.3`, `release-latest`). */
export interface StageTagPush {
  /** The registry's event id: drift is recorded once per event. */
  readonly eventId: string;
  readonly repository: string;
  readonly tag: string;
  readonly digest: string;
  /** Who pushed, when the registry says (the distribution registry's `actor.name`). */
  readonly pushedBy?: string | undefined;
  /**
   * When the registry says the push happened (the event's `timestamp`, ISO 8601). Bounds how
   * long an event whose write the registry does not show yet is redelivered (see
   * `VISIBILITY_GRACE_MS`); a push without it (the reconciler's, read from the registry) is
   * decided at once.
   */
  readonly at?: string | undefined;
}

/** What a push to a stage tag was. */
export type DriftCheck =
  /** promoter's own write (a promotion, a rollback or a restore), and the registry still shows it. */
  | { readonly kind: 'ours'; readonly reason: string }
  /** An earlier write of promoter's: the registry holds another digest under the tag now. */
  | { readonly kind: 'stale'; readonly reason: string }
  /** Someone else moved the tag: recorded, announced, and put back when `restoreOnDrift`. */
  | { readonly kind: 'drift'; readonly event: OutcomeEvent };

export interface DriftDeps {
  readonly promotions: PromotionLedger;
  readonly registry: Registry;
  readonly publisher: OutcomePublisher;
  readonly pipeline: Pipeline;
  readonly clock: Clock;
}

/**
 * How long after its timestamp an event about someone else's write is redelivered while the
 * registry does not show that write yet (with `restoreOnDrift`). The distribution registry
 * sends its notification before it links the tag, and ACR's reads lag its writes by seconds;
 * an event still invisible after this long was overwritten meanwhile (or its push failed).
 */
export const VISIBILITY_GRACE_MS = 2 * 60 * 1000;

/**
 * Decides whether a push to a stage tag is promoter's own write or drift.
 *
 * **Who wrote it.** promoter writes a digest under a stage tag only after the ledger holds a
 * promotion of that stage for that digest, committed `promoting` before the write (a rollback
 * or a restore writes the digest of such a promotion again), and promotion rows are never
 * removed. So any event about promoter's own write, however late or often it comes, finds that
 * promotion: for a floating tag (`dev-latest`, `release-latest`) any promotion of the stage for
 * the digest (`listPromotionsOfDigest`), for an immutable one the promotion that allocated it
 * (`findPromotionByTag`). The stage head is not consulted for this: promotions of one
 * repository run back to back, and the head is committed only after the registry write, so a
 * late event of an earlier promotion may find the registry already at a newer digest that the
 * head does not show yet. A digest no promotion of the stage wrote under the tag is someone
 * else's write: drift, recorded once per event (`drift:<event id>`) and announced on every
 * delivery (subscribers dedupe by id), whether or not the registry still shows it.
 *
 * **What the registry holds.** A hand move onto a digest promoter did write once (an earlier
 * dev build copied back onto `dev-latest`) is drift too, when the registry shows it and the
 * ledger does not account for it: read at one state ETag (the state is read before and after
 * the promotions and the registry; a changed ETag reads again), the ledger accounts for the
 * head, a promotion of the stage still `promoting`, and the digest a rollback in flight moves
 * away from. An event whose digest the registry no longer shows is `stale`: whatever the
 * registry holds now has its own event.
 *
 * **Not yet visible.** An event about someone else's write may arrive before the registry shows
 * the write (the distribution registry notifies before it links the tag). Without
 * `restoreOnDrift` that does not matter: the drift is recorded at once. With it, the restore
 * must come after the write, so the event is answered with a TransientError while it is
 * younger than `VISIBILITY_GRACE_MS`: Service Bus (Event Grid) and the distribution registry
 * redeliver it. ACR's webhook is tried once: its drift is caught at the latest by the
 * reconciler's next run, which checks every stage tag against the ledger. Past the grace the
 * drift is recorded as not restored (the registry holds something else now).
 *
 * **Restore** (`restoreOnDrift`) never goes over a newer promotion: see `restoreFloatingTag`.
 *
 * Registry and ledger outages are thrown as TransientError so the event is delivered again
 * (Service Bus for Event Grid's events, the distribution registry for its webhook; an ACR
 * webhook is never retried: the reconciler's next run checks the tag).
 */
export async function detectDriftOnPush(push: StageTagPush, deps: DriftDeps): Promise<DriftCheck> {
  const stage = deps.pipeline.stageOfTag(push.tag);
  if (!stage) throw new Error(`${push.tag} is not a stage tag of the pipeline`);
  return floatingTags(stage).includes(push.tag)
    ? checkFloating(push, stage, deps)
    : checkOwned(push, stage, deps);
}

/** An immutable (or per-promotion) tag: its one writer is the promotion that allocated it. */
async function checkOwned(push: StageTagPush, stage: Stage, deps: DriftDeps): Promise<DriftCheck> {
  const owner = await deps.promotions.findPromotionByTag(push.repository, push.tag);
  if (owner?.digest === push.digest && promotionWrote(owner, stage, push.tag, false))
    return {
      kind: 'ours',
      reason: `promoter's own write: the ${stage.name} promotion that allocated ${push.tag}`,
    };
  const expected = owner && owner.status !== 'rejected' ? owner.digest : undefined;
  return othersWrite(push, stage, expected, deps, () =>
    restoreOwnedTag(push.repository, push.tag, expected ?? '', stage, deps),
  );
}

/** A floating tag: every promotion of the stage writes it. */
async function checkFloating(
  push: StageTagPush,
  stage: Stage,
  deps: DriftDeps,
): Promise<DriftCheck> {
  const { promotions, registry } = deps;
  const { repository, tag, digest } = push;
  const restore = () => restoreFloatingTag(repository, tag, stage, deps);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const state = await promotions.getRepositoryState(repository);
    const ofDigest = await promotions.listPromotionsOfDigest(repository, digest);
    const head = state.heads[stage.name]?.digest;
    if (!ofDigest.some((p) => promotionWrote(p, stage, tag, true)))
      return othersWrite(push, stage, head, deps, restore);
    const current = await registry.resolveTag(repository, tag);
    if (current !== digest)
      return {
        kind: 'stale',
        reason: `an earlier write of promoter's (a ${stage.name} promotion): ${tag} holds ${current ?? 'nothing'} now`,
      };
    const accounted =
      digest === head ||
      ofDigest.some((p) => p.stage === stage.name && p.status === 'promoting') ||
      digest === (await rollbackInFlightFrom(repository, state, stage, promotions));
    if (accounted)
      return { kind: 'ours', reason: `promoter's own write: the ${stage.name} stage's ${tag}` };
    // Not accounted for by the state as first read: drift only if nothing moved since.
    if ((await promotions.getRepositoryState(repository)).etag !== state.etag) continue;
    return recordDrift(push, stage, { expected: head, visible: true }, deps, restore);
  }
  throw new TransientError(
    `checking ${repository}:${tag} for drift: promoter kept moving stage ${stage.name} while it checked; retry`,
  );
}

/** A push no promotion made: drift, recorded now or, to be restored, once the registry shows it. */
async function othersWrite(
  push: StageTagPush,
  stage: Stage,
  expected: string | undefined,
  deps: DriftDeps,
  restore: () => Promise<unknown>,
): Promise<DriftCheck> {
  const current = await deps.registry.resolveTag(push.repository, push.tag);
  if (current === push.digest)
    return recordDrift(push, stage, { expected, visible: true }, deps, restore);
  const recorded = await deps.promotions.getOutcome(push.repository, `drift:${push.eventId}`);
  if (recorded) {
    // A redelivery of an event handled (and, with restoreOnDrift, put back) before.
    await deps.publisher.publish(recorded);
    return { kind: 'drift', event: recorded };
  }
  const at = push.at === undefined ? NaN : Date.parse(push.at);
  const young = Number.isFinite(at) && deps.clock.now().getTime() - at <= VISIBILITY_GRACE_MS;
  if (deps.pipeline.restoreOnDrift && expected !== undefined && young)
    throw new TransientError(
      `checking ${push.repository}:${push.tag} for drift: the registry does not show ${push.digest} under it yet (it holds ${current ?? 'nothing'}); retry`,
    );
  return recordDrift(push, stage, { expected, visible: false, current }, deps, restore);
}

async function recordDrift(
  push: StageTagPush,
  stage: Stage,
  seen: {
    readonly expected: string | undefined;
    readonly visible: boolean;
    readonly current?: string | undefined;
  },
  deps: DriftDeps,
  restore: () => Promise<unknown>,
): Promise<DriftCheck> {
  const restoring = deps.pipeline.restoreOnDrift && seen.visible && seen.expected !== undefined;
  const event = driftEvent(push, stage, { ...seen, restored: restoring }, deps.clock.now());
  await deps.promotions.appendHistory(push.repository, event);
  if (restoring) await restore();
  await deps.publisher.publish(event);
  return { kind: 'drift', event };
}
