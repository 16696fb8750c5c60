import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTablesClient } from '../adapters/tables/tablesClient.js';
import { servicesFrom, type ServicesProvider } from '../composition/createServices.js';
import { settingsSchema } from '../composition/settingsSchema.js';
import type { OutcomeEvent } from '../domain/outcomeEvent.js';
import type { RedeliveryPolicy } from '../domain/redeliveryPolicy.js';
import {
  PROMOTION_EVENTS_TOPIC,
  PROMOTIONS_QUEUE,
  REGISTRY_EVENTS_QUEUE,
} from '../domain/queueNames.js';
import {
  functionTable,
  isTimerFunction,
  type FunctionEntry,
  type QueueFunction,
  type TopicFunction,
} from '../functions/functionTable.js';
import { invocationContext } from './invocationContext.js';
import { LocalOutcomeLog } from './localOutcomeLog.js';
import { LocalPromotionQueue } from './localPromotionQueue.js';
import { LocalSessionQueue } from './localQueue.js';
import { LocalSubscription } from './localSubscription.js';
import { startTimers } from './localTimers.js';
import { timerClock, type QueueClock } from './scheduledMessages.js';
import { serveRequest } from './serveRequest.js';
import { TablesQueueStore } from './tablesQueueStore.js';

export interface LocalHost {
  readonly url: string;
  readonly port: number;
  /** The stand-in for the `promotions` queue (idle(), deadLetters()). */
  readonly queue: LocalSessionQueue;
  /** Outcome events published (the stand-in for the `promotion-events` topic). */
  readonly outcomes: LocalOutcomeLog;
  /**
   * The stand-ins for the topic's subscriptions, one per topic function of the table
   * (`notifications`): each published outcome is delivered to that function.
   */
  readonly subscriptions: readonly LocalSubscription<OutcomeEvent>[];
  /**
   * The stand-in for the `registry-events` queue, delivering to the `registryEvents` function
   * (a queue without sessions, like a subscription). Nothing feeds it locally: there is no
   * Event Grid; tests send Event Grid events to it to run that function as Azure would.
   */
  readonly registryEvents: LocalSubscription;
  close(): Promise<void>;
}

type Log = (line: string) => void;

/** The table of a durable local `promotions` queue: `<PROMOTER_TABLE_PREFIX>localqueue`. */
export function localQueueTable(env: Readonly<Record<string, string | undefined>>): string {
  return `${settingsSchema.shape.PROMOTER_TABLE_PREFIX.parse(env.PROMOTER_TABLE_PREFIX)}localqueue`;
}

const queueFunction =
  (queueName: string) =>
  (e: FunctionEntry): e is QueueFunction =>
    e.trigger.type === 'serviceBusQueue' && e.trigger.queueName === queueName;
const isPromotionsQueueFunction = queueFunction(PROMOTIONS_QUEUE);
const isRegistryEventsFunction = queueFunction(REGISTRY_EVENTS_QUEUE);
const isOutcomeTopicFunction = (e: FunctionEntry): e is TopicFunction =>
  e.trigger.type === 'serviceBusTopic' && e.trigger.topicName === PROMOTION_EVENTS_TOPIC;

/**
 * The whole pipeline in one process: the function table served on
 * `http://127.0.0.1:<port>/…` (the board at `/`, the API under `/api/`) with the same routes
 * and handlers as Azure (real `@azure/functions` request and context objects), a stand-in
 * for the `promotions` Service Bus queue that delivers to the same queue handler with Service
 * Bus semantics, and one for each subscription of the `promotion-events` topic that delivers
 * each outcome to its topic function (`notifications`) the same way. Function keys do not
 * exist locally; the handlers' own authentication applies.
 * Local-only routes: `GET /api/local/events` (outcomes), `GET /api/local/deadletters`.
 *
 * With `durableQueue` the `promotions` stand-in keeps its messages in a table of the ledger's
 * table service (Azurite): a message is stored before its send resolves (so a 202 means
 * stored), and the messages a previous host left (killed, or stopped mid-delivery) are
 * delivered again, in order, before this one serves. Without it they live in memory.
 */
