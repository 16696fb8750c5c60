import { z } from 'zod';
import { ValidationError, type Issue } from '../domain/errors.js';
import { DEFAULT_RETENTION_SCHEDULE, scheduleProblem } from '../domain/timerSchedule.js';

/**
 * Every setting the app reads, validated once. Each is an app setting in Azure, a value in
 * local.settings.json for `func start`, or an environment variable for the local host.
 */
export interface Config {
  readonly webhook: {
    /** Accepted secrets: the current one first, then the previous one during a rotation. */
    readonly secrets: readonly string[];
    /** Header carrying the secret; `Authorization` expects `Bearer <secret>`, any other the bare secret. */
    readonly header: string;
  };
  readonly tables: {
    readonly connectionString: string | undefined;
    readonly endpoint: string | undefined;
    /** Prefix of every ledger table name. */
    readonly prefix: string;
  };
  /** Path of the pipeline definition, and whether it was set explicitly (then it must exist). */
  readonly pipelineFile: { readonly path: string; readonly explicit: boolean };
  /** Registry host builds are pushed to and promoted in (`myacr.azurecr.io`), when configured. */
  readonly registry: string | undefined;
  /** How promoter signs in to the registry: `azure` (DefaultAzureCredential) or `anonymous`. */
  readonly registryAuth: 'azure' | 'anonymous';
  /** Where approval messages and outcome events go; undefined: the local host's stand-in. */
  readonly serviceBus:
    | { readonly namespace: string; readonly connectionString?: undefined }
    | { readonly connectionString: string; readonly namespace?: undefined }
    | undefined;
  /** The `promotions` queue's maxDeliveryCount: the last delivery announces `failed`. */
  readonly maxDeliveryCount: number;
  /** Secret that signs `POST /api/approvals` bodies (HMAC-SHA256); unset, the endpoint refuses all. */
  readonly approvalsHmacSecret: string | undefined;
  readonly slack: {
    /** Verifies Slack's request signatures; unset, `/api/chat/slack` refuses all. */
    readonly signingSecret: string | undefined;
    /** Incoming webhook that outcome notifications are posted to. */
    readonly webhookUrl: string | undefined;
  };
  readonly teams: {
    /** The outgoing webhook's security token (base64); unset, `/api/chat/teams` refuses all. */
    readonly outgoingWebhookToken: string | undefined;
    /** Incoming webhook that outcome notifications are posted to. */
    readonly webhookUrl: string | undefined;
  };
  /** Promotion-aware retention: the `retention` timer and `POST /api/retention`. */
  readonly retention: {
    /**
     * Builds recorded more than this many days ago that never went past the first stage are
     * deleted from the registry; undefined: retention is off and deletes nothing.
     */
    readonly days: number | undefined;
    /** When the timer runs: NCRONTAB with seconds, in UTC (the timer reads the setting itself). */
    readonly schedule: string;
  };
}

/** The names of the settings `loadConfig` reads, for documentation and consistency tests. */
export const SETTINGS = [
  'PROMOTER_WEBHOOK_SECRET',
  'PROMOTER_WEBHOOK_SECRET_PREVIOUS',
  'PROMOTER_WEBHOOK_AUTH_HEADER',
  'PROMOTER_TABLES_CONNECTION_STRING',
  'PROMOTER_TABLES_ENDPOINT',
  'PROMOTER_TABLE_PREFIX',
  'PROMOTER_PIPELINE_FILE',
  'PROMOTER_REGISTRY',
  'PROMOTER_REGISTRY_AUTH',
  'PROMOTER_SERVICEBUS_NAMESPACE',
  'PROMOTER_SERVICEBUS_CONNECTION_STRING',
  'PROMOTER_MAX_DELIVERY_COUNT',
  'PROMOTER_APPROVALS_HMAC_SECRET',
  'SLACK_SIGNING_SECRET',
  'SLACK_WEBHOOK_URL',
  'TEAMS_OUTGOING_WEBHOOK_TOKEN',
  'TEAMS_WEBHOOK_URL',
  'PROMOTER_RETENTION_DAYS',
  'PROMOTER_RETENTION_SCHEDULE',
] as const;

const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const secret = z
  .string()
  .min(16, 'must be at least 16 characters; generate one with `openssl rand -base64 32`')
  .regex(/^\S+$/, 'must not contain spaces or line breaks (headers cannot carry them intact)');

/** An https URL, or http to this machine (the local stand-ins in tests). */
const webhookUrl = z
  .url({ error: 'must be the incoming webhook URL (https://…)' })
  .refine(
    (u) => u.startsWith('https://') || /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\//.test(u),
    {
      error: 'must use https (http only to localhost)',
    },
  );

