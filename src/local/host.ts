import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { servicesFrom, type ServicesProvider } from '../composition/createServices.js';
import type { OutcomeEvent } from '../domain/outcomeEvent.js';
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
import { serveRequest } from './serveRequest.js';

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
 */
export async function startLocalHost(options: {
  port: number;
  env: Record<string, string | undefined>;
  host?: string;
  log?: Log;
  /** Redelivery backoff of the stand-in queue (tests and benchmarks shorten it). */
  queueBackoffMs?: number;
  /** Deliveries before a subscription dead-letters an outcome (10, as in Azure; tests lower it). */
  subscriptionMaxDeliveryCount?: number;
}): Promise<LocalHost> {
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
  const maxDeliveryCount = Number(options.env.PROMOTER_MAX_DELIVERY_COUNT ?? '5') || 5;
  const queue = new LocalSessionQueue(
    async (body, info) => {
      const entry = table.find(isPromotionsQueueFunction);
      if (!entry) throw new Error('no queue function in the function table');
      await entry.handler(body, invocationContext(entry.name, log, { ...info }));
    },
    {
      maxDeliveryCount,
      ...(options.queueBackoffMs !== undefined
        ? { backoff: { initialMs: options.queueBackoffMs } }
        : {}),
      log,
    },
  );
  const getServices: ServicesProvider = servicesFrom(options.env, {
    approvals: new LocalPromotionQueue(queue),
    publisher: outcomes,
  });
  table = functionTable(getServices);
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
    context: (entry) => invocationContext(entry.name, log),
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
