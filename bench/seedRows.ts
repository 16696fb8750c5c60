import type { TableClient, TransactionAction } from '@azure/data-tables';
import { planCommit, planHistoryEvent } from '../src/adapters/tables/tablesPromotionCommit.js';
import { STATE_ROW_KEY } from '../src/adapters/tables/tablesPromotionKeys.js';
import { planRecordBuild } from '../src/adapters/tables/tablesWritePlans.js';
import type { OutcomeEvent } from '../src/domain/outcomeEvent.js';
import type { Promotion } from '../src/domain/promotion.js';
import type { BuildPush } from '../src/ports/buildLedger.js';

/*
 * Seeded history: the exact rows the ledgers write (their own write plans build them), without
 * the reads a write through the port makes first, written straight into a repository's
 * partition in entity-group transactions of 100 (or, for the growth bench's large partitions,
 * loaded into Azurite's store by `azuriteStore.ts`). Seeding is setup, not a measurement.
 */

/** Rows per transaction: Table Storage's limit. */
const PER_TRANSACTION = 100;

/** The row actions of one transaction's worth of items, in order, `concurrency` at a time. */
async function submitAll(
  client: TableClient,
  actions: readonly TransactionAction[],
  concurrency: number,
): Promise<void> {
  const groups: TransactionAction[][] = [];
  for (let i = 0; i < actions.length; i += PER_TRANSACTION)
    groups.push(actions.slice(i, i + PER_TRANSACTION));
  let next = 0;
  const worker = async () => {
    for (let g = groups[next++]; g !== undefined; g = groups[next++]) {
      for (let attempt = 1; ; attempt++) {
        try {
          // Creates find no row to replace first (half of an upsert's work in Azurite); a
          // retry upserts, since the first try may have landed.
          await client.submitTransaction(attempt === 1 ? g.map(asCreate) : g.map(asUpsert));
          break;
        } catch (error) {
          // Azurite in memory slows down as a partition grows: a timed-out transaction is
          // tried again (every action is an upsert, so a repeat changes nothing).
          if (attempt >= 5) throw error;
          await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Creates become upserts, so that a retried transaction lands the same rows. */
const asUpsert = (action: TransactionAction): TransactionAction =>
  action[0] === 'create' ? ['upsert', action[1], 'Replace'] : action;

/** Upserts become creates: seeded rows are new. */
const asCreate = (action: TransactionAction): TransactionAction =>
  action[0] === 'upsert' ? ['create', action[1]] : action;

/**
 * The rows of `promotions` (each with the outcome that finished it) as the promotion ledger's
 * commit and history writes leave them, except the state row, which seeded history does not
 * change (counters and promotions have rows of their own): `promotion|`, `digest|`, `tag|`,
 * `counter|`, `message|` and `history|`.
 */
export function promotionSeedActions(
  repository: string,
  promotions: readonly { readonly promotion: Promotion; readonly outcome: OutcomeEvent }[],
): TransactionAction[] {
  return promotions.flatMap(({ promotion: p, outcome }) => [
    ...planCommit(
      repository,
      {
        expectedEtag: '*',
        heads: {},
        counters:
          p.version === undefined ? [] : [{ stage: p.stage, version: p.version, n: p.n ?? 1 }],
        promotions: [p],
      },
      'seed',
    ).filter((a) => a[1].rowKey !== STATE_ROW_KEY),
    ...planHistoryEvent(repository, outcome),
  ]);
}

/** Writes `promotionSeedActions` into the partition. */
export async function seedPromotionRows(
  client: TableClient,
  repository: string,
  promotions: readonly { readonly promotion: Promotion; readonly outcome: OutcomeEvent }[],
  concurrency = 4,
): Promise<void> {
  await submitAll(client, promotionSeedActions(repository, promotions), concurrency);
}

/**
 * The rows of new builds, one per push, as the build ledger records a first push: `event|`,
 * `build|`, `time|`, `sha|` and `buildtag|`.
 */
export function buildSeedActions(pushes: readonly BuildPush[]): TransactionAction[] {
  return pushes.flatMap(
    (push) => planRecordBuild(push, undefined, { gitSha: false, tag: false }).actions,
  );
}

/** Writes `buildSeedActions`, partition by partition. */
export async function seedBuildRows(
  client: TableClient,
  pushes: readonly BuildPush[],
  concurrency = 4,
): Promise<void> {
  const byPartition = new Map<string, TransactionAction[]>();
  for (const action of buildSeedActions(pushes)) {
    const list = byPartition.get(action[1].partitionKey) ?? [];
    list.push(action);
    byPartition.set(action[1].partitionKey, list);
  }
  for (const actions of byPartition.values()) await submitAll(client, actions, concurrency);
}
