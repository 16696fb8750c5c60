import type { OutcomeAnswer } from './apiAnswers.js';
import { CliError } from './cliError.js';
import type { PromoterApi } from './promoterApi.js';

/** How often `--wait` asks for the history. */
export const POLL_INTERVAL_MS = 250;

/** How many of the newest outcomes each poll reads: the sent message's is among them. */
const PAGE = 50;

/** What `--wait` saw: the outcome of the sent message, or none before the deadline. */
export type WaitResult =
  | { readonly kind: 'outcome'; readonly outcome: OutcomeAnswer }
  | {
      readonly kind: 'timed-out';
      /** The last reason a poll failed, if the last one did. */
      readonly lastProblem: string | undefined;
    };

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/**
 * Polls the repository's history until an outcome with `messageId` appears, or `timeoutMs`
 * passes. Failures that may pass (the host restarting, a 5xx, no history yet) are polled
 * through; any other failure (401, an answer that is not promoter's) is thrown at once.
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
    try {
      const { answer } = await api.history(repository, { limit: PAGE });
      const outcome = answer.outcomes.find((o) => o.messageId === messageId);
      if (outcome !== undefined) return { kind: 'outcome', outcome };
      lastProblem = undefined;
    } catch (error) {
      if (!(error instanceof CliError) || !error.transient) throw error;
      lastProblem = error.message;
    }
    const left = deadline - Date.now();
    if (left <= 0) return { kind: 'timed-out', lastProblem };
    await sleep(Math.min(intervalMs, left));
  }
}
