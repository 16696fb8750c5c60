import { DuplicateDetection } from './duplicateDetection.js';
import type {
  DeadLetter,
  LocalSessionQueueOptions,
  QueueMessage,
  QueueStore,
  SessionMessageHandler,
  StoredMessage,
} from './queueMessages.js';
import { ScheduledMessages, timerClock } from './scheduledMessages.js';
import { SessionDelivery, stored, type Entry } from './localDelivery.js';

/**
 * The local host's stand-in for the session-enabled `promotions` queue. It delivers to one
 * handler with Service Bus semantics: duplicate detection on message id, one message at a
 * time per session and in order, sessions in parallel up to a bound, redelivery with
 * backoff and a growing `deliveryCount` when the handler throws (before any later message
 * of that session), and dead-lettering after `maxDeliveryCount` failed deliveries.
 * A session waiting out a backoff keeps its order but frees its concurrency slot.
 * A message with a `scheduledEnqueueTimeUtc` ahead of the clock is accepted (and its id
 * taken) at once but joins its session only when that time comes (`ScheduledMessages`).
 * Messages live in memory only, unless the queue has a `store`: then `enqueue` resolves once
 * the message is stored, each delivery is recorded before the handler runs (a message in
 * flight when the process dies comes back with the next `deliveryCount`), and `restore()`
 * picks up where the last process stopped. A store that is down delays deliveries and
 * completions (tried again with backoff); it never loses an accepted message.
 */
export class LocalSessionQueue<T = unknown> {
  private readonly duplicates: DuplicateDetection;
  private readonly delivery: SessionDelivery<T>;
  private readonly now: () => Date;
  private readonly maxDeliveryCount: number;
  private readonly log: (line: string) => void;
  private readonly store: QueueStore<unknown> | undefined;
  private readonly windowMs: number;
  private readonly held: ScheduledMessages<Entry<T>>;
  private lastSequence = 0;
  private closed = false;

  constructor(handler: SessionMessageHandler<T>, options: LocalSessionQueueOptions = {}) {
    this.windowMs = options.duplicateDetectionWindowMs ?? 60 * 60 * 1000;
    this.duplicates = new DuplicateDetection(this.windowMs);
    this.store = options.store;
    const clock = options.clock ?? timerClock(options.now);
    this.held = new ScheduledMessages<Entry<T>>(clock, (entry) => {
      if (!this.closed) this.delivery.schedule(entry);
    });
    const settings = {
      maxConcurrentSessions: options.maxConcurrentSessions ?? 8,
      maxDeliveryCount: options.maxDeliveryCount ?? 5,
      now: clock.now,
      initialMs: options.backoff?.initialMs ?? 100,
      maxMs: options.backoff?.maxMs ?? 2000,
    };
    this.log = options.log ?? (() => undefined);
    const logDelivery = options.logDeliveries === false ? () => undefined : this.log;
    const { maxConcurrentSessions, maxDeliveryCount } = settings;
    if (!Number.isInteger(maxConcurrentSessions) || maxConcurrentSessions < 1)
      throw new RangeError(`maxConcurrentSessions must be a positive integer`);
    if (!Number.isInteger(maxDeliveryCount) || maxDeliveryCount < 1)
      throw new RangeError(`maxDeliveryCount must be a positive integer`);
    this.now = clock.now;
    this.maxDeliveryCount = maxDeliveryCount;
    this.delivery = new SessionDelivery(handler, settings, this.store, this.log, logDelivery);
  }

  /**
   * Enqueues a message. Returns false, and drops it silently as Service Bus does, when its
   * message id was seen within the duplicate detection window. Throws once the queue is closed.
   */
  send(message: QueueMessage<T>): boolean {
    this.assertOpen(message);
    if (this.store) throw new Error(`this local queue is durable: enqueue ${message.messageId}`);
    const now = this.now();
    if (this.duplicates.isDuplicate(message.messageId, now.getTime())) {
      this.logDuplicate(message);
      return false;
    }
    this.accept(this.entryOf(message, now));
    return true;
  }

