import { createTablesClient } from './adapters/tables/tablesClient.js';
import { createTablesLedger } from './adapters/tables/tablesLedger.js';
import { loadConfig, type Config } from './config.js';
import type { Pipeline } from './domain/pipeline.js';
import { loadPipelineFile } from './loadPipelineFile.js';
import type { Clock, Ledger } from './ports.js';

/** Everything the functions need, built from settings. */
export interface Services {
  readonly config: Config;
  readonly pipeline: Pipeline;
  readonly ledger: Ledger;
  readonly clock: Clock;
}

/** A lazily built, shared set of services. */
export type ServicesProvider = () => Promise<Services>;

export const systemClock: Clock = { now: () => new Date() };

/** Name of the ledger's builds table for a prefix. */
export const buildsTableName = (prefix: string) => `${prefix}builds`;

/**
 * Builds the services from settings. SDK clients connect on first use; the identity library
 * is imported only when the ledger is reached by managed identity.
 */
export async function createServices(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string = process.cwd(),
): Promise<Services> {
  const config = loadConfig(env);
  const pipeline = await loadPipelineFile(config.pipelineFile, cwd);
  const tableName = buildsTableName(config.tables.prefix);
  const client = config.tables.connectionString
    ? createTablesClient({ connectionString: config.tables.connectionString, tableName })
    : createTablesClient({
        endpoint: config.tables.endpoint ?? '',
        tableName,
        credential: new (await import('@azure/identity')).DefaultAzureCredential(),
      });
  return { config, pipeline, ledger: createTablesLedger({ client }), clock: systemClock };
}

/** Memoises `createServices(env)`: one set of clients per process, built on first use. */
export function servicesFrom(env: Readonly<Record<string, string | undefined>>): ServicesProvider {
  let services: Promise<Services> | undefined;
  return () => (services ??= createServices(env));
}
