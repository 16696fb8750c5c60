import { createHash } from 'node:crypto';
import { SYSTEM_APPROVER, type ApprovalMessage } from '../../domain/approvalMessage.js';
import type { Pipeline } from '../../domain/pipeline.js';
import type { PromotionQueue } from '../../ports/promotionQueue.js';
import type { EventOutcome } from './recordRegistryEvent.js';

/**
 * Asks for the automatic first stage (`dev`) of a build a registry event recorded, by sending
 * the system's approval through the same queue as every other approval. A redelivered push
 * (`duplicate`) asks again with the same message id, so a request lost after the build was
 * recorded is still made, and the queue's duplicate detection and promoter's own idempotency
 * make it count once. Returns the message id sent, or undefined when the event asks for none
 * (not a recorded push, or a first stage that needs approvals).
 */
export async function requestAutomaticPromotion(
  outcome: EventOutcome,
  deps: { readonly pipeline: Pipeline; readonly approvals: PromotionQueue },
): Promise<string | undefined> {
  const first = deps.pipeline.stages[0];
  if (!first || first.approval.required > 0) return undefined;
  const o = outcome;
  if (o.action !== 'push' || (o.outcome !== 'recorded' && o.outcome !== 'duplicate'))
    return undefined;
  if (o.repository === undefined || o.digest === undefined || o.gitSha === undefined)
    return undefined;
  const id = automaticPromotionId(first.name, o.repository, o.id);
  const message: ApprovalMessage = {
    type: 'approval',
    id,
    repository: o.repository,
    build: { digest: o.digest },
    stage: first.name,
    decision: 'approve',
    approver: { ...SYSTEM_APPROVER, groups: [] },
    source: 'system',
    comment: `automatic: ${o.tag ?? o.gitSha} was pushed`,
  };
  await deps.approvals.send(message);
  return id;
}

/**
 * The message id of the automatic promotion into `stage` that the registry event `eventId`
 * (the one that recorded the build: `Build.eventId`) asks for.
 */
export function automaticPromotionId(stage: string, repository: string, eventId: string): string {
  return `auto-${stage}-${createHash('sha256').update(`${repository}|${eventId}`).digest('hex').slice(0, 32)}`;
}
