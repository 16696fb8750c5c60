import type { IncomingMessage, ServerResponse } from 'node:http';
import { isHttpFunction, type FunctionEntry } from '../functions/functionTable.js';
import { routePath } from '../functions/http/rootRoute.js';
import { readCapped, send, toHttpRequest } from './httpBridge.js';
import { invocationContext } from './invocationContext.js';
import type { LocalOutcomeLog } from './localOutcomeLog.js';
import type { LocalSessionQueue } from './localQueue.js';
import { matchRoute } from './matchRoute.js';

/** The Functions host's own limit is far above promoter's; this only bounds memory. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/** What the local-only routes show. */
export interface LocalRoutesState {
  readonly queue: Pick<LocalSessionQueue, 'deadLetters'>;
  readonly outcomes: Pick<LocalOutcomeLog, 'list'>;
}

/**
 * Answers one request as the Functions host would: the table's HTTP function whose route and
 * method match (routes are matched on the whole path, as in Azure with host.json's empty
 * routePrefix), 405 with `allow` for a known route, else 404 listing the routes. Plus the
 * local-only routes `GET /api/local/events` (outcomes) and `GET /api/local/deadletters`.
 */
export async function serveRequest(
  table: readonly FunctionEntry[],
  local: LocalRoutesState,
  req: IncomingMessage,
  res: ServerResponse,
  log: (line: string) => void,
): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  const method = (req.method ?? 'GET').toUpperCase();
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
    const answer = await entry.handler(
      toHttpRequest(req, url, body, params),
      invocationContext(entry.name, log),
    );
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
