import type { OutcomeEvent } from '../../domain/outcomeEvent.js';
import type { Pipeline } from '../../domain/pipeline.js';
import type { Promotion } from '../../domain/promotion.js';
import type { Clock } from '../../ports/clock.js';
import type { BuildLedger } from '../../ports/buildLedger.js';
import type { CheckLedger } from '../../ports/checkLedger.js';
import type { OutcomePublisher } from '../../ports/outcomePublisher.js';
import type { PromotionLedger, RepositoryState } from '../../ports/promotionLedger.js';
import type { PromotionQueue } from '../../ports/promotionQueue.js';
import type { RegistriesDeps } from './stagePlace.js';

/** What a promotion needs; the registries (the build registry, the declared ones) and the copier too. */
export interface PromoteDeps extends RegistriesDeps {
  readonly ledger: BuildLedger;
  readonly promotions: PromotionLedger;
  readonly publisher: OutcomePublisher;
  readonly pipeline: Pipeline;
  readonly clock: Clock;
  /** Check results per digest, for stages with `checks`. */
  readonly checks: CheckLedger;
  /** The `promotions` queue, for re-evaluations scheduled when a soak ends. */
  readonly approvals?: PromotionQueue | undefined;
}

/** How often a decision is re-made after losing a race for the repository's state. */
export const MAX_ATTEMPTS = 8;

/** A decision's result: finished with an outcome, or lost a race (decide again). */
export type Step =
  { readonly kind: 'done'; readonly outcome: OutcomeEvent } | { readonly kind: 'conflict' };

/** Records promotions and a message's outcome against the state as read. */
export async function commitStep(
  deps: PromoteDeps,
  repository: string,
  state: RepositoryState,
  change: { promotions: Promotion[]; outcome: OutcomeEvent },
): Promise<Step> {
  const result = await deps.promotions.commit(repository, {
    expectedEtag: state.etag,
    heads: state.heads,
    ...change,
  });
  return result.kind === 'committed'
    ? { kind: 'done', outcome: change.outcome }
    : { kind: 'conflict' };
}
