import { TransientError } from '../domain/errors.js';
import type { OutcomeEvent } from '../domain/outcomeEvent.js';
import type { Notifier } from '../ports/notifier.js';

/** Options of `notifyWithRetries`. */
export interface NotifyRetryOptions {
  /** How many posts in all, the first included; 5 by default. */
  readonly attempts?: number;
  /** Pause before the first retry, doubling after each; 200 ms by default. */
  readonly backoffMs?: number;
  /** Where retries and the final failure are reported (the local host's log). */
  readonly log: (line: string) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The local host's stand-in for the `notifications` subscription: notifies, retrying a
 * transient failure (429, 5xx, network, timeout) with a doubling backoff, and logs the final
 * failure. A non-transient failure (a 4xx: a bad webhook) is logged and not retried.
 *
 * Never rejects: a notification never blocks or undoes a promotion. Call it without awaiting
 * (`void notifyWithRetries(…)`); the promise settles once the notification is posted or given
 * up, which tests and shutdown may await.
 */
export async function notifyWithRetries(
  notifier: Notifier,
  event: OutcomeEvent,
  options: NotifyRetryOptions,
): Promise<void> {
  const attempts = Math.max(1, Math.floor(options.attempts ?? 5));
  const backoffMs = options.backoffMs ?? 200;
  const what = `notification of ${event.outcome} ${event.repository} ${event.stage} (message ${event.messageId})`;
  const log = (line: string) => {
    try {
      options.log(line);
    } catch {
      // Logging must not turn into a rejection either.
    }
  };
  for (let attempt = 1; ; attempt += 1) {
    try {
      await notifier.notify(event);
      if (attempt > 1) log(`${what} posted on attempt ${attempt}`);
      return;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (!(error instanceof TransientError)) {
        log(`${what} failed, not retried: ${reason}`);
        return;
      }
      if (attempt >= attempts) {
        log(`${what} failed; gave up after ${attempt} attempts: ${reason}`);
        return;
      }
      const delay = backoffMs * 2 ** (attempt - 1);
      log(`${what} failed (attempt ${attempt} of ${attempts}), retrying in ${delay} ms: ${reason}`);
      await sleep(delay);
    }
  }
}
