import type { ApprovalMessage } from '../../domain/approvalMessage.js';
import { evaluateDecision } from '../../domain/approvalPolicy.js';
import type { Build } from '../../domain/build.js';
import { chooseVersion } from '../../domain/chooseVersion.js';
import type { OutcomeEvent, RecordedApproval } from '../../domain/outcomeEvent.js';
import type { Stage } from '../../domain/pipeline.js';
import { promotionKey, type Promotion } from '../../domain/promotion.js';
import { outcomeOf } from './promotionOutcome.js';
import { commitStep, type PromoteDeps, type Step } from './commitStep.js';
import { advancePromotion } from './gates/advancePromotion.js';
import { resolveBuild } from './resolveBuild.js';
import { retagPromotion } from './retagPromotion.js';
import { settleOnce } from './settleOnce.js';

/**
 * Handles one approval message (parsed by `handlePromotionMessage`): resolves the build, applies the stage's policy, and when the
 * quorum is met re-tags the exact digest in the registry and records the promotion.
 *
 * Terminal results (unknown build, policy says no, tag taken) are recorded
 * and announced, and returned: the message is then completed. Transient failures (registry or
 * ledger unavailable) are thrown, so the message is redelivered. Idempotent: a message id
 * handled before returns (and re-announces) its recorded outcome; a promotion left half-done
 * (`promoting`: tags allocated, registry written or not) is finished by the next delivery.
 */
export async function promoteOnApproval(
  message: ApprovalMessage,
  deps: PromoteDeps,
): Promise<OutcomeEvent> {
  return settleOnce(message.repository, message.id, `promoting ${message.repository}`, deps, () =>
    decide(message, deps),
  );
}

async function decide(message: ApprovalMessage, deps: PromoteDeps): Promise<Step> {
  const { promotions, pipeline } = deps;
  const now = deps.clock.now();
  const repo = message.repository;
  const state = await promotions.getRepositoryState(repo);
  const record = (outcome: OutcomeEvent, changed: Promotion[] = []) =>
    commitStep(deps, repo, state, { promotions: changed, outcome });
  const reject = (reason: string, build?: Build, stage?: Stage) =>
    record(outcomeOf(message, 'rejected', now, { build, stage, reason }));

  const stage = pipeline.stage(message.stage);
  if (!stage)
    return reject(
      `unknown stage "${message.stage}"; the pipeline's stages are ${pipeline.stages.map((s) => s.name).join(', ')}`,
    );
  const pin = state.heads[stage.name]?.pinned;
  if (pin && message.decision === 'approve')
    return reject(
      `stage ${stage.name} is pinned to ${state.heads[stage.name]?.digest ?? ''} by ${pin.by} since ${pin.at} (rollback: ${pin.reason}); nothing was promoted. Unpin it first: promoter unpin ${repo} --stage ${stage.name} --as <you>`,
      undefined,
      stage,
    );
  if (message.override !== undefined && message.decision !== 'approve')
    return reject('override: only an approval can override a stage’s gates', undefined, stage);
  const resolved = await resolveBuild(repo, message.build, { ...deps, state });
  if (resolved.kind === 'unknown') return reject(resolved.reason, undefined, stage);
  const { build } = resolved;
  if (build.deletedAt)
    return reject(
      `${build.digest} was deleted from the registry at ${build.deletedAt}`,
      build,
      stage,
    );

  const ofDigest = await promotions.listPromotionsOfDigest(repo, build.digest);
  const version = chooseVersion(stage, message, resolved.impliedVersion, ofDigest);
  if (version.kind === 'refuse') return reject(version.reason, build, stage);
  if (stage.from !== undefined) {
    const reached = ofDigest.some(
      (p) =>
        p.stage === stage.from &&
        p.status === 'promoted' &&
        (!stage.sameVersion || p.version === version.value),
    );
    if (!reached)
      return reject(
        `stage ${stage.name} takes only a digest that reached ${stage.from}${stage.sameVersion ? ` as ${version.value ?? ''}` : ''}; ${build.digest} has not`,
        build,
        stage,
      );
  }

  const key = { stage: stage.name, version: version.value, digest: build.digest };
  const existing = ofDigest.find((p) => promotionKey(p) === promotionKey(key));
  if (existing?.status === 'promoting')
    return retagPromotion(message, existing, build, stage, deps);
  if (existing?.status === 'rejected')
    return reject(`this promotion was stopped: ${existing.reason ?? 'rejected'}`, build, stage);
  const holds = state.heads[stage.name]?.digest === build.digest;
  if (existing?.status === 'promoted' && (stage.immutable || holds))
    return record(
      outcomeOf(message, 'promoted', now, {
        build,
        promotion: existing,
        stage,
        reason: `already promoted at ${existing.promotedAt ?? existing.updatedAt}; nothing changed`,
      }),
    );

  const decision: RecordedApproval = {
    approverId: message.approver.id,
    ...(message.approver.name !== undefined ? { approverName: message.approver.name } : {}),
    decision: message.decision,
    at:
      message.at && Date.parse(message.at) < now.getTime()
        ? new Date(message.at).toISOString()
        : now.toISOString(),
    messageId: message.id,
    source: message.source,
    ...(message.comment !== undefined ? { comment: message.comment } : {}),
  };
  const pending = existing?.status === 'pending' ? existing : undefined;
  const requestedBy = pending?.requestedBy ?? message.requestedBy?.id;
  const policy = evaluateDecision({
    stage,
    decision,
    approver: message.approver,
    buildAuthor: build.pushedBy,
    requestedBy,
    previous: pending?.approvals ?? [],
    now,
  });
  const base: Promotion = {
    repository: repo,
    stage: stage.name,
    digest: build.digest,
    ...(version.value !== undefined ? { version: version.value } : {}),
    status: 'pending',
    tags: [],
    approvals: pending?.approvals ?? [],
    ...(requestedBy !== undefined ? { requestedBy } : {}),
    createdAt: pending?.createdAt ?? now.toISOString(),
    updatedAt: now.toISOString(),
  };
  switch (policy.kind) {
    case 'refuse': {
      if (!policy.stopsPromotion) return reject(policy.reason, build, stage);
      const stopped: Promotion = {
        ...base,
        status: 'rejected',
        reason: policy.reason,
        approvals: [...base.approvals, decision],
      };
      return record(
        outcomeOf(message, 'rejected', now, {
          build,
          promotion: stopped,
          stage,
          reason: policy.reason,
        }),
        [stopped],
      );
    }
    case 'pending':
    case 'approve':
      // Approvals counted; the stage's gates (checks, soak, evidence) decide the rest.
      return advancePromotion(
        {
          message,
          waiting: { ...base, approvals: policy.valid },
          approvals: policy.valid.length,
          build,
          stage,
          state,
          ofDigest,
          ...(message.override !== undefined
            ? { override: { approver: message.approver, reason: message.override.reason } }
            : {}),
        },
        deps,
      );
  }
}
