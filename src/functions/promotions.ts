import type { InvocationContext } from '@azure/functions';
import { handlePromotionMessage } from '../app/promotion/handlePromotionMessage.js';
import { failedOutcome } from '../app/promotion/promotionOutcome.js';
import type { ServicesProvider } from '../composition/createServices.js';
import { repositoryProblem } from '../domain/imageReference.js';

/** The history key of a dead-lettered message: one per message and delivery count. */
export function deadLetterId(messageId: string, deliveryCount: number): string {
  return `dead-letter:${deliveryCount}:${messageId}`;
}

/** Service Bus delivers a JSON body parsed, or as text when its content type was not JSON. */
function bodyOf(message: unknown): unknown {
  if (typeof message !== 'string') return message;
  try {
    return JSON.parse(message) as unknown;
  } catch {
    return message;
  }
}

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
    const body = bodyOf(message);
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
        const failed = failedOutcome(
          body,
          `gave up after ${deliveryCount} deliveries; the message goes to the dead-letter queue: ${reason}`,
          services.clock.now(),
          messageId,
        );
        await services.publisher.publish(failed).catch((e: unknown) => {
          context.error('could not announce the failure', { reason: String(e) });
        });
        // Kept in the history under its own id (not the message's, so that a message sent
        // again from the dead-letter queue is handled afresh): the board lists it.
        if (repositoryProblem(failed.repository) === undefined)
          await services.promotions
            .appendHistory(failed.repository, {
              ...failed,
              id: `dead-letter-${failed.id}`,
              messageId: deadLetterId(failed.messageId, deliveryCount),
            })
            .catch((e: unknown) => {
              context.error('could not record the failure in the history', { reason: String(e) });
            });
      }
      throw error;
    }
  };
}
