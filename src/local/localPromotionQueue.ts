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
    await this.enqueue(message, undefined);
  }

  /**
   * Sends `message` to be delivered when `at` comes by the queue's clock, as Service Bus's
   * scheduled enqueue does: accepted (and its id taken) now, and with a durable queue stored
   * now, so that a host stopped before `at` delivers it after its restart.
   */
  async schedule(message: PromotionMessage, at: Date): Promise<void> {
    await this.enqueue(message, at);
  }

  private async enqueue(message: PromotionMessage, at: Date | undefined): Promise<void> {
    await this.queue.enqueue({
      body: structuredClone(message),
      messageId: message.id,
      sessionId: message.repository,
      scheduledEnqueueTimeUtc: at,
    });
  }
}
