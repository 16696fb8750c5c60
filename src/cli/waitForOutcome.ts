import type { OutcomeAnswer } from './apiAnswers.js';
import { CliError } from './cliError.js';
import type { PromoterApi } from './promoterApi.js';

/** How long `--wait` pauses after a failed request before asking again. */
export const POLL_INTERVAL_MS = 250;

/**
 * The longest wait one request asks the host to hold (`?wait=`; the host allows 60 s): a
 * longer `--wait` asks again, so no request comes near the 230 s after which Azure's front end
 * cuts it off.
 */
export const REQUEST_WAIT_MS = 30_000;

/** What `--wait` saw: the outcome of the sent message, or none before the deadline. */
export type WaitResult =
  | { readonly kind: 'outcome'; readonly outcome: OutcomeAnswer }
  | {
      readonly kind: 'timed-out';
      /** The last reason a request failed, if the last one did. */
      readonly lastProblem: string | undefined;
    };

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/**
 * Asks the host for the outcome of `messageId` (`GET …/outcomes/{messageId}?wait=`), which it
 * answers as soon as the outcome is recorded or when the wait is over, until there is one or
 * `timeoutMs` passes. Failures that may pass (the host restarting, a 5xx, a 404 while it starts)
 * are retried `intervalMs` later; any other failure (401, an answer that is not promoter's) is
 * thrown at once.
 */
export async function waitForOutcome(
  api: PromoterApi,
  repository: string,
  messageId: string,
  timeoutMs: number,
  intervalMs: number = POLL_INTERVAL_MS,
): Promise<WaitResult> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem: string | undefined;
  for (;;) {
    const asked = Math.min(Math.max(deadline - Date.now(), 0), REQUEST_WAIT_MS);
    const sent = Date.now();
    let pause: boolean;
    try {
      const outcome = await api.outcome(repository, messageId, asked);
      if (outcome !== undefined) return { kind: 'outcome', outcome };
      lastProblem = undefined;
      // A host that held the request for less than asked (an older one holds none): pause.
      pause = Date.now() - sent < asked;
    } catch (error) {
      if (!(error instanceof CliError) || !error.transient) throw error;
      lastProblem = error.message;
      pause = true;
    }
    const left = deadline - Date.now();
    if (left <= 0) return { kind: 'timed-out', lastProblem };
    if (pause) await sleep(Math.min(intervalMs, left));
  }
}