  /**
   * Enqueues a message as `send` does; with a store, resolves once it is stored (rejects when
   * it cannot be: nothing was accepted). Resolves false for a duplicate.
   */
  async enqueue(message: QueueMessage<T>): Promise<boolean> {
    if (!this.store) return this.send(message);
    this.assertOpen(message);
    const entry = this.entryOf(message, this.now());
    if (!(await this.store.add(stored(entry), this.windowMs))) {
      this.logDuplicate(message);
      return false;
    }
    // Closed meanwhile: it is stored, and the next process delivers it.
    if (!this.closed) this.accept(entry);
    return true;
  }

  /**
   * Reads back what the store holds (a durable queue, before its first `enqueue`): the dead
   * letters, and the messages not completed, delivered again in their order. A message whose
   * last allowed delivery was in flight when the process died is dead-lettered, as Service
   * Bus does when a lock is lost on the last delivery. Resolves with the number re-queued.
   */
  async restore(): Promise<number> {
    if (!this.store) return 0;
    // The bodies are what this queue stored: T, read back from JSON.
    const loaded = await this.store.load(this.now(), this.windowMs);
    const pending = loaded.pending as StoredMessage<T>[];
    this.delivery.addDead(...(loaded.dead as DeadLetter<T>[]));
    let queued = 0;
    for (const message of pending) {
      this.lastSequence = Math.max(this.lastSequence, message.sequence);
      const entry: Entry<T> = { ...message, deliveries: message.deliveryCount, storeFailures: 0 };
      if (message.deliveryCount >= this.maxDeliveryCount) {
        const reason = `the process stopped during delivery ${message.deliveryCount}, the last one allowed`;
        const letter = this.delivery.letterOf(entry, reason);
        await this.store.deadLetter(message, letter);
        this.delivery.addDead(letter);
        this.log(`dead-lettered ${message.messageId} (session ${message.sessionId}): ${reason}`);
        continue;
      }
      this.accept(entry);
      queued += 1;
    }
    if (queued > 0)
      this.log(`restored ${queued} queued message(s), ${this.held.size} scheduled for later`);
    return queued;
  }

  /** The dead-lettered messages, oldest first. */
  deadLetters(): readonly DeadLetter<T>[] {
    return this.delivery.deadLetters();
  }

  /**
   * Messages accepted and not yet completed or dead-lettered (in flight included); scheduled
   * messages count once their time has come.
   */
  get size(): number {
    return this.delivery.size;
  }

  /** Messages accepted with a scheduled enqueue time still ahead (not counted by `idle()`). */
  get scheduled(): number {
    return this.held.size;
  }

  /**
   * Resolves when no message is queued, waiting out a backoff, or in flight. After `close()`,
   * when no delivery is in flight (queued messages are then never delivered).
   */
  idle(): Promise<void> {
    return this.delivery.idle();
  }

  /** Stops delivering; resolves when the deliveries in flight have finished. */
  close(): Promise<void> {
    this.closed = true;
    this.held.close();
    return this.delivery.close();
  }

  private assertOpen(message: QueueMessage<T>): void {
    if (this.closed) throw new Error(`local queue is closed: cannot send ${message.messageId}`);
  }

  private logDuplicate(message: QueueMessage<T>): void {
    this.log(`duplicate ${message.messageId} (session ${message.sessionId}) dropped`);
  }

  private entryOf(message: QueueMessage<T>, now: Date): Entry<T> {
    const { body, messageId, sessionId, scheduledEnqueueTimeUtc } = message;
    // Ascending across restarts too: the clock in microseconds, or one more than the last.
    this.lastSequence = Math.max(now.getTime() * 1000, this.lastSequence + 1);
    const sequence = this.lastSequence;
    return {
      body,
      messageId,
      sessionId,
      scheduledEnqueueTimeUtc,
      enqueuedTimeUtc: now,
      sequence,
      deliveries: 0,
      storeFailures: 0,
    };
  }

  /** Takes an accepted message: into its session now, or held until its scheduled time. */
  private accept(entry: Entry<T>): void {
    if (!this.held.hold(entry)) this.delivery.schedule(entry);
  }
}
