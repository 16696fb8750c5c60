import { checkSettings, registryAuthOf, serviceBusOf, type Config } from './config.js';
import { settingsSchema } from './settingsSchema.js';
import { ValidationError } from '../domain/errors.js';

/** What the doctor's probes read of the app's settings. */
export type DoctorConfig = Pick<
  Config,
  'tables' | 'registry' | 'registryAuth' | 'registryResourceId' | 'serviceBus' | 'pipelineFile'
> & {
  /** Whether retention is on (then the app deletes, and the delete right is checked). */
  readonly retention: Pick<Config['retention'], 'days'>;
};

/**
 * The settings `loadDoctorConfig` reads: the ledger, the registry, the pipeline file (for the
 * registries it declares), Service Bus, retention. The basic credentials a pipeline names are
 * read by `registrySignIns`.
 */
export const DOCTOR_SETTINGS = [
  'PROMOTER_TABLES_CONNECTION_STRING',
  'PROMOTER_TABLES_ENDPOINT',
  'PROMOTER_TABLE_PREFIX',
  'PROMOTER_REGISTRY',
  'PROMOTER_REGISTRY_AUTH',
  'PROMOTER_REGISTRY_RESOURCE_ID',
  'PROMOTER_PIPELINE_FILE',
  'PROMOTER_SERVICEBUS_NAMESPACE',
  'PROMOTER_SERVICEBUS_CONNECTION_STRING',
  'PROMOTER_RETENTION_DAYS',
] as const;

const doctorSchema = settingsSchema.pick({
  PROMOTER_TABLES_CONNECTION_STRING: true,
  PROMOTER_TABLES_ENDPOINT: true,
  PROMOTER_TABLE_PREFIX: true,
  PROMOTER_REGISTRY: true,
  PROMOTER_REGISTRY_AUTH: true,
  PROMOTER_REGISTRY_RESOURCE_ID: true,
  PROMOTER_PIPELINE_FILE: true,
  PROMOTER_SERVICEBUS_NAMESPACE: true,
  PROMOTER_SERVICEBUS_CONNECTION_STRING: true,
  PROMOTER_RETENTION_DAYS: true,
});

/**
 * Reads, for `promoter doctor --here`, only the settings the checks use (`DOCTOR_SETTINGS`),
 * validated exactly as `loadConfig` validates them; the app's other settings (the webhook
 * secret, chat secrets, …) are neither needed nor read. Unlike the app, the doctor needs a
 * registry to check: a missing PROMOTER_REGISTRY is an issue here. Throws a ValidationError
 * naming every missing or bad setting at once.
 */
export function loadDoctorConfig(env: Readonly<Record<string, string | undefined>>): DoctorConfig {
  const picked = Object.fromEntries(DOCTOR_SETTINGS.map((name) => [name, env[name]]));
  const { result, issues } = checkSettings(doctorSchema, picked);
  if (
    !issues.some((i) => i.path === 'PROMOTER_REGISTRY') &&
    (picked.PROMOTER_REGISTRY ?? '').trim() === ''
  )
    issues.push({
      path: 'PROMOTER_REGISTRY',
      message:
        'is required: the registry promoter re-tags in, e.g. myacr.azurecr.io (or pass --registry)',
    });
  if (!result.success || issues.length > 0) throw new ValidationError('settings', issues);
  const s = result.data;
  return {
    tables: {
      connectionString: s.PROMOTER_TABLES_CONNECTION_STRING,
      endpoint: s.PROMOTER_TABLES_ENDPOINT,
      prefix: s.PROMOTER_TABLE_PREFIX,
    },
    registry: s.PROMOTER_REGISTRY,
    registryAuth: registryAuthOf(s.PROMOTER_REGISTRY, s.PROMOTER_REGISTRY_AUTH),
    registryResourceId: s.PROMOTER_REGISTRY_RESOURCE_ID,
    pipelineFile: {
      path: s.PROMOTER_PIPELINE_FILE ?? 'promoter.pipeline.json',
      explicit: s.PROMOTER_PIPELINE_FILE !== undefined,
    },
    serviceBus: serviceBusOf(
      s.PROMOTER_SERVICEBUS_NAMESPACE,
      s.PROMOTER_SERVICEBUS_CONNECTION_STRING,
    ),
    retention: { days: s.PROMOTER_RETENTION_DAYS },
  };
}
