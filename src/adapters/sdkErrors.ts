/**
 * What the Azure SDKs' errors have in common, shared by every adapter's error mapping.
 */

/** Node's (and the SDKs') codes for a service that could not be reached, or a broken connection. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'REQUEST_SEND_ERROR',
]);

/** The network error code of `error`, when it is one. */
export function networkCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NETWORK_CODES.has(code) ? code : undefined;
}

/** What an SDK `RestError` carries. */
export interface RestErrorLike {
  readonly name: string;
  readonly message: string;
  readonly statusCode?: number | undefined;
  readonly code?: string | undefined;
  readonly details?: unknown;
  readonly request?: { readonly url: string } | undefined;
}

/**
 * `error` as a `RestError`, recognised by name: SDKs bundle their own copies of the HTTP
 * pipeline, so `instanceof` cannot be trusted.
 */
export function asRestError(error: unknown): RestErrorLike | undefined {
  return error instanceof Error && error.name === 'RestError' ? error : undefined;
}
