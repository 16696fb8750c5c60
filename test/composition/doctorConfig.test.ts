import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/composition/config.js';
import { loadDoctorConfig } from '../../src/composition/doctorConfig.js';
import { ValidationError } from '../../src/domain/errors.js';

const issuesOf = (env: Record<string, string>) => {
  try {
    loadDoctorConfig(env);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  return [];
};

describe('loadDoctorConfig (promoter doctor --here)', () => {
  it('needs only the ledger and the registry: no webhook secret, while the app still demands one', () => {
    const env = {
      PROMOTER_TABLES_ENDPOINT: 'https://promoterst.table.core.windows.net',
      PROMOTER_REGISTRY: 'myacr.azurecr.io',
    };
    expect(loadDoctorConfig(env)).toEqual({
      tables: {
        connectionString: undefined,
        endpoint: 'https://promoterst.table.core.windows.net',
        prefix: 'promoter',
      },
      registry: 'myacr.azurecr.io',
      registryAuth: 'azure',
      registryResourceId: undefined,
      // The pipeline's declared registries are checked too (stage registry checks).
      pipelineFile: { path: 'promoter.pipeline.json', explicit: false },
      serviceBus: undefined,
      retention: { days: undefined },
    });
    expect(() => loadConfig(env)).toThrow(/PROMOTER_WEBHOOK_SECRET: is required/);
  });

  it('reads Service Bus, the registry sign-in and retention as the app does', () => {
    const config = loadDoctorConfig({
      PROMOTER_TABLES_CONNECTION_STRING: 'UseDevelopmentStorage=true',
      PROMOTER_TABLE_PREFIX: 'staging',
      PROMOTER_REGISTRY: 'localhost:5000',
      PROMOTER_SERVICEBUS_NAMESPACE: 'promoter-sb.servicebus.windows.net',
      PROMOTER_RETENTION_DAYS: '30',
    });
    expect(config).toMatchObject({
      tables: { prefix: 'staging' },
      registryAuth: 'anonymous',
      serviceBus: { namespace: 'promoter-sb.servicebus.windows.net' },
      retention: { days: 30 },
    });
  });

  it('names every missing or bad setting at once, as loadConfig words them', () => {
    expect(
      issuesOf({
        PROMOTER_TABLES_CONNECTION_STRING: 'UseDevelopmentStorage=true',
        PROMOTER_TABLES_ENDPOINT: 'https://promoterst.table.core.windows.net',
        PROMOTER_REGISTRY_AUTH: 'basic',
        PROMOTER_RETENTION_DAYS: 'forever',
      }).map((i) => i.path),
    ).toEqual([
      'PROMOTER_REGISTRY_AUTH',
      'PROMOTER_RETENTION_DAYS',
      'PROMOTER_TABLES_CONNECTION_STRING',
      'PROMOTER_REGISTRY',
    ]);
    expect(issuesOf({ PROMOTER_TABLES_CONNECTION_STRING: 'UseDevelopmentStorage=true' })).toEqual([
      {
        path: 'PROMOTER_REGISTRY',
        message:
          'is required: the registry promoter re-tags in, e.g. myacr.azurecr.io (or pass --registry)',
      },
    ]);
  });

  it('refuses an unresolved Key Vault reference by name, as loadConfig does', () => {
    const issues = issuesOf({
      PROMOTER_TABLES_CONNECTION_STRING:
        '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/tables/)',
      PROMOTER_REGISTRY: 'myacr.azurecr.io',
    });
    expect(issues.map((i) => i.path)).toEqual(['PROMOTER_TABLES_CONNECTION_STRING']);
    expect(issues[0]?.message).toMatch(/^is an unresolved Key Vault reference/);
  });
});
