import type { InvocationContext } from '@azure/functions';
import { announceDeadLetter } from '../app/promotion/announceDeadLetter.js';
import { handlePromotionMessage } from '../app/promotion/handlePromotionMessage.js';
import type { ServicesProvider } from '../composition/createServices.js';
import { serviceBusBody } from './serviceBusBody.js';

/**
 * The `promotions` queue trigger (sessions on: one message at a time per repository): an
 * approval, a rollback or an unpin (`handlePromotionMessage`). Returns when the message is
 * settled (promoted, pending, rolled-back, unpinned or rejected: it is completed); throws a
 * transient failure so Service Bus redelivers it. On the last delivery before dead-lettering
 * it announces `failed` first, so a stuck promotion is never silent.
 */
export function promotions(getServices: ServicesProvider) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const services = await getServices();
    const meta = context.triggerMetadata ?? {};
    const deliveryCount = Number(meta.deliveryCount ?? 1);
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
      context.error('promotion attempt failed; Service Bus will redeliver', {
        reason,
        deliveryCount,
      });
      if (deliveryCount >= services.config.maxDeliveryCount) {
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
