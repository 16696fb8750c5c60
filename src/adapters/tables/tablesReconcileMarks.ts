import type { TableClient } from '@azure/data-tables';
import { z } from 'zod';
import type { ReconcileMark, ReconcileMarks } from '../../ports/reconcileMarks.js';
import { ensureTableOnce } from './tablesEnsureTable.js';
import { ledgerFailure } from './tablesErrors.js';
import { partitionKeyOf, type RowKeyRange } from './tablesKeys.js';
import { parseRowWith, queryRange } from './tablesPartition.js';

/** The partition of the marks, in the builds table (no repository name starts with `~`). */
export const RECONCILE_MARKS_PARTITION = '~reconcile';

const markRange: RowKeyRange = { from: 'mark|', to: 'mark}' };

const markRow = z.object({
  repository: z.string().min(1),
  listedUpTo: z.string().optional(),
  fullSweepAt: z.string().optional(),
});

/**
 * The reconciler's marks in the ledger's builds table: one `mark|<repository>` row per
 * repository in the partition `~reconcile`, read all at once with one query (a page holds
 * 1000 rows) and replaced whole on write (last writer wins: a stale mark only makes the next
 * run list more).
 */
export function createTablesReconcileMarks(options: { client: TableClient }): ReconcileMarks {
  const { client } = options;
  const ready = ensureTableOnce(client);
  return {
    async readAll() {
      try {
        await ready();
        const marks = new Map<string, ReconcileMark>();
        for await (const row of queryRange(client, RECONCILE_MARKS_PARTITION, markRange, 1000)) {
          const { repository, ...mark } = parseRowWith(markRow, row, 'reconcile marks');
          marks.set(repository, mark);
        }
        return marks;
      } catch (error) {
        throw ledgerFailure('reading the reconciler marks', error);
      }
    },
    async write(repository, mark) {
      try {
        await ready();
        await client.upsertEntity(
          {
            partitionKey: RECONCILE_MARKS_PARTITION,
            rowKey: `mark|${partitionKeyOf(repository)}`,
            repository,
            ...(mark.listedUpTo === undefined ? {} : { listedUpTo: mark.listedUpTo }),
            ...(mark.fullSweepAt === undefined ? {} : { fullSweepAt: mark.fullSweepAt }),
          },
          'Replace',
        );
      } catch (error) {
        throw ledgerFailure(`writing the reconciler mark of ${repository}`, error);
      }
    },
  };
}
