import type { OutcomeEvent } from '../domain/outcomeEvent.js';

/**
 * Posts an outcome back to the one chat user whose command or click queued it (Slack's
 * `response_url`, ephemeral). Best effort: the outcome is also announced to the channel by the
 * notifier, so a failed reply is logged by the caller and never retried or thrown further.
 * `url` is a capability: never logged.
 */
export interface ChatReplies {
  reply: (url: string, event: OutcomeEvent) => Promise<void>;
}
