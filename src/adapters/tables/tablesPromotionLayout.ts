import type { TableClient, TransactionAction } from '@azure/data-tables';
import type { Promotion } from '../../domain/promotion.js';
import { isEntityNotFound, isWriteConflict } from './tablesErrors.js';
import { queryRange, readRow, type Row } from './tablesPartition.js';
import {
  planDigestIndexStep,
  planLegacyCounterMove,
  ROWS_PER_LAYOUT_STEP,
} from './tablesPromotionCommit.js';
import { promotionRange, STATE_ROW_KEY } from './tablesPromotionKeys.js';
import {
  commitIdOfRow,
  layoutOfRow,
  promotionOfRow,
  stateOfRow,
} from './tablesPromotionRowSchemas.js';

/**
 * Steps after which moving a ledger of the old layout gives up (and the caller's message is
 * redelivered, going on where it stopped): about 23 for a full `counters` property, and one
 * per 99 promotions.
 */
const MAX_MOVE_STEPS = 1000;

/**
 * The state row (undefined when the repository has none) once the repository is of the
 * current layout. A ledger of the old layout is moved step by step, each step one
 * transaction that also replaces the state row only if its ETag is still the one read:
 * first the rc counters of its `counters` property to `counter|` rows (99 a step), then a
 * `digest|` copy for every promotion written before copies existed (the promotion rows in
 * RowKey order, 99 a step, the state row recording the last one done). A step that loses
 * to a concurrent one, or to a commit, is simply read again: the state row says how far
 * the move has come, and no counter or copy is lost or older than its source.
 */
export async function currentStateRow(
  client: TableClient,
  repository: string,
): Promise<Row | undefined> {
  for (let step = 0; ; step++) {
    const row = await readRow(client, repository, STATE_ROW_KEY);
    if (!row) return undefined;
    const layout = layoutOfRow(row);
    if (layout === 'current') return row;
    if (step >= MAX_MOVE_STEPS)
      throw new Error(
        `moving the promotion store of ${repository} to the current layout: it is still not done after ${String(step)} steps`,
      );
    const state = { heads: stateOfRow(row).heads, etag: row.etag, commitId: commitIdOfRow(row) };
    let move: TransactionAction[];
    if (layout.counters !== undefined) {
      move = planLegacyCounterMove(repository, state, layout.counters);
    } else {
      const from = layout.indexedThrough;
      const range = { from: from ?? promotionRange.from, to: promotionRange.to };
      const batch: { rowKey: string; promotion: Promotion }[] = [];
      const rows = queryRange(client, repository, range, ROWS_PER_LAYOUT_STEP, {
        exclusive: from !== undefined,
      });
      for await (const r of rows) {
        batch.push({ rowKey: r.rowKey ?? '', promotion: promotionOfRow(r) });
        if (batch.length === ROWS_PER_LAYOUT_STEP) break;
      }
      move = planDigestIndexStep(repository, state, batch, batch.length < ROWS_PER_LAYOUT_STEP);
    }
    try {
      await client.submitTransaction(move);
    } catch (error) {
      if (!isWriteConflict(error) && !isEntityNotFound(error)) throw error;
    }
  }
}
