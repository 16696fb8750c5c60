import { randomUUID } from 'node:crypto';
import {
  isServiceBusError,
  ServiceBusClient,
  type ServiceBusMessage,
  type ServiceBusReceiver,
} from '@azure/service-bus';
import type { TokenCredential } from '@azure/identity';
import type {
  BusProbe,
  ProbeFailure,
  ProbeIdentity,
  ProbeResult,
} from '../../ports/doctorProbes.js';
import { tokenIdentity } from '../identity/identityPrincipal.js';
import { commonProbeFailure, oneLine, otherFailure } from '../probeFailure.js';
import {
  NOTIFICATIONS_SUBSCRIPTION,
  PROMOTION_EVENTS_TOPIC,
  PROMOTIONS_QUEUE,
  REGISTRY_EVENTS_QUEUE,
} from '../../domain/queueNames.js';

/** How the namespace is reached: as for `createServiceBusBus`. */
export interface ServiceBusDoctorProbeOptions {
  readonly namespace?: string | undefined;
  readonly connectionString?: string | undefined;
  readonly credential?: TokenCredential | undefined;
}

/** The session the receive check opens on the `promotions` queue (no repository has it). */
export const DOCTOR_SESSION = '~promoter-doctor';

/** How far ahead the send check schedules its message, which it cancels at once. */
const SCHEDULE_AHEAD_MS = 365 * 24 * 60 * 60 * 1000;

const SERVICE_BUS_SCOPE = 'https://servicebus.azure.net/.default';

/** One quick try, so that a wrong namespace is reported in seconds. */
const clientOptions = {
  retryOptions: { maxRetries: 1, retryDelayInMs: 300, timeoutInMs: 10_000 },
};

/**
 * Why a Service Bus call failed, as a probe failure. Checked in this order: identity and
 * connection problems (the SDK copies a system error's `syscall` and may rename ENOTFOUND to
 * MessagingEntityNotFound), then the Service Bus error code.
 */
export function serviceBusProbeFailure(error: unknown, entity: string): ProbeFailure {
  const common = commonProbeFailure(error);
  if (common) return { ...common, entity };
  const syscall = (error as { syscall?: unknown } | null)?.syscall;
  if (error instanceof Error && typeof syscall === 'string')
    return { kind: 'unreachable', answer: oneLine(`${syscall}: ${error.message}`), entity };
  if (isServiceBusError(error)) {
    const answer = oneLine(`${error.code}: ${error.message}`);
    switch (error.code) {
      case 'UnauthorizedAccess':
        return { kind: 'denied', status: 401, answer, entity };
      case 'MessagingEntityNotFound':
        return { kind: 'missing', answer, entity };
      case 'ServiceBusy':
      case 'ServiceTimeout':
      case 'ServiceCommunicationProblem':
      case 'SessionCannotBeLocked':
        return { kind: 'unavailable', answer, entity };
      default:
        return { kind: 'other', answer, entity };
    }
  }
  return { ...otherFailure(error), entity };
}

/** A step that peeks (never receives) one message with the receiver `open` gives, then closes it. */
const peek =
  (open: (client: ServiceBusClient) => ServiceBusReceiver | Promise<ServiceBusReceiver>) =>
  async (client: ServiceBusClient): Promise<void> => {
    const receiver = await open(client);
    try {
      await receiver.peekMessages(1);
    } finally {
      await receiver.close();
    }
  };