const schema = z.object({
  PROMOTER_WEBHOOK_SECRET: z
    .string({ error: 'is required: the shared secret registries send' })
    .pipe(secret),
  PROMOTER_WEBHOOK_SECRET_PREVIOUS: optional.pipe(secret.optional()),
  PROMOTER_WEBHOOK_AUTH_HEADER: optional.pipe(
    z
      .string()
      .regex(
        /^[A-Za-z0-9-]+$/,
        'must be an HTTP header name such as Authorization or X-Promoter-Secret',
      )
      .default('Authorization'),
  ),
  PROMOTER_TABLES_CONNECTION_STRING: optional,
  PROMOTER_TABLES_ENDPOINT: optional.pipe(
    z
      .url({
        protocol: /^https?$/,
        error: 'must be the table endpoint URL, e.g. https://<account>.table.core.windows.net',
      })
      .optional(),
  ),
  PROMOTER_TABLE_PREFIX: optional.pipe(
    z
      .string()
      .regex(
        /^[A-Za-z][A-Za-z0-9]{0,49}$/,
        'must be 1–50 letters or digits, starting with a letter (Table Storage names)',
      )
      .default('promoter'),
  ),
  PROMOTER_PIPELINE_FILE: optional,
  PROMOTER_REGISTRY: optional.pipe(
    z
      .string()
      .regex(/^[a-zA-Z0-9.-]+(:[0-9]+)?$/, 'must be a registry host[:port], e.g. myacr.azurecr.io')
      .optional(),
  ),
  PROMOTER_REGISTRY_AUTH: optional.pipe(z.enum(['azure', 'anonymous']).optional()),
  PROMOTER_SERVICEBUS_NAMESPACE: optional.pipe(
    z
      .string()
      .regex(
        /^[A-Za-z0-9-]+\.servicebus\.(windows\.net|chinacloudapi\.cn|usgovcloudapi\.net)$/,
        'must be the fully qualified namespace, e.g. mynamespace.servicebus.windows.net',
      )
      .optional(),
  ),
  PROMOTER_SERVICEBUS_CONNECTION_STRING: optional.pipe(
    z
      .string()
      .regex(/Endpoint=sb:\/\//i, 'must be a Service Bus connection string (Endpoint=sb://…)')
      .optional(),
  ),
  PROMOTER_MAX_DELIVERY_COUNT: optional.pipe(
    z.coerce
      .number<string | undefined>()
      .int('must be a whole number')
      .min(1, "must be the queue's maxDeliveryCount, 1–100")
      .max(100, "must be the queue's maxDeliveryCount, 1–100")
      .default(5),
  ),
  PROMOTER_APPROVALS_HMAC_SECRET: optional.pipe(secret.optional()),
  SLACK_SIGNING_SECRET: optional.pipe(
    z.string().min(16, "must be the app's signing secret").optional(),
  ),
  SLACK_WEBHOOK_URL: optional.pipe(webhookUrl.optional()),
  TEAMS_OUTGOING_WEBHOOK_TOKEN: optional.pipe(
    z
      .base64({
        error: "must be the outgoing webhook's security token, as Teams shows it (base64)",
      })
      .min(16, "must be the outgoing webhook's security token, as Teams shows it (base64)")
      .optional(),
  ),
  TEAMS_WEBHOOK_URL: optional.pipe(webhookUrl.optional()),
  PROMOTER_RETENTION_DAYS: optional.pipe(
    z.coerce
      .number<string | undefined>({
        error: 'must be a whole number of days, e.g. 30; leave it empty to turn retention off',
      })
      .int('must be a whole number of days, e.g. 30; leave it empty to turn retention off')
      .min(1, 'must be 1–3650 days; leave it empty to turn retention off')
      .max(3650, 'must be 1–3650 days; leave it empty to turn retention off')
      .optional(),
  ),
  PROMOTER_RETENTION_SCHEDULE: optional.pipe(
    z
      .string()
      .superRefine((value, ctx) => {
        const problem = scheduleProblem(value);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      })
      .default(DEFAULT_RETENTION_SCHEDULE),
  ),
});

/** One zod field per setting, for loaders that read only some of them (`loadDoctorConfig`). */
export const settingsSchema = schema;

/**
 * Reads and validates the settings from `env`. Throws a ValidationError naming every bad
 * setting at once; secrets' values never appear in messages.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const picked = Object.fromEntries(SETTINGS.map((name) => [name, env[name]]));
  const result = schema.safeParse(picked);
  const issues = result.success
    ? []
    : result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  issues.push(...connectionIssues(picked));
  if (!result.success || issues.length > 0) throw new ValidationError('settings', issues);
  const s = result.data;
  return {
    webhook: {
      secrets: [
        s.PROMOTER_WEBHOOK_SECRET,
        ...(s.PROMOTER_WEBHOOK_SECRET_PREVIOUS ? [s.PROMOTER_WEBHOOK_SECRET_PREVIOUS] : []),
      ],
      header: s.PROMOTER_WEBHOOK_AUTH_HEADER,
    },
    tables: {
      connectionString: s.PROMOTER_TABLES_CONNECTION_STRING,
      endpoint: s.PROMOTER_TABLES_ENDPOINT,
      prefix: s.PROMOTER_TABLE_PREFIX,
    },
    pipelineFile: {
      path: s.PROMOTER_PIPELINE_FILE ?? 'promoter.pipeline.json',
      explicit: s.PROMOTER_PIPELINE_FILE !== undefined,
    },
    registry: s.PROMOTER_REGISTRY,
    registryAuth: registryAuthOf(s.PROMOTER_REGISTRY, s.PROMOTER_REGISTRY_AUTH),
    serviceBus: serviceBusOf(
      s.PROMOTER_SERVICEBUS_NAMESPACE,
      s.PROMOTER_SERVICEBUS_CONNECTION_STRING,
    ),
    maxDeliveryCount: s.PROMOTER_MAX_DELIVERY_COUNT,
    approvalsHmacSecret: s.PROMOTER_APPROVALS_HMAC_SECRET,
    slack: { signingSecret: s.SLACK_SIGNING_SECRET, webhookUrl: s.SLACK_WEBHOOK_URL },
    teams: {
      outgoingWebhookToken: s.TEAMS_OUTGOING_WEBHOOK_TOKEN,
      webhookUrl: s.TEAMS_WEBHOOK_URL,
    },
    retention: { days: s.PROMOTER_RETENTION_DAYS, schedule: s.PROMOTER_RETENTION_SCHEDULE },
  };
}

const isSet = (settings: Record<string, string | undefined>, name: string) =>
  (settings[name] ?? '').trim() !== '';

function ledgerConnectionProblem(settings: Record<string, string | undefined>): string | undefined {
  const connectionString = isSet(settings, 'PROMOTER_TABLES_CONNECTION_STRING');
  const endpoint = isSet(settings, 'PROMOTER_TABLES_ENDPOINT');
  if (connectionString !== endpoint) return undefined;
  return `set exactly one of PROMOTER_TABLES_CONNECTION_STRING (e.g. UseDevelopmentStorage=true for Azurite) or PROMOTER_TABLES_ENDPOINT (with a managed identity)${connectionString ? '; both are set' : ''}`;
}

/** The ledger and Service Bus settings, checked as pairs: exactly one ledger, at most one bus. */
export function connectionIssues(settings: Record<string, string | undefined>): Issue[] {
  const issues: Issue[] = [];
  const tablesProblem = ledgerConnectionProblem(settings);
  if (tablesProblem)
    issues.push({ path: 'PROMOTER_TABLES_CONNECTION_STRING', message: tablesProblem });
  if (
    isSet(settings, 'PROMOTER_SERVICEBUS_NAMESPACE') &&
    isSet(settings, 'PROMOTER_SERVICEBUS_CONNECTION_STRING')
  )
    issues.push({
      path: 'PROMOTER_SERVICEBUS_CONNECTION_STRING',
      message:
        'set PROMOTER_SERVICEBUS_NAMESPACE (managed identity) or PROMOTER_SERVICEBUS_CONNECTION_STRING, not both',
    });
  return issues;
}

/** PROMOTER_REGISTRY_AUTH, else `azure` for an Azure Container Registry, else `anonymous`. */
export function registryAuthOf(
  registry: string | undefined,
  auth: Config['registryAuth'] | undefined,
): Config['registryAuth'] {
  return (
    auth ??
    (registry !== undefined && /\.azurecr\.(io|cn|us)(:\d+)?$/.test(registry)
      ? 'azure'
      : 'anonymous')
  );
}

/** The namespace (identity) when set, else the connection string, else none (the stand-in). */
export function serviceBusOf(
  namespace: string | undefined,
  connectionString: string | undefined,
): Config['serviceBus'] {
  return namespace ? { namespace } : connectionString ? { connectionString } : undefined;
}
