import type { TableClient } from '@azure/data-tables';
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
