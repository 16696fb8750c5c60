import { randomUUID } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import type { OutcomeEvent } from '../../domain/outcomeEvent.js';
import type { Promotion } from '../../domain/promotion.js';
import type {
  CounterKey,
  PromotionCommit,
  PromotionLedger,
  RepositoryState,
} from '../../ports/promotionLedger.js';
import { ensureTableOnce } from './tablesEnsureTable.js';
import { ledgerFailure } from './tablesErrors.js';
import { partitionKeyOf } from './tablesKeys.js';
import { pageQuery, readPage } from './tablesPage.js';
import { planCommit, planHistoryEvent } from './tablesPromotionCommit.js';
import { submitCommit, submitHistory } from './tablesPromotionWrites.js';
import {
  counterRowKey,
  deadLetterRange,
  digestRange,
  historyRange,
  isDeadLetterRowKey,
  isHistoryRowKey,
  isPromotionRowKey,
  messageRowKey,
  pendingRange,
  promotionRange,
  promotionRowKey,
  tagRowKey,
} from './tablesPromotionKeys.js';
import {
  counterOfRow,
  outcomeOfRow,
  promotionKeyOfTagRow,
  promotionOfRow,
  stateOfRow,
} from './tablesPromotionRowSchemas.js';
import { queryRange, readRow } from './tablesPartition.js';
import { currentStateRow } from './tablesPromotionLayout.js';

/** What the Tables promotion store needs. */
export interface TablesPromotionLedgerOptions {
  /**
   * A client for the store's own table (e.g. `promoterpromotions`, see `createTablesClient`);
   * the table is created on first use.
   */
  readonly client: TableClient;
}

/**
 * The promotion store in one Azure table, a partition per repository (keys as in the builds
 * ledger; rows in `tablesPromotionKeys.ts`). Every commit is one entity-group transaction
 * that includes the `state` row, so the state's ETag orders all writes to a repository.
 */
class TablesPromotionLedger implements PromotionLedger {
  private readonly client: TableClient;
  private readonly ready: () => Promise<void>;

  constructor(options: TablesPromotionLedgerOptions) {
    this.client = options.client;
    this.ready = ensureTableOnce(options.client);
  }

  /**
   * The state row, point read. A ledger of the old layout is first moved to the current one
   * (see `current`); every write begins with this read, so every commit is made on a state of
   * the current layout, and `getCounter` need look nowhere else.
   */
  async getRepositoryState(repository: string): Promise<RepositoryState> {
    return this.run(`reading the promotion state of ${repository}`, async () => {
      const row = await currentStateRow(this.client, repository);
      return row ? stateOfRow(row) : { heads: {}, etag: undefined };
    });
  }

  async getCounter(repository: string, key: CounterKey): Promise<number> {
    const doing = `reading the ${key.stage} counter of ${repository} ${key.version ?? ''}`.trim();
    const row = await this.run(doing, () => readRow(this.client, repository, counterRowKey(key)));
    return row ? counterOfRow(row) : 0;
  }

  async getPromotion(
    repository: string,
    key: { readonly stage: string; readonly version?: string | undefined; readonly digest: string },
  ): Promise<Promotion | undefined> {
    const doing = `reading the ${key.stage} promotion of ${repository}@${key.digest}`;
    const row = await this.run(doing, () => readRow(this.client, repository, promotionRowKey(key)));
    return row && promotionOfRow(row);
  }

  async listPromotions(repository: string): Promise<readonly Promotion[]> {
    return this.run(`listing the promotions of ${repository}`, async () => {
      const promotions: Promotion[] = [];
      for await (const row of queryRange(this.client, repository, promotionRange, 1000))
        promotions.push(promotionOfRow(row));
      return promotions;
    });
  }

  async appendHistory(
    repository: string,
    event: OutcomeEvent,
  ): Promise<{ readonly kind: 'recorded' | 'duplicate' }> {
    const actions = planHistoryEvent(repository, event);
    return this.run(`recording ${event.outcome} in the history of ${repository}`, () =>
      submitHistory(this.client, actions),
    );
  }

