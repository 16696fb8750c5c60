import type { TableClient } from '@azure/data-tables';
import { ValidationError } from '../../domain/errors.js';
import { decodeCursor, encodeCursor } from './tablesCursor.js';
import type { RowKeyRange } from './tablesKeys.js';
import { queryRange, type Row } from './tablesPartition.js';

/** A checked request for one page of a newest-first list (`listBuilds`, the history). */
export interface PageQuery {
  readonly range: RowKeyRange;
  readonly limit: number;
  /** Whether the page starts after `range.from` (the last row of the page before). */
  readonly exclusive: boolean;
}

/**
 * The query for `limit` rows of the list in `range`, after `cursor` if given. Throws a
 * ValidationError for a limit outside 1–1000 or a cursor that is not from this list (one of
 * `isListRowKey`'s RowKeys; `decodeCursor`'s default unless told).
 */
export function pageQuery(
  range: RowKeyRange,
  page: { readonly limit: number; readonly cursor?: string | undefined },
  isListRowKey?: (rowKey: string) => boolean,
): PageQuery {
  const { limit } = page;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new ValidationError('limit', [{ path: 'limit', message: 'must be 1 to 1000' }]);
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, isListRowKey);
  return {
    range: { from: after ?? range.from, to: range.to },
    limit,
    exclusive: after !== undefined,
  };
}

/** One page of a repository's list, each row read with `ofRow`, and the next page's cursor. */
export async function readPage<T>(
  client: TableClient,
  repository: string,
  query: PageQuery,
  ofRow: (row: Row) => T,
): Promise<{ readonly items: T[]; readonly nextCursor?: string }> {
  const { range, limit, exclusive } = query;
  // One row more than asked tells whether another page follows.
  const rows: Row[] = [];
  for await (const row of queryRange(client, repository, range, limit + 1, { exclusive })) {
    rows.push(row);
    if (rows.length > limit) break;
  }
  const items = rows.slice(0, limit).map(ofRow);
  const last = rows[limit - 1];
  return rows.length > limit && last?.rowKey
    ? { items, nextCursor: encodeCursor(last.rowKey) }
    : { items };
}
