import type { OutcomeEvent } from '../../domain/outcomeEvent.js';
import { floatingTags, type Pipeline, type Stage } from '../../domain/pipeline.js';
import type { Clock } from '../../ports/clock.js';
import type { OutcomePublisher } from '../../ports/outcomePublisher.js';
import type { PromotionLedger } from '../../ports/promotionLedger.js';
import type { Registry } from '../../ports/registry.js';
import { putExactManifest } from '../promotion/putExactManifest.js';

/** A push of a manifest under a stage tag (`dev-latest`, `1.2.3`, `release-latest`). */
export interface StageTagPush {
  /** The registry's event id: drift is recorded once per event. */
  readonly eventId: string;
  readonly repository: string;
  readonly tag: string;
  readonly digest: string;
  /** Who pushed, when the registry says (the distribution registry's `actor.name`). */
  readonly pushedBy?: string | undefined;
}

/** What a push to a stage tag was. */
export type DriftCheck =
  /** promoter's own write: a promotion, a rollback or a restore. */
  | { readonly kind: 'ours'; readonly reason: string }
  /** An old event: the registry holds the ledger's digest under the tag now, or no tag at all. */
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
 * Decides whether a push to a stage tag is promoter's own re-tag or drift, by what the ledger
 * says the tag should hold: the stage head for a floating tag, the promotion that allocated
 * it for any other. A promotion still writing its tags (`promoting`) owns its digest. Before
 * calling anything drift, the registry is asked what the tag holds now, so a late event of an
 * earlier promotion is not mistaken for drift.
 *
 * Drift is recorded in the history once per registry event (`drift:<event id>`) and announced
 * on every delivery (subscribers dedupe by id). With `restoreOnDrift`, the tag is put back to
 * the ledger's digest (and locked again on ACR for an immutable stage). Registry and ledger
 * outages are thrown as TransientError so the event is delivered again (Service Bus for Event
 * Grid's events, the distribution registry for its webhook; an ACR webhook is never retried).
 */
export async function detectDriftOnPush(push: StageTagPush, deps: DriftDeps): Promise<DriftCheck> {
  const stage = deps.pipeline.stageOfTag(push.tag);
  if (!stage) throw new Error(`${push.tag} is not a stage tag of the pipeline`);
  const { repository, tag } = push;
  // Promotions first, then the head: a promotion commits `promoting` before it writes the
  // registry and the head after, so one of the two reads sees promoter's own write.
  const inFlight = (await deps.promotions.listPromotionsOfDigest(repository, push.digest)).some(
    (p) => p.stage === stage.name && p.status === 'promoting',
  );
  if (inFlight)
    return { kind: 'ours', reason: `promoter's own write: a ${stage.name} promotion in progress` };
  const ours = {
    kind: 'ours',
    reason: `promoter's own write: the ledger holds ${tag} at this digest`,
  } as const;
  if ((await expectedDigest(stage, push, deps.promotions)) === push.digest) return ours;
  const current = await deps.registry.resolveTag(repository, tag);
  if (current === undefined)
    return { kind: 'stale', reason: `${tag} no longer exists in the registry` };
  // Read again: the ledger may have moved on (a promotion, a rollback) while we looked.
  const expected = await expectedDigest(stage, push, deps.promotions);
  if (expected === push.digest) return ours;
  if (current === expected)
    return {
      kind: 'stale',
      reason: `an earlier event: ${tag} holds the ledger's digest again`,
    };

  const restore = deps.pipeline.restoreOnDrift && expected !== undefined;
  const event = driftEvent(push, stage, current, expected, restore, deps.clock.now());
  await deps.promotions.appendHistory(repository, event);
  if (restore) await restoreTag(repository, tag, expected, stage, deps.registry);
  await deps.publisher.publish(event);
  return { kind: 'drift', event };
}

/** What the ledger says `push.tag` should hold, or undefined when promoter never wrote it. */
async function expectedDigest(
  stage: Stage,
  push: StageTagPush,
  promotions: PromotionLedger,
): Promise<string | undefined> {
  if (floatingTags(stage).includes(push.tag)) {
    const state = await promotions.getRepositoryState(push.repository);
    return state.heads[stage.name]?.digest;
  }
  const owner = await promotions.findPromotionByTag(push.repository, push.tag);
  // A stopped promotion's tags were allocated but never written by promoter.
  return owner && owner.status !== 'rejected' ? owner.digest : undefined;
}

function driftEvent(
  push: StageTagPush,
  stage: Stage,
  found: string,
  expected: string | undefined,
  restored: boolean,
  now: Date,
): OutcomeEvent {
  const by = push.pushedBy === undefined ? '' : ` by ${push.pushedBy}`;
  const reason =
    expected === undefined
      ? `${push.tag} was pushed${by} to ${found}, but promoter never promoted anything as ${push.tag}`
      : `${push.tag} was moved${by} from the promoted ${expected} to ${found}${restored ? '; promoter put it back' : '; set "restoreOnDrift": true to have promoter put it back'}`;
  return {
    type: 'promotion.outcome',
    id: `drift-${push.eventId}`,
    outcome: 'drift',
    repository: push.repository,
    stage: stage.name,
    digest: found,
    tags: [push.tag],
    ...(expected !== undefined ? { previousDigest: expected } : {}),
    restored,
    ...(push.pushedBy !== undefined ? { actor: push.pushedBy } : {}),
    reason,
    messageId: `drift:${push.eventId}`,
    at: now.toISOString(),
  };
}

/** Puts `tag` back on `digest` (the exact bytes), and locks it again for an immutable stage. */
async function restoreTag(
  repository: string,
  tag: string,
  digest: string,
  stage: Stage,
  registry: Registry,
): Promise<void> {
  const manifest = await registry.getManifest(repository, digest);
  await putExactManifest(registry, repository, tag, manifest, `restoring ${repository}:${tag}`);
  if (stage.immutable) await registry.lockTag(repository, tag);
}
