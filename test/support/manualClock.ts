import type { QueueClock } from '../../src/local/scheduledMessages.js';

/**
 * A clock that stands still until a test moves it: `advance` fires the wake-ups that came
 * due (each on a later turn of the event loop, as a timer would).
 */
export class ManualClock implements QueueClock {
  private time: number;
  private readonly wakeups = new Set<{ at: number; wake: () => void }>();

  constructor(start: Date = new Date()) {
    this.time = start.getTime();
  }

  readonly now = (): Date => new Date(this.time);

  readonly wakeAt = (at: Date, wake: () => void): (() => void) => {
    const wakeup = { at: at.getTime(), wake };
    this.wakeups.add(wakeup);
    if (wakeup.at <= this.time) this.fireDue();
    return () => {
      this.wakeups.delete(wakeup);
    };
  };

  /** Wake-ups waiting for a later time. */
  get waiting(): number {
    return this.wakeups.size;
  }

  /** Moves the clock on by `ms` and fires what came due. */
  advance(ms: number): void {
    this.time += ms;
    this.fireDue();
  }

  private fireDue(): void {
    for (const wakeup of [...this.wakeups].filter((w) => w.at <= this.time)) {
      this.wakeups.delete(wakeup);
      setImmediate(wakeup.wake);
    }
  }
}
