import type { TableClient, TableEntity, TransactionAction } from '@azure/data-tables';
import type { Promotion } from '../../domain/promotion.js';
import { isEntityNotFound, isWriteConflict } from './tablesErrors.js';
import { queryRange, readRow, type Row } from './tablesPartition.js';
import {
  planCopyStep,
  planDigestIndexStep,
  planLegacyCounterMove,
  ROWS_PER_LAYOUT_STEP,
} from './tablesLayoutSteps.js';
import { historyRange, promotionRange, STATE_ROW_KEY } from './tablesPromotionKeys.js';
import {
  commitIdOfRow,
  layoutOfRow,
  outcomeOfRow,
  promotionOfRow,
  stateOfRow,
} from './tablesPromotionRowSchemas.js';
import { outcomeEntity, promotionPendingEntity, type LayoutMove } from './tablesPromotionRows.js';

/**
 * Steps after which moving a ledger of the old layout gives up (and the caller's message is
 * redelivered, going on where it stopped): about 23 for a full `counters` property, one per
 * 99 promotions, and one per `ROWS_LOOKED_AT_PER_STEP` promotions and history rows.
 */
const MAX_MOVE_STEPS = 1000;

/** Rows one step of the `pending|` or `deadletter|` move reads at most (one page). */
const ROWS_LOOKED_AT_PER_STEP = 1000;

/**
 * The state row (undefined when the repository has none) once the repository is of the
 * current layout. A ledger of the old layout is moved step by step, each step one
 * transaction that also replaces the state row only if its ETag is still the one read:
 * first the rc counters of its `counters` property to `counter|` rows (99 a step), then a
 * `digest|` copy for every promotion written before copies existed (the promotion rows in
 * RowKey order, 99 a step, the state row recording the last one done); then, on a ledger of
 * layout 2, a `pending|` copy of every pending promotion and a `deadletter|` copy of every
 * `failed` outcome in the history (`ROWS_LOOKED_AT_PER_STEP` rows looked at a step, the state
 * row's `movedThrough` recording the last). A step that loses
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
    } else if (layout.layout === 2) {
      move = await copyStep(client, repository, state, layout);
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

/**
 * One step of the move from layout 2: `pending|` copies while `movedThrough` is unset or a
 * `promotion|` RowKey, then `deadletter|` copies while it is a `history|` one; current after.
 */
async function copyStep(
  client: TableClient,
  repository: string,
  state: Parameters<typeof planCopyStep>[1],
  layout: LayoutMove,
): Promise<TransactionAction[]> {
  const from = layout.movedThrough;
  const history = from?.startsWith(historyRange.from) === true;
  const range = history ? historyRange : promotionRange;
  const copies: TableEntity[] = [];
  let through: string | undefined;
  let looked = 0;
  const rows = queryRange(client, repository, { from: from ?? range.from, to: range.to }, 1000, {
    exclusive: from !== undefined,
  });
  for await (const r of rows) {
    looked++;
    through = r.rowKey;
    if (history) {
      const outcome = outcomeOfRow(r);
      if (outcome.outcome === 'failed')
        copies.push(outcomeEntity(repository, 'deadletter', outcome, Date.parse(outcome.at)));
    } else {
      const promotion = promotionOfRow(r);
      if (promotion.status === 'pending')
        copies.push(promotionPendingEntity(repository, promotion));
    }
    if (copies.length === ROWS_PER_LAYOUT_STEP || looked === ROWS_LOOKED_AT_PER_STEP) break;
  }
  const more =
    through !== undefined &&
    (copies.length === ROWS_PER_LAYOUT_STEP || looked === ROWS_LOOKED_AT_PER_STEP);
  const next: LayoutMove | undefined = more
    ? { layout: 2, movedThrough: through }
    : history
      ? undefined
      : { layout: 2, movedThrough: historyRange.from };
  return planCopyStep(repository, state, copies, next);
}
