import { DuplicateDetection } from './duplicateDetection.js';

/** A message as sent to the queue. */
export interface QueueMessage<T> {
  readonly body: T;
  /** Duplicate detection key: a second message with this id within the window is dropped. */
  readonly messageId: string;
  /** Messages of one session are delivered one at a time, in the order they were sent. */
  readonly sessionId: string;
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
  /** The clock for enqueued times and the duplicate window. */
  readonly now?: (() => Date) | undefined;
  /** Receives one line per delivery, completion, redelivery, duplicate and dead-letter. */
  readonly log?: ((line: string) => void) | undefined;
  /** Whether `log` also gets a line per delivery and completion (true by default). */
  readonly logDeliveries?: boolean | undefined;
}

interface Settings {
  readonly maxConcurrentSessions: number;
  readonly maxDeliveryCount: number;
  readonly initialMs: number;
  readonly maxMs: number;
  readonly now: () => Date;
}

interface Entry<T> extends QueueMessage<T> {
  readonly enqueuedTimeUtc: Date;
  /** Deliveries so far. */
  deliveries: number;
}

interface Session<T> {
  readonly pending: Entry<T>[];
  /** A delivery is in flight or waits out its backoff: nothing else of the session may go. */
  busy: boolean;
}

/**
 * The local host's stand-in for the session-enabled `promotions` queue. It delivers to one
 * handler with Service Bus semantics: duplicate detection on message id, one message at a
 * time per session and in order, sessions in parallel up to a bound, redelivery with
 * backoff and a growing `deliveryCount` when the handler throws (before any later message
 * of that session), and dead-lettering after `maxDeliveryCount` failed deliveries.
 * A session waiting out a backoff keeps its order but frees its concurrency slot.
 * Messages live in memory only.
 */
export class LocalSessionQueue<T = unknown> {
  private readonly sessions = new Map<string, Session<T>>();
  /** Sessions with a message ready to go, in arrival order (round robin between sessions). */
  private readonly ready: string[] = [];
  private readonly duplicates: DuplicateDetection;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly dead: DeadLetter<T>[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private readonly settings: Settings;
  private readonly log: (line: string) => void;
  private readonly logDelivery: (line: string) => void;
  private queued = 0;
  private inFlight = 0;
  private closed = false;

  constructor(
    private readonly handler: SessionMessageHandler<T>,
    options: LocalSessionQueueOptions = {},
  ) {
    this.duplicates = new DuplicateDetection(options.duplicateDetectionWindowMs ?? 60 * 60 * 1000);
    this.settings = {
      maxConcurrentSessions: options.maxConcurrentSessions ?? 8,
      maxDeliveryCount: options.maxDeliveryCount ?? 5,
      now: options.now ?? (() => new Date()),
      initialMs: options.backoff?.initialMs ?? 100,
      maxMs: options.backoff?.maxMs ?? 2000,
    };
    this.log = options.log ?? (() => undefined);
    this.logDelivery = options.logDeliveries === false ? () => undefined : this.log;
    const { maxConcurrentSessions, maxDeliveryCount } = this.settings;
    if (!Number.isInteger(maxConcurrentSessions) || maxConcurrentSessions < 1)
      throw new RangeError(`maxConcurrentSessions must be a positive integer`);
    if (!Number.isInteger(maxDeliveryCount) || maxDeliveryCount < 1)
      throw new RangeError(`maxDeliveryCount must be a positive integer`);
  }

  /**
   * Enqueues a message. Returns false, and drops it silently as Service Bus does, when its
   * message id was seen within the duplicate detection window. Throws once the queue is closed.
   */
  send(message: QueueMessage<T>): boolean {
    if (this.closed) throw new Error(`local queue is closed: cannot send ${message.messageId}`);
    const now = this.settings.now();
    if (this.duplicates.isDuplicate(message.messageId, now.getTime())) {
      this.log(`duplicate ${message.messageId} (session ${message.sessionId}) dropped`);
      return false;
    }
    const { body, messageId, sessionId } = message;
    let session = this.sessions.get(sessionId);
    if (!session) {
      session = { pending: [], busy: false };
      this.sessions.set(sessionId, session);
    }
    session.pending.push({ body, messageId, sessionId, enqueuedTimeUtc: now, deliveries: 0 });
    this.queued += 1;
    if (!session.busy && session.pending.length === 1) this.ready.push(sessionId);
    this.pump();
    return true;
  }

  /** The dead-lettered messages, oldest first. */
  deadLetters(): readonly DeadLetter<T>[] {
    return [...this.dead];
  }

  /** Messages accepted and not yet completed or dead-lettered (in flight included). */
  get size(): number {
    return this.queued;
  }

  /**
   * Resolves when no message is queued, waiting out a backoff, or in flight. After `close()`,
   * when no delivery is in flight (queued messages are then never delivered).
   */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops delivering; resolves when the deliveries in flight have finished. */
  close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    return this.idle();
  }

  private isIdle(): boolean {
    return this.inFlight === 0 && (this.closed || this.queued === 0);
  }

  private pump(): void {
    while (!this.closed && this.inFlight < this.settings.maxConcurrentSessions) {
      const sessionId = this.ready.shift();
      if (sessionId === undefined) return;
      const session = this.sessions.get(sessionId);
      const entry = session?.pending[0];
      if (session && entry) void this.deliver(session, entry);
    }
  }

  private async deliver(session: Session<T>, entry: Entry<T>): Promise<void> {
    session.busy = true;
    this.inFlight += 1;
    entry.deliveries += 1;
    const { messageId, sessionId, enqueuedTimeUtc } = entry;
    const deliveryCount = entry.deliveries;
    const what = `${messageId} (session ${sessionId}, delivery ${deliveryCount})`;
    this.logDelivery(`delivering ${what}`);
    try {
      await this.handler(entry.body, { messageId, sessionId, deliveryCount, enqueuedTimeUtc });
      this.logDelivery(`completed ${what}`);
      this.finish(session, entry);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (deliveryCount >= this.settings.maxDeliveryCount) {
        this.log(`dead-lettered ${what}: ${reason}`);
        const { body } = entry;
        const deadLetteredAt = this.settings.now();
        this.dead.push({
          body,
          messageId,
          sessionId,
          deliveryCount,
          reason,
          enqueuedTimeUtc,
          deadLetteredAt,
        });
        this.finish(session, entry);
      } else {
        const delay = Math.min(
          this.settings.maxMs,
          this.settings.initialMs * 2 ** (deliveryCount - 1),
        );
        this.log(`redelivering ${what} in ${delay} ms: ${reason}`);
        this.retryLater(session, sessionId, delay);
      }
    } finally {
      this.inFlight -= 1;
      this.pump();
      this.notifyIdle();
    }
  }

  /** Completes (or dead-letters) the session's head message and lets the session go on. */
  private finish(session: Session<T>, entry: Entry<T>): void {
    session.pending.shift();
    this.queued -= 1;
    session.busy = false;
    if (session.pending.length > 0) this.ready.push(entry.sessionId);
    else this.sessions.delete(entry.sessionId);
  }

  private retryLater(session: Session<T>, sessionId: string, delay: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      session.busy = false;
      this.ready.push(sessionId);
      this.pump();
    }, delay);
    this.timers.add(timer);
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
