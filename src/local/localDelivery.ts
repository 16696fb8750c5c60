import type {
  DeadLetter,
  QueueMessage,
  QueueStore,
  SessionMessageHandler,
  StoredMessage,
} from './queueMessages.js';

/** Pause between tries of a store write that failed (the store is down): 100 ms doubling to 5 s. */
export const storeRetryMs = (failures: number) =>
  Math.min(5000, 100 * 2 ** Math.max(failures - 1, 0));

export interface Settings {
  readonly maxConcurrentSessions: number;
  readonly maxDeliveryCount: number;
  readonly initialMs: number;
  readonly maxMs: number;
  readonly now: () => Date;
}

export interface Entry<T> extends QueueMessage<T> {
  readonly enqueuedTimeUtc: Date;
  readonly sequence: number;
  /** Deliveries so far. */
  deliveries: number;
  /** Store writes that failed in a row (the store is down). */
  storeFailures: number;
}

export interface Session<T> {
  readonly pending: Entry<T>[];
  /** A delivery is in flight or waits out its backoff: nothing else of the session may go. */
  busy: boolean;
}

/**
 * The delivering half of `LocalSessionQueue`: its sessions, one message at a time each and in
 * order, up to `maxConcurrentSessions` at once; redelivery with backoff, dead-lettering, and
 * each delivery and completion recorded in the store (when there is one) before it counts.
 */
export class SessionDelivery<T> {
  private readonly sessions = new Map<string, Session<T>>();
  /** Sessions with a message ready to go, in arrival order (round robin between sessions). */
  private readonly ready: string[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly dead: DeadLetter<T>[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private queued = 0;
  private inFlight = 0;
  private closed = false;

  constructor(
    private readonly handler: SessionMessageHandler<T>,
    private readonly settings: Settings,
    private readonly store: QueueStore<unknown> | undefined,
    private readonly log: (line: string) => void,
    private readonly logDelivery: (line: string) => void,
  ) {}

  /** Messages in sessions and not yet completed or dead-lettered (in flight included). */
  get size(): number {
    return this.queued;
  }

  /** The dead-lettered messages, oldest first. */
  deadLetters(): readonly DeadLetter<T>[] {
    return [...this.dead];
  }

  /** Keeps dead letters read back from the store, or made while restoring. */
  addDead(...letters: DeadLetter<T>[]): void {
    this.dead.push(...letters);
  }

  /** Resolves when nothing is queued or in flight (after `close()`: nothing in flight). */
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

  /** Puts an accepted message in its session, behind the session's earlier ones. */
  schedule(entry: Entry<T>): void {
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

  letterOf(entry: Entry<T>, reason: string): DeadLetter<T> {
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
export function stored<T>(entry: Entry<T>): StoredMessage<T> {
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
