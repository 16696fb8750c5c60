import type { InvocationContext } from '@azure/functions';
import type { ServicesProvider } from '../composition/createServices.js';
import { ValidationError } from '../domain/errors.js';
import { parseOutcomeEvent } from '../domain/outcomeEventSchema.js';
import { redeliveryPauseMs, type RedeliveryPolicy } from '../domain/redeliveryPolicy.js';
import { serviceBusBody } from './serviceBusBody.js';

/** Options of the notifications function. */
export interface NotificationsOptions {
  /**
   * How long to wait before giving a failed message back to Service Bus, by delivery count.
   * Service Bus redelivers an abandoned message at once, so without a pause the subscription's
   * deliveries would all be spent within a short chat outage or rate limit. Default: 1 s
   * doubling to 30 s (well inside the one-minute message lock).
   */
  readonly retryDelayMs?: (deliveryCount: number) => number;
}

/** 1 s doubling to 30 s: a chat outage or rate limit is short; the subscription has 10 deliveries. */
const NOTIFICATIONS_REDELIVERY: RedeliveryPolicy = {
  firstPauseMs: 1000,
  maxPauseMs: 30_000,
  invocationBudgetMs: 50_000,
};

// The subscription's maxDeliveryCount is not the app's setting: every delivery pauses.
const defaultRetryDelay = (deliveryCount: number) =>
  redeliveryPauseMs(NOTIFICATIONS_REDELIVERY, {
    deliveryCount,
    maxDeliveryCount: Number.POSITIVE_INFINITY,
    elapsedMs: 0,
  });

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The `promotion-events` topic trigger (subscription `notifications`): posts each outcome to
 * chat through `services.notifier`. A body that is not an outcome event is logged and
 * completed (no retry can fix it). A failed post is logged and thrown after a short pause,
 * so Service Bus redelivers the event and dead-letters it after the subscription's
 * `maxDeliveryCount`. The promotion itself is already recorded: nothing here can undo it.
 */
export function notifications(getServices: ServicesProvider, options: NotificationsOptions = {}) {
  const retryDelayMs = options.retryDelayMs ?? defaultRetryDelay;
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const meta = context.triggerMetadata ?? {};
    const deliveryCount = Number(meta.deliveryCount ?? 1);
    const serviceBusMessageId = typeof meta.messageId === 'string' ? meta.messageId : undefined;
    let event;
    try {
      event = parseOutcomeEvent(serviceBusBody(message));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      context.error('not an outcome event; completed without a notification', {
        serviceBusMessageId,
        problems: error.issues,
      });
      return;
    }
    const fields = {
      repository: event.repository,
      stage: event.stage,
      outcome: event.outcome,
      messageId: event.messageId,
      eventId: event.id,
      deliveryCount,
    };
    try {
      const services = await getServices();
      await services.notifier.notify(event);
      context.info(`notification of ${event.outcome} posted`, fields);
    } catch (error) {
      const delay = retryDelayMs(deliveryCount);
      context.error('notification failed; Service Bus will redeliver the event', {
        ...fields,
        reason: error instanceof Error ? error.message : String(error),
        retryInMs: delay,
      });
      await sleep(delay);
      throw error;
    }
  };
}
