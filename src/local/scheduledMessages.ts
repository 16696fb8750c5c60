/** The local queue's clock: the time, and a wake-up when it reaches a time. */
export interface QueueClock {
  readonly now: () => Date;
  /**
   * Calls `wake` once, when this clock has reached `at` (never synchronously); the returned
   * function cancels it.
   */
  readonly wakeAt: (at: Date, wake: () => void) => () => void;
}

/** setTimeout takes at most 2^31 − 1 ms (about 24.8 days); longer waits are re-armed. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * A clock read from `now` (the system's by default) whose wake-ups are timers: each fires
 * when `now` says the time has come, re-armed if it has not (a `now` that lags real time).
 * Timers are unref'd: a pending wake-up does not keep the process alive.
 */
export function timerClock(now: () => Date = () => new Date()): QueueClock {
  return {
    now,
    wakeAt(at, wake) {
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        const delay = Math.min(Math.max(at.getTime() - now().getTime(), 0), MAX_DELAY_MS);
        timer = setTimeout(() => {
          if (now().getTime() >= at.getTime()) wake();
          else arm();
        }, delay);
        timer.unref();
      };
      arm();
      return () => {
        clearTimeout(timer);
      };
    },
  };
}

/**
 * Messages sent with a `scheduledEnqueueTimeUtc` ahead of the clock, held until it comes (as
 * Service Bus keeps a scheduled message invisible until its enqueue time) and then handed to
 * `due`. Only the holding: what is held is stored by the queue, which holds it again after a
 * restart.
 */
export class ScheduledMessages<E extends { readonly scheduledEnqueueTimeUtc?: Date | undefined }> {
  private readonly cancels = new Map<E, () => void>();

  constructor(
    private readonly clock: QueueClock,
    private readonly due: (entry: E) => void,
  ) {}

  /** Holds `entry` if its time is still ahead (true); false when it is due now. */
  hold(entry: E): boolean {
    const at = entry.scheduledEnqueueTimeUtc;
    if (at === undefined || at.getTime() <= this.clock.now().getTime()) return false;
    this.cancels.set(
      entry,
      this.clock.wakeAt(at, () => {
        if (!this.cancels.delete(entry)) return;
        this.due(entry);
      }),
    );
    return true;
  }

  /** Messages held for later. */
  get size(): number {
    return this.cancels.size;
  }

  /** Stops every wake-up (the queue is closing; a durable queue's store still has them). */
  close(): void {
    for (const cancel of this.cancels.values()) cancel();
    this.cancels.clear();
  }
}
