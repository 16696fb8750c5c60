import type { HttpHandler, HttpMethod, InvocationContext } from '@azure/functions';
import {
  NOTIFICATIONS_SUBSCRIPTION,
  PROMOTION_EVENTS_TOPIC,
  PROMOTIONS_QUEUE,
  REGISTRY_EVENTS_QUEUE,
} from '../domain/queueNames.js';
import type { ServicesProvider } from '../composition/createServices.js';
import { approvals } from './approvals.js';
import { board } from './board.js';
import { chatSlack } from './chatSlack.js';
import { chatTeams } from './chatTeams.js';
import { health } from './health.js';
import { ROOT_ROUTE } from './http/rootRoute.js';
import { notifications } from './notifications.js';
import { promotions, type PromotionsOptions } from './promotions.js';
import { reconcile } from './reconcile.js';
import { reconcileTimer } from './reconcileTimer.js';
import { registryEvents } from './registryEvents.js';
import { registryWebhook } from './registryWebhook.js';
import { repositories } from './repositories.js';
import { retention } from './retention.js';
import { retentionTimer } from './retentionTimer.js';
import { sweepTimer } from './sweepTimer.js';

/** An HTTP entry point. */
export interface HttpFunction {
  readonly name: string;
  readonly trigger: {
    readonly type: 'http';
    readonly methods: readonly HttpMethod[];
    /**
     * The URL path without its leading `/`, in Azure Functions route-template syntax (`{*path}`
     * is a catch-all). host.json's `routePrefix` is empty, so the API's routes say `api/…`
     * themselves and the board can be served at `/` (`ROOT_ROUTE`).
     */
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

/** A timer entry point. */
export interface TimerFunction {
  readonly name: string;
  readonly trigger: {
    readonly type: 'timer';
    /**
     * NCRONTAB with seconds (`0 30 3 * * *`), or `%SETTING%`: the host reads the schedule from
     * that app setting (the local host falls back to `SCHEDULE_DEFAULTS`).
     */
    readonly schedule: string;
  };
  readonly handler: (timer: unknown, context: InvocationContext) => Promise<void>;
}

export type FunctionEntry = HttpFunction | QueueFunction | TopicFunction | TimerFunction;

export const isHttpFunction = (entry: FunctionEntry): entry is HttpFunction =>
  entry.trigger.type === 'http';

export const isTimerFunction = (entry: FunctionEntry): entry is TimerFunction =>
  entry.trigger.type === 'timer';

const http = (
  name: string,
  methods: readonly HttpMethod[],
  route: string,
  authLevel: HttpFunction['trigger']['authLevel'],
  handler: HttpHandler,
): HttpFunction => ({ name, trigger: { type: 'http', methods, route, authLevel }, handler });

/** Service Bus triggers use the identity-based connection `ServiceBusConnection__…`. */
const connection = 'ServiceBusConnection';

/** Options of the entry points; Azure uses the defaults, tests shorten the redelivery pauses. */
export interface FunctionTableOptions {
  /** How Service Bus–triggered functions space out redeliveries (`DEFAULT_REDELIVERY_POLICY`). */
  readonly redelivery?: PromotionsOptions['redelivery'];
}

/**
 * The single list of entry points. The Azure registration (`index.ts`) loops over it, the
 * local host serves it, and a test asserts it.
 */
export function functionTable(
  getServices: ServicesProvider,
  options: FunctionTableOptions = {},
): readonly FunctionEntry[] {
  return [
    http(
      'registryWebhook',
      ['POST'],
      'api/hooks/registry',
      'function',
      registryWebhook(getServices),
    ),
    http(
      'repositories',
      ['GET'],
      'api/repositories/{*path}',
      'function',
      repositories(getServices),
    ),
    // The pipeline board (HTML). In Azure it is opened with a function key (`/?code=…`).
    http('board', ['GET'], ROOT_ROUTE, 'function', board(getServices)),
    // The same board at `/board`: the root route is a community workaround (see ROOT_ROUTE);
    // where a host keeps `/` for its own landing page, this URL still opens the board.
    http('boardPage', ['GET'], 'board', 'function', board(getServices, '/board')),
    http('approvals', ['POST'], 'api/approvals', 'function', approvals(getServices)),
    {
      name: 'promotions',
      trigger: {
        type: 'serviceBusQueue',
        queueName: PROMOTIONS_QUEUE,
        connection,
        isSessionsEnabled: true,
      },
      handler: promotions(getServices, { redelivery: options.redelivery }),
    },
    // Slack cannot send a function key: the request is authenticated by its signature.
    http('chatSlack', ['POST'], 'api/chat/slack', 'anonymous', chatSlack(getServices)),
    // Teams cannot send a function key: the request is authenticated by its HMAC.
    http('chatTeams', ['POST'], 'api/chat/teams', 'anonymous', chatTeams(getServices)),
    {
      name: 'notifications',
      trigger: {
        type: 'serviceBusTopic',
        topicName: PROMOTION_EVENTS_TOPIC,
        subscriptionName: NOTIFICATIONS_SUBSCRIPTION,
        connection,
      },
      handler: notifications(getServices),
    },
    // Runs retention now (dry run or for real); `promoter retention` calls it.
    http('retention', ['POST'], 'api/retention', 'function', retention(getServices)),
    // The doctor's checks with the app's identity (read-only; ?full=true: all): 200, else 503.
    http('health', ['GET'], 'api/health', 'function', health(getServices)),
    {
      // Deletes old builds that never went past the first stage (off unless PROMOTER_RETENTION_DAYS).
      name: 'retentionTimer',
      trigger: { type: 'timer', schedule: '%PROMOTER_RETENTION_SCHEDULE%' },
      handler: retentionTimer(getServices),
    },
    {
      // Registry events from Event Grid (Azure): the same push flow as registryWebhook, once per
      // registry event id. No sessions: Event Grid cannot deliver to a session-enabled queue.
      name: 'registryEvents',
      trigger: {
        type: 'serviceBusQueue',
        queueName: REGISTRY_EVENTS_QUEUE,
        connection,
        isSessionsEnabled: false,
      },
      handler: registryEvents(getServices, { redelivery: options.redelivery }),
    },
    // Compares the registry with the ledger now (dry run or for real); `promoter reconcile` calls it.
    http('reconcileNow', ['POST'], 'api/reconcile', 'function', reconcile(getServices)),
    {
      // Heals what no registry event reported (off with PROMOTER_RECONCILE_ENABLED=false).
      name: 'reconcile',
      trigger: { type: 'timer', schedule: '%PROMOTER_RECONCILE_SCHEDULE%' },
      handler: reconcileTimer(getServices),
    },
    {
      // Removes event markers and replay rows past their window (PROMOTER_MARKER_DAYS); never the history.
      name: 'sweep',
      trigger: { type: 'timer', schedule: '%PROMOTER_SWEEP_SCHEDULE%' },
      handler: sweepTimer(getServices),
    },
  ];
}
