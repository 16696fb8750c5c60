import { randomUUID } from 'node:crypto';
import type { InvocationContext } from '@azure/functions';
import type { Services } from '../composition/createServices.js';
import type { Approver } from '../domain/approvalMessage.js';
import { chatApproval, queuedText } from '../domain/chatApproval.js';
import type { ChatDecision } from '../domain/chatCommand.js';
import {
  chatOperationMessage,
  operationQueuedText,
  type ChatOperation,
} from '../domain/chatOperation.js';
import type { PromotionMessage } from '../domain/promotionMessage.js';

/** Where a chat request came from: the message `source`, and the prefix of unmapped user ids. */
export type ChatSource = 'slack' | 'teams';

const LABELS: Record<ChatSource, string> = { slack: 'Slack', teams: 'Teams' };

/**
 * The approver a chat user acts as: `<source>:<userId>` mapped through the pipeline's
 * `identities` (unmapped: that id, no groups), with the display name the chat client sent.
 */
export function chatApprover(
  services: Services,
  source: ChatSource,
  userId: string,
  name: string | undefined,
): Approver {
  const { id, groups } = services.pipeline.approverFor(`${source}:${userId}`);
  return { id, groups: [...groups], ...(name === undefined ? {} : { name }) };
}

/**
 * Queues what a chat user asked for — an approval or rejection, a rollback or an unpin — as
 * `approver`, validated first (nothing is queued when it is invalid), and returns the reply:
 * what was queued, or `Not queued: <what is wrong>`. Whether the approver may do it is decided
 * by the queue handler, which announces the outcome.
 */
export async function queueChatCommand(
  services: Services,
  context: InvocationContext,
  command: ChatDecision | ChatOperation,
  approver: Approver,
  source: ChatSource,
): Promise<string> {
  const origin = { id: randomUUID(), approver, source };
  const stages = services.pipeline.stages.map((s) => s.name);
  const result =
    command.kind === 'rollback' || command.kind === 'unpin'
      ? chatOperationMessage(command, origin, stages)
      : chatApproval(command, origin, stages);
  if (result.kind === 'invalid') return `Not queued: ${result.problem}`;
  const message: PromotionMessage = result.message;
  await services.approvals.send(message);
  context.info(`${message.type} queued from ${LABELS[source]}`, {
    messageId: message.id,
    repository: message.repository,
    stage: message.stage,
    ...(message.type === 'approval' ? { decision: message.decision } : {}),
    approver: message.approver.id,
  });
  return message.type === 'approval' ? queuedText(message) : operationQueuedText(message);
}
