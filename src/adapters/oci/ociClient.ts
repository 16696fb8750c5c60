import type { TokenCredential } from '@azure/identity';
import { z } from 'zod';
import { TransientError } from '../../domain/errors.js';
import type { RegistrySignIn } from '../../ports/imageCopier.js';
import { networkCode } from '../sdkErrors.js';

/*
 * A small client of the OCI distribution API (https://github.com/opencontainers/distribution-spec)
 * over Node's `fetch`, written here rather than taken from a library: no well-kept Node package
 * copies between registries. `@azure/container-registry` has no blob HEAD, no cross-repository
 * mount, no referrers and signs in to ACR only; `@snyk/docker-registry-v2-client` and
 * `docker-registry-client` read, and neither streams an upload. What is needed is a few
 * endpoints and the two sign-in flows, so it is here, in full view.
 */

/** Requests made, counted by whoever asks (one copy, one listing). */
export interface Tally {
  requests: number;
}

/** One request to the registry. */
export interface OciRequest {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A path (`/v2/…`) or an absolute URL (an upload `Location`). */
  readonly path: string;
  /** The token scopes the request needs (`repository:myapp:pull`). */
  readonly scopes: readonly string[];
  readonly headers?: Record<string, string>;
  /** Bytes, or a stream (sent once: a stream is never sent again after a challenge). */
  readonly body?: Uint8Array | ReadableStream<Uint8Array> | undefined;
  /** What the request is for, in errors: `uploading blob myapp@sha256:…`. */
  readonly doing: string;
  /** Who counts it (and any sign-in request it needs). */
  readonly tally: Tally;
  /** Aborts the request (its body included); default: the client's deadline. */
  readonly signal?: AbortSignal | undefined;
}

/** How the client reaches one registry. */
export interface OciClientOptions {
  /** `host[:port]`, reached over https. */
  readonly registry: string;
  readonly signIn: RegistrySignIn;
  /** For `kind: 'azure'`: the identity whose Entra ID token ACR exchanges for its own. */
  readonly credential?: TokenCredential | undefined;
  /** Entra ID audience of ACR (sovereign clouds); default `https://containerregistry.azure.net`. */
  readonly audience?: string | undefined;
  /** Deadline of a request without a streamed body; default 30 s. */
  readonly timeoutInMs?: number | undefined;
}

/** The distribution API of one registry, signed in as its options say. */
export interface OciClient {
  readonly registry: string;
  readonly timeoutInMs: number;
  /**
   * Sends the request, answering a sign-in challenge (401 with `WWW-Authenticate`) once, and
   * returns any answer that is not a failure below; the caller reads or cancels its body.
   * Throws `TransientError` for 408, 429, 5xx, a connection failure or the deadline, and a
   * plain Error for 401/403 (with the registry's answer). Other statuses are the caller's.
   */
  send: (request: OciRequest) => Promise<Response>;
}

const ACR_AUDIENCE = 'https://containerregistry.azure.net';

const tokenBody = z.looseObject({
  token: z.string().optional(),
  access_token: z.string().optional(),
  refresh_token: z.string().optional(),
});

/** A parsed `WWW-Authenticate` challenge: its scheme and parameters. */
interface Challenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/** `Bearer realm="https://…/token",service="registry",scope="repository:a:pull"`. */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (header === null) return undefined;
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!match?.[1]) return undefined;
  const params: Record<string, string> = {};
  for (const p of (match[2] ?? '').matchAll(/(\w+)\s*=\s*(?:"([^"]*)"|([^\s,]+))/g))
    if (p[1] !== undefined) params[p[1].toLowerCase()] = p[2] ?? p[3] ?? '';
  return { scheme: match[1].toLowerCase(), params };
}

/** The first line of an OCI error body (`MANIFEST_UNKNOWN: manifest unknown`), or its text. */
export async function answerOf(response: Response): Promise<string> {
  const text = (await response.text().catch(() => '')).trim();
  let answer = text.slice(0, 300);
  try {
    const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const first = body.errors?.[0];
    if (first) answer = [first.code, first.message].filter(Boolean).join(': ');
  } catch {
    // not JSON: the text as it came
  }
  return `HTTP ${response.status}${answer === '' ? '' : `: ${answer}`}`;
}

/** Whether a status means "try again later". */
export const isTransientStatus = (status: number): boolean =>
  status === 408 || status === 429 || status >= 500;

