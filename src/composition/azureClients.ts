import type { TokenCredential } from '@azure/identity';
import type { TableClient } from '@azure/data-tables';
import { createTablesClient } from '../adapters/tables/tablesClient.js';
import type { Config } from './config.js';

/** `DefaultAzureCredential`, imported only when an identity is needed. */
export async function azureCredential(): Promise<TokenCredential> {
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new DefaultAzureCredential();
}

/**
 * Memoises an async factory: built on first use, shared after. A build that fails is not kept:
 * the calls waiting for it get its error, and the next call builds again (a failure is never
 * cached for the life of the process).
 */
export function once<T>(build: () => Promise<T>): () => Promise<T> {
  let instance: Promise<T> | undefined;
  return () => {
    if (instance) return instance;
    const building = build();
    instance = building;
    building.catch(() => {
      if (instance === building) instance = undefined;
    });
    return building;
  };
}

/** Name of the ledger's builds table for a prefix. */
export const buildsTableName = (prefix: string) => `${prefix}builds`;
/** Name of the ledger's promotions table for a prefix. */
export const promotionsTableName = (prefix: string) => `${prefix}promotions`;
/** Name of the table of claimed request ids (replay protection) for a prefix. */
export const replaysTableName = (prefix: string) => `${prefix}replays`;
/** Every table the app uses, for a prefix. */
export const ledgerTableNames = (prefix: string) =>
  [buildsTableName, promotionsTableName, replaysTableName].map((name) => name(prefix));

/**
 * A client per table, the way the app signs in to the ledger: the connection string when it is
 * set (Azurite, a shared key), else the endpoint with `credential` (a managed identity).
 */
export function tablesClients(
  tables: Config['tables'],
  credential: TokenCredential | undefined,
): (tableName: string) => TableClient {
  return (tableName) =>
    tables.connectionString
      ? createTablesClient({ connectionString: tables.connectionString, tableName })
      : createTablesClient({ endpoint: tables.endpoint ?? '', tableName, credential });
}
