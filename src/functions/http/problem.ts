import type { HttpResponseInit } from '@azure/functions';
import type { Issue } from '../../domain/errors.js';

/**
 * An error answer in the RFC 9457 problem-details shape: `title` says what failed, `detail`
 * what to do, `errors` names each bad field.
 */
export function problem(
  status: number,
  title: string,
  detail: string,
  extra: { errors?: readonly Issue[]; headers?: Record<string, string> } = {},
): HttpResponseInit {
  return {
    status,
    headers: { 'content-type': 'application/problem+json', ...extra.headers },
    body: JSON.stringify({
      status,
      title,
      detail,
      ...(extra.errors ? { errors: extra.errors } : {}),
    }),
  };
}

/** A JSON answer. */
export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResponseInit {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}
