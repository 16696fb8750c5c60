import type { TableClient, TransactionAction } from '@azure/data-tables';
import type { PromotionCommit } from '../../ports/promotionLedger.js';
import { isEntityNotFound, isWriteConflict } from './tablesErrors.js';
import { readRow } from './tablesPartition.js';
import { planCommit } from './tablesPromotionCommit.js';
import { pendingRowKey, STATE_ROW_KEY } from './tablesPromotionKeys.js';
import { commitIdOfRow } from './tablesPromotionRowSchemas.js';

/* The promotion ledger's writes (`TablesPromotionLedger`): each one transaction. */

/** Writes a history event's rows; `duplicate` when its message row exists already. */
export async function submitHistory(
  client: TableClient,
  actions: TransactionAction[],
): Promise<{ readonly kind: 'recorded' | 'duplicate' }> {
  try {
    await client.submitTransaction(actions);
    return { kind: 'recorded' };
  } catch (error) {
    if (!isWriteConflict(error)) throw error;
  }
  // 409: the message row exists: recorded before (or by the SDK's own retry of this call).
  return { kind: 'duplicate' };
}

/**
 * Commits `change` as one transaction settled by the state row's ETag (`planCommit`):
 * `conflict` when the state or the message row was written meanwhile.
 */
export async function submitCommit(
  client: TableClient,
  repository: string,
  change: PromotionCommit,
  commitId: string,
): Promise<{ readonly kind: 'committed' | 'conflict' }> {
  const actions = planCommit(
    repository,
    change,
    commitId,
    await pendingRowsLeaving(client, repository, change),
  );
  try {
    await client.submitTransaction(actions);
    return { kind: 'committed' };
  } catch (error) {
    // 409: the state or the message row was created meanwhile; 412: the state changed;
    // 404: the state row we expected is gone. Not retried here: the caller re-reads and
    // decides again.
    if (!isWriteConflict(error) && !isEntityNotFound(error)) throw error;
  }
  // The SDK retries a request whose answer was lost (timeout, 5xx); when the first try
  // had landed, the retry conflicts with it. The state row then names this commit.
  const state = await readRow(client, repository, STATE_ROW_KEY);
  return { kind: state && commitIdOfRow(state) === commitId ? 'committed' : 'conflict' };
}

/**
 * The `pending|` RowKeys that exist for the commit's promotions that are no longer pending
 * (point reads, one per such promotion), so the commit deletes exactly those. Read after
 * the state the commit is made on: a commit between that read and this one changes the
 * state's ETag, and this commit then conflicts.
 */
async function pendingRowsLeaving(
  client: TableClient,
  repository: string,
  change: PromotionCommit,
): Promise<ReadonlySet<string>> {
  const keys = new Set(
    change.promotions.filter((p) => p.status !== 'pending').map((p) => pendingRowKey(p)),
  );
  const found = await Promise.all(
    [...keys].map(async (key) => ((await readRow(client, repository, key)) ? key : '')),
  );
  return new Set(found.filter((key) => key !== ''));
}