/** `Endpoint=sb://<host>/` of a connection string, or the namespace as given. */
function namespaceOf(options: ServiceBusDoctorProbeOptions): string {
  const fromString = /Endpoint=sb:\/\/([^/;]+)/i.exec(options.connectionString ?? '')?.[1];
  return (fromString ?? options.namespace ?? '')
    .replace(/^sb:\/\//i, '')
    .replace(/\/+$/, '')
    .trim();
}

/**
 * The `BusProbe` over `@azure/service-bus`: send rights by scheduling a message a year ahead
 * on the `promotions` queue and the `promotion-events` topic and cancelling it at once;
 * receive rights by peeking (never receiving) the queue (in the doctor's own session), the
 * `notifications` subscription and the `registry-events` queue: every entity a trigger reads. Each call opens its own connection and closes it.
 */
export function createServiceBusDoctorProbe(options: ServiceBusDoctorProbeOptions): BusProbe {
  const namespace = namespaceOf(options);
  const { connectionString, credential } = options;
  let connect: () => ServiceBusClient;
  if (connectionString) connect = () => new ServiceBusClient(connectionString, clientOptions);
  else if (namespace && credential)
    connect = () => new ServiceBusClient(namespace, credential, clientOptions);
  else
    throw new Error(
      'Service Bus doctor probe: give a connection string, or a namespace and a credential',
    );
  const setting = connectionString
    ? 'PROMOTER_SERVICEBUS_CONNECTION_STRING'
    : 'PROMOTER_SERVICEBUS_NAMESPACE';
  let identity: Promise<ProbeIdentity> | undefined;

  /** Runs the steps on one connection; the first failure names its entity. */
  const withClient = async (
    steps: readonly (readonly [string, (client: ServiceBusClient) => Promise<void>])[],
    detail: string,
  ): Promise<ProbeResult> => {
    const client = connect();
    try {
      for (const [entity, step] of steps) {
        try {
          await step(client);
        } catch (error) {
          return { ok: false, failure: serviceBusProbeFailure(error, entity) };
        }
      }
      return { ok: true, detail };
    } finally {
      await client.close().catch(() => undefined);
    }
  };

  const scheduleAndCancel =
    (entity: string, extra: Partial<ServiceBusMessage>) => async (client: ServiceBusClient) => {
      const sender = client.createSender(entity);
      try {
        const message: ServiceBusMessage = {
          body: { type: 'promoter.doctor' },
          messageId: randomUUID(),
          subject: 'promoter-doctor',
          ...extra,
        };
        const numbers = await sender.scheduleMessages(
          message,
          new Date(Date.now() + SCHEDULE_AHEAD_MS),
        );
        await sender.cancelScheduledMessages(numbers);
      } finally {
        await sender.close();
      }
    };

  return {
    target: namespace,
    setting,
    identity: () =>
      (identity ??=
        credential && !connectionString
          ? tokenIdentity(credential, SERVICE_BUS_SCOPE)
          : Promise.resolve({ kind: 'shared-key', setting })),

    send: () =>
      withClient(
        [
          [
            `queue ${PROMOTIONS_QUEUE}`,
            scheduleAndCancel(PROMOTIONS_QUEUE, { sessionId: DOCTOR_SESSION }),
          ],
          [`topic ${PROMOTION_EVENTS_TOPIC}`, scheduleAndCancel(PROMOTION_EVENTS_TOPIC, {})],
        ],
        `scheduled and cancelled a message on queue ${PROMOTIONS_QUEUE} and topic ${PROMOTION_EVENTS_TOPIC}`,
      ),

    receive: () =>
      withClient(
        [
          [
            `queue ${PROMOTIONS_QUEUE}`,
            peek((client) => client.acceptSession(PROMOTIONS_QUEUE, DOCTOR_SESSION)),
          ],
          [
            `subscription ${PROMOTION_EVENTS_TOPIC}/${NOTIFICATIONS_SUBSCRIPTION}`,
            peek((client) =>
              client.createReceiver(PROMOTION_EVENTS_TOPIC, NOTIFICATIONS_SUBSCRIPTION),
            ),
          ],
          [
            `queue ${REGISTRY_EVENTS_QUEUE}`,
            peek((client) => client.createReceiver(REGISTRY_EVENTS_QUEUE)),
          ],
        ],
        `peeked queue ${PROMOTIONS_QUEUE}, subscription ${PROMOTION_EVENTS_TOPIC}/${NOTIFICATIONS_SUBSCRIPTION} and queue ${REGISTRY_EVENTS_QUEUE}`,
      ),
  };
}
