import type { TokenCredential } from '@azure/identity';
import { z } from 'zod';
import type { RegistrySignIn } from '../../ports/imageCopier.js';
import { tokenRefusal, unreachable, type Challenge, type Tally } from './ociHttp.js';

/** How the client signs in to one registry (`OciClientOptions`, its deadline settled). */
export interface OciAuthOptions {
  readonly registry: string;
  readonly signIn: RegistrySignIn;
  readonly credential?: TokenCredential | undefined;
  readonly audience?: string | undefined;
  readonly timeoutInMs: number;
  /** The clock tokens expire by (ms since the epoch); `Date.now` by default. */
  readonly now?: (() => number) | undefined;
}

/** What a request needs to be signed in: its scopes, who counts it, what it is for. */
export interface AuthRequest {
  readonly scopes: readonly string[];
  readonly tally: Tally;
  readonly doing: string;
}

/**
 * The sign-in state of one client: the challenge the registry answered with last, and the
 * tokens it gave, by set of scopes.
 */
export interface OciAuth {
  /** The Authorization header to send before any challenge of this request, if known. */
  authorization: (scopes: readonly string[]) => string | undefined;
  /** Answers a 401's challenge: remembers it and, for Bearer, gets a token for the scopes. */
  answer: (found: Challenge, request: AuthRequest) => Promise<void>;
  /** Drops the token of `scopes` (it expired, or the registry refused it). */
  forget: (scopes: readonly string[]) => void;
  /** The scheme of the last challenge (`basic`, `bearer`), if any. */
  readonly scheme: () => string | undefined;
}

const ACR_AUDIENCE = 'https://containerregistry.azure.net';

const tokenBody = z.looseObject({
  token: z.string().optional(),
  access_token: z.string().optional(),
  refresh_token: z.string().optional(),
  /** Seconds the token lasts; a number, else ignored (a registry sending anything else). */
  expires_in: z.unknown().optional(),
});

/** A token of some scopes, and when it is to be asked for again (ms since the epoch). */
interface HeldToken {
  readonly token: string;
  readonly renewAt: number;
}

/**
 * When a token answered at `now` with `body` is to be renewed: 90% into its `expires_in`, so
 * that it does not expire between its check and the registry's; a token endpoint that does
 * not say lasts 60 s (the Docker token spec's default), ACR's `/oauth2/token` until a 401.
 */
function renewAt(now: number, expiresIn: unknown, fallbackSeconds: number): number {
  const seconds = typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : fallbackSeconds;
  return now + seconds * 900;
}

/** The sign-in of `options.registry` (see `createOciClient`). */
export function createOciAuth(options: OciAuthOptions): OciAuth {
  const { registry, signIn, timeoutInMs } = options;
  const now = options.now ?? Date.now;
  const tokens = new Map<string, HeldToken>();
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
    const fresh = refreshToken === undefined;
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
      // A cached refresh token that expired (ACR's last about 3 hours): exchange once more.
      if (answer.status === 401 && !fresh) {
        await answer.body?.cancel();
        return acrToken(realm, service, scope, tally, doing);
      }
      throw await tokenRefusal(`${doing}: asking ${registry} for a token`, answer);
    }
    const body = tokenBody.parse(await answer.json());
    const token = body.access_token ?? body.token;
    if (token === undefined)
      throw new Error(`${doing}: ${registry}'s token endpoint gave no token`);
    return { token, renewAt: renewAt(now(), body.expires_in, Infinity) };
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
    return { token, renewAt: renewAt(now(), body.expires_in, 60) };
  }

  const scopeKey = (scopes: readonly string[]) => [...scopes].sort().join(' ');

  /** The Authorization header to send before any challenge of this request, if known. */
  function authorization(scopes: readonly string[]): string | undefined {
    if (challenge?.scheme === 'basic') return basic;
    if (challenge?.scheme === 'bearer') {
      const key = scopeKey(scopes);
      const held = tokens.get(key);
      if (held === undefined) return undefined;
      if (now() < held.renewAt) return `Bearer ${held.token}`;
      // Expired: sent without, the request is challenged and a fresh token asked for.
      tokens.delete(key);
      return undefined;
    }
    return undefined;
  }

  async function answerChallenge(found: Challenge, request: AuthRequest): Promise<void> {
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

  return {
    authorization,
    answer: answerChallenge,
    forget: (scopes) => {
      tokens.delete(scopeKey(scopes));
    },
    scheme: () => challenge?.scheme,
  };
}
