import { countLiveApprovals } from '../../../domain/gatePolicy.js';
import type { OutcomeEvent } from '../../../domain/outcomeEvent.js';
import type { ReevaluateMessage } from '../../../domain/reevaluateMessage.js';
import { commitStep, type PromoteDeps, type Step } from '../commitStep.js';
import { outcomeOf } from '../promotionOutcome.js';
import { settleOnce } from '../settleOnce.js';
import { advancePromotion } from './advancePromotion.js';

/**
 * Handles a re-evaluation promoter scheduled for itself (a soak ending): the promotion, if it
 * is still pending, goes ahead when every condition now holds, or stays pending saying what
 * it waits for. A promotion that meanwhile went ahead, was stopped, or is gone is left as it
 * is; the outcome says so.
 */
export async function reevaluatePromotion(
  message: ReevaluateMessage,
  deps: PromoteDeps,
): Promise<OutcomeEvent> {
  return settleOnce(
    message.repository,
    message.id,
    `re-evaluating ${message.repository} ${message.stage}`,
    deps,
    () => decide(message, deps),
  );
}

async function decide(message: ReevaluateMessage, deps: PromoteDeps): Promise<Step> {
  const repo = message.repository;
  const now = deps.clock.now();
  const state = await deps.promotions.getRepositoryState(repo);
  const stage = deps.pipeline.stage(message.stage);
  const promotion = await deps.promotions.getPromotion(repo, message);
  const build = await deps.ledger.getBuildByDigest(repo, message.digest);
  const leave = (kind: OutcomeEvent['outcome'], reason: string) =>
    commitStep(deps, repo, state, {
      promotions: [],
      outcome: outcomeOf(message, kind, now, { build, promotion, stage, reason }),
    });
  if (!stage || !build || !promotion)
    return leave(
      'rejected',
      `nothing to re-evaluate: no pending promotion of ${message.digest} to ${message.stage}`,
    );
  if (promotion.status !== 'pending')
    return leave(
      promotion.status === 'rejected' ? 'rejected' : 'promoted',
      `nothing to re-evaluate: the promotion to ${stage.name} is ${promotion.status} already`,
    );
  const ofDigest = await deps.promotions.listPromotionsOfDigest(repo, message.digest);
  return advancePromotion(
    {
      message,
      waiting: { ...promotion, updatedAt: now.toISOString() },
      approvals: countLiveApprovals(stage, promotion.approvals, now),
      build,
      stage,
      state,
      ofDigest,
    },
    deps,
  );
}
