import type { OutcomeEvent } from '../domain/outcomeEvent.js';
import type { OutcomePublisher } from '../ports/outcomePublisher.js';

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
  /** Called once per new outcome: the local host logs it and hands it to the subscriptions. */
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
