import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { problem } from './problem.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Reads `?limit=` (1–100, default 20) and `?cursor=` of a paged listing, or the 400 answer. */
export function readPage(
  request: HttpRequest,
):
  | { readonly kind: 'ok'; readonly limit: number; readonly cursor: string | undefined }
  | { readonly kind: 'bad'; readonly answer: HttpResponseInit } {
  const rawLimit = request.query.get('limit');
  const limit = rawLimit === null ? DEFAULT_PAGE_SIZE : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    const message = `must be a whole number from 1 to ${MAX_PAGE_SIZE}`;
    return {
      kind: 'bad',
      answer: problem(400, 'Bad Request', `limit ${message}`, {
        errors: [{ path: 'limit', message }],
      }),
    };
  }
  return { kind: 'ok', limit, cursor: request.query.get('cursor') ?? undefined };
}
