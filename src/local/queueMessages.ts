import type { QueueClock } from './scheduledMessages.js';

/** A message as sent to the queue. */
export interface QueueMessage<T> {
  readonly body: T;
  /** Duplicate detection key: a second message with this id within the window is dropped. */
  readonly messageId: string;
  /** Messages of one session are delivered one at a time, in the order they were sent. */
  readonly sessionId: string;
  /**
   * Not delivered before this time (Service Bus's scheduled enqueue time): accepted, stored
   * and its id taken at once, it joins its session when the queue's clock reaches it.
   */
  readonly scheduledEnqueueTimeUtc?: Date | undefined;
}

/** What the handler learns about a delivery, as a Service Bus trigger's metadata. */
export interface DeliveryInfo {
  readonly messageId: string;
  readonly sessionId: string;
  /** 1 on the first delivery, one more on each redelivery. */
  readonly deliveryCount: number;
  readonly enqueuedTimeUtc: Date;
}

/** Handles one delivery: resolving completes the message, throwing has it redelivered. */
export type SessionMessageHandler<T> = (body: T, info: DeliveryInfo) => Promise<void>;

/** A message that failed `maxDeliveryCount` deliveries and was set aside. */
export interface DeadLetter<T> extends QueueMessage<T> {
  readonly deliveryCount: number;
  /** The message of the last delivery's error. */
  readonly reason: string;
  readonly enqueuedTimeUtc: Date;
  readonly deadLetteredAt: Date;
}

/** A message as a durable queue keeps it. */
export interface StoredMessage<T> extends QueueMessage<T> {
  /** The order messages were accepted in (Service Bus's sequence number): ascending. */
  readonly sequence: number;
  readonly enqueuedTimeUtc: Date;
  /** Deliveries begun so far: one that was in flight when the host died counts. */
  readonly deliveryCount: number;
}

/**
 * Where a durable `LocalSessionQueue` keeps its messages, its dead letters and the message
 * ids of its duplicate detection window, so that they outlive the process. Each method
 * resolves once the change is stored.
 */
export interface QueueStore<T> {
  /** Stores a new message; false, storing nothing, when its id was seen within `windowMs`. */
  add(message: StoredMessage<T>, windowMs: number): Promise<boolean>;
  /** Records that delivery `deliveryCount` of the message begins. */
  delivering(message: StoredMessage<T>, deliveryCount: number): Promise<void>;
  /** Removes a completed message (one already gone is no error). */
  complete(message: StoredMessage<T>): Promise<void>;
  /** Moves a message to the dead letters. */
  deadLetter(message: StoredMessage<T>, letter: DeadLetter<T>): Promise<void>;
  /**
   * The messages not yet completed, in sequence order, and the dead letters, oldest first;
   * forgets the message ids that left the duplicate detection window by `now`.
   */
  load(
    now: Date,
    windowMs: number,
  ): Promise<{ pending: StoredMessage<T>[]; dead: DeadLetter<T>[] }>;
}

/** Tuning of the local queue; every default is the `promotions` queue's setting. */
export interface LocalSessionQueueOptions {
  /** How long a message id is remembered for duplicate detection; 1 hour by default. */
  readonly duplicateDetectionWindowMs?: number | undefined;
  /** Sessions delivered at the same time (`maxConcurrentSessions`); 8 by default. */
  readonly maxConcurrentSessions?: number | undefined;
  /** Failed deliveries after which a message is dead-lettered; 5 by default. */
  readonly maxDeliveryCount?: number | undefined;
  /** Delay before redelivery n+1 is `initialMs × 2^(n−1)`, at most `maxMs`; 100 ms and 2 s by default. */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number } | undefined;
  /** The clock for enqueued times and the duplicate window (ignored with `clock`). */
  readonly now?: (() => Date) | undefined;
  /**
   * The clock, with the wake-ups that release scheduled messages (tests move it); the system's
   * (or one reading `now`) with timers by default.
   */
  readonly clock?: QueueClock | undefined;
  /** Receives one line per delivery, completion, redelivery, duplicate and dead-letter. */
  readonly log?: ((line: string) => void) | undefined;
  /** Whether `log` also gets a line per delivery and completion (true by default). */
  readonly logDeliveries?: boolean | undefined;
  /**
   * Keeps every message in this store before `enqueue` resolves, and each delivery, completion
   * and dead letter as it happens (`restore()` reads them back after a restart). Without it
   * the queue lives in memory only. Bodies come back from it as they were stored (as JSON).
   */
  readonly store?: QueueStore<unknown> | undefined;
}
