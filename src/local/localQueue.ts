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

/** Pause between tries of a store write that failed (the store is down): 100 ms doubling to 5 s. */
const storeRetryMs = (failures: number) => Math.min(5000, 100 * 2 ** Math.max(failures - 1, 0));

interface Settings {
  readonly maxConcurrentSessions: number;
  readonly maxDeliveryCount: number;
  readonly initialMs: number;
  readonly maxMs: number;
  readonly now: () => Date;
}

interface Entry<T> extends QueueMessage<T> {
  readonly enqueuedTimeUtc: Date;
  readonly sequence: number;
  /** Deliveries so far. */
  deliveries: number;
  /** Store writes that failed in a row (the store is down). */
  storeFailures: number;
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
 * A message with a `scheduledEnqueueTimeUtc` ahead of the clock is accepted (and its id
 * taken) at once but joins its session only when that time comes (`ScheduledMessages`).
 * Messages live in memory only, unless the queue has a `store`: then `enqueue` resolves once
 * the message is stored, each delivery is recorded before the handler runs (a message in
 * flight when the process dies comes back with the next `deliveryCount`), and `restore()`
 * picks up where the last process stopped. A store that is down delays deliveries and
 * completions (tried again with backoff); it never loses an accepted message.
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
  private readonly store: QueueStore<unknown> | undefined;
  private readonly windowMs: number;
  private readonly held: ScheduledMessages<Entry<T>>;
  private lastSequence = 0;
  private queued = 0;
  private inFlight = 0;
  private closed = false;

  constructor(
    private readonly handler: SessionMessageHandler<T>,
    options: LocalSessionQueueOptions = {},
  ) {
    this.windowMs = options.duplicateDetectionWindowMs ?? 60 * 60 * 1000;
    this.duplicates = new DuplicateDetection(this.windowMs);
    this.store = options.store;
    const clock = options.clock ?? timerClock(options.now);
    this.held = new ScheduledMessages<Entry<T>>(clock, (entry) => {
      if (!this.closed) this.schedule(entry);
    });
    this.settings = {
      maxConcurrentSessions: options.maxConcurrentSessions ?? 8,
      maxDeliveryCount: options.maxDeliveryCount ?? 5,
      now: clock.now,
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
    this.assertOpen(message);
    if (this.store) throw new Error(`this local queue is durable: enqueue ${message.messageId}`);
    const now = this.settings.now();
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
    const entry = this.entryOf(message, this.settings.now());
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
    const loaded = await this.store.load(this.settings.now(), this.windowMs);
    const pending = loaded.pending as StoredMessage<T>[];
    this.dead.push(...(loaded.dead as DeadLetter<T>[]));
    let queued = 0;
    for (const message of pending) {
      this.lastSequence = Math.max(this.lastSequence, message.sequence);
      const entry: Entry<T> = { ...message, deliveries: message.deliveryCount, storeFailures: 0 };
      if (message.deliveryCount >= this.settings.maxDeliveryCount) {
        const reason = `the process stopped during delivery ${message.deliveryCount}, the last one allowed`;
        await this.store.deadLetter(message, this.letterOf(entry, reason));
        this.dead.push(this.letterOf(entry, reason));
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
    return [...this.dead];
  }

  /**
   * Messages accepted and not yet completed or dead-lettered (in flight included); scheduled
   * messages count once their time has come.
   */
  get size(): number {
    return this.queued;
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
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops delivering; resolves when the deliveries in flight have finished. */
  close(): Promise<void> {
    this.closed = true;
    this.held.close();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    return this.idle();
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
    if (!this.held.hold(entry)) this.schedule(entry);
  }

  private schedule(entry: Entry<T>): void {
    let session = this.sessions.get(entry.sessionId);
    if (!session) {
      session = { pending: [], busy: false };
      this.sessions.set(entry.sessionId, session);
    }
    session.pending.push(entry);
    this.queued += 1;
    if (!session.busy && session.pending.length === 1) this.ready.push(entry.sessionId);
    this.pump();
  }

  private letterOf(entry: Entry<T>, reason: string): DeadLetter<T> {
    const { body, messageId, sessionId, enqueuedTimeUtc } = entry;
    const deliveryCount = entry.deliveries;
    const deadLetteredAt = this.settings.now();
    return { body, messageId, sessionId, deliveryCount, reason, enqueuedTimeUtc, deadLetteredAt };
  }

  /**
   * Runs a store write until it succeeds; false when the queue closed first (what was to be
   * written is then redone by the next process, from what the store holds).
   */
  private async persist(
    entry: Entry<T>,
    doing: string,
    write: () => Promise<void>,
  ): Promise<boolean> {
    for (;;) {
      try {
        await write();
        entry.storeFailures = 0;
        return true;
      } catch (error) {
        if (this.closed) return false;
        entry.storeFailures += 1;
        const delay = storeRetryMs(entry.storeFailures);
        this.log(
          `local queue store: ${doing} ${entry.messageId} failed, trying again in ${delay} ms: ${String(error)}`,
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
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
    try {
      await this.attempt(session, entry);
    } finally {
      this.inFlight -= 1;
      this.pump();
      this.notifyIdle();
    }
  }

  private async attempt(session: Session<T>, entry: Entry<T>): Promise<void> {
    const { messageId, sessionId, enqueuedTimeUtc } = entry;
    const deliveryCount = entry.deliveries + 1;
    const what = `${messageId} (session ${sessionId}, delivery ${deliveryCount})`;
    if (this.store) {
      try {
        await this.store.delivering(stored(entry), deliveryCount);
        entry.storeFailures = 0;
      } catch (error) {
        // Not delivered: the store could not record it. The session waits and tries again.
        entry.storeFailures += 1;
        const delay = storeRetryMs(entry.storeFailures);
        this.log(
          `local queue store: recording ${what} failed, trying again in ${delay} ms: ${String(error)}`,
        );
        this.retryLater(session, sessionId, delay);
        return;
      }
    }
    entry.deliveries = deliveryCount;
    this.logDelivery(`delivering ${what}`);
    try {
      await this.handler(entry.body, { messageId, sessionId, deliveryCount, enqueuedTimeUtc });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (deliveryCount >= this.settings.maxDeliveryCount) {
        this.log(`dead-lettered ${what}: ${reason}`);
        const letter = this.letterOf(entry, reason);
        const { store } = this;
        if (store)
          await this.persist(entry, 'dead-lettering', () =>
            store.deadLetter(stored(entry), letter),
          );
        this.dead.push(letter);
        this.finish(session, entry);
      } else {
        const delay = Math.min(
          this.settings.maxMs,
          this.settings.initialMs * 2 ** (deliveryCount - 1),
        );
        this.log(`redelivering ${what} in ${delay} ms: ${reason}`);
        this.retryLater(session, sessionId, delay);
      }
      return;
    }
    this.logDelivery(`completed ${what}`);
    const { store } = this;
    if (store) await this.persist(entry, 'completing', () => store.complete(stored(entry)));
    this.finish(session, entry);
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

/** What the store keeps of an entry. */
function stored<T>(entry: Entry<T>): StoredMessage<T> {
  const { body, messageId, sessionId, sequence, enqueuedTimeUtc, scheduledEnqueueTimeUtc } = entry;
  const deliveryCount = entry.deliveries;
  return {
    body,
    messageId,
    sessionId,
    sequence,
    enqueuedTimeUtc,
    scheduledEnqueueTimeUtc,
    deliveryCount,
  };
}
