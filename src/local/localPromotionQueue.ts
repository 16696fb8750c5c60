import type { PromotionMessage } from '../domain/promotionMessage.js';
import type { PromotionQueue } from '../ports/promotionQueue.js';
import type { LocalSessionQueue } from './localQueue.js';

/**
 * The `promotions` queue on the local host: sends approvals, rollbacks and unpins to a
 * `LocalSessionQueue` as the Service Bus adapter sends them to Azure (session id =
 * repository, message id = `id`, so a resent message is dropped by duplicate detection).
 * The body is a copy, as if it crossed the wire. With a durable queue the send resolves once
 * the message is stored.
 */
export class LocalPromotionQueue implements PromotionQueue {
  constructor(private readonly queue: Pick<LocalSessionQueue, 'enqueue'>) {}

  async send(message: PromotionMessage): Promise<void> {
    await this.queue.enqueue({
      body: structuredClone(message),
      messageId: message.id,
      sessionId: message.repository,
    });
  }
}
