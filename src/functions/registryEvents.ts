import type { InvocationContext } from '@azure/functions';
import { handleRegistryEvents } from '../app/push/handleRegistryEvents.js';
import type { ServicesProvider } from '../composition/createServices.js';
import { ValidationError } from '../domain/errors.js';
import { parseEventGridEvent } from '../domain/eventGridEvents.js';
import type { RedeliveryPolicy } from '../domain/redeliveryPolicy.js';
import { logRegistryReports } from './logRegistryReports.js';
import { deliveryCountOf, planRedelivery } from './redeliveryPause.js';
import { serviceBusBody } from './serviceBusBody.js';

/**
 * The `registry-events` queue trigger: one registry event per message, as Event Grid delivers
 * ACR's ImagePushed and ImageDeleted events (CloudEvents 1.0 or the Event Grid schema). The
 * event's `data` goes to the same push use case as the webhook, keyed on the registry's event
 * id (`data.id`), so a push that arrives here and by the webhook, or twice by either, is
 * recorded once and asks for its automatic promotion under one message id.
 *
 * Settlement: returning completes the message. A failure to handle it (ledger, registry, queue)
 * is thrown after the redelivery policy's pause, so Service Bus redelivers it later rather
 * than at once and an outage of minutes is ridden out. A malformed message is thrown too, as a
 * ValidationError naming the field: the trigger cannot dead-letter a message itself, and
 * completing it would drop the only copy of the event, so it is redelivered until the queue's
 * maxDeliveryCount and then dead-lettered, where it stays for an operator to read (and to
 * resubmit should the parser have been wrong). Nothing is written for it on any delivery.
 */
export function registryEvents(
  getServices: ServicesProvider,
  options: { readonly redelivery?: RedeliveryPolicy | undefined } = {},
) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const startedAt = performance.now();
    const services = await getServices();
    const meta = context.triggerMetadata ?? {};
    const deliveryCount = deliveryCountOf(context);
    const messageId = typeof meta.messageId === 'string' ? meta.messageId : undefined;
    const { maxDeliveryCount } = services.config;
    const last = deliveryCount >= maxDeliveryCount;
    let delivery;
    try {
      delivery = parseEventGridEvent(serviceBusBody(message));
    } catch (error) {
      if (error instanceof ValidationError)
        context.error(
          `malformed registry event, nothing recorded: ${last ? 'Service Bus now dead-letters it' : `Service Bus dead-letters it after delivery ${maxDeliveryCount}`} (registry-events/$deadletterqueue)`,
          { reason: error.message, messageId, deliveryCount },
        );
      throw error;
    }
    if (delivery.kind === 'other-event') {
      context.warn('Event Grid event ignored', {
        eventType: delivery.eventType,
        eventGridId: delivery.eventGridId,
        reason: delivery.reason,
      });
      return;
    }
    try {
      const reports = await handleRegistryEvents([delivery.event], {
        ...services,
        defaultRegistry: services.config.registry,
      });
      logRegistryReports(context, reports);
    } catch (error) {
      const redelivery = planRedelivery(
        { deliveryCount, maxDeliveryCount, startedAt },
        options.redelivery,
      );
      context.error(
        last
          ? 'registry event failed on its last delivery; Service Bus dead-letters it (the reconciler records the build from the registry)'
          : 'registry event failed; Service Bus will redeliver',
        {
          reason: error instanceof Error ? error.message : String(error),
          eventId: delivery.event.id,
          eventType: delivery.eventType,
          messageId,
          deliveryCount,
          retryInMs: redelivery.pauseMs,
        },
      );
      await redelivery.wait();
      throw error;
    }
  };
}
