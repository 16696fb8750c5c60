import type { ProbeFailure } from '../ports/doctorProbes.js';
import { asRestError, networkCode } from './sdkErrors.js';

/**
 * What the doctor's probes have in common when an SDK call fails: redacting secrets out of
 * answers, and recognising the failures every Azure SDK shows the same way (no credential,
 * no connection, an untrusted certificate, 401/403, throttling and 5xx).
 */

const SECRET_ASSIGNMENT =
  /\b(AccountKey|SharedAccessKey|SharedAccessSignature|sig|password|client_secret|access_token|refresh_token)=[^;&\s"']*/gi;
/** Credentials after an auth scheme; not a challenge's parameters (`Basic realm="…"`). */
const BEARER = /\b(Bearer|Basic)\s+(?![A-Za-z_]+=")[A-Za-z0-9._~+/-]+=*/g;
const JWT = /\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

/** `text` with keys, signatures, passwords and tokens replaced by `***`. */
export function redact(text: string): string {
  return text
    .replace(SECRET_ASSIGNMENT, (_match, name: string) => `${name}=***`)
    .replace(BEARER, (_match, scheme: string) => `${scheme} ***`)
    .replace(JWT, '***');
}

/** The first line of `text`, redacted and at most `max` characters. */
export function oneLine(text: string, max = 300): string {
  const line = redact(text.trim().split('\n')[0] ?? '').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** `error` and its causes (and an AggregateError's errors), outermost first. */
function chain(error: unknown): unknown[] {
  const seen: unknown[] = [];
  const visit = (e: unknown, depth: number) => {
    if (depth > 5 || e === undefined || e === null || seen.includes(e)) return;
    seen.push(e);
    if (e instanceof AggregateError) for (const inner of e.errors) visit(inner, depth + 1);
    const { errors } = e as { errors?: unknown };
    if (!(e instanceof AggregateError) && Array.isArray(errors))
      for (const inner of errors) visit(inner, depth + 1);
    if (e instanceof Error) visit(e.cause, depth + 1);
  };
  visit(error, 0);
  return seen;
}

const nameOf = (e: unknown): string => (e instanceof Error ? e.name : '');

/** The message of an AggregateAuthenticationError, one short clause per credential tried. */
function credentialAnswer(error: Error): string {
  const inner = (error as { errors?: unknown }).errors;
  if (!Array.isArray(inner) || inner.length === 0) return oneLine(error.message);
  const parts = inner.map((e) => oneLine(e instanceof Error ? e.message : String(e), 120));
  return oneLine(`${error.message.split('\n')[0] ?? ''} ${parts.join('; ')}`, 600);
}

/** A failure of `@azure/identity` (no credential, or signing in failed), if `error` is one. */
function identityFailure(error: unknown): ProbeFailure | undefined {
  for (const e of chain(error)) {
    if (!(e instanceof Error)) continue;
    if (e.name === 'CredentialUnavailableError' || e.name === 'AggregateAuthenticationError')
      return { kind: 'no-credential', answer: credentialAnswer(e) };
    if (e.name === 'AuthenticationError' || e.name === 'AuthenticationRequiredError')
      return { kind: 'sign-in-failed', answer: oneLine(e.message) };
  }
  return undefined;
}

const TLS_PROBLEM =
  /(SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|CERT_HAS_EXPIRED|ERR_TLS_CERT_ALTNAME_INVALID|self[- ]signed certificate|certificate has expired)/i;
const NETWORK_PROBLEM =
  /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT)\b/;

/** A connection that could not be made, or a certificate that was refused. */
function connectionFailure(error: unknown): ProbeFailure | undefined {
  for (const e of chain(error)) {
    if (!(e instanceof Error)) continue;
    const code = (e as { code?: unknown }).code;
    const text = `${typeof code === 'string' ? code : ''} ${e.message}`;
    if (TLS_PROBLEM.test(text)) return { kind: 'untrusted-certificate', answer: oneLine(text) };
    const network = networkCode(e) ?? NETWORK_PROBLEM.exec(e.message)?.[1];
    if (network !== undefined && (network !== 'REQUEST_SEND_ERROR' || NETWORK_PROBLEM.test(text)))
      return {
        kind: 'unreachable',
        answer: oneLine(e.message.includes(network) ? e.message : `${network}: ${e.message}`),
      };
  }
  return undefined;
}

/**
 * The failure every Azure SDK reports alike, or undefined when `error` needs the adapter's own
 * reading: identity errors, connection and certificate failures, deadlines, and HTTP 401/403
 * (denied), 408/429/5xx (unavailable). `answer` states the service's reply via `answerOf`.
 */
export function commonProbeFailure(
  error: unknown,
  answerOf: (error: unknown) => string = (e) => oneLine(e instanceof Error ? e.message : String(e)),
): ProbeFailure | undefined {
  const identity = identityFailure(error);
  if (identity) return identity;
  const connection = connectionFailure(error);
  if (connection) return connection;
  if (chain(error).some((e) => ['AbortError', 'TimeoutError'].includes(nameOf(e))))
    return { kind: 'unavailable', answer: 'no answer in time' };
  const status = asRestError(error)?.statusCode;
  if (status === 401 || status === 403) return { kind: 'denied', status, answer: answerOf(error) };
  if (status === 408 || status === 429 || (status !== undefined && status >= 500))
    return { kind: 'unavailable', status, answer: answerOf(error) };
  return undefined;
}

/** A failure that no rule recognised: the error's own first line. */
export function otherFailure(error: unknown): ProbeFailure {
  const status = asRestError(error)?.statusCode;
  return {
    kind: 'other',
    ...(status === undefined ? {} : { status }),
    answer: oneLine(error instanceof Error ? `${error.name}: ${error.message}` : String(error)),
  };
}
