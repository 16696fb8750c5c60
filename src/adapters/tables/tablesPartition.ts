import { odata, type TableClient, type TableEntityResult } from '@azure/data-tables';
import type { z } from 'zod';
import { isEntityNotFound } from './tablesErrors.js';
import { partitionKeyOf, type RowKeyRange } from './tablesKeys.js';

/** A row as read back, with its ETag. */
export type Row = TableEntityResult<Record<string, unknown>>;

/** The row, or undefined when it does not exist. */
export async function readRow(
  client: TableClient,
  repository: string,
  rowKey: string,
): Promise<Row | undefined> {
  try {
    return await client.getEntity(partitionKeyOf(repository), rowKey);
  } catch (error) {
    if (isEntityNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * The rows of a RowKey range of a repository's partition, in RowKey order, fetched
 * `pageSize` at a time. `exclusive` starts after `range.from`; `andFilter` (an `odata`
 * fragment starting with ` and `) narrows the rows further.
 */
export async function* queryRange(
  client: TableClient,
  repository: string,
  range: RowKeyRange,
  pageSize: number,
  options: { readonly andFilter?: string; readonly exclusive?: boolean } = {},
): AsyncGenerator<Row> {
  const pk = partitionKeyOf(repository);
  const filter =
    (options.exclusive === true
      ? odata`PartitionKey eq ${pk} and RowKey gt ${range.from} and RowKey lt ${range.to}`
      : odata`PartitionKey eq ${pk} and RowKey ge ${range.from} and RowKey lt ${range.to}`) +
    (options.andFilter ?? '');
  const pages = client.listEntities({ queryOptions: { filter } }).byPage({ maxPageSize: pageSize });
  for await (const page of pages) yield* page;
}

/**
 * Parses a row of `table` (`ledger`, `promotion store`) with `schema`. Throws a plain Error
 * naming the row and each bad property when it is malformed: the table was written by
 * something else, which no retry will fix.
 */
export function parseRowWith<S extends z.ZodType>(
  schema: S,
  row: Record<string, unknown>,
  table: string,
): z.output<S> {
  const parsed = schema.safeParse(row);
  if (parsed.success) return parsed.data;
  const where = `${String(row['partitionKey'])}/${String(row['rowKey'])}`;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  throw new Error(`${table} row ${where} is malformed: ${issues}`);
}
