import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, request as httpsRequest, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';

/**
 * A TLS proxy in front of a distribution registry that asks for Bearer tokens as Docker Hub,
 * GHCR or ACR do: a registry request without a token whose scopes cover it (pull for GET and
 * HEAD, push for the rest, pull on the `from` repository of a mount) is answered 401 with a
 * `WWW-Authenticate: Bearer realm=…,service=…,scope=…` challenge. Tokens come from
 * - `docker`: `GET /token?service=…&scope=…`, with HTTP basic credentials when `user` is set;
 * - `acr`: ACR's flow, `POST /oauth2/exchange` (an Entra ID token for a refresh token), then
 *   `POST /oauth2/token` (the refresh token and scopes for an access token), form-encoded.
 * `Host` is passed through, so upload `Location`s lead back here.
 */
export interface TokenProxy {
  /** `localhost:<port>` */
  readonly host: string;
  /** Token requests: `/token`, `/oauth2/exchange`, `/oauth2/token`, in order. */
  readonly tokenRequests: string[];
  /** Scopes of every token issued, in order. */
  readonly issued: string[][];
  /** Registry requests answered with a challenge. */
  challenges: number;
  close(): Promise<void>;
}

export async function startTokenProxy(options: {
  upstream: string;
  certFile: string;
  mode: 'docker' | 'acr';
  /** `docker`: the basic credentials the token endpoint wants (none: anonymous tokens). */
  user?: { name: string; password: string };
  /** `acr`: the Entra ID token the exchange accepts. */
  aadToken?: string;
  /** `docker`: the `expires_in` (seconds) the token answers say; none by default. */
  expiresIn?: number;
}): Promise<TokenProxy> {
  const cert = readFileSync(options.certFile);
  const key = readFileSync(path.join(path.dirname(options.certFile), 'localhost.key'));
  const [upstreamHost = 'localhost', upstreamPort = '443'] = options.upstream.split(':');
  const tokens = new Map<string, Set<string>>();
  const refreshTokens = new Set<string>();
  const sockets = new Set<Socket>();
  let host = '';
  const state: TokenProxy = {
    host: '',
    tokenRequests: [],
    issued: [],
    challenges: 0,
    close: () => Promise.resolve(),
  };

  const issue = (scopes: string[]) => {
    const token = randomBytes(16).toString('hex');
    tokens.set(token, new Set(scopes));
    state.issued.push(scopes);
    return token;
  };
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const readForm = (req: IncomingMessage) =>
    new Promise<URLSearchParams>((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      });
    });
  /** `repository:a:pull,push` → `repository:a:pull`, `repository:a:push`. */
  const expand = (scopes: string[]) =>
    scopes.flatMap((s) => {
      const [type, name, actions] = s.split(':');
      return (actions ?? '').split(',').map((a) => `${type ?? ''}:${name ?? ''}:${a}`);
    });

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', `https://${host}`);
    if (url.pathname === '/token' && options.mode === 'docker') {
      state.tokenRequests.push('/token');
      const wanted = `Basic ${Buffer.from(`${options.user?.name ?? ''}:${options.user?.password ?? ''}`).toString('base64')}`;
      if (options.user !== undefined && req.headers.authorization !== wanted) {
        json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'wrong credentials' }] });
        return;
      }
      const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' '));
      const token = issue(expand(scopes));
      json(
        res,
        200,
        options.expiresIn === undefined ? { token } : { token, expires_in: options.expiresIn },
      );
      return;
    }
    if (url.pathname === '/oauth2/exchange' && options.mode === 'acr') {
      state.tokenRequests.push('/oauth2/exchange');
      const form = await readForm(req);
      if (
        form.get('grant_type') !== 'access_token' ||
        form.get('access_token') !== options.aadToken
      ) {
        json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'bad Entra ID token' }] });
        return;
      }
      const refresh = randomBytes(16).toString('hex');
      refreshTokens.add(refresh);
      json(res, 200, { refresh_token: refresh });
      return;
    }
    if (url.pathname === '/oauth2/token' && options.mode === 'acr') {
      state.tokenRequests.push('/oauth2/token');
      const form = await readForm(req);
      if (
        form.get('grant_type') !== 'refresh_token' ||
        !refreshTokens.has(form.get('refresh_token') ?? '')
      ) {
        json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'bad refresh token' }] });
        return;
      }
      json(res, 200, { access_token: issue(expand((form.get('scope') ?? '').split(' '))) });
      return;
    }
    const needed: string[] = [];
    const match = /^\/v2\/(.+?)\/(manifests|blobs|tags|referrers)\//.exec(url.pathname);
    if (match?.[1] !== undefined) {
      const action = req.method === 'GET' || req.method === 'HEAD' ? 'pull' : 'push';
      needed.push(`repository:${match[1]}:${action}`);
      if (action === 'push') needed.push(`repository:${match[1]}:pull`);
      const from = url.searchParams.get('from');
      if (url.searchParams.has('mount') && from !== null) needed.push(`repository:${from}:pull`);
    }
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const granted = bearer === undefined ? undefined : tokens.get(bearer);
    if (granted === undefined || !needed.every((s) => granted.has(s))) {
      state.challenges += 1;
      req.resume();
      const realm =
        options.mode === 'acr' ? `https://${host}/oauth2/token` : `https://${host}/token`;
      const scope =
        match?.[1] === undefined
          ? ''
          : `,scope="repository:${match[1]}:${needed.some((s) => s.endsWith(':push')) ? 'pull,push' : 'pull'}"`;
      res.writeHead(401, {
        'content-type': 'application/json',
        'www-authenticate': `Bearer realm="${realm}",service="${host}"${scope}`,
      });
      res.end(
        JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }),
      );
      return;
    }
    const headers = { ...req.headers };
    delete headers.authorization;
    const upstream = httpsRequest(
      {
        host: upstreamHost,
        port: Number(upstreamPort),
        method: req.method,
        path: req.url,
        headers,
        ca: cert,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };

  const server: Server = createServer({ cert, key }, (req, res) => {
    handler(req, res).catch(() => res.destroy());
  });
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `localhost:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    host,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        for (const socket of sockets) socket.destroy();
      }),
  });
}
