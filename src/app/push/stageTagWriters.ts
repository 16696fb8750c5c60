import type { Promotion } from '../../domain/promotion.js';
import type { Stage } from '../../domain/pipeline.js';
import type { PromotionLedger, RepositoryState } from '../../ports/promotionLedger.js';

/**
 * Whether promotion `p` (of the stage the tag belongs to) wrote, or is writing, its digest
 * under `tag`. Every promotion writes its stage's floating tags and its own tags after it was
 * committed `promoting`, so `promoting` and `promoted` both count. A `rejected` one that holds
 * `tag` was stopped by `retagPromotion` after its tags were allocated: an earlier delivery of
 * its message may have written them before crashing, so it counts too. A `pending` one never
 * wrote anything.
 */
export function promotionWrote(
  p: Promotion,
  stage: Stage,
  tag: string,
  floating: boolean,
): boolean {
  if (p.stage !== stage.name) return false;
  if (p.status === 'promoting' || p.status === 'promoted') return floating || p.tags.includes(tag);
  return p.status === 'rejected' && p.tags.includes(tag);
}

/**
 * The digest a rollback of `stage` still in flight is moving the floating tags away from: the
 * head is pinned by a rollback message whose outcome is not recorded yet (it commits the pinned
 * head, then writes the tags, then records `rolled-back`), so until then the registry may
 * still hold the previous digest. Undefined when no rollback of the stage is in flight.
 */
export async function rollbackInFlightFrom(
  repository: string,
  state: RepositoryState,
  stage: Stage,
  promotions: PromotionLedger,
): Promise<string | undefined> {
  const pin = state.heads[stage.name]?.pinned;
  if (pin?.previousDigest === undefined) return undefined;
  const done = await promotions.getOutcome(repository, pin.messageId);
  return done === undefined ? pin.previousDigest : undefined;
}

/** Promotions of `stage` still writing their tags, newest first. */
export function inFlight(promotions: readonly Promotion[], stage: Stage): Promotion[] {
  return promotions
    .filter((p) => p.stage === stage.name && p.status === 'promoting')
    .sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt));
}
