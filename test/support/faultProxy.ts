import { readFileSync } from 'node:fs';
import { createServer, request as httpsRequest, type Server, type ServerOptions } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';

/** One request as the proxy received it. */
export interface ProxiedRequest {
  readonly method: string;
  /** The raw request target, e.g. `/v2/team%2Fmyapp/manifests/sha256%3A…`. */
  readonly path: string;
  /** The body of a request answered with a `status` fault (forwarded bodies stream through). */
  body?: string;
}

/** What to do instead of forwarding a request. */
export type Fault =
  /**
   * Answer with this status, headers and JSON body (default: an OCI error body); the upstream
   * never sees the request. Also stands in for an API the registry lacks (ACR's `/acr/v1/`).
   */
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly headers?: Record<string, string>;
      readonly body?: unknown;
    }
  /** Never answer (until the proxy closes). */
  | { readonly kind: 'hang' }
  /**
   * Forward the request but never pass the answer on: the registry did the work (a tag is
   * written), the client never learns it, as when the client dies mid-request.
   */
  | { readonly kind: 'swallow' }
  /** Destroy the connection without an answer (the client sees ECONNRESET). */
  | { readonly kind: 'reset' };

/** A TLS-terminating proxy in front of the test registry that counts and breaks requests. */
export interface FaultProxy {
  /** `localhost:<port>`: use it as the registry host (the certificate is for `localhost`). */
  readonly host: string;
  /** Every request received, faulted or forwarded, in arrival order. */
  readonly requests: readonly ProxiedRequest[];
  /** How many requests match `method` (any when omitted) and `path` (substring or pattern). */
  count(method?: string, path?: string | RegExp): number;
  /** Applies `fault` to the next `times` requests that `match` (all requests when omitted). */
  failNext(times: number, fault: Fault, match?: (request: ProxiedRequest) => boolean): void;
  /** Forgets the counted requests and any pending faults. */
  reset(): void;
  /** Stops listening and drops open connections (hung requests included). */
  close(): Promise<void>;
}

interface Rule {
  remaining: number;
  readonly fault: Fault;
  readonly match: (request: ProxiedRequest) => boolean;
}

/**
 * Starts the proxy on a free port of 127.0.0.1, serving TLS with the registry's own
 * certificate and key (`localhost.key` beside `certFile`, see `src/local/services/certificate.ts`)
 * and forwarding to `upstream` (`localhost:<port>`) over https, trusting that certificate.
 */
export async function startFaultProxy(options: {
  upstream: string;
  certFile: string;
  /**
   * Forward the client's `Host` header (the proxy's), so that the URLs the registry answers
   * with (an upload's `Location`) lead back through the proxy. Default: the upstream's.
   */
  keepHost?: boolean;
}): Promise<FaultProxy> {
  const cert = readFileSync(options.certFile);
  const key = readFileSync(path.join(path.dirname(options.certFile), 'localhost.key'));
  const [upstreamHost = 'localhost', upstreamPort = '443'] = options.upstream.split(':');
  const requests: ProxiedRequest[] = [];
  let rules: Rule[] = [];
  const sockets = new Set<Socket>();

  const forward = (req: IncomingMessage, res: ServerResponse, swallow = false) => {
    const upstreamReq = httpsRequest(
      {
        host: upstreamHost,
        port: Number(upstreamPort),
        method: req.method,
        path: req.url,
        headers:
          options.keepHost === true ? req.headers : { ...req.headers, host: options.upstream },
        ca: cert,
      },
      (upstreamRes) => {
        if (swallow) {
          upstreamRes.resume();
          return;
        }
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstreamReq.on('error', () => res.destroy());
    req.pipe(upstreamReq);
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const seen: ProxiedRequest = { method: req.method ?? '', path: req.url ?? '' };
    requests.push(seen);
    const rule = rules.find((r) => r.remaining > 0 && r.match(seen));
    if (!rule) {
      forward(req, res);
      return;
    }
    rule.remaining -= 1;
    const { fault } = rule;
    if (fault.kind === 'hang') return;
    if (fault.kind === 'swallow') {
      forward(req, res, true);
      return;
    }
    if (fault.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.body = Buffer.concat(chunks).toString('utf8');
      const body = fault.body ?? {
        errors: [{ code: 'UNAVAILABLE', message: `injected ${fault.status}` }],
      };
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(JSON.stringify(body));
    });
  };

  const serverOptions: ServerOptions = { cert, key };
  const server: Server = createServer(serverOptions, handler);
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    host: `localhost:${port}`,
    requests,
    count(method, pathFilter) {
      return requests.filter(
        (r) =>
          (method === undefined || r.method === method) &&
          (pathFilter === undefined ||
            (typeof pathFilter === 'string'
              ? r.path.includes(pathFilter)
              : pathFilter.test(r.path))),
      ).length;
    },
    failNext(times, fault, match = () => true) {
      rules.push({ remaining: times, fault, match });
    },
    reset() {
      requests.length = 0;
      rules = [];
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      });
    },
  };
}
