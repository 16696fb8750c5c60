import type { HttpRequest } from '@azure/functions';
import { ValidationError } from '../../domain/errors.js';

/**
 * The longest `?wait=` a request may hold the connection: well under the 230 s after which
 * Azure's front end cuts an HTTP request off, so that a waiting CLI asks again instead.
 */
export const MAX_WAIT_MS = 60_000;

const WAIT_PATTERN = /^(0|[1-9][0-9]{0,5})(ms|s)$/;

/**
 * Reads `?wait=` (`30s`, `500ms`; 0 to 60 s; absent: 0, answer at once) in milliseconds. A bad
 * value is a ValidationError naming `wait`, which the handler answers 400.
 */
export function readWait(request: HttpRequest): number {
  const raw = request.query.get('wait');
  if (raw === null) return 0;
  const match = WAIT_PATTERN.exec(raw);
  const ms = match ? Number(match[1]) * (match[2] === 's' ? 1000 : 1) : Number.NaN;
  if (!(ms >= 0 && ms <= MAX_WAIT_MS))
    throw new ValidationError('query', [
      {
        path: 'wait',
        message: `must be a whole number of seconds or milliseconds from 0s to ${MAX_WAIT_MS / 1000}s, e.g. 30s or 500ms (not "${raw.slice(0, 40)}")`,
      },
    ]);
  return ms;
}
