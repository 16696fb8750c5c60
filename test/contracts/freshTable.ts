import { randomUUID } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import { inject } from 'vitest';
import { createTablesClient } from '../../src/adapters/tables/tablesClient.js';

/**
 * A client for a table of its own in the run's Azurite (test/globalSetup.ts), named after
 * the run's prefix: every contract test starts from an empty store, and the files run in
 * parallel with the rest of the run. The adapter creates the table on first use.
 */
export function freshTablesClient(kind: string): TableClient {
  const suffix = randomUUID().replaceAll('-', '').slice(0, 16);
  return createTablesClient({
    connectionString: inject('tablesConnectionString'),
    tableName: `${inject('tablePrefix')}${kind}${suffix}`,
  });
}
