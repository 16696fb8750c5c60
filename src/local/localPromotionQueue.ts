import type { PromotionMessage } from '../domain/promotionMessage.js';
import type { PromotionQueue } from '../ports/promotionQueue.js';
import type { LocalSessionQueue } from './localQueue.js';

/**
 * The `promotions` queue on the local host: sends approvals, rollbacks and unpins to a
 * `LocalSessionQueue` as the Service Bus adapter sends them to Azure (session id =
 * repository, message id = `id`, so a resent message is dropped by duplicate detection).
 * The body is a copy, as if it crossed the wire.
 */
export class LocalPromotionQueue implements PromotionQueue {
  constructor(private readonly queue: Pick<LocalSessionQueue, 'send'>) {}

  send(message: PromotionMessage): Promise<void> {
    // Deferred so that a closed queue rejects the promise instead of throwing.
    return Promise.resolve().then(() => {
      this.queue.send({
        body: structuredClone(message),
        messageId: message.id,
        sessionId: message.repository,
      });
    });
  }
}
