import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { MarkerSweep } from '../../ports/markerSweep.js';
import {
  isEntityNotFound,
  isTableNotFound,
  isWriteConflict,
  ledgerFailure,
} from './tablesErrors.js';
import { partitionKeyOf, type RowKeyRange } from './tablesKeys.js';

/** Rows one transaction deletes at most: Table Storage's limit per entity-group transaction. */
export const DELETES_PER_TRANSACTION = 100;

/** Rows read per page. */
const PAGE_SIZE = 1000;

/** The `event|` markers of the builds ledger (see `tablesKeys.ts`). */
const eventRange: RowKeyRange = { from: 'event|', to: 'event}' };

/** A row to delete: its keys and the ETag it was read with. */
interface Doomed {
  readonly partitionKey: string;
  readonly rowKey: string;
  readonly etag: string;
}

/** The tables whose markers are swept. */
export interface TablesMarkerSweepOptions {
  /** The builds ledger's table (`event|` rows). */
  readonly builds: TableClient;
  /** The replay guard's table (every row: `expiresAt`). */
  readonly replays: TableClient;
}

/**
 * Deletes `rows` (all of one partition) in transactions of at most 100. A transaction's
 * deletes are unconditional (the SDK's transactions send no If-Match on a delete), which is
 * right for markers: they are created once and never changed. A transaction that fails
 * because a row went meanwhile (a concurrent sweep) is done row by row instead, skipping it.
 * Returns how many rows this call deleted.
 */
async function deleteMarkers(client: TableClient, rows: readonly Doomed[]): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < rows.length; i += DELETES_PER_TRANSACTION) {
    const batch = rows.slice(i, i + DELETES_PER_TRANSACTION);
    try {
      await client.submitTransaction(
        batch.map(({ partitionKey, rowKey }): TransactionAction => [
          'delete',
          { partitionKey, rowKey },
        ]),
      );
      deleted += batch.length;
      continue;
    } catch (error) {
      if (!isEntityNotFound(error)) throw error;
    }
    deleted += await deleteEach(client, batch);
  }
  return deleted;
}

/**
 * Deletes each row only if it still has the ETag read: a replay row may be claimed again
 * (replaced) once expired, and that fresh claim must stay. One request a row.
 */
async function deleteEach(client: TableClient, rows: readonly Doomed[]): Promise<number> {
  let deleted = 0;
  for (const row of rows)
    try {
      await client.deleteEntity(row.partitionKey, row.rowKey, { etag: row.etag });
      deleted++;
    } catch (error) {
      if (!isWriteConflict(error) && !isEntityNotFound(error)) throw error;
    }
  return deleted;
}

/**
 * Reads the rows of `filter` a page at a time (only their keys and `timeProperty`) and deletes
 * those whose `timeProperty` is before `before` with `remove`, partition by partition.
 * The filter narrows by the same time on the service; the time is checked again here, so a
 * row inside the window is never deleted whatever the service's string comparison let through.
 */
async function sweep(
  client: TableClient,
  query: { readonly filter: string; readonly timeProperty: string; readonly before: Date },
  remove: (client: TableClient, rows: readonly Doomed[]) => Promise<number>,
): Promise<number> {
  const { filter, timeProperty, before } = query;
  let removed = 0;
  const pages = client
    .listEntities({
      queryOptions: { filter, select: ['PartitionKey', 'RowKey', timeProperty] },
    })
    .byPage({ maxPageSize: PAGE_SIZE });
  try {
    for await (const page of pages) {
      const byPartition = new Map<string, Doomed[]>();
      for (const row of page) {
        const time = row[timeProperty];
        const ms = typeof time === 'string' ? Date.parse(time) : NaN;
        if (!(ms < before.getTime()) || !row.partitionKey || !row.rowKey || !row.etag) continue;
        const doomed = { partitionKey: row.partitionKey, rowKey: row.rowKey, etag: row.etag };
        byPartition.set(row.partitionKey, [...(byPartition.get(row.partitionKey) ?? []), doomed]);
      }
      for (const rows of byPartition.values()) removed += await remove(client, rows);
    }
  } catch (error) {
    // A table never created holds no markers.
    if (isTableNotFound(error)) return removed;
    throw error;
  }
  return removed;
}

/**
 * The `MarkerSweep` on Azure Table Storage: a repository's `event|` rows of the builds table
 * (by `handledAt`), read by their key range in its partition, 100 deleted a transaction. The replay table's rows by `expiresAt` (that
 * table holds nothing else, and a row lives only as long as its window, so the query reads
 * about one window's claims), each deleted only if unchanged since read (see `deleteEach`).
 */
export function createTablesMarkerSweep(options: TablesMarkerSweepOptions): MarkerSweep {
  const { builds, replays } = options;
  return {
    async sweepEventMarkers(repository: string, before: Date): Promise<number> {
      try {
        const pk = partitionKeyOf(repository);
        const { from, to } = eventRange;
        const iso = before.toISOString();
        const filter = odata`PartitionKey eq ${pk} and RowKey ge ${from} and RowKey lt ${to} and handledAt lt ${iso}`;
        return await sweep(builds, { filter, timeProperty: 'handledAt', before }, deleteMarkers);
      } catch (error) {
        throw ledgerFailure(`sweeping the event markers of ${repository}`, error);
      }
    },
    async sweepReplays(before: Date): Promise<number> {
      try {
        const filter = odata`expiresAt lt ${before.toISOString()}`;
        return await sweep(replays, { filter, timeProperty: 'expiresAt', before }, deleteEach);
      } catch (error) {
        throw ledgerFailure('sweeping expired replay rows', error);
      }
    },
  };
}
