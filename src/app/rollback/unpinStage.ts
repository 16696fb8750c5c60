import type { OutcomeEvent } from '../../domain/outcomeEvent.js';
import type { StageHead } from '../../domain/promotion.js';
import type { UnpinMessage } from '../../domain/promotionMessage.js';
import { operatorRefusal } from '../../domain/stageOperator.js';
import { outcomeOf } from '../promotion/promotionOutcome.js';
import { stageLocationFields } from '../../domain/outcomeLocation.js';
import { commitStep, type PromoteDeps, type Step } from '../promotion/commitStep.js';
import { settleOnce } from '../promotion/settleOnce.js';

/**
 * Handles one unpin message: releases a stage a rollback pinned, so that promotions into it
 * resume. Nothing moves in the registry: the stage keeps its digest until the next promotion.
 *
 * Same contract as `promoteOnApproval`: terminal results (unknown stage, approver not allowed,
 * stage not pinned) are recorded as `rejected`, announced and returned; transient failures are
 * thrown; a message id handled before returns (and re-announces) its recorded outcome.
 */
export async function unpinStage(message: UnpinMessage, deps: PromoteDeps): Promise<OutcomeEvent> {
  return settleOnce(
    message.repository,
    message.id,
    `unpinning ${message.repository} ${message.stage}`,
    deps,
    () => decide(message, deps),
  );
}

async function decide(message: UnpinMessage, deps: PromoteDeps): Promise<Step> {
  const { pipeline } = deps;
  const now = deps.clock.now();
  const repo = message.repository;
  const state = await deps.promotions.getRepositoryState(repo);
  const reason = message.reason === undefined ? {} : { reason: message.reason };
  const actor = message.approver.id;
  const reject = (why: string) =>
    commitStep(deps, repo, state, {
      promotions: [],
      outcome: { ...outcomeOf(message, 'rejected', now, { reason: why }), actor },
    });

  const stage = pipeline.stage(message.stage);
  if (!stage)
    return reject(
      `unknown stage "${message.stage}"; the pipeline's stages are ${pipeline.stages.map((s) => s.name).join(', ')}`,
    );
  const refusal = operatorRefusal(stage, message.approver, 'unpin');
  if (refusal) return reject(refusal);
  const head = state.heads[stage.name];
  if (!head?.pinned) return reject(`stage ${stage.name} of ${repo} is not pinned`);

  const released: StageHead = {
    stage: head.stage,
    digest: head.digest,
    ...(head.version !== undefined ? { version: head.version } : {}),
    tags: head.tags,
    promotedAt: head.promotedAt,
  };
  const build = await deps.ledger.getBuildByDigest(repo, head.digest);
  const outcome: OutcomeEvent = {
    ...outcomeOf({ ...message, version: head.version }, 'unpinned', now, { build, ...reason }),
    digest: head.digest,
    tags: head.tags,
    ...stageLocationFields(stage, repo),
    actor,
  };
  const result = await deps.promotions.commit(repo, {
    expectedEtag: state.etag,
    heads: { ...state.heads, [stage.name]: released },
    promotions: [],
    outcome,
  });
  return result.kind === 'committed' ? { kind: 'done', outcome } : { kind: 'conflict' };
}
