import { ValidationError } from '../../src/domain/errors.js';

/**
 * The page cursors of the in-memory ledgers' newest-first lists: the sort key of the last
 * item a page returned (e.g. its time and digest), opaque to the caller, so that the next
 * page starts after that item as the Tables ledgers' pages do.
 */
export function encodeCursor(key: readonly [string, string]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** The key a cursor stands for; a `ValidationError` for anything `encodeCursor` did not make. */
export function decodeCursor(cursor: string): readonly [string, string] {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (Array.isArray(decoded) && decoded.length === 2) {
    const [first, second] = decoded as unknown[];
    if (
      typeof first === 'string' &&
      typeof second === 'string' &&
      encodeCursor([first, second]) === cursor
    )
      return [first, second];
  }
  throw new ValidationError('cursor', [
    { path: 'cursor', message: 'is not a cursor from a previous page of this list' },
  ]);
}
