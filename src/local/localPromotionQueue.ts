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
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly queue: Pick<LocalSessionQueue, 'enqueue'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Sends `message` when `at` comes (by `now`), as Service Bus's scheduled enqueue does. Held
   * in this process until then: a host stopped before `at` does not send it (unlike Service
   * Bus, where the scheduled message is stored); the next message about the digest, or an
   * approval, re-evaluates the promotion then.
   */
  schedule(message: PromotionMessage, at: Date): Promise<void> {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        this.send(message).catch(() => undefined);
      },
      Math.max(0, at.getTime() - this.now().getTime()),
    );
    timer.unref();
    this.timers.add(timer);
    return Promise.resolve();
  }

  /** Drops what is scheduled and not yet sent (the host is stopping). */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  async send(message: PromotionMessage): Promise<void> {
    await this.queue.enqueue({
      body: structuredClone(message),
      messageId: message.id,
      sessionId: message.repository,
    });
  }
}
