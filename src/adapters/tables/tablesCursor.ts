import { ValidationError } from '../../domain/errors.js';
import { isTimeRowKey } from './tablesKeys.js';

/**
 * The cursor of a newest-first list (`listBuilds`, the promotion history): base64url of the
 * last RowKey a page returned. The next page starts after it, so a page is never empty and a
 * row written meanwhile is not returned twice.
 */
export function encodeCursor(lastRowKey: string): string {
  return Buffer.from(lastRowKey, 'utf8').toString('base64url');
}

/**
 * The RowKey a cursor stands for. Throws a `ValidationError` for anything `encodeCursor` did
 * not produce from a RowKey of the list (`isListRowKey`; the builds' `time|` rows unless
 * told): a bad cursor is the caller's mistake, never a server error.
 */
export function decodeCursor(
  cursor: string,
  isListRowKey: (rowKey: string) => boolean = isTimeRowKey,
): string {
  const rowKey = /^[A-Za-z0-9_-]{1,1400}$/.test(cursor)
    ? Buffer.from(cursor, 'base64url').toString('utf8')
    : '';
  if (!isListRowKey(rowKey) || encodeCursor(rowKey) !== cursor)
    throw new ValidationError('cursor', [
      { path: 'cursor', message: 'is not a cursor from a previous page of this list' },
    ]);
  return rowKey;
}
