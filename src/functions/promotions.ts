import type { InvocationContext } from '@azure/functions';
import { announceDeadLetter } from '../app/promotion/announceDeadLetter.js';
import { handlePromotionMessage } from '../app/promotion/handlePromotionMessage.js';
import type { ServicesProvider } from '../composition/createServices.js';
import type { RedeliveryPolicy } from '../domain/redeliveryPolicy.js';
import { deliveryCountOf, planRedelivery } from './redeliveryPause.js';
import { serviceBusBody } from './serviceBusBody.js';

/** Options of the promotions function. */
export interface PromotionsOptions {
  /** How failed deliveries are spaced out; `DEFAULT_REDELIVERY_POLICY` unless given. */
  readonly redelivery?: RedeliveryPolicy | undefined;
}

/**
 * The `promotions` queue trigger (sessions on: one message at a time per repository): an
 * approval, a rollback or an unpin (`handlePromotionMessage`). Returns when the message is
 * settled (promoted, pending, rolled-back, unpinned or rejected: it is completed); throws a
 * transient failure so Service Bus redelivers it, after the redelivery policy's pause (taken
 * with the session locked, so the repository's later messages wait their turn). On the last
 * delivery before dead-lettering it announces `failed` first, so a stuck promotion is never
 * silent.
 */
export function promotions(getServices: ServicesProvider, options: PromotionsOptions = {}) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const startedAt = performance.now();
    const services = await getServices();
    const meta = context.triggerMetadata ?? {};
    const deliveryCount = deliveryCountOf(context);
    const { maxDeliveryCount } = services.config;
    const body = serviceBusBody(message);
    try {
      const outcome = await handlePromotionMessage(body, services);
      context.info(`promotion ${outcome.outcome}`, {
        messageId: outcome.messageId,
        repository: outcome.repository,
        stage: outcome.stage,
        version: outcome.version,
        digest: outcome.digest,
        tags: outcome.tags,
        reason: outcome.reason,
        deliveryCount,
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const redelivery = planRedelivery(
        { deliveryCount, maxDeliveryCount, startedAt },
        options.redelivery,
      );
      context.error('promotion attempt failed; Service Bus will redeliver', {
        reason,
        deliveryCount,
        maxDeliveryCount,
        retryInMs: redelivery.pauseMs,
      });
      await redelivery.wait();
      if (deliveryCount >= maxDeliveryCount) {
        const messageId = typeof meta.messageId === 'string' ? meta.messageId : undefined;
        const report = await announceDeadLetter(
          body,
          { reason, deliveryCount, messageId },
          services,
        );
        if (report.notAnnounced !== undefined)
          context.error('could not announce the failure', { reason: report.notAnnounced });
        if (report.notRecorded !== undefined)
          context.error('could not record the failure in the history', {
            reason: report.notRecorded,
          });
      }
      throw error;
    }
  };
}
