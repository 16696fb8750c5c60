import {
  ServiceBusClient,
  type ServiceBusClientOptions,
  type ServiceBusMessage,
  type ServiceBusSender,
} from '@azure/service-bus';
import type { TokenCredential } from '@azure/identity';
import type { PromotionQueue } from '../../ports/promotionQueue.js';
import type { OutcomePublisher } from '../../ports/outcomePublisher.js';
import { serviceBusFailure, type ServiceBusOperation } from './serviceBusErrors.js';
import { approvalToServiceBusMessage, outcomeToServiceBusMessage } from './serviceBusMessages.js';
import { PROMOTION_EVENTS_TOPIC, PROMOTIONS_QUEUE } from '../../domain/queueNames.js';
import { messageTarget } from '../../domain/promotionMessage.js';

/** How to reach the Service Bus namespace: a connection string, or a namespace and an identity. */
export interface ServiceBusBusOptions {
  /** The namespace host, `<ns>.servicebus.windows.net` (identity-based connections). */
  readonly namespace?: string | undefined;
  /** A connection string (`Endpoint=sb://…;SharedAccessKeyName=…`); used when set. */
  readonly connectionString?: string | undefined;
  /** The identity for `namespace`; the caller passes `new DefaultAzureCredential()`. */
  readonly credential?: TokenCredential | undefined;
}

/** The Service Bus side of promoter: approvals out to the queue, outcomes out to the topic. */
export interface ServiceBusBus {
  readonly approvals: PromotionQueue;
  readonly outcomes: OutcomePublisher;
  /** Closes the senders and the connection; later sends fail. */
  close(): Promise<void>;
}

/**
 * Few, short SDK retries, so an outage surfaces within seconds as a TransientError (and the
 * platform retries the whole invocation) instead of holding an HTTP request for minutes.
 */
const clientOptions: ServiceBusClientOptions = {
  retryOptions: {
    maxRetries: 2,
    retryDelayInMs: 300,
    maxRetryDelayInMs: 2000,
    timeoutInMs: 10_000,
  },
};

/** The host of a connection string's `Endpoint=sb://<host>/`, for error messages. */
function endpointHost(connectionString: string): string | undefined {
  return /Endpoint=sb:\/\/([^/;]+)/i.exec(connectionString)?.[1];
}

/** `sb://ns.servicebus.windows.net/` → `ns.servicebus.windows.net`. */
function namespaceHost(namespace: string): string {
  return namespace
    .trim()
    .replace(/^sb:\/\//i, '')
    .replace(/\/+$/, '');
}

/** How to build the client (on first use), and the namespace host to name in errors. */
function clientFactory(options: ServiceBusBusOptions): {
  readonly create: () => ServiceBusClient;
  readonly namespace: string | undefined;
} {
  const connectionString = options.connectionString?.trim();
  if (connectionString)
    return {
      create: () => new ServiceBusClient(connectionString, clientOptions),
      namespace: endpointHost(connectionString),
    };
  const namespace = options.namespace ? namespaceHost(options.namespace) : undefined;
  const { credential } = options;
  if (namespace && credential)
    return {
      create: () => new ServiceBusClient(namespace, credential, clientOptions),
      namespace,
    };
  throw new Error(
    'Service Bus: set a connection string, or a namespace (<ns>.servicebus.windows.net) with a credential',
  );
}

/**
 * Service Bus adapters for `PromotionQueue` (queue `promotions`) and `OutcomePublisher`
 * (topic `promotion-events`). Options are checked now; the client and each sender are
 * created on first use, so building the bus costs nothing when it is not used. Errors are
 * mapped by `serviceBusFailure`.
 */
export function createServiceBusBus(options: ServiceBusBusOptions): ServiceBusBus {
  const factory = clientFactory(options);
  const shownNamespace = factory.namespace;
  let client: ServiceBusClient | undefined;
  const senders = new Map<string, ServiceBusSender>();
  let closed = false;

  const senderFor = (entity: string): ServiceBusSender => {
    if (closed) throw new Error(`Service Bus: the connection is closed`);
    client ??= factory.create();
    let sender = senders.get(entity);
    if (!sender) {
      sender = client.createSender(entity);
      senders.set(entity, sender);
    }
    return sender;
  };

  const send = async (
    operation: ServiceBusOperation,
    message: ServiceBusMessage,
  ): Promise<void> => {
    try {
      await senderFor(operation.entity.name).sendMessages(message);
    } catch (error) {
      throw serviceBusFailure(operation, error);
    }
  };

  /**
   * Opens the sender's link, and with it the connection and its sign-in (the SDK opens links
   * lazily: creating a batch needs the link's maximum message size). One open at a time per
   * entity; once open, a no-op.
   */
  const opening = new Map<string, Promise<void>>();
  const open = (operation: ServiceBusOperation): Promise<void> => {
    const entity = operation.entity.name;
    let started = opening.get(entity);
    if (!started) {
      started = (async () => {
        try {
          await senderFor(entity).createMessageBatch();
        } catch (error) {
          opening.delete(entity);
          throw serviceBusFailure(operation, error);
        }
      })();
      opening.set(entity, started);
    }
    return started;
  };

  return {
    approvals: {
      send: (message) =>
        send(
          {
            doing: `sending ${message.type} ${message.id} for ${message.repository} (${messageTarget(message)})`,
            entity: { kind: 'queue', name: PROMOTIONS_QUEUE },
            namespace: shownNamespace,
          },
          approvalToServiceBusMessage(message),
        ),
      // Scheduled enqueue: the message becomes visible at `at` (a soak's end).
      schedule: async (message, at) => {
        const operation: ServiceBusOperation = {
          doing: `scheduling ${message.type} ${message.id} for ${message.repository} at ${at.toISOString()}`,
          entity: { kind: 'queue', name: PROMOTIONS_QUEUE },
          namespace: shownNamespace,
        };
        try {
          await senderFor(PROMOTIONS_QUEUE).scheduleMessages(
            approvalToServiceBusMessage(message),
            at,
          );
        } catch (error) {
          throw serviceBusFailure(operation, error);
        }
      },
      prepare: () =>
        open({
          doing: 'opening the connection to the promotions queue',
          entity: { kind: 'queue', name: PROMOTIONS_QUEUE },
          namespace: shownNamespace,
        }),
    },
    outcomes: {
      publish: (event) =>
        send(
          {
            doing: `publishing ${event.outcome} outcome ${event.id} for ${event.repository} (${event.stage})`,
            entity: { kind: 'topic', name: PROMOTION_EVENTS_TOPIC },
            namespace: shownNamespace,
          },
          outcomeToServiceBusMessage(event),
        ),
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...senders.values()].map((sender) => sender.close()));
      senders.clear();
      await client?.close();
    },
  };
}
