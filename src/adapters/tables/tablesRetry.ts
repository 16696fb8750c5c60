import { TransientError } from '../../domain/errors.js';
import { isWriteConflict } from './tablesErrors.js';

/** How often a write that lost a race is re-read and retried before giving up. */
export const DEFAULT_MAX_ATTEMPTS = 10;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` (read, decide, write with ETags) until it does not lose a race: a 409 or 412
 * from its write re-runs it after a short, jittered, growing pause. After `maxAttempts`
 * lost races throws a `TransientError` (the platform retries later). Other errors propagate
 * unchanged.
 */
export async function retryOnConflict<T>(
  doing: string,
  attempt: () => Promise<T>,
  maxAttempts: number = DEFAULT_MAX_ATTEMPTS,
): Promise<T> {
  for (let n = 1; ; n += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!isWriteConflict(error)) throw error;
      if (n >= maxAttempts)
        throw new TransientError(
          `${doing}: gave up after ${maxAttempts} attempts: concurrent writes to the ledger kept conflicting`,
          { cause: error },
        );
      // Full jitter spreads the racers out, so each round fewer of them collide.
      await sleep(Math.random() * Math.min(1000, 20 * 2 ** n));
    }
  }
}
