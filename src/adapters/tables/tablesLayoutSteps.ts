import type { TableEntity, TransactionAction } from '@azure/data-tables';
import type { Promotion } from '../../domain/promotion.js';
import type { RepositoryState } from '../../ports/promotionLedger.js';
import { checkLimits, counterAction, TABLES_LIMITS } from './tablesPromotionCommit.js';
import { promotionDigestEntity, stateEntity, type LayoutMove } from './tablesPromotionRows.js';

/* The transactions that move a promotion ledger of an older layout forward, step by step. */

/** Rows one step of a layout move carries besides the state row: a transaction's 100 rows. */
export const ROWS_PER_LAYOUT_STEP = TABLES_LIMITS.operationsPerTransaction - 1;

/** What a layout step knows of the state row it replaces (only if its ETag still matches). */
interface StateAsRead {
  readonly heads: RepositoryState['heads'];
  readonly etag: string;
  readonly commitId: string | undefined;
}

/**
 * One step of moving a `state` row of the old format, which kept every rc counter in one
 * `counters` property, to `counter|` rows: the first `ROWS_PER_LAYOUT_STEP` counters left in
 * it become rows (upserted), and the state row, only if it still has the ETag read, is
 * replaced by itself without them (without the property once none is left). Each step moves
 * its counters all or nothing, so every counter is either in the state row or in its own row,
 * never lost; a concurrent step or commit makes it fail with 412, and the caller re-reads.
 */
export function planLegacyCounterMove(
  repository: string,
  state: StateAsRead,
  legacy: Readonly<Record<string, number>>,
): TransactionAction[] {
  const entries = Object.entries(legacy);
  const moved = entries.slice(0, ROWS_PER_LAYOUT_STEP);
  const left = entries.slice(ROWS_PER_LAYOUT_STEP);
  const actions: TransactionAction[] = [
    stateStep(repository, state, {
      counters: left.length > 0 ? Object.fromEntries(left) : undefined,
    }),
    ...moved.map(([key, n]): TransactionAction => {
      const bar = key.indexOf('|');
      const stage = bar < 0 ? key : key.slice(0, bar);
      const version = bar < 0 ? '' : key.slice(bar + 1);
      return counterAction(repository, { stage, version }, n);
    }),
  ];
  checkLimits(repository, actions);
  return actions;
}

/**
 * One step of writing the `digest|` copies a ledger of the old layout lacks: `batch` (at
 * most `ROWS_PER_LAYOUT_STEP` promotion rows, in RowKey order, the next after the state's
 * `indexedThrough`) gets its copies (upserted), and the state row, only if it still has the
 * ETag read, records the last RowKey done, or, with `last`, marks layout 2 (the next move
 * writes the `pending|` and `deadletter|` rows). Every commit changes the state, so a
 * promotion that changed after the batch was read makes the step fail with 412 (the caller
 * re-reads), and no copy is ever older than its row.
 */
export function planDigestIndexStep(
  repository: string,
  state: StateAsRead,
  batch: readonly { readonly rowKey: string; readonly promotion: Promotion }[],
  last: boolean,
): TransactionAction[] {
  const through = batch.at(-1)?.rowKey;
  return planCopyStep(
    repository,
    state,
    batch.map(({ promotion }) => promotionDigestEntity(repository, promotion)),
    last ? { layout: 2 } : { indexedThrough: through },
  );
}

/**
 * One step of a layout move that writes copies (at most `ROWS_PER_LAYOUT_STEP`, upserted)
 * and replaces the state row, only if it still has the ETag read, by itself with `move`
 * (how far the move has come; undefined marks the current layout).
 */
export function planCopyStep(
  repository: string,
  state: StateAsRead,
  copies: readonly TableEntity[],
  move: LayoutMove | undefined,
): TransactionAction[] {
  const actions: TransactionAction[] = [
    stateStep(repository, state, move),
    ...copies.map((copy): TransactionAction => ['upsert', copy, 'Replace']),
  ];
  checkLimits(repository, actions);
  return actions;
}

function stateStep(
  repository: string,
  state: StateAsRead,
  move: LayoutMove | undefined,
): TransactionAction {
  // A commit whose answer was lost recognises itself by the commit id: keep it.
  const row = stateEntity(repository, state, state.commitId ?? '', move);
  return ['update', row, 'Replace', { etag: state.etag }];
}
