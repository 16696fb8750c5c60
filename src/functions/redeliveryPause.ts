import type { InvocationContext } from '@azure/functions';
import {
  DEFAULT_REDELIVERY_POLICY,
  redeliveryPauseMs,
  type RedeliveryPolicy,
} from '../domain/redeliveryPolicy.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What a Service Bus–triggered function knows about the delivery that failed. */
export interface FailedDelivery {
  readonly deliveryCount: number;
  /** The queue's (or subscription's) maxDeliveryCount. */
  readonly maxDeliveryCount: number;
  /** When the invocation started (`performance.now()`). */
  readonly startedAt: number;
}

/** The delivery count of a Service Bus trigger's metadata (1 when it is missing). */
export function deliveryCountOf(context: InvocationContext): number {
  return Number(context.triggerMetadata?.deliveryCount ?? 1) || 1;
}

/**
 * The pause `policy` gives a failed delivery (see `RedeliveryPolicy`), and what waits it out:
 * any Service Bus–triggered function logs `pauseMs`, awaits `wait()` and then throws, so
 * Service Bus redelivers the message later rather than at once. No pause on the last
 * delivery.
 */
export function planRedelivery(
  delivery: FailedDelivery,
  policy: RedeliveryPolicy = DEFAULT_REDELIVERY_POLICY,
): { readonly pauseMs: number; wait(): Promise<void> } {
  const elapsedMs = performance.now() - delivery.startedAt;
  const pauseMs = Math.round(redeliveryPauseMs(policy, { ...delivery, elapsedMs }));
  return { pauseMs, wait: () => (pauseMs > 0 ? sleep(pauseMs) : Promise.resolve()) };
}
