import { createHash } from 'node:crypto';
import { SYSTEM_APPROVER, type ApprovalMessage } from '../../../domain/approvalMessage.js';
import type { OutcomeEvent } from '../../../domain/outcomeEvent.js';
import type { PromoteDeps } from '../commitStep.js';

/**
 * After a promotion into a stage, asks for the automatic stages (`required: 0`) that take the
 * digest from it, by sending the system's approval through the `promotions` queue as the push
 * flow does for the first stage. Each is then decided like any approval: it goes ahead when its
 * gates hold (checks that already succeeded on the digest count, also those reported before it
 * got here), or stays pending saying what it waits for, to be promoted by itself when the last
 * condition holds (a check result, the soak's scheduled re-evaluation, evidence pushed).
 *
 * A stage whose promotion of the digest is already decided (promoted or stopped) is not asked
 * again, so re-approving an earlier stage moves nothing further. The message id is derived from
 * the outcome's message: a redelivery asks again under the same id (counted once by the queue's
 * duplicate detection and promoter's idempotency), so a request lost after the promotion was
 * recorded is still made. Without a queue (`approvals`) nothing is asked. Returns the ids sent.
 */
export async function requestChainedPromotions(
  outcome: OutcomeEvent,
  deps: Pick<PromoteDeps, 'pipeline' | 'promotions' | 'approvals'>,
): Promise<string[]> {
  const { approvals } = deps;
  const { digest, repository } = outcome;
  if (outcome.outcome !== 'promoted' || digest === undefined || approvals === undefined) return [];
  const next = deps.pipeline.stages.filter(
    (s) => s.from === outcome.stage && s.approval.required === 0,
  );
  if (next.length === 0) return [];
  const ofDigest = await deps.promotions.listPromotionsOfDigest(repository, digest);
  const sent: string[] = [];
  for (const stage of next) {
    const decided = ofDigest.some(
      (p) => p.stage === stage.name && (p.status === 'promoted' || p.status === 'rejected'),
    );
    if (decided) continue;
    const version = stage.tag.placeholders.has('version') ? outcome.version : undefined;
    const message: ApprovalMessage = {
      type: 'approval',
      id: chainedPromotionId(stage.name, repository, digest, outcome.messageId),
      repository,
      build: { digest },
      stage: stage.name,
      ...(version !== undefined ? { version } : {}),
      decision: 'approve',
      approver: { ...SYSTEM_APPROVER, groups: [] },
      source: 'system',
      comment: `automatic: ${digest} reached ${outcome.stage}`,
    };
    await approvals.send(message);
    sent.push(message.id);
  }
  return sent;
}

/** The id of the automatic promotion into `stage` that the promotion by message `cause` asks for. */
export function chainedPromotionId(
  stage: string,
  repository: string,
  digest: string,
  cause: string,
): string {
  const key = `${repository}|${digest}|${cause}`;
  return `auto-${stage}-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}
