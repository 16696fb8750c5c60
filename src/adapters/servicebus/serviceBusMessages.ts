import type { ServiceBusMessage } from '@azure/service-bus';
import { messageTarget, type PromotionMessage } from '../../domain/promotionMessage.js';
import type { OutcomeEvent } from '../../domain/outcomeEvent.js';

/**
 * The Service Bus message for an approval (or rollback, or unpin) on the `promotions` queue.
 * The session id is the repository (one promotion at a time per repository); the message id
 * is the message's `id`, so the queue's duplicate detection drops a resent one. The body is
 * the message object itself (the SDK encodes it); the subject is its type, and the
 * properties let operators filter and peek.
 */
export function approvalToServiceBusMessage(message: PromotionMessage): ServiceBusMessage {
  return {
    body: message,
    messageId: message.id,
    sessionId: message.repository,
    contentType: 'application/json',
    subject: message.type,
    applicationProperties: {
      repository: message.repository,
      stage: messageTarget(message),
      ...(message.type === 'approval' ? { decision: message.decision } : {}),
      source: 'source' in message && message.source !== undefined ? message.source : message.type,
    },
  };
}

/**
 * The Service Bus message for an outcome on the `promotion-events` topic. The message id is
 * the event's `id` (duplicate detection, and subscribers' dedupe key); the subject is the
 * outcome, and repository, stage and outcome are application properties so subscriptions
 * can filter with SQL rules (`repository = 'myapp' AND outcome = 'promoted'`).
 */
export function outcomeToServiceBusMessage(event: OutcomeEvent): ServiceBusMessage {
  return {
    body: event,
    messageId: event.id,
    contentType: 'application/json',
    subject: event.outcome,
    applicationProperties: {
      repository: event.repository,
      stage: event.stage,
      outcome: event.outcome,
    },
  };
}
