import { odata, type TableClient } from '@azure/data-tables';
import { partitionKeyOf } from '../../src/adapters/tables/tablesKeys.js';
import type { StageHead } from '../../src/domain/promotion.js';

/**
 * Writes a repository's `state` row as promoter wrote it before counter rows: the stage heads
 * and every rc counter (`<stage>|<version>` to `n`) in one JSON `counters` property. What a
 * ledger kept by that version looks like; `tablesPromotionLedger.ts` moves it on first read.
 */
export async function seedLegacyState(
  client: TableClient,
  repository: string,
  state: {
    readonly heads?: Readonly<Record<string, StageHead>>;
    readonly counters: Readonly<Record<string, number>>;
    readonly commitId?: string;
  },
): Promise<void> {
  await client.createTable().catch((error: unknown) => {
    if ((error as { statusCode?: number }).statusCode !== 409) throw error;
  });
  await client.upsertEntity(
    {
      partitionKey: partitionKeyOf(repository),
      rowKey: 'state',
      repository,
      heads: JSON.stringify(state.heads ?? {}),
      counters: JSON.stringify(state.counters),
      commitId: state.commitId ?? 'legacy-commit',
    },
    'Replace',
  );
}

/**
 * `count` rc counters of versions `<major>.<minor>.<i>` (i from 0), each at `1 + i % 9`, in
 * the old format's key form.
 */
export function legacyCounters(count: number, prefix = '1.0'): Record<string, number> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [`rc|${prefix}.${String(i)}`, 1 + (i % 9)]),
  );
}

/**
 * Turns a repository's promotion rows into what promoter wrote before `pending|` and
 * `deadletter|` rows (layout 2): those rows removed, the state row marked `layout: 2`. What
 * a ledger kept by that version looks like; `tablesPromotionLayout.ts` moves it on first read.
 */
export async function downgradeToLayoutTwo(client: TableClient, repository: string): Promise<void> {
  const pk = partitionKeyOf(repository);
  for (const prefix of ['pending', 'deadletter']) {
    const filter = odata`PartitionKey eq ${pk} and RowKey ge ${`${prefix}|`} and RowKey lt ${`${prefix}}`}`;
    const keys: string[] = [];
    for await (const row of client.listEntities({ queryOptions: { filter, select: ['RowKey'] } }))
      keys.push(row.rowKey ?? '');
    for (let i = 0; i < keys.length; i += 100)
      await client.submitTransaction(
        keys.slice(i, i + 100).map((rowKey) => ['delete', { partitionKey: pk, rowKey }]),
      );
  }
  await client.updateEntity({ partitionKey: pk, rowKey: 'state', layout: 2 }, 'Merge');
}
