import type { OutcomeEvent } from '../domain/outcomeEvent.js';

/** Announces outcomes on the `promotion-events` topic. At least once: `id` dedupes. */
export interface OutcomePublisher {
  publish: (event: OutcomeEvent) => Promise<void>;
}
