import type { RedeliveryPolicy } from '../../src/domain/redeliveryPolicy.js';

/**
 * The production redelivery policy compressed for tests: the same doubling pauses, in
 * milliseconds instead of minutes (20 ms to 200 ms), so a failing message is still redelivered
 * later rather than at once.
 */
export const FAST_REDELIVERY: RedeliveryPolicy = {
  firstPauseMs: 20,
  maxPauseMs: 200,
  invocationBudgetMs: 10_000,
};
