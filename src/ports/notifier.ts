import type { OutcomeEvent } from '../domain/outcomeEvent.js';

/**
 * Posts outcome notifications to chat (Slack Block Kit, Teams Adaptive Card). A failed post
 * throws (`TransientError` for 429/5xx/network) so the caller retries it; it never affects
 * the promotion, which is already recorded.
 */
export interface Notifier {
  notify: (event: OutcomeEvent) => Promise<void>;
}
