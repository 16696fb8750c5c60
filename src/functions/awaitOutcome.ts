import type { OutcomeSignal } from '../composition/outcomeSignal.js';
import type { OutcomeEvent } from '../domain/outcomeEvent.js';
import type { PromotionLedger } from '../ports/promotionLedger.js';

/** How often a wait reads the ledger: the first pause, doubling up to the longest. */
export interface ReadBackoff {
  readonly firstMs: number;
  readonly maxMs: number;
}

/**
 * 50 ms doubling to 500 ms: an outcome recorded by another instance is seen within half a
 * second, at about 2 point reads a second (a 30 s wait costs about 65 reads, each one
 * transaction of the cheapest kind).
 */
export const DEFAULT_READ_BACKOFF: ReadBackoff = { firstMs: 50, maxMs: 500 };

/**
 * The outcome recorded for `messageId`, waiting up to `waitMs` for it: one point read of the
 * ledger (`getOutcome`) at once, then more with a backoff, until one finds it or the wait is
 * over (undefined). `signal` wakes the wait early when this process records the outcome; it is
 * watched before each read, so an outcome recorded between a read and the pause is not missed.
 */
export async function awaitOutcome(
  deps: {
    readonly promotions: PromotionLedger;
    readonly outcomeSignal?: OutcomeSignal | undefined;
  },
  repository: string,
  messageId: string,
  waitMs: number,
  backoff: ReadBackoff = DEFAULT_READ_BACKOFF,
): Promise<OutcomeEvent | undefined> {
  const deadline = Date.now() + waitMs;
  let pause = backoff.firstMs;
  for (;;) {
    const watch = waitMs > 0 ? deps.outcomeSignal?.watch(repository, messageId) : undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const found = await deps.promotions.getOutcome(repository, messageId);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await Promise.race([
        new Promise<void>((resolve) => {
          // Unref'd: a wait does not keep a host that is shutting down alive.
          timer = setTimeout(resolve, Math.min(pause, left)).unref();
        }),
        ...(watch === undefined ? [] : [watch.recorded]),
      ]);
    } finally {
      clearTimeout(timer);
      watch?.cancel();
    }
    pause = Math.min(pause * 2, backoff.maxMs);
  }
}
