import { TransientError } from '../../domain/errors.js';
import { networkCode } from '../sdkErrors.js';

/* The HTTP pieces of the OCI client (`ociClient.ts`): challenges, answers and failures. */

/** Requests made, counted by whoever asks (one copy, one listing). */
export interface Tally {
  requests: number;
}

/** A parsed `WWW-Authenticate` challenge: its scheme and parameters. */
export interface Challenge {
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

/** The code of a TLS certificate failure in `error` or its causes: no retry mends it. */
function tlsProblem(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 3; depth++) {
    const code = (e as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      /CERT|UNABLE_TO_VERIFY|SELF_SIGNED|ERR_TLS_CERT_ALTNAME_INVALID/.test(code)
    )
      return code;
    e = e.cause;
  }
  return undefined;
}

/**
 * The port's error for a request that got no answer: a `TransientError` (connection refused
 * or reset, timeout), except an untrusted TLS certificate, a plain Error (no retry mends it).
 */
export function unreachable(doing: string, error: unknown, timeoutInMs: number): Error {
  const name = error instanceof Error ? error.name : '';
  const tls = tlsProblem(error);
  if (tls !== undefined)
    return new Error(
      `${doing}: the registry's TLS certificate is not trusted (${tls}): give Node its CA (NODE_EXTRA_CA_CERTS)`,
      { cause: error },
    );
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

/** The error for a token endpoint's refusal: transient for 408, 429 and 5xx. */
export async function tokenRefusal(doing: string, response: Response): Promise<Error> {
  const answer = await answerOf(response);
  return isTransientStatus(response.status)
    ? new TransientError(`${doing}: registry unavailable: ${answer}`)
    : new Error(`${doing}: ${answer}`);
}

/** The `rel="next"` target of a `Link` header (`</v2/_catalog?last=b&n=2>; rel="next"`). */
export function nextLink(link: string | null): string | undefined {
  return link === null ? undefined : /<([^>]+)>\s*;\s*rel="?next"?/i.exec(link)?.[1];
}