/** The port's error for a failed `fetch` (no answer at all). */
export function unreachable(doing: string, error: unknown, timeoutInMs: number): TransientError {
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError')
    return new TransientError(
      `${doing}: registry unavailable: no answer within ${timeoutInMs} ms`,
      {
        cause: error,
      },
    );
  if (error instanceof TransientError) return error;
  const cause = error instanceof Error ? error.cause : undefined;
  const code =
    networkCode(cause) ??
    networkCode(error) ??
    networkCode(cause instanceof Error ? cause.cause : undefined) ??
    (cause instanceof Error ? cause.message : undefined);
  return new TransientError(
    `${doing}: registry unavailable: ${code ?? (error instanceof Error ? error.message : String(error))}`,
    { cause: error },
  );
}

/**
 * A client of `options.registry`. Tokens are cached per set of scopes for the client's life
 * (or until a 401 says one expired), and once a registry has asked for credentials they are
 * sent with every request, so a copy pays one challenge per scope, not one per request.
 * Sign-in:
 * - `anonymous`: no credentials; a Bearer challenge is answered with an anonymous token
 *   request (Docker Hub, GHCR public images);
 * - `basic`: HTTP basic on a Basic challenge, or on the token request of a Bearer challenge;
 * - `azure`: ACR's flow (https://github.com/Azure/acr/blob/main/docs/AAD-OAuth.md): the
 *   identity's Entra ID token is exchanged at `/oauth2/exchange` for a refresh token, and that
 *   at `/oauth2/token` for an access token of the scopes asked. Not run here (no ACR).
 */
