import { LocalSessionQueue } from './localQueue.js';
import type { DeadLetter } from './queueMessages.js';

/**
 * Deliveries after which the `notifications` subscription dead-letters an event
 * (`maxDeliveryCount` in infra/modules/servicebus.bicep; a test keeps the two equal).
 */
export const SUBSCRIPTION_MAX_DELIVERY_COUNT = 10;

/** What a subscription's function learns about a delivery, as a Service Bus trigger's metadata. */
export interface SubscriptionDeliveryInfo {
  readonly messageId: string;
  /** 1 on the first delivery, one more on each redelivery. */
  readonly deliveryCount: number;
  readonly enqueuedTimeUtc: Date;
}

/** Handles one delivery: resolving completes the message, throwing has it redelivered. */
export type SubscriptionHandler<T> = (body: T, info: SubscriptionDeliveryInfo) => Promise<void>;

/** Tuning of a local subscription; every default is the Azure setting. */
export interface LocalSubscriptionOptions {
  /** Failed deliveries after which a message is dead-lettered; 10 by default. */
  readonly maxDeliveryCount?: number | undefined;
  /** Deliveries at the same time; 16 by default (host.json's `maxConcurrentCalls`). */
  readonly maxConcurrentCalls?: number | undefined;
  /** Receives one line per redelivery, duplicate and dead-letter (not per delivery). */
  readonly log?: ((line: string) => void) | undefined;
}

/**
 * The local host's stand-in for a topic subscription (one without sessions), built on the
 * `LocalSessionQueue` with each message in a session of its own: deliveries run in parallel
 * up to `maxConcurrentCalls`, in no promised order, with duplicate detection on message id,
 * a delivery count that grows on each redelivery, and dead-lettering after
 * `maxDeliveryCount` failed deliveries. A message whose handler throws is redelivered at
 * once, as Service Bus gives an abandoned message back at once: a function that wants a
 * pause takes it before throwing (the `notifications` function does). Memory only.
 */
export class LocalSubscription<T = unknown> {
  private readonly queue: LocalSessionQueue<T>;

  constructor(
    /** The subscription's name, e.g. `notifications`. */
    readonly name: string,
    handler: SubscriptionHandler<T>,
    options: LocalSubscriptionOptions = {},
  ) {
    this.queue = new LocalSessionQueue<T>(
      (body, { messageId, deliveryCount, enqueuedTimeUtc }) =>
        handler(body, { messageId, deliveryCount, enqueuedTimeUtc }),
      {
        maxDeliveryCount: options.maxDeliveryCount ?? SUBSCRIPTION_MAX_DELIVERY_COUNT,
        maxConcurrentSessions: options.maxConcurrentCalls ?? 16,
        backoff: { initialMs: 0 },
        log: options.log,
        logDeliveries: false,
      },
    );
  }

  /**
   * Delivers a copy of `body` (as if it crossed the wire) under `messageId`. Returns false
   * when that id was seen within the hour (dropped, as duplicate detection does); throws once
   * the subscription is closed.
   */
  send(body: T, messageId: string): boolean {
    return this.queue.send({ body: structuredClone(body), messageId, sessionId: messageId });
  }

  /** The dead-lettered messages, oldest first. */
  deadLetters(): readonly DeadLetter<T>[] {
    return this.queue.deadLetters();
  }

  /** Resolves when no message is waiting or in flight. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Stops delivering; resolves when the deliveries in flight have finished. */
  close(): Promise<void> {
    return this.queue.close();
  }
}
