import type { TableClient } from '@azure/data-tables';
import { z } from 'zod';
import { CHECK_CONCLUSIONS, replacesCheck, type CheckResult } from '../../domain/checkResult.js';
import { isoDate } from '../../domain/isoDate.js';
import { TransientError } from '../../domain/errors.js';
import type { CheckLedger } from '../../ports/checkLedger.js';
import { ensureTableOnce } from './tablesEnsureTable.js';
import { isWriteConflict, ledgerFailure } from './tablesErrors.js';
import { idKeyPart, partitionKeyOf, type RowKeyRange } from './tablesKeys.js';
import { parseRowWith, queryRange, readRow } from './tablesPartition.js';

/**
 * Check results in the promotion store's table, beside the promotions of the same repository
 * (its partition): one `check|<digest>|<name>` row per digest and check name, replaced by a
 * later result, so a digest's checks are one key range and the rows never grow with the
 * number of reports. Each property is bounded by the check message's schema (URL and summary
 * at most 500 characters, the reporter 256), far below Table Storage's 32,768 characters a
 * property and 1 MiB an entity. A row is replaced only under the ETag it was read with, so of
 * two results racing the later one (by `at`) stays.
 */

/** `check|<digest>|<name>`. */
export function checkRowKey(digest: string, name: string): string {
  return `check|${idKeyPart(digest)}|${idKeyPart(name)}`;
}

/** The `check|` rows of one digest. */
export function checkRange(digest: string): RowKeyRange {
  const part = idKeyPart(digest);
  return { from: `check|${part}|`, to: `check|${part}}` };
}

const checkRow = z.object({
  repository: z.string().min(1),
  digest: z.string().min(1),
  name: z.string().min(1),
  conclusion: z.enum(CHECK_CONCLUSIONS),
  reporter: z.string().min(1),
  detailsUrl: z.string().optional(),
  summary: z.string().optional(),
  at: isoDate,
  messageId: z.string().min(1),
}) satisfies z.ZodType<CheckResult>;

const MAX_ATTEMPTS = 5;

function checkOfRow(row: Record<string, unknown>): CheckResult {
  const { detailsUrl, summary, ...rest } = parseRowWith(checkRow, row, 'promotion store');
  return {
    ...rest,
    ...(detailsUrl !== undefined ? { detailsUrl } : {}),
    ...(summary !== undefined ? { summary } : {}),
  };
}

/** The check ledger in the promotion store's table (`client`), created on first use. */
export function createTablesCheckLedger(options: { readonly client: TableClient }): CheckLedger {
  const { client } = options;
  const ready = ensureTableOnce(client);
  const run = async <T>(doing: string, work: () => Promise<T>): Promise<T> => {
    try {
      await ready();
      return await work();
    } catch (error) {
      if (error instanceof TransientError) throw error;
      throw ledgerFailure(doing, error);
    }
  };
  return {
    recordCheck: (result) =>
      run(`recording check ${result.name} of ${result.repository}@${result.digest}`, async () => {
        const rowKey = checkRowKey(result.digest, result.name);
        const { detailsUrl, summary, ...required } = result;
        const entity = {
          partitionKey: partitionKeyOf(result.repository),
          rowKey,
          ...required,
          ...(detailsUrl !== undefined ? { detailsUrl } : {}),
          ...(summary !== undefined ? { summary } : {}),
        };
        for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
          const row = await readRow(client, result.repository, rowKey);
          const recorded = row === undefined ? undefined : checkOfRow(row);
          if (recorded?.messageId === result.messageId) return { kind: 'duplicate' as const };
          if (!replacesCheck(recorded, result)) return { kind: 'stale' as const };
          try {
            if (row === undefined) await client.createEntity(entity);
            else await client.updateEntity(entity, 'Replace', { etag: row.etag });
            return { kind: 'recorded' as const };
          } catch (error) {
            if (!isWriteConflict(error)) throw error;
          }
        }
        throw new TransientError(
          `recording check ${result.name} of ${result.repository}@${result.digest}: the row kept changing; retry`,
        );
      }),
    listChecks: (repository, digest) =>
      run(`reading the checks of ${repository}@${digest}`, async () => {
        const results: CheckResult[] = [];
        for await (const row of queryRange(client, repository, checkRange(digest), 100))
          results.push(checkOfRow(row));
        return results.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      }),
  };
}
