import type { Build } from '../../domain/build.js';
import { NotFoundError } from '../../domain/errors.js';
import type { OutcomeEvent } from '../../domain/outcomeEvent.js';
import { floatingTags, type Stage } from '../../domain/pipeline.js';
import type { StageHead } from '../../domain/promotion.js';
import type { RollbackMessage } from '../../domain/promotionMessage.js';
import { operatorRefusal } from '../../domain/stageOperator.js';
import type { RawManifest } from '../../ports/registry.js';
import { outcomeOf } from '../promotion/promotionOutcome.js';
import { commitStep, type PromoteDeps, type Step } from '../promotion/commitStep.js';
import { putExactManifest } from '../promotion/putExactManifest.js';
import { findRollbackTarget } from './rollbackTarget.js';
import { settleOnce } from '../promotion/settleOnce.js';
import { describeLocation, stagePlace, stageRegistry } from '../promotion/stagePlace.js';
import { stageLocationFields } from '../../domain/outcomeLocation.js';

/**
 * Handles one rollback message: moves the stage's floating tags (`release-latest`,
 * `dev-latest`) back to the digest of an earlier promotion of that stage, and pins the stage
 * there until an unpin. Immutable tags (`1.2.3`, `1.2.3-rc1`) are never touched.
 *
 * In this order, so that promoter's own registry writes are never taken for drift (a push to a
 * floating tag is ours when the stage head holds its digest): the new head, pinned by this
 * message, is committed first; then each floating tag is written; then the `rolled-back`
 * outcome is recorded. A delivery that finds the head already pinned by this message (a crash
 * between the steps) writes the tags again and records the outcome.
 *
 * Same contract as `promoteOnApproval`: terminal results (unknown stage, no floating tag,
 * approver not allowed, no such earlier promotion) are recorded as `rejected`, announced and
 * returned; transient failures are thrown; a message id handled before returns (and
 * re-announces) its recorded outcome.
 */
export async function rollbackStage(
  message: RollbackMessage,
  deps: PromoteDeps,
): Promise<OutcomeEvent> {
  return settleOnce(
    message.repository,
    message.id,
    `rolling back ${message.repository} ${message.stage}`,
    deps,
    () => decide(message, deps),
  );
}

async function decide(message: RollbackMessage, deps: PromoteDeps): Promise<Step> {
  const { promotions, pipeline } = deps;
  const now = deps.clock.now();
  const repo = message.repository;
  const state = await promotions.getRepositoryState(repo);
  const reject = (reason: string, build?: Build) =>
    commitStep(deps, repo, state, {
      promotions: [],
      outcome: {
        ...outcomeOf(message, 'rejected', now, { build, reason }),
        actor: message.approver.id,
      },
    });

  const stage = pipeline.stage(message.stage);
  if (!stage)
    return reject(
      `unknown stage "${message.stage}"; the pipeline's stages are ${pipeline.stages.map((s) => s.name).join(', ')}`,
    );
  const head = state.heads[stage.name];
  if (head?.pinned?.messageId === message.id) return moveTags(message, stage, head, deps);

  const floating = floatingTags(stage);
  if (floating.length === 0)
    return reject(
      `stage ${stage.name} has no floating tag to move back (its tag ${stage.tag.source} is immutable, and immutable tags never move): give it one, e.g. add "latest": "${stage.name}-latest" to the stage in promoter.pipeline.json`,
    );
  const refusal = operatorRefusal(stage, message.approver, 'roll back');
  if (refusal) return reject(refusal);
  if (!head)
    return reject(`stage ${stage.name} of ${repo} holds nothing yet: nothing to roll back`);

  const target = await findRollbackTarget(repo, stage, message.to, deps);
  if (target.kind === 'refused') return reject(target.reason, target.build);
  const { promotion, build } = target;
  if (promotion.digest === head.digest)
    return reject(
      `stage ${stage.name} holds ${head.digest}${head.version === undefined ? '' : ` (${head.version})`} already: nothing to roll back`,
      build,
    );
  let manifest: RawManifest;
  try {
    manifest = await stageRegistry(stage, deps).getManifest(repo, promotion.digest);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    const place = stagePlace(stage, repo, deps);
    const where = place.elsewhere ? describeLocation(place.location) : 'the registry';
    return reject(`${promotion.digest} is no longer in ${where}`, build);
  }

  const pinned: StageHead = {
    stage: stage.name,
    digest: promotion.digest,
    ...(promotion.version !== undefined ? { version: promotion.version } : {}),
    tags: [...promotion.tags.filter((t) => !floating.includes(t)), ...floating],
    promotedAt: now.toISOString(),
    pinned: {
      by: message.approver.id,
      at: now.toISOString(),
      reason: message.reason,
      messageId: message.id,
      previousDigest: head.digest,
    },
  };
  const committed = await promotions.commit(repo, {
    expectedEtag: state.etag,
    heads: { ...state.heads, [stage.name]: pinned },
    promotions: [],
  });
  if (committed.kind === 'conflict') return { kind: 'conflict' };
  return moveTags(message, stage, pinned, deps, { manifest, build });
}

/**
 * Writes the stage's floating tags on the pinned head's digest, then records `rolled-back`.
 * Run right after the head was pinned, and again by a redelivery that finds it pinned.
 */
async function moveTags(
  message: RollbackMessage,
  stage: Stage,
  head: StageHead,
  deps: PromoteDeps,
  known?: { readonly manifest: RawManifest; readonly build: Build },
): Promise<Step> {
  const repo = message.repository;
  const doing = `rolling back ${repo} ${stage.name} to ${head.digest}`;
  // The stage's own registry and repository (`stageRegistry`): another registry's stage moves there.
  const registry = stageRegistry(stage, deps);
  const manifest = known?.manifest ?? (await registry.getManifest(repo, head.digest));
  const build = known?.build ?? (await deps.ledger.getBuildByDigest(repo, head.digest));
  const floating = floatingTags(stage);
  for (const tag of floating) await putExactManifest(registry, repo, tag, manifest, doing);
  const now = deps.clock.now();
  const state = await deps.promotions.getRepositoryState(repo);
  // Someone moved the stage meanwhile: decide again from what it holds now.
  if (state.heads[stage.name]?.pinned?.messageId !== message.id) return { kind: 'conflict' };
  const outcome: OutcomeEvent = {
    ...outcomeOf({ ...message, version: head.version }, 'rolled-back', now, {
      build,
      reason: message.reason,
    }),
    digest: head.digest,
    tags: floating,
    ...stageLocationFields(stage, repo),
    ...(head.pinned?.previousDigest !== undefined
      ? { previousDigest: head.pinned.previousDigest }
      : {}),
    actor: message.approver.id,
  };
  return commitStep(deps, repo, state, { promotions: [], outcome });
}
