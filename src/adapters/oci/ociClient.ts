import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { TokenCredential } from '@azure/identity';
import { TransientError } from '../../domain/errors.js';
import type { RegistrySignIn } from '../../ports/imageCopier.js';
import { createOciAuth } from './ociAuth.js';
import { createBlobSender } from './ociBlobSend.js';
import { answerOf, isTransientStatus, parseChallenge, unreachable, type Tally } from './ociHttp.js';

export {
  answerOf,
  isTransientStatus,
  nextLink,
  parseChallenge,
  unreachable,
  type Tally,
} from './ociHttp.js';

/*
 * A small client of the OCI distribution API (https://github.com/opencontainers/distribution-spec)
 * over Node's `fetch`, written here rather than taken from a library: no well-kept Node package
 * copies between registries. `@azure/container-registry` has no blob HEAD, no cross-repository
 * mount, no referrers and signs in to ACR only; `@snyk/docker-registry-v2-client` and
 * `docker-registry-client` read, and neither streams an upload. What is needed is a few
 * endpoints and the two sign-in flows, so it is here, in full view.
 */

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

/**
 * A request whose body is a blob, as a Node stream: `GET` a blob (its redirects followed, as
 * to ACR's storage), or `PUT` an upload with `body`.
 */
export interface BlobRequest extends Omit<OciRequest, 'method' | 'body'> {
  readonly method: 'GET' | 'PUT';
  /** For a PUT: the bytes, streamed; sent once, so the scopes must be signed in to already. */
  readonly body?: Readable | undefined;
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
  /** The clock Bearer tokens expire by (ms since the epoch); `Date.now` by default. */
  readonly now?: (() => number) | undefined;
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
  /**
   * `send` for a blob's bytes, over `node:https` and Node streams rather than `fetch`:
   * measured here, undici's fetch took 2–3× as long to upload a large blob as `node:https`
   * piping a stream (bench/copyBench.ts). The answer's body is the caller's to read or drop.
   */
  sendBlob: (request: BlobRequest) => Promise<IncomingMessage>;
}

/**
 * A client of `options.registry`. Tokens are cached per set of scopes (a repository and its
 * actions: `repository:myapp:pull`, `…:pull,push`) until 90% into the `expires_in` the token
 * endpoint gave (60 s when it says none; ACR's until a 401 says one expired), and once a
 * registry has asked for credentials they are sent with every request, so a copy pays one
 * challenge per scope, not one per request. Credentials and tokens never go into an error.
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
  const auth = createOciAuth({ ...options, timeoutInMs });
  const { authorization } = auth;

  async function once(request: OciRequest, authHeader: string | undefined): Promise<Response> {
    request.tally.requests += 1;
    const headers: Record<string, string> = { ...request.headers };
    if (authHeader !== undefined) headers.authorization = authHeader;
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
    sendBlob: createBlobSender({ endpoint, registry, signIn, timeoutInMs, auth }),
    async send(request) {
      const sent = authorization(request.scopes);
      let response = await once(request, sent);
      if (response.status === 401 && !(request.body instanceof ReadableStream)) {
        const found = parseChallenge(response.headers.get('www-authenticate'));
        // Sent with credentials and still refused: a token that expired, or a refusal.
        const retry = found !== undefined && (sent === undefined || found.scheme === 'bearer');
        if (retry) {
          await response.body?.cancel();
          if (sent !== undefined) auth.forget(request.scopes);
          await auth.answer(found, request);
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
