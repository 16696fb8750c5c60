import { z } from 'zod';
import { ValidationError } from './errors.js';
import { parseRegistryEvent, type RegistryEvent } from './registryEvents.js';
import { parseWith } from './zodIssues.js';

/**
 * Azure Container Registry events as Event Grid delivers them to the `registry-events` Service
 * Bus queue: one event per message, the body is the event object (not an array), in either
 * delivery schema a subscription can pick, CloudEvents 1.0 or the Event Grid schema. In both,
 * `data` is the registry's own event, the same object the registry's webhook posts, and
 * `data.id` is the registry's event id: the key that makes the same push arriving by Event Grid
 * and by the webhook count once. Pure parsing.
 */

const SUBJECT = 'Event Grid event';

/** The registry's event types (ACR publishes these four to its system topic). */
export const REGISTRY_EVENT_TYPES: ReadonlySet<string> = new Set([
  'Microsoft.ContainerRegistry.ImagePushed',
  'Microsoft.ContainerRegistry.ImageDeleted',
  'Microsoft.ContainerRegistry.ChartPushed',
  'Microsoft.ContainerRegistry.ChartDeleted',
]);

const required = (what: string) => z.string().min(1, `an Event Grid event needs ${what}`);

const cloudEvent = z.looseObject({
  specversion: z.literal('1.0', { error: 'must be "1.0" (CloudEvents 1.0)' }),
  id: required('an id'),
  type: required('a type'),
  source: required('a source'),
  data: z.unknown(),
});

const eventGridEvent = z.looseObject({
  id: required('an id'),
  eventType: required('an eventType'),
  subject: z.string(),
  eventTime: z.string(),
  dataVersion: z.string(),
  data: z.unknown(),
});

/** Which of the two delivery schemas a message used. */
export type EventGridSchema = 'CloudEvents 1.0' | 'Event Grid';

/** What one `registry-events` message holds. */
export type EventGridDelivery =
  /** A registry event: `event.id` is the registry's event id (`data.id`). */
  | {
      readonly kind: 'registry-event';
      readonly schema: EventGridSchema;
      /** Event Grid's own id for the event (not the registry's). */
      readonly eventGridId: string;
      readonly eventType: string;
      readonly event: RegistryEvent;
    }
  /** An event of another source or type: acknowledged, not acted on. */
  | {
      readonly kind: 'other-event';
      readonly schema: EventGridSchema;
      readonly eventGridId: string;
      readonly eventType: string;
      readonly reason: string;
    };

/**
 * Parses the body of one `registry-events` message (already JSON-decoded). Throws a
 * ValidationError naming the field (`data.target.digest`, `specversion`, …) when the body is
 * neither schema or its registry event is malformed.
 */
export function parseEventGridEvent(body: unknown): EventGridDelivery {
  if (Array.isArray(body))
    throw new ValidationError(SUBJECT, [
      {
        path: '',
        message:
          'a registry-events message holds one event object, not an array (Event Grid delivers one event per Service Bus message)',
      },
    ]);
  if (typeof body !== 'object' || body === null)
    throw new ValidationError(SUBJECT, [
      { path: '', message: 'must be a JSON object: one Event Grid event' },
    ]);
  const envelope = readEnvelope(body);
  const { schema, eventGridId, eventType, data } = envelope;
  if (!REGISTRY_EVENT_TYPES.has(eventType))
    return {
      kind: 'other-event',
      schema,
      eventGridId,
      eventType,
      reason: `${eventType} is not a container registry event`,
    };
  return {
    kind: 'registry-event',
    schema,
    eventGridId,
    eventType,
    event: parseRegistryEvent(data, 'data', SUBJECT),
  };
}

function readEnvelope(body: object): {
  schema: EventGridSchema;
  eventGridId: string;
  eventType: string;
  data: unknown;
} {
  if ('specversion' in body) {
    const e = parseWith(cloudEvent, SUBJECT, body);
    return { schema: 'CloudEvents 1.0', eventGridId: e.id, eventType: e.type, data: e.data };
  }
  if ('eventType' in body) {
    const e = parseWith(eventGridEvent, SUBJECT, body);
    return { schema: 'Event Grid', eventGridId: e.id, eventType: e.eventType, data: e.data };
  }
  throw new ValidationError(SUBJECT, [
    {
      path: '',
      message:
        'neither a CloudEvents 1.0 event (specversion, type) nor an Event Grid schema event (eventType)',
    },
  ]);
}