export function createOciClient(options: OciClientOptions): OciClient {
  const { registry, signIn } = options;
  if (registry.includes('/'))
    throw new Error(`registry ${registry}: give host[:port], without scheme or path`);
  const endpoint = `https://${registry}`;
  const timeoutInMs = options.timeoutInMs ?? 30_000;
  const tokens = new Map<string, string>();
  let refreshToken: string | undefined;
  /** The challenge the registry answered with last: Basic, or Bearer with its realm. */
  let challenge: Challenge | undefined;

  const basic =
    signIn.kind === 'basic'
      ? `Basic ${Buffer.from(`${signIn.username}:${signIn.password}`).toString('base64')}`
      : undefined;

  async function post(url: string, form: Record<string, string>, tally: Tally, doing: string) {
    tally.requests += 1;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(timeoutInMs),
      });
    } catch (error) {
      throw unreachable(doing, error, timeoutInMs);
    }
    return response;
  }

  /** ACR: Entra ID token → refresh token (cached) → access token for `scope`. */
  async function acrToken(
    realm: string,
    service: string,
    scope: string,
    tally: Tally,
    doing: string,
  ) {
    const { credential } = options;
    if (credential === undefined)
      throw new Error(
        `${doing}: registry ${registry} signs in with Azure identity, and no credential was given`,
      );
    if (refreshToken === undefined) {
      const aad = await credential.getToken(`${options.audience ?? ACR_AUDIENCE}/.default`);
      if (aad === null)
        throw new Error(`${doing}: the Azure identity gave no token for ${registry}`);
      const exchange = await post(
        new URL('/oauth2/exchange', realm).toString(),
        { grant_type: 'access_token', service, access_token: aad.token },
        tally,
        `${doing}: exchanging the Azure token`,
      );
      if (!exchange.ok) throw await tokenRefusal(`${doing}: exchanging the Azure token`, exchange);
      refreshToken = tokenBody.parse(await exchange.json()).refresh_token;
      if (refreshToken === undefined)
        throw new Error(`${doing}: ACR's token exchange gave no refresh token`);
    }
    const answer = await post(
      realm,
      { grant_type: 'refresh_token', service, scope, refresh_token: refreshToken },
      tally,
      `${doing}: asking ${registry} for a token`,
    );
    if (!answer.ok) {
      refreshToken = undefined;
      throw await tokenRefusal(`${doing}: asking ${registry} for a token`, answer);
    }
    const body = tokenBody.parse(await answer.json());
    const token = body.access_token ?? body.token;
    if (token === undefined)
      throw new Error(`${doing}: ${registry}'s token endpoint gave no token`);
    return token;
  }

  /** A Bearer token for `scopes` at the challenge's realm (anonymous or basic). */
  async function bearerToken(
    found: Challenge,
    scopes: readonly string[],
    tally: Tally,
    doing: string,
  ) {
    const realm = found.params.realm;
    if (realm === undefined)
      throw new Error(`${doing}: ${registry} asked for a Bearer token without a realm`);
    const service = found.params.service ?? registry;
    const wanted = [...new Set([...(found.params.scope?.split(' ') ?? []), ...scopes])].filter(
      Boolean,
    );
    if (signIn.kind === 'azure') return acrToken(realm, service, wanted.join(' '), tally, doing);
    const url = new URL(realm);
    url.searchParams.set('service', service);
    for (const scope of wanted) url.searchParams.append('scope', scope);
    tally.requests += 1;
    let answer: Response;
    try {
      answer = await fetch(url, {
        headers: basic === undefined ? {} : { authorization: basic },
        signal: AbortSignal.timeout(timeoutInMs),
      });
    } catch (error) {
      throw unreachable(`${doing}: asking ${registry} for a token`, error, timeoutInMs);
    }
    if (!answer.ok) throw await tokenRefusal(`${doing}: asking ${registry} for a token`, answer);
    const body = tokenBody.parse(await answer.json());
    const token = body.token ?? body.access_token;
    if (token === undefined)
      throw new Error(`${doing}: ${registry}'s token endpoint gave no token`);
    return token;
  }

  const scopeKey = (scopes: readonly string[]) => [...scopes].sort().join(' ');

  /** The Authorization header to send before any challenge of this request, if known. */
  function authorization(scopes: readonly string[]): string | undefined {
    if (challenge?.scheme === 'basic') return basic;
    if (challenge?.scheme === 'bearer') {
      const token = tokens.get(scopeKey(scopes));
      return token === undefined ? undefined : `Bearer ${token}`;
    }
    return undefined;
  }

  async function answerChallenge(found: Challenge, request: OciRequest): Promise<void> {
    challenge = found;
    if (found.scheme === 'basic') {
      if (basic === undefined)
        throw new Error(
          `${request.doing}: HTTP 401: ${registry} asks for a password, and promoter signs in to it ${signIn.kind === 'azure' ? 'with Azure identity' : 'anonymously'}`,
        );
      return;
    }
    if (found.scheme !== 'bearer')
      throw new Error(
        `${request.doing}: HTTP 401: ${registry} asks for ${found.scheme} sign-in, which promoter does not speak`,
      );
    tokens.set(
      scopeKey(request.scopes),
      await bearerToken(found, request.scopes, request.tally, request.doing),
    );
  }

  async function once(request: OciRequest, auth: string | undefined): Promise<Response> {
    request.tally.requests += 1;
    const headers: Record<string, string> = { ...request.headers };
    if (auth !== undefined) headers.authorization = auth;
    try {
      return await fetch(new URL(request.path, endpoint), {
        method: request.method,
        headers,
        ...(request.body === undefined ? {} : { body: request.body, duplex: 'half' as const }),
        redirect: 'follow',
        signal: request.signal ?? AbortSignal.timeout(timeoutInMs),
      });
    } catch (error) {
      throw unreachable(request.doing, error, timeoutInMs);
    }
  }

  return {
    registry,
    timeoutInMs,
    async send(request) {
      const sent = authorization(request.scopes);
      let response = await once(request, sent);
      if (response.status === 401 && !(request.body instanceof ReadableStream)) {
        const found = parseChallenge(response.headers.get('www-authenticate'));
        // Sent with credentials and still refused: a token that expired, or a refusal.
        const retry = found !== undefined && (sent === undefined || found.scheme === 'bearer');
        if (retry) {
          await response.body?.cancel();
          if (sent !== undefined) tokens.delete(scopeKey(request.scopes));
          await answerChallenge(found, request);
          response = await once(request, authorization(request.scopes));
        }
      }
      if (response.status === 401 || response.status === 403)
        throw new Error(
          `${request.doing}: ${await answerOf(response)}: ${registry} refused the ${signIn.kind} sign-in`,
        );
      if (isTransientStatus(response.status))
        throw new TransientError(
          `${request.doing}: registry unavailable: ${await answerOf(response)}`,
        );
      return response;
    },
  };
}

async function tokenRefusal(doing: string, response: Response): Promise<Error> {
  const answer = await answerOf(response);
  return isTransientStatus(response.status)
    ? new TransientError(`${doing}: registry unavailable: ${answer}`)
    : new Error(`${doing}: ${answer}`);
}
