import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';

/** Where the ledger table lives and how to reach it. */
export interface TablesClientSettings {
  /**
   * A storage connection string: `UseDevelopmentStorage=true` for Azurite on its default
   * port, or a full one (`DefaultEndpointsProtocol=http;AccountName=…;AccountKey=…;TableEndpoint=…`).
   * Used when set; otherwise `endpoint` and `credential` are.
   */
  readonly connectionString?: string | undefined;
  /** The table service URL, e.g. `https://<account>.table.core.windows.net`. */
  readonly endpoint?: string | undefined;
  /** The identity for `endpoint`; the caller passes `new DefaultAzureCredential()`. */
  readonly credential?: TokenCredential | undefined;
  readonly tableName: string;
  /** How long one HTTP request may take before it is abandoned; 5 seconds by default. */
  readonly requestTimeoutInMs?: number | undefined;
}

/**
 * Few, short SDK retries: a ledger outage surfaces within a couple of seconds as a
 * TransientError (and the platform retries the whole invocation) instead of hanging.
 */
const retryOptions = { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 2000 };

type PipelinePolicy = NonNullable<
  TableServiceClientOptions['additionalPolicies']
>[number]['policy'];

/** Gives every request (each retry too) a timeout, so a silent endpoint cannot hang a call. */
function timeoutPolicy(timeoutInMs: number): PipelinePolicy {
  return {
    name: 'promoterRequestTimeout',
    sendRequest(request, next) {
      if (!request.timeout) request.timeout = timeoutInMs;
      return next(request);
    },
  };
}

/** Reads the `TableEndpoint`/`DefaultEndpointsProtocol` of a connection string: is it http? */
function targetsHttp(connectionString: string): boolean {
  const parts = connectionString.split(';').map((p) => p.trim().toLowerCase());
  if (parts.includes('usedevelopmentstorage=true')) return true;
  const endpoint = parts.find((p) => p.startsWith('tableendpoint='));
  if (endpoint !== undefined) return endpoint.slice('tableendpoint='.length).startsWith('http:');
  return parts.includes('defaultendpointsprotocol=http');
}

/**
 * A TableClient for the ledger table: from a connection string (plain http allowed only when
 * the string names an http endpoint, as Azurite's does), or from an endpoint and a token
 * credential (managed identity in Azure). Connects on first use; creates no table.
 */
export function createTablesClient(settings: TablesClientSettings): TableClient {
  const options: TableServiceClientOptions = {
    retryOptions,
    additionalPolicies: [
      { policy: timeoutPolicy(settings.requestTimeoutInMs ?? 5000), position: 'perRetry' },
    ],
  };
  const { connectionString, endpoint, credential, tableName } = settings;
  if (connectionString !== undefined && connectionString.trim() !== '') {
    return TableClient.fromConnectionString(connectionString, tableName, {
      ...options,
      ...(targetsHttp(connectionString) ? { allowInsecureConnection: true } : {}),
    });
  }
  if (endpoint === undefined || endpoint.trim() === '' || credential === undefined)
    throw new Error(
      `ledger table ${tableName}: set a connection string, or an endpoint with a credential`,
    );
  return new TableClient(endpoint, tableName, credential, options);
}
