import type { HttpHandler, HttpMethod, InvocationContext } from '@azure/functions';
import {
  NOTIFICATIONS_SUBSCRIPTION,
  PROMOTION_EVENTS_TOPIC,
  PROMOTIONS_QUEUE,
} from '../adapters/servicebus/serviceBusNames.js';
import type { ServicesProvider } from '../composition.js';
import { approvals } from './approvals.js';
import { chatSlack } from './chatSlack.js';
import { chatTeams } from './chatTeams.js';
import { notifications } from './notifications.js';
import { promotions } from './promotions.js';
import { registryWebhook } from './registryWebhook.js';
import { repositories } from './repositories.js';

/** An HTTP entry point. */
export interface HttpFunction {
  readonly name: string;
  readonly trigger: {
    readonly type: 'http';
    readonly methods: readonly HttpMethod[];
    /** Route under `/api`, in Azure Functions route-template syntax (`{*path}` is a catch-all). */
    readonly route: string;
    /** `function`: Azure requires a function key (`?code=` or `x-functions-key`). */
    readonly authLevel: 'anonymous' | 'function' | 'admin';
  };
  readonly handler: HttpHandler;
}

/** A Service Bus queue entry point. */
export interface QueueFunction {
  readonly name: string;
  readonly trigger: {
    readonly type: 'serviceBusQueue';
    readonly queueName: string;
    /** App-setting prefix of the identity-based connection (`<name>__fullyQualifiedNamespace`). */
    readonly connection: string;
    readonly isSessionsEnabled: boolean;
  };
  readonly handler: (message: unknown, context: InvocationContext) => Promise<void>;
}

/** A Service Bus topic subscription entry point. */
export interface TopicFunction {
  readonly name: string;
  readonly trigger: {
    readonly type: 'serviceBusTopic';
    readonly topicName: string;
    readonly subscriptionName: string;
    readonly connection: string;
  };
  readonly handler: (message: unknown, context: InvocationContext) => Promise<void>;
}

export type FunctionEntry = HttpFunction | QueueFunction | TopicFunction;

export const isHttpFunction = (entry: FunctionEntry): entry is HttpFunction =>
  entry.trigger.type === 'http';

/**
 * The single list of entry points. The Azure registration (`index.ts`) loops over it, the
 * local host serves it, and a test asserts it.
 */
export function functionTable(getServices: ServicesProvider): readonly FunctionEntry[] {
  return [
    {
      name: 'registryWebhook',
      trigger: { type: 'http', methods: ['POST'], route: 'hooks/registry', authLevel: 'function' },
      handler: registryWebhook(getServices),
    },
    {
      name: 'repositories',
      trigger: {
        type: 'http',
        methods: ['GET'],
        route: 'repositories/{*path}',
        authLevel: 'function',
      },
      handler: repositories(getServices),
    },
    {
      name: 'approvals',
      trigger: { type: 'http', methods: ['POST'], route: 'approvals', authLevel: 'function' },
      handler: approvals(getServices),
    },
    {
      name: 'promotions',
      trigger: {
        type: 'serviceBusQueue',
        queueName: PROMOTIONS_QUEUE,
        connection: 'ServiceBusConnection',
        isSessionsEnabled: true,
      },
      handler: promotions(getServices),
    },
    {
      // Slack cannot send a function key: the request is authenticated by its signature.
      name: 'chatSlack',
      trigger: { type: 'http', methods: ['POST'], route: 'chat/slack', authLevel: 'anonymous' },
      handler: chatSlack(getServices),
    },
    {
      // Teams cannot send a function key: the request is authenticated by its HMAC.
      name: 'chatTeams',
      trigger: { type: 'http', methods: ['POST'], route: 'chat/teams', authLevel: 'anonymous' },
      handler: chatTeams(getServices),
    },
    {
      name: 'notifications',
      trigger: {
        type: 'serviceBusTopic',
        topicName: PROMOTION_EVENTS_TOPIC,
        subscriptionName: NOTIFICATIONS_SUBSCRIPTION,
        connection: 'ServiceBusConnection',
      },
      handler: notifications(getServices),
    },
  ];
}
