import { asRestError, networkCode } from '../sdkErrors.js';
import { TransientError, ValidationError } from '../../domain/errors.js';

/**
 * The service's error code (`EntityAlreadyExists`, `TableNotFound` …). Point reads leave
 * `code` unset and put the service's JSON error body in the message; it is read from there.
 */
export function serviceCode(error: unknown): string | undefined {
  const rest = asRestError(error);
  if (!rest) return undefined;
  if (rest.code) return rest.code;
  return odataError(rest.message)?.code;
}

/** The `odata.error` of a JSON error body, if `text` is one. */
function odataError(text: string): { code?: string; message?: string } | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const body = JSON.parse(text) as {
      'odata.error'?: { code?: unknown; message?: { value?: unknown } };
    };
    const error = body['odata.error'];
    if (!error) return undefined;
    return {
      ...(typeof error.code === 'string' ? { code: error.code } : {}),
      ...(typeof error.message?.value === 'string' ? { message: error.message.value } : {}),
    };
  } catch {
    return undefined;
  }
}

/** A readable one-line message for an SDK error (not its raw JSON body). */
function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const odata = odataError(error.message);
  const text = odata ? [odata.code, odata.message].filter(Boolean).join(': ') : error.message;
  return text.split('\n')[0] ?? text;
}

/** The HTTP status of an SDK error, or undefined when there was no response. */
export function statusOf(error: unknown): number | undefined {
  return asRestError(error)?.statusCode;
}

/** 404 for an entity that does not exist (not for a missing table). */
export function isEntityNotFound(error: unknown): boolean {
  return statusOf(error) === 404 && serviceCode(error) !== 'TableNotFound';
}

/** 404 for a table that does not exist (yet). */
export function isTableNotFound(error: unknown): boolean {
  return statusOf(error) === 404 && serviceCode(error) === 'TableNotFound';
}

/**
 * A lost race on a write: 409 (a row we create was created meanwhile) or 412 (the ETag of a
 * row we update changed since we read it). The caller re-reads and retries.
 */
export function isWriteConflict(error: unknown): boolean {
  const status = statusOf(error);
  return status === 409 || status === 412;
}

/** Why the service is unavailable, or undefined when `error` is not an outage. */
function outageReason(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  // The per-request timeout aborts the request.
  if (error.name === 'AbortError') return 'no answer within the request timeout';
  const rest = asRestError(error);
  const code = rest ? serviceCode(rest) : (error as { code?: unknown }).code;
  const prefix = typeof code === 'string' && code !== '' ? `${code}: ` : '';
  if (rest) {
    const status = rest.statusCode;
    if (status === undefined) return `${prefix}${messageOf(error)}`;
    if (status === 408 || status === 429 || status >= 500)
      return `HTTP ${status}: ${messageOf(error)}`;
    return undefined;
  }
  if (networkCode(error) !== undefined) return `${prefix}${error.message}`;
  return undefined;
}

/**
 * The error to throw when `doing` (e.g. `recording build myapp@sha256:…`) failed with
 * `error`: a `TransientError` for an outage (throttling, 5xx, 408, timeout, no connection),
 * the error itself when it is already ours, else a plain Error naming the operation. The
 * original error is the `cause`.
 */
export function ledgerFailure(doing: string, error: unknown): Error {
  if (error instanceof TransientError || error instanceof ValidationError) return error;
  const reason = outageReason(error);
  if (reason !== undefined)
    return new TransientError(`${doing}: ledger unavailable: ${reason}`, { cause: error });
  const status = statusOf(error);
  return new Error(
    `${doing}: ${status === undefined ? '' : `HTTP ${status} `}${messageOf(error)}`,
    {
      cause: error,
    },
  );
}
