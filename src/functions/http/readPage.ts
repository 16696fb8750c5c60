import type { HttpRequest } from '@azure/functions';
import { ValidationError } from '../../domain/errors.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/**
 * Reads `?limit=` (1–100, default 20) and `?cursor=` of a paged listing. A bad limit is a
 * ValidationError naming `limit`, which the handler answers 400.
 */
export function readPage(request: HttpRequest): {
  readonly limit: number;
  readonly cursor: string | undefined;
} {
  const rawLimit = request.query.get('limit');
  const limit = rawLimit === null ? DEFAULT_PAGE_SIZE : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE)
    throw new ValidationError('query', [
      { path: 'limit', message: `must be a whole number from 1 to ${MAX_PAGE_SIZE}` },
    ]);
  return { limit, cursor: request.query.get('cursor') ?? undefined };
}
