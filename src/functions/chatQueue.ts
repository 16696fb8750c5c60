import type { InvocationContext } from '@azure/functions';
import { queueChatCommand as queue, type ChatSource } from '../app/promotion/queueChatCommand.js';
import type { Services } from '../composition/createServices.js';
import type { Approver } from '../domain/approvalMessage.js';
import type { ChatDecision } from '../domain/chatCommand.js';
import type { ChatOperation } from '../domain/chatOperation.js';
import { messageActor, messageTarget } from '../domain/promotionMessage.js';

const LABELS: Record<ChatSource, string> = { slack: 'Slack', teams: 'Teams' };

/** Queues a chat user's command (`queueChatCommand`), logs what was queued, returns the reply. */
export async function queueChatCommand(
  services: Services,
  context: InvocationContext,
  command: ChatDecision | ChatOperation,
  approver: Approver,
  source: ChatSource,
  replyTo?: string,
): Promise<string> {
  const { reply, queued: message } = await queue(services, command, approver, source, replyTo);
  if (message)
    context.info(`${message.type} queued from ${LABELS[source]}`, {
      messageId: message.id,
      repository: message.repository,
      stage: messageTarget(message),
      ...(message.type === 'approval' ? { decision: message.decision } : {}),
      approver: messageActor(message),
    });
  return reply;
}

/**
 * Starts opening the queue's connection (sender link, sign-in) without waiting for it, so that
 * a chat request's other work (the replay claim) runs meanwhile and the send that follows finds
 * it open. Never throws: a failure shows, and is reported, at the send.
 */
export function prepareQueue(services: Services, context: InvocationContext): void {
  const started = services.approvals.prepare?.();
  started?.catch((error: unknown) => {
    context.warn('opening the queue connection ahead of the send failed', {
      reason: error instanceof Error ? error.message : String(error),
    });
  });
}