  /** The `digest|` copies of the digest's promotions: one key range, after the state's point read. */
  async listPromotionsOfDigest(repository: string, digest: string): Promise<readonly Promotion[]> {
    return this.run(`listing the promotions of ${repository}@${digest}`, async () => {
      // Readers that did not read the state first (drift, retention) must not miss promotions
      // of a ledger whose copies are not written yet.
      await currentStateRow(this.client, repository);
      const promotions: Promotion[] = [];
      for await (const row of queryRange(this.client, repository, digestRange(digest), 100))
        promotions.push(promotionOfRow(row));
      return promotions;
    });
  }

  /** The `pending|` copies: one key range, after the state's point read (as above). */
  async listPendingPromotions(repository: string): Promise<readonly Promotion[]> {
    return this.run(`listing the pending promotions of ${repository}`, async () => {
      await currentStateRow(this.client, repository);
      const promotions: Promotion[] = [];
      for await (const row of queryRange(this.client, repository, pendingRange, 1000))
        promotions.push(promotionOfRow(row));
      return promotions;
    });
  }

  async listDeadLetters(
    repository: string,
    page: { readonly limit: number; readonly cursor?: string | undefined },
  ): Promise<{
    readonly outcomes: readonly OutcomeEvent[];
    readonly nextCursor?: string | undefined;
  }> {
    const query = pageQuery(deadLetterRange, page, isDeadLetterRowKey);
    return this.run(`listing the dead letters of ${repository}`, async () => {
      await currentStateRow(this.client, repository);
      const { items, nextCursor } = await readPage(this.client, repository, query, outcomeOfRow);
      return nextCursor === undefined ? { outcomes: items } : { outcomes: items, nextCursor };
    });
  }

  async findPromotionByTag(repository: string, tag: string): Promise<Promotion | undefined> {
    return this.run(`finding the promotion of ${repository}:${tag}`, async () => {
      const pointer = await readRow(this.client, repository, tagRowKey(tag));
      if (!pointer) return undefined;
      const rowKey = promotionKeyOfTagRow(pointer);
      if (!isPromotionRowKey(rowKey))
        throw new Error(
          `promotion store row ${partitionKeyOf(repository)}/tag|${tag} is malformed`,
        );
      const row = await readRow(this.client, repository, rowKey);
      return row && promotionOfRow(row);
    });
  }

  async getOutcome(repository: string, messageId: string): Promise<OutcomeEvent | undefined> {
    const row = await this.run(`reading the outcome of message ${messageId} (${repository})`, () =>
      readRow(this.client, repository, messageRowKey(messageId)),
    );
    return row && outcomeOfRow(row);
  }

  async listHistory(
    repository: string,
    page: { readonly limit: number; readonly cursor?: string | undefined },
  ): Promise<{
    readonly outcomes: readonly OutcomeEvent[];
    readonly nextCursor?: string | undefined;
  }> {
    const query = pageQuery(historyRange, page, isHistoryRowKey);
    return this.run(`listing the promotion history of ${repository}`, async () => {
      const { items, nextCursor } = await readPage(this.client, repository, query, outcomeOfRow);
      return nextCursor === undefined ? { outcomes: items } : { outcomes: items, nextCursor };
    });
  }

  async commit(
    repository: string,
    change: PromotionCommit,
  ): Promise<{ readonly kind: 'committed' | 'conflict' }> {
    const commitId = randomUUID();
    planCommit(repository, change, commitId); // refuses a bad change before any read
    return this.run(`committing promotions of ${repository}`, () =>
      submitCommit(this.client, repository, change, commitId),
    );
  }

  /** Runs `operation` once the table exists, and names `doing` in errors. */
  private async run<T>(doing: string, operation: () => Promise<T>): Promise<T> {
    try {
      await this.ready();
      return await operation();
    } catch (error) {
      throw ledgerFailure(doing, error);
    }
  }
}

/**
 * The `PromotionLedger` on Azure Table Storage. `commit` is one entity-group transaction
 * settled by the `state` row's ETag; it answers `conflict` (never retrying) when the state or
 * the outcome's message was written meanwhile, and throws an Error before writing anything
 * when the change exceeds Table Storage's limits (100 rows, 1 MiB per row, 64 KiB per
 * string). An outage is a `TransientError` naming the operation; a bad history cursor or
 * limit a `ValidationError`.
 */
export function createTablesPromotionLedger(
  options: TablesPromotionLedgerOptions,
): PromotionLedger {
  return new TablesPromotionLedger(options);
}
