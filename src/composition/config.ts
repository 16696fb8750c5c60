import type { z } from 'zod';
import { ValidationError, type Issue } from '../domain/errors.js';
import { unresolvedReferenceIssues } from './keyVaultReference.js';
import { settingsSchema as schema, SETTINGS } from './settingsSchema.js';

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
  /** The build registry's ARM resource id, when it is an ACR given one (for ARM import). */
  readonly registryResourceId?: string | undefined;
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
  /** The reconciler: the `reconcile` timer and `POST /api/reconcile`. */
  readonly reconcile: {
    /** false: the timer does nothing (`POST /api/reconcile` still runs). */
    readonly enabled: boolean;
    /** When the timer runs: NCRONTAB with seconds, in UTC (the timer reads the setting itself). */
    readonly schedule: string;
    /** The repositories it looks at: patterns (`team/*,myapp`; `**`: every one). */
    readonly repositories: string;
  };
  /** The `sweep` timer: idempotency markers past their window (never the history). */
  readonly sweep: {
    /** Registry event markers are kept this many days, then removed. */
    readonly markerDays: number;
    /** When the timer runs: NCRONTAB with seconds, in UTC (the timer reads the setting itself). */
    readonly schedule: string;
  };
}

/**
 * Reads and validates the settings from `env`. Throws a ValidationError naming every bad
 * setting at once; secrets' values never appear in messages.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const picked = Object.fromEntries(SETTINGS.map((name) => [name, env[name]]));
  const { result, issues } = checkSettings(schema, picked);
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
    registryResourceId: s.PROMOTER_REGISTRY_RESOURCE_ID,
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
    reconcile: {
      enabled: s.PROMOTER_RECONCILE_ENABLED,
      schedule: s.PROMOTER_RECONCILE_SCHEDULE,
      repositories: s.PROMOTER_RECONCILE_REPOSITORIES,
    },
    sweep: { markerDays: s.PROMOTER_MARKER_DAYS, schedule: s.PROMOTER_SWEEP_SCHEDULE },
  };
}

/**
 * Validates `settings` with `check`, refusing first every value that is an unresolved Key Vault
 * reference (such a value would pass a length check: the webhook secret's would be accepted
 * and every delivery refused). A refused setting gets that one issue, not also the schema's.
 */
export function checkSettings<T>(
  check: z.ZodType<T>,
  settings: Readonly<Record<string, string | undefined>>,
): { readonly result: z.ZodSafeParseResult<T>; readonly issues: Issue[] } {
  const references = unresolvedReferenceIssues(settings);
  const refused = new Set(references.map((i) => i.path));
  const usable = Object.fromEntries(
    Object.entries(settings).map(([name, value]) => [name, refused.has(name) ? undefined : value]),
  );
  const result = check.safeParse(usable);
  const issues: Issue[] = [
    ...references,
    ...(result.success
      ? []
      : result.error.issues
          .map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))
          .filter((i) => !refused.has(i.path))),
    ...connectionIssues(usable).filter((i) => !refused.has(i.path)),
  ];
  return { result, issues };
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
