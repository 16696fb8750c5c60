import type { TableClient } from '@azure/data-tables';
import type { ReplayGuard } from '../../ports/replayGuard.js';
import { ensureTableOnce } from './tablesEnsureTable.js';
import {
  isEntityNotFound,
  isTableNotFound,
  isWriteConflict,
  ledgerFailure,
} from './tablesErrors.js';
import { idKeyPart } from './tablesKeys.js';

/**
 * Replay protection on Azure Table Storage: one row per (scope, id), created atomically, so
 * of two concurrent claims exactly one creates it. An expired row may be claimed again
 * (replaced under its ETag). Expired rows are removed by the `sweep` timer (`tablesMarkerSweep.ts`).
 *
 * A claim is one request: the row is written first and the table created only when the write
 * finds none (the first claim of a new deployment), so a chat request on a cold start pays no
 * table-exists round trip.
 */
export function createTablesReplayGuard(options: { client: TableClient }): ReplayGuard {
  const { client } = options;
  const ready = ensureTableOnce(client);
  const create = async (entity: { partitionKey: string; rowKey: string; expiresAt: string }) => {
    try {
      await client.createEntity(entity);
    } catch (error) {
      if (!isTableNotFound(error)) throw error;
      await ready();
      await client.createEntity(entity);
    }
  };
  return {
    async claim(scope, id, expiresAt) {
      const partitionKey = idKeyPart(scope);
      const rowKey = idKeyPart(id);
      const entity = { partitionKey, rowKey, expiresAt: expiresAt.toISOString() };
      try {
        try {
          await create(entity);
          return true;
        } catch (error) {
          if (!isWriteConflict(error)) throw error;
        }
        const existing = await client.getEntity<{ expiresAt: string }>(partitionKey, rowKey);
        if (Date.parse(existing.expiresAt) > Date.now()) return false;
        await client.updateEntity(entity, 'Replace', { etag: existing.etag });
        return true;
      } catch (error) {
        // Lost a race for an expired row, or it vanished meanwhile: someone else claimed it.
        if (isWriteConflict(error) || isEntityNotFound(error)) return false;
        throw ledgerFailure(`checking ${scope} request ${id} for a replay`, error);
      }
    },
  };
}
