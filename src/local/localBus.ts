import type { ApprovalMessage } from '../domain/approvalMessage.js';
import type { OutcomeEvent } from '../domain/outcomeEvent.js';
import type { PromotionQueue } from '../ports/promotionQueue.js';
import type { OutcomePublisher } from '../ports/outcomePublisher.js';
import type { LocalSessionQueue } from './localQueue.js';

/**
 * The `promotions` queue on the local host: sends to a `LocalSessionQueue` as the Service
 * Bus adapter sends to Azure (session id = repository, message id = `id`, so a resent
 * approval is dropped by duplicate detection). The body is a copy, as if it crossed the wire.
 */
export class LocalPromotionQueue implements PromotionQueue {
  constructor(private readonly queue: Pick<LocalSessionQueue, 'send'>) {}

  send(message: ApprovalMessage): Promise<void> {
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

/** Which outcomes `LocalOutcomeLog.list` returns. */
export interface OutcomeQuery {
  readonly repository?: string | undefined;
  /** Only outcomes whose `at` is at or after this time. */
  readonly since?: Date | undefined;
}

/** Options of the local outcome log. */
export interface LocalOutcomeLogOptions {
  /** How many outcomes are kept (the newest); 1000 by default. */
  readonly capacity?: number | undefined;
  /** Called once per new outcome, e.g. to print it in `npm start`'s terminal. */
  readonly onEvent?: ((event: OutcomeEvent) => void) | undefined;
}

/**
 * The `promotion-events` topic on the local host: keeps the newest outcomes in memory, in
 * the order they were published. A republished event (same `id`) is ignored while the
 * first copy is still kept, as a subscriber dropping duplicates would.
 */
export class LocalOutcomeLog implements OutcomePublisher {
  private readonly events = new Map<string, OutcomeEvent>();
  private readonly capacity: number;
  private readonly onEvent: ((event: OutcomeEvent) => void) | undefined;

  constructor(options: LocalOutcomeLogOptions = {}) {
    this.capacity = options.capacity ?? 1000;
    this.onEvent = options.onEvent;
    if (!Number.isInteger(this.capacity) || this.capacity < 1)
      throw new RangeError('capacity must be a positive integer');
  }

  publish(event: OutcomeEvent): Promise<void> {
    if (this.events.has(event.id)) return Promise.resolve();
    this.events.set(event.id, event);
    for (const id of this.events.keys()) {
      if (this.events.size <= this.capacity) break;
      this.events.delete(id);
    }
    try {
      this.onEvent?.(event);
    } catch {
      // Showing an outcome must never fail (and so redeliver) the promotion that made it.
    }
    return Promise.resolve();
  }

  /** Kept outcomes matching `query`, oldest first. */
  list(query: OutcomeQuery = {}): readonly OutcomeEvent[] {
    const since = query.since?.getTime();
    return [...this.events.values()].filter(
      (event) =>
        (query.repository === undefined || event.repository === query.repository) &&
        (since === undefined || Date.parse(event.at) >= since),
    );
  }
}
