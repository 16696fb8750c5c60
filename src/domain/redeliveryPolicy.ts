/**
 * How a Service Bus–triggered function spaces out the redeliveries of a message it failed.
 * Service Bus gives an abandoned message back at once, so the function pauses before it
 * throws: the pause doubles from `firstPauseMs` to at most `maxPauseMs`, and the function
 * keeps the message (and its session) locked while it waits, so the message keeps its place
 * in its session and its message id (duplicate detection still applies).
 */
export interface RedeliveryPolicy {
  /** The pause after the first failed delivery; each further one doubles it. */
  readonly firstPauseMs: number;
  /** The longest pause. */
  readonly maxPauseMs: number;
  /**
   * How long one invocation (the attempt and its pause) may take: the pause is cut short to
   * stay within it. Below host.json's `maxAutoLockRenewalDuration` (the lock is renewed that
   * long) and its `functionTimeout`.
   */
  readonly invocationBudgetMs: number;
}

/**
 * 15 s, 30 s, 1 min, 2 min, then 3 min: with the `promotions` queue's 10 deliveries, 18 min
 * 45 s of pauses (`totalPauseMs`), so an outage of 10 minutes is ridden out with room to
 * spare; each invocation stays within 4 minutes, under host.json's 5-minute lock renewal and
 * function timeout.
 */
export const DEFAULT_REDELIVERY_POLICY: RedeliveryPolicy = {
  firstPauseMs: 15_000,
  maxPauseMs: 180_000,
  invocationBudgetMs: 240_000,
};

/**
 * The pause before giving back a message whose delivery `deliveryCount` failed after
 * `elapsedMs`. None on the last delivery (`maxDeliveryCount`): the message is dead-lettered,
 * not redelivered.
 */
export function redeliveryPauseMs(
  policy: RedeliveryPolicy,
  delivery: {
    readonly deliveryCount: number;
    readonly maxDeliveryCount: number;
    readonly elapsedMs: number;
  },
): number {
  const { deliveryCount, maxDeliveryCount, elapsedMs } = delivery;
  if (deliveryCount >= maxDeliveryCount) return 0;
  const pause = Math.min(
    policy.maxPauseMs,
    policy.firstPauseMs * 2 ** Math.max(deliveryCount - 1, 0),
  );
  return Math.max(0, Math.min(pause, policy.invocationBudgetMs - elapsedMs));
}

/**
 * The pauses of a message that fails every one of its `maxDeliveryCount` deliveries, added
 * up: the time to dead-letter less the attempts' own time. An outage shorter than this is
 * ridden out.
 */
export function totalPauseMs(policy: RedeliveryPolicy, maxDeliveryCount: number): number {
  let total = 0;
  for (let n = 1; n < maxDeliveryCount; n += 1)
    total += redeliveryPauseMs(policy, { deliveryCount: n, maxDeliveryCount, elapsedMs: 0 });
  return total;
}
