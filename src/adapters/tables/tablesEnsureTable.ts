import type { TableClient } from '@azure/data-tables';
import { TransientError } from '../../domain/errors.js';
import { ledgerFailure, serviceCode, statusOf } from './tablesErrors.js';

/** Creates the table unless it exists; throws the SDK's error otherwise. */
async function createTableIfMissing(client: TableClient): Promise<void> {
  try {
    await client.createTable();
  } catch (error) {
    if (statusOf(error) !== 409) throw error;
    // 409 TableBeingDeleted: the table is going away; it can be created again shortly.
    if (serviceCode(error) === 'TableBeingDeleted')
      throw new TransientError(`ledger table ${client.tableName} is being deleted`, {
        cause: error,
      });
    // 409 TableAlreadyExists, also when another instance created it a moment ago: success.
  }
}

/**
 * Creates the client's table unless it exists. Idempotent and safe to run concurrently from
 * several instances. An outage is thrown as a TransientError.
 */
export async function ensureLedgerTable(client: TableClient): Promise<void> {
  try {
    await createTableIfMissing(client);
  } catch (error) {
    throw ledgerFailure(`creating ledger table ${client.tableName}`, error);
  }
}

/**
 * Creates the table on first use: later calls share the outcome. A failure is forgotten, so
 * the next call tries again. Errors are the SDK's, for the caller to wrap with what it was
 * doing.
 */
export function ensureTableOnce(client: TableClient): () => Promise<void> {
  let ready: Promise<void> | undefined;
  return () => {
    ready ??= createTableIfMissing(client).catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };
}
