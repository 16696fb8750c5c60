import functions from '@azure/functions';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { servicesFrom, type ServicesProvider } from '../composition/createServices.js';
import {
  functionTable,
  isHttpFunction,
  isTimerFunction,
  type FunctionEntry,
  type QueueFunction,
} from '../functions/functionTable.js';
import { routePath } from '../functions/http/rootRoute.js';
import { readCapped, send, toHttpRequest } from './httpBridge.js';
import { LocalPromotionQueue, LocalOutcomeLog } from './localBus.js';
import { notifyWithRetries } from './localNotifications.js';
import { LocalSessionQueue } from './localQueue.js';
import { startTimers } from './localTimers.js';
import { matchRoute } from './matchRoute.js';

const { InvocationContext } = functions;

/** The Functions host's own limit is far above promoter's; this only bounds memory. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

export interface LocalHost {
  readonly url: string;
  readonly port: number;
  /** The stand-in for the `promotions` queue (idle(), deadLetters()). */
  readonly queue: LocalSessionQueue;
  /** Outcome events published (the stand-in for the `promotion-events` topic). */
  readonly outcomes: LocalOutcomeLog;
  close(): Promise<void>;
}

type Log = (line: string) => void;

const format = (arg: unknown) => (typeof arg === 'string' ? arg : JSON.stringify(arg));

function context(entry: FunctionEntry, log: Log, triggerMetadata?: Record<string, unknown>) {
  return new InvocationContext({
    invocationId: randomUUID(),
    functionName: entry.name,
    ...(triggerMetadata ? { triggerMetadata } : {}),
    logHandler: (level, ...args) => {
      log(`[${entry.name}] ${level}: ${args.map(format).join(' ')}`);
    },
  });
}

/**
 * The whole pipeline in one process: the function table served on
 * `http://127.0.0.1:<port>/…` (the board at `/`, the API under `/api/`) with the same routes
 * and handlers as Azure (real `@azure/functions` request and context objects), and a stand-in
 * for the `promotions` Service Bus queue that delivers to the same queue handler with Service
 * Bus semantics. Function keys do not exist locally; the handlers' own authentication applies.
 * Local-only routes: `GET /api/local/events` (outcomes), `GET /api/local/deadletters`.
 */
export async function startLocalHost(options: {
  port: number;
  env: Record<string, string | undefined>;
  host?: string;
  log?: Log;
  /** Redelivery backoff of the stand-in queue (tests and benchmarks shorten it). */
  queueBackoffMs?: number;
}): Promise<LocalHost> {
  const log: Log =
    options.log ??
    ((line) => {
      console.log(line);
    });
  // The stand-in for the topic's `notifications` subscription: post to chat in the background,
  // retrying a few times; a notification never blocks or undoes a promotion.
  const outcomes = new LocalOutcomeLog({
    onEvent: (e) => {
      log(
        `outcome ${e.outcome}: ${e.repository} ${e.stage} ${e.tags?.join(',') ?? ''} ${e.reason ?? ''}`,
      );
      // Events arrive only once the host serves, after getServices below is set.
      void getServices().then((s) => notifyWithRetries(s.notifier, e, { log }));
    },
  });
  let table: readonly FunctionEntry[] = [];
  const promotionsEntry = () =>
    table.find((e): e is QueueFunction => e.trigger.type === 'serviceBusQueue');
  const maxDeliveryCount = Number(options.env.PROMOTER_MAX_DELIVERY_COUNT ?? '5') || 5;
  const queue = new LocalSessionQueue(
    async (body, info) => {
      const entry = promotionsEntry();
      if (!entry) throw new Error('no queue function in the function table');
      await entry.handler(body, context(entry, log, { ...info }));
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
  // Timer functions run on their schedules (a bad PROMOTER_*_SCHEDULE throws here, named).
  const timers = startTimers(table.filter(isTimerFunction), {
    env: options.env,
    log,
    context: (entry) => context(entry, log),
  });
  const server = createServer((req, res) => {
    serve(table, { queue, outcomes }, req, res, log).catch((error: unknown) => {
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
    close: async () => {
      await timers.close();
      await queue.close();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      });
    },
  };
}

async function serve(
  table: readonly FunctionEntry[],
  local: { queue: LocalSessionQueue; outcomes: LocalOutcomeLog },
  req: IncomingMessage,
  res: ServerResponse,
  log: Log,
): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  const method = (req.method ?? 'GET').toUpperCase();
  // Routes are matched on the whole path, as in Azure with host.json's empty routePrefix.
  const path = url.pathname.slice(1);
  if (method === 'GET' && path === 'api/local/events') {
    const repository = url.searchParams.get('repository') ?? undefined;
    await send(res, {
      jsonBody: { events: local.outcomes.list(repository ? { repository } : {}) },
    });
    return;
  }
  if (method === 'GET' && path === 'api/local/deadletters') {
    await send(res, { jsonBody: { deadLetters: local.queue.deadLetters() } });
    return;
  }
  const allowed: string[] = [];
  for (const entry of table.filter(isHttpFunction)) {
    const params = matchRoute(entry.trigger.route, path);
    if (!params) continue;
    if (!entry.trigger.methods.some((m) => m === method)) {
      allowed.push(...entry.trigger.methods);
      continue;
    }
    const body = await readCapped(req, MAX_REQUEST_BYTES);
    if (body === undefined) {
      await send(res, { status: 413 });
      return;
    }
    const started = performance.now();
    const answer = await entry.handler(toHttpRequest(req, url, body, params), context(entry, log));
    const status = await send(res, answer);
    log(`${method} ${url.pathname} → ${status} (${(performance.now() - started).toFixed(1)} ms)`);
    return;
  }
  if (allowed.length > 0) {
    await send(res, { status: 405, headers: { allow: allowed.join(', ') } });
    return;
  }
  await send(res, {
    status: 404,
    jsonBody: {
      status: 404,
      title: 'Not Found',
      routes: [
        ...table
          .filter(isHttpFunction)
          .map((e) => `${e.trigger.methods.join('|')} ${routePath(e.trigger.route)}`),
        'GET /api/local/events',
        'GET /api/local/deadletters',
      ],
    },
  });
}
