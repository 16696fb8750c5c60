import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TableClient } from '@azure/data-tables';
import { describe, expect, inject, it } from 'vitest';
import { createTablesClient } from '../../src/adapters/tables/tablesClient.js';
import { partitionKeyOf } from '../../src/adapters/tables/tablesKeys.js';
import { createTablesPromotionLedger } from '../../src/adapters/tables/tablesPromotionLedger.js';
import { seedStore, startStoreAzurite } from '../../bench/azuriteStore.js';
import { seededPromotions } from '../../bench/growthSeed.js';
import { promotionSeedActions, seedPromotionRows } from '../../bench/seedRows.js';

/*
 * The growth bench loads its history into Azurite through temporary partitions and a rewrite
 * of Azurite's saved store (bench/azuriteStore.ts). What it measures on is only worth as much
 * as that store: it must hold exactly the rows the ledger's writes leave, in the real
 * partition, readable and writable by the real ledger.
 */

/** Every row of `partitionKey`, RowKey order, without what Azurite sets at write time. */
async function rowsOf(client: TableClient, partitionKey: string) {
  const rows: Record<string, unknown>[] = [];
  const listed = client.listEntities({
    queryOptions: { filter: `PartitionKey eq '${partitionKey}'` },
  });
  for await (const entity of listed) {
    const row: Record<string, unknown> = { ...entity };
    delete row.etag;
    delete row.timestamp;
    rows.push(row);
  }
  return rows.sort((a, b) => String(a.rowKey).localeCompare(String(b.rowKey)));
}

describe('the growth bench’s seeded Azurite store', () => {
  it('holds the rows a direct write leaves, in the real partition, for the real ledger', async () => {
    const repository = `team/app-${randomUUID().slice(0, 8)}`;
    const history = seededPromotions(repository, 120); // 720 rows: 8 transactions
    const tableName = `g${randomUUID().replaceAll('-', '').slice(0, 20)}`;

    const direct = createTablesClient({
      connectionString: inject('tablesConnectionString'),
      tableName,
    });
    await direct.createTable();
    await seedPromotionRows(direct, repository, history);

    const dir = await mkdtemp(path.join(os.tmpdir(), 'promoter-store-'));
    try {
      const stored = await seedStore(
        dir,
        new Map([[tableName, promotionSeedActions(repository, history)]]),
      );
      expect(stored).toBe(720);
      const azurite = await startStoreAzurite(dir);
      try {
        const loaded = createTablesClient({
          connectionString: azurite.connectionString,
          tableName,
        });
        const expected = await rowsOf(direct, partitionKeyOf(repository));
        expect(expected).toHaveLength(720);
        expect(await rowsOf(loaded, partitionKeyOf(repository))).toEqual(expected);

        const ledger = createTablesPromotionLedger({ client: loaded });
        const last = history.at(-1)?.promotion;
        if (!last) throw new Error('no seeded history');
        expect(await ledger.findPromotionByTag(repository, '0.119.0-rc1')).toEqual(last);
        expect(await ledger.listPromotionsOfDigest(repository, last.digest)).toEqual([last]);
        // Azurite's key indexes were rebuilt: a new row lands and is found among the old.
        await loaded.createEntity({ partitionKey: partitionKeyOf(repository), rowKey: 'zz|new' });
        expect(await rowsOf(loaded, partitionKeyOf(repository))).toHaveLength(721);
        const first = history[0]?.promotion;
        expect(first && (await ledger.findPromotionByTag(repository, '0.0.0-rc1'))).toEqual(first);
      } finally {
        await azurite.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
