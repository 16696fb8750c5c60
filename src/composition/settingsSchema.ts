import { z } from 'zod';
import { registryResourceId } from '../domain/registryDeclaration.js';
import { ALL_REPOSITORIES, repositoryPatternsProblem } from '../domain/repositoryPatterns.js';
import {
  DEFAULT_RECONCILE_SCHEDULE,
  DEFAULT_RETENTION_SCHEDULE,
  DEFAULT_SWEEP_SCHEDULE,
  scheduleProblem,
} from '../domain/timerSchedule.js';

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
  'PROMOTER_REGISTRY_RESOURCE_ID',
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
  'PROMOTER_RECONCILE_ENABLED',
  'PROMOTER_RECONCILE_SCHEDULE',
  'PROMOTER_RECONCILE_REPOSITORIES',
  'PROMOTER_MARKER_DAYS',
  'PROMOTER_SWEEP_SCHEDULE',
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

/** A timer schedule: NCRONTAB with seconds (see `timerSchedule.ts`). */
const schedule = z.string().superRefine((value, ctx) => {
  const problem = scheduleProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});
/**
 * A Teams Workflows webhook URL. Office 365 connector webhooks (`…webhook.office.com/webhookb2/…`,
 * `outlook.office.com/webhook/…`) are retired by Microsoft and refused with what to create
 * instead.
 */
const teamsWorkflowUrl = webhookUrl.refine(
  (u) => !/^https:\/\/([a-z0-9-]+\.)*(webhook\.office\.com|outlook\.office(365)?\.com)\//i.test(u),
  {
    error:
      'is an Office 365 connector webhook, which Microsoft retired; in the channel add the Workflows template "Send webhook alerts to a channel" (trigger "When a Teams webhook request is received") and use its URL',
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
  PROMOTER_REGISTRY_RESOURCE_ID: optional.pipe(registryResourceId.optional()),
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
      .default(10),
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
  TEAMS_WEBHOOK_URL: optional.pipe(teamsWorkflowUrl.optional()),
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
  PROMOTER_RETENTION_SCHEDULE: optional.pipe(schedule.default(DEFAULT_RETENTION_SCHEDULE)),
  PROMOTER_RECONCILE_ENABLED: optional.pipe(
    z
      .enum(['true', 'false'], {
        error: 'must be true or false (false: the reconcile timer does nothing)',
      })
      .default('true')
      .transform((v) => v === 'true'),
  ),
  PROMOTER_RECONCILE_SCHEDULE: optional.pipe(schedule.default(DEFAULT_RECONCILE_SCHEDULE)),
  PROMOTER_RECONCILE_REPOSITORIES: optional.pipe(
    z
      .string()
      .superRefine((value, ctx) => {
        const problem = repositoryPatternsProblem(value);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      })
      .default(ALL_REPOSITORIES),
  ),
  PROMOTER_MARKER_DAYS: optional.pipe(
    z.coerce
      .number<string | undefined>({ error: 'must be a whole number of days, e.g. 30' })
      .int('must be a whole number of days, e.g. 30')
      .min(
        2,
        'must be 2–3650 days: Event Grid retries a registry event for up to 24 hours, and a redelivery must still find its marker',
      )
      .max(3650, 'must be 2–3650 days')
      .default(30),
  ),
  PROMOTER_SWEEP_SCHEDULE: optional.pipe(schedule.default(DEFAULT_SWEEP_SCHEDULE)),
});

/** One zod field per setting, for loaders that read only some of them (`loadDoctorConfig`). */
export const settingsSchema = schema;
