import functions from '@azure/functions';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { servicesFrom } from '../composition.js';
import { functionTable, type FunctionEntry } from '../functions/functionTable.js';
import { matchRoute } from './matchRoute.js';

const { HttpRequest, HttpResponse, InvocationContext } = functions;

/** The Functions host's own limit is far above promoter's; this only bounds memory. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

export interface LocalHost {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves the function table on `http://127.0.0.1:<port>/api/…` with the same routes and
 * handlers as Azure, through real `@azure/functions` request and context objects. Function
 * keys do not exist locally; the handlers' own authentication (the webhook secret) applies.
 */
export async function startLocalHost(options: {
  port: number;
  env: Record<string, string | undefined>;
  host?: string;
  log?: (line: string) => void;
}): Promise<LocalHost> {
  const log =
    options.log ??
    ((line: string) => {
      console.log(line);
    });
  const table = functionTable(servicesFrom(options.env));
  const server = createServer((req, res) => {
    serve(table, req, res, log).catch((error: unknown) => {
      log(`local host: ${String(error)}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

async function serve(
  table: readonly FunctionEntry[],
  req: IncomingMessage,
  res: ServerResponse,
  log: (line: string) => void,
) {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  const method = (req.method ?? 'GET').toUpperCase();
  const path = url.pathname.startsWith('/api/') ? url.pathname.slice('/api/'.length) : undefined;
  let allowed: string[] = [];
  for (const entry of table) {
    const params = path === undefined ? undefined : matchRoute(entry.trigger.route, path);
    if (!params) continue;
    if (!entry.trigger.methods.includes(method as never)) {
      allowed = [...allowed, ...entry.trigger.methods];
      continue;
    }
    const body = await readCapped(req, MAX_REQUEST_BYTES);
    if (body === undefined) return send(res, { status: 413 });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers))
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const request = new HttpRequest({
      method,
      url: url.toString(),
      headers,
      params,
      query: Object.fromEntries(url.searchParams),
      ...(body.length > 0 ? { body: { bytes: body } } : {}),
    });
    const context = new InvocationContext({
      invocationId: randomUUID(),
      functionName: entry.name,
      logHandler: (level, ...args) => {
        log(`[${entry.name}] ${level}: ${args.map(format).join(' ')}`);
      },
    });
    const started = performance.now();
    const response = await entry.handler(request, context);
    const init = response instanceof HttpResponse ? response : new HttpResponse(response);
    log(
      `${method} ${url.pathname} → ${init.status} (${(performance.now() - started).toFixed(1)} ms)`,
    );
    return send(res, init);
  }
  if (allowed.length > 0)
    return send(res, new HttpResponse({ status: 405, headers: { allow: allowed.join(', ') } }));
  return send(
    res,
    new HttpResponse({
      status: 404,
      jsonBody: {
        status: 404,
        title: 'Not Found',
        routes: table.map((e) => `${e.trigger.methods.join('|')} /api/${e.trigger.route}`),
      },
    }),
  );
}

async function send(
  res: ServerResponse,
  response: InstanceType<typeof HttpResponse> | { status: number },
) {
  if (!(response instanceof HttpResponse)) {
    res.writeHead(response.status).end();
    return;
  }
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers).end(body);
}

function readCapped(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > max) {
        resolve(undefined);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      resolve(total > max ? undefined : Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function format(arg: unknown): string {
  return typeof arg === 'string' ? arg : JSON.stringify(arg);
}
