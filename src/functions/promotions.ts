import type { InvocationContext } from '@azure/functions';
import { announceDeadLetter } from '../app/promotion/announceDeadLetter.js';
import { handlePromotionMessage } from '../app/promotion/handlePromotionMessage.js';
import type { Services, ServicesProvider } from '../composition/createServices.js';
import { isSlackResponseUrl } from '../domain/chatReply.js';
import type { OutcomeEvent } from '../domain/outcomeEvent.js';
import type { RedeliveryPolicy } from '../domain/redeliveryPolicy.js';
import { deliveryCountOf, planRedelivery } from './redeliveryPause.js';
import { serviceBusBody } from './serviceBusBody.js';

/** The message's `replyTo` (Slack's `response_url` of the command or click), if it has one. */
function replyToOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('replyTo' in body)) return undefined;
  const { replyTo } = body;
  return typeof replyTo === 'string' && isSlackResponseUrl(replyTo) ? replyTo : undefined;
}

/**
 * Posts the outcome to the user who queued the message from Slack, before the message is
 * completed (work after an invocation returns is not guaranteed to run). Best effort: the
 * channel gets the outcome from the notifications function anyway, so a failure is logged and
 * the message still completes.
 */
async function replyToChat(
  services: Services,
  url: string | undefined,
  outcome: OutcomeEvent,
  context: InvocationContext,
): Promise<void> {
  if (url === undefined) return;
  try {
    await services.replies.reply(url, outcome);
    context.info('outcome posted to the Slack user who asked', { messageId: outcome.messageId });
  } catch (error) {
    context.warn('could not post the outcome to the Slack user who asked (the channel has it)', {
      messageId: outcome.messageId,
      reason: error instanceof Error ? error.message : String(error),
    });
  }
}

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
 * silent. A message queued from Slack
 * carries the command's `response_url` (`replyTo`): the outcome is posted there too, to the
 * user who asked.
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
      await replyToChat(services, replyToOf(body), outcome, context);
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