export async function startLocalHost(options: {
  port: number;
  env: Record<string, string | undefined>;
  host?: string;
  log?: Log;
  /**
   * The stand-in queue's own pause before a redelivery: none by default, as Service Bus gives
   * an abandoned message back at once (the function's `redelivery` policy pauses instead).
   */
  queueBackoffMs?: number;
  /** How the queue functions space out redeliveries (tests shorten it); Azure's by default. */
  redelivery?: RedeliveryPolicy;
  /**
   * Keep the `promotions` stand-in in this table of PROMOTER_TABLES_CONNECTION_STRING
   * (`localQueueTable(env)` when `table` is left out); in memory without it. Two hosts must
   * not share one table.
   */
  durableQueue?: { readonly table?: string | undefined };
  /** Deliveries before a subscription dead-letters an outcome (10, as in Azure; tests lower it). */
  subscriptionMaxDeliveryCount?: number;
  /**
   * The host's clock: the services' `clock`, the timers' and the `promotions` stand-in's (whose
   * wake-ups release scheduled messages, such as the re-evaluation at the end of a soak).
   * Tests pass one they move; the system's by default.
   */
  clock?: QueueClock;
}): Promise<LocalHost> {
  const clock = options.clock ?? timerClock();
  const log: Log =
    options.log ??
    ((line) => {
      console.log(line);
    });
  const subscriptions: LocalSubscription<OutcomeEvent>[] = [];
  const outcomes = new LocalOutcomeLog({
    onEvent: (e) => {
      log(
        `outcome ${e.outcome}: ${e.repository} ${e.stage} ${e.tags?.join(',') ?? ''} ${e.reason ?? ''}`,
      );
      // The topic's message id is the event's id, as the Service Bus adapter sends it.
      // Events arrive only once the host serves, after the subscriptions below exist.
      for (const subscription of subscriptions) subscription.send(e, e.id);
    },
  });
  let table: readonly FunctionEntry[] = [];
  const maxDeliveryCount = Number(options.env.PROMOTER_MAX_DELIVERY_COUNT ?? '10') || 10;
  const store = options.durableQueue && durableStore(options.env, options.durableQueue.table);
  const queue = new LocalSessionQueue(
    async (body, info) => {
      const entry = table.find(isPromotionsQueueFunction);
      if (!entry) throw new Error('no queue function in the function table');
      await entry.handler(body, invocationContext(entry.name, log, { ...info }));
    },
    {
      maxDeliveryCount,
      backoff: { initialMs: options.queueBackoffMs ?? 0 },
      log,
      store,
      clock,
    },
  );
  const localApprovals = new LocalPromotionQueue(queue);
  const getServices: ServicesProvider = servicesFrom(options.env, {
    approvals: localApprovals,
    publisher: outcomes,
    clock: { now: clock.now },
  });
  table = functionTable(getServices, { redelivery: options.redelivery });
  for (const entry of table.filter(isOutcomeTopicFunction)) {
    const { subscriptionName } = entry.trigger;
    subscriptions.push(
      new LocalSubscription<OutcomeEvent>(
        subscriptionName,
        // A topic subscription has no session: its trigger metadata carries none.
        (event, info) => entry.handler(event, invocationContext(entry.name, log, { ...info })),
        {
          maxDeliveryCount: options.subscriptionMaxDeliveryCount,
          log: (line) => {
            log(`subscription ${subscriptionName}: ${line}`);
          },
        },
      ),
    );
  }
  const registryEvents = new LocalSubscription(
    REGISTRY_EVENTS_QUEUE,
    (body, info) => {
      const entry = table.find(isRegistryEventsFunction);
      if (!entry) throw new Error('no registryEvents function in the function table');
      return entry.handler(body, invocationContext(entry.name, log, { ...info }));
    },
    {
      maxDeliveryCount,
      log: (line) => {
        log(`queue ${REGISTRY_EVENTS_QUEUE}: ${line}`);
      },
    },
  );
  // Timer functions run on their schedules (a bad PROMOTER_*_SCHEDULE throws here, named).
  const timers = startTimers(table.filter(isTimerFunction), {
    env: options.env,
    log,
    now: clock.now,
    context: (entry) => invocationContext(entry.name, log),
  });
  // What a previous host left is queued before anything new (the function table exists).
  await queue.restore().catch(async (error: unknown) => {
    await timers.close();
    throw error;
  });
  const server = createServer((req, res) => {
    serveRequest(table, { queue, outcomes }, req, res, log).catch((error: unknown) => {
      log(`local host: ${String(error)}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', resolve);
  }).catch(async (error: unknown) => {
    await timers.close();
    await queue.close();
    throw error;
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    port,
    queue,
    outcomes,
    subscriptions,
    registryEvents,
    close: async () => {
      await timers.close();
      // Registry events in flight may still ask for promotions: they settle first.
      await registryEvents.close();
      // The promotions in flight publish their outcomes before the subscriptions close.
      await queue.close();
      for (const subscription of subscriptions) await subscription.close();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      });
    },
  };
}

/** The durable queue's store: a table of the ledger's table service. */
function durableStore(
  env: Readonly<Record<string, string | undefined>>,
  table: string | undefined,
): TablesQueueStore {
  const connectionString = env.PROMOTER_TABLES_CONNECTION_STRING?.trim();
  if (connectionString === undefined || connectionString === '')
    throw new Error(
      'the durable local queue needs PROMOTER_TABLES_CONNECTION_STRING (Azurite): it is kept in a table',
    );
  return new TablesQueueStore(
    createTablesClient({ connectionString, tableName: table ?? localQueueTable(env) }),
  );
}
