import { createTablesDoctorProbe } from '../adapters/tables/tablesDoctorProbe.js';
import { azureCredential, ledgerTableNames, once, tablesClients } from './azureClients.js';
import type { DoctorConfig } from './doctorConfig.js';
import type { DoctorProbes, RegistryProbe } from '../ports/doctorProbes.js';
import { createStageRegistryProbes, type DeclaredRegistries } from './createStageRegistryProbes.js';

/**
 * Builds the doctor's probes from the app's settings, with the identities the app uses:
 * `DefaultAzureCredential` for the registry when `registryAuth` is `azure`, for the ledger when
 * `PROMOTER_TABLES_ENDPOINT` is set and for Service Bus when `PROMOTER_SERVICEBUS_NAMESPACE` is;
 * anonymous access or the connection string otherwise; with `declared`, a probe of each registry
 * the pipeline keeps stages in, signing in as declared (`createStageRegistryProbes`). The
 * registry and Service Bus SDKs are imported only when configured. Nothing connects until a
 * probe runs.
 */
export async function createDoctorProbes(
  config: DoctorConfig,
  declared?: DeclaredRegistries,
  repository?: string,
): Promise<DoctorProbes> {
  const credential = once(azureCredential);
  const { tables } = config;
  const tableNames = ledgerTableNames(tables.prefix);
  const tablesCredential = tables.connectionString ? undefined : await credential();
  const ledger = createTablesDoctorProbe({
    clients: tableNames.map(tablesClients(tables, tablesCredential)),
    credential: tablesCredential,
    setting: tables.connectionString
      ? 'PROMOTER_TABLES_CONNECTION_STRING'
      : 'PROMOTER_TABLES_ENDPOINT',
  });

  let registry: RegistryProbe | undefined;
  if (config.registry) {
    const { createAcrDoctorProbe } = await import('../adapters/acr/acrDoctorProbe.js');
    registry = createAcrDoctorProbe({
      registry: config.registry,
      ...(config.registryAuth === 'azure' ? { credential: await credential() } : {}),
    });
  }

  const { serviceBus } = config;
  let bus: DoctorProbes['bus'];
  if (serviceBus) {
    const { createServiceBusDoctorProbe } =
      await import('../adapters/servicebus/serviceBusDoctorProbe.js');
    bus = createServiceBusDoctorProbe(
      serviceBus.namespace
        ? { namespace: serviceBus.namespace, credential: await credential() }
        : { connectionString: serviceBus.connectionString },
    );
  }
  const stageRegistries =
    declared === undefined
      ? []
      : await createStageRegistryProbes(
          declared,
          { registry: config.registry, signIn: config.registryAuth },
          credential,
          repository,
        );
  return { registry, stageRegistries, ledger, bus };
}
