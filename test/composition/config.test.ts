import { describe, expect, it } from 'vitest';
import { type Config, loadConfig } from '../../src/composition/config.js';
import { ValidationError } from '../../src/domain/errors.js';

const SECRET = 'current-secret-0123456789abcdef';
const PREVIOUS = 'previous-secret-fedcba9876543210';

/** The fewest settings that make a valid configuration. */
const minimal = {
  PROMOTER_WEBHOOK_SECRET: SECRET,
  PROMOTER_TABLES_CONNECTION_STRING: 'UseDevelopmentStorage=true',
};

function errorOf(env: Record<string, string | undefined>): ValidationError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected the settings to be refused');
}

describe('loadConfig', () => {
  it('fills in every default from the two required settings', () => {
    expect(loadConfig(minimal)).toEqual<Config>({
      webhook: { secrets: [SECRET], header: 'Authorization' },
      tables: {
        connectionString: 'UseDevelopmentStorage=true',
        endpoint: undefined,
        prefix: 'promoter',
      },
      pipelineFile: { path: 'promoter.pipeline.json', explicit: false },
      registry: undefined,
      registryAuth: 'anonymous',
      serviceBus: undefined,
      maxDeliveryCount: 10,
      approvalsHmacSecret: undefined,
      slack: { signingSecret: undefined, webhookUrl: undefined },
      teams: { outgoingWebhookToken: undefined, webhookUrl: undefined },
      retention: { days: undefined, schedule: '0 30 3 * * *' },
      reconcile: { enabled: true, schedule: '0 */5 * * * *', repositories: '**' },
      sweep: { markerDays: 30, schedule: '0 15 4 * * *' },
    });
  });

  it('reads every setting it is given', () => {
    expect(
      loadConfig({
        PROMOTER_WEBHOOK_SECRET: SECRET,
        PROMOTER_WEBHOOK_SECRET_PREVIOUS: PREVIOUS,
        PROMOTER_WEBHOOK_AUTH_HEADER: 'X-Promoter-Secret',
        PROMOTER_TABLES_ENDPOINT: 'https://myaccount.table.core.windows.net',
        PROMOTER_TABLE_PREFIX: 'promoterDev',
        PROMOTER_PIPELINE_FILE: 'deploy/pipeline.json',
        PROMOTER_REGISTRY: 'myacr.azurecr.io',
        PROMOTER_SERVICEBUS_NAMESPACE: 'myns.servicebus.windows.net',
        PROMOTER_MAX_DELIVERY_COUNT: '7',
        PROMOTER_APPROVALS_HMAC_SECRET: 'hmac-secret-0123456789abcdef',
        SLACK_SIGNING_SECRET: '8f742231b10e8888abcd99yyyzzz85a5',
        SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/XXXX',
        TEAMS_OUTGOING_WEBHOOK_TOKEN: 'c2VjcmV0LXRva2VuLWZvci10ZWFtcw==',
        TEAMS_WEBHOOK_URL:
          'https://prod-01.westeurope.logic.azure.com/workflows/x/triggers/manual/paths/invoke?sig=y',
        PROMOTER_RETENTION_DAYS: '30',
        PROMOTER_RETENTION_SCHEDULE: '0 0 */6 * * *',
        PROMOTER_RECONCILE_ENABLED: 'false',
        PROMOTER_RECONCILE_SCHEDULE: '0 */10 * * * *',
        PROMOTER_RECONCILE_REPOSITORIES: 'team/*, myapp',
        PROMOTER_MARKER_DAYS: '45',
        PROMOTER_SWEEP_SCHEDULE: '0 0 5 * * *',
      }),
    ).toEqual<Config>({
      webhook: { secrets: [SECRET, PREVIOUS], header: 'X-Promoter-Secret' },
      tables: {
        connectionString: undefined,
        endpoint: 'https://myaccount.table.core.windows.net',
        prefix: 'promoterDev',
      },
      pipelineFile: { path: 'deploy/pipeline.json', explicit: true },
      registry: 'myacr.azurecr.io',
      registryAuth: 'azure',
      serviceBus: { namespace: 'myns.servicebus.windows.net' },
      maxDeliveryCount: 7,
      approvalsHmacSecret: 'hmac-secret-0123456789abcdef',
      slack: {
        signingSecret: '8f742231b10e8888abcd99yyyzzz85a5',
        webhookUrl: 'https://hooks.slack.com/services/T000/B000/XXXX',
      },
      teams: {
        outgoingWebhookToken: 'c2VjcmV0LXRva2VuLWZvci10ZWFtcw==',
        webhookUrl:
          'https://prod-01.westeurope.logic.azure.com/workflows/x/triggers/manual/paths/invoke?sig=y',
      },
      retention: { days: 30, schedule: '0 0 */6 * * *' },
      reconcile: { enabled: false, schedule: '0 */10 * * * *', repositories: 'team/*, myapp' },
      sweep: { markerDays: 45, schedule: '0 0 5 * * *' },
    });
  });

  it.each([
    ['PROMOTER_TABLE_PREFIX', '', (c: Config) => c.tables.prefix, 'promoter'],
    ['PROMOTER_TABLE_PREFIX', '   ', (c: Config) => c.tables.prefix, 'promoter'],
    ['PROMOTER_WEBHOOK_AUTH_HEADER', '', (c: Config) => c.webhook.header, 'Authorization'],
    [
      'PROMOTER_PIPELINE_FILE',
      '',
      (c: Config) => c.pipelineFile,
      { path: 'promoter.pipeline.json', explicit: false },
    ],
    ['PROMOTER_REGISTRY', ' ', (c: Config) => c.registry, undefined],
    ['PROMOTER_WEBHOOK_SECRET_PREVIOUS', '', (c: Config) => c.webhook.secrets, [SECRET]],
    ['PROMOTER_REGISTRY', ' localhost:5000 ', (c: Config) => c.registry, 'localhost:5000'],
    ['PROMOTER_RETENTION_DAYS', '', (c: Config) => c.retention.days, undefined],
    ['PROMOTER_RETENTION_SCHEDULE', ' ', (c: Config) => c.retention.schedule, '0 30 3 * * *'],
    ['PROMOTER_RECONCILE_ENABLED', '', (c: Config) => c.reconcile.enabled, true],
    ['PROMOTER_RECONCILE_REPOSITORIES', ' ', (c: Config) => c.reconcile.repositories, '**'],
  ])('treats %s=%j as %j', (name, value, read, expected) => {
    expect(read(loadConfig({ ...minimal, [name]: value }))).toEqual(expected);
  });

  it('accepts the previous secret as the second one during a rotation', () => {
    const config = loadConfig({ ...minimal, PROMOTER_WEBHOOK_SECRET_PREVIOUS: PREVIOUS });
    expect(config.webhook.secrets).toEqual([SECRET, PREVIOUS]);
  });

  it('ignores environment variables it does not read', () => {
    expect(loadConfig({ ...minimal, PATH: '/usr/bin', PROMOTER_UNKNOWN: 'x' })).toEqual(
      loadConfig(minimal),
    );
  });

  it.each<[string, Record<string, string | undefined>, string, string]>([
    [
      'a missing secret',
      { PROMOTER_TABLES_CONNECTION_STRING: 'UseDevelopmentStorage=true' },
      'PROMOTER_WEBHOOK_SECRET',
      'is required',
    ],
    [
      'a short secret',
      { ...minimal, PROMOTER_WEBHOOK_SECRET: 'too-short' },
      'PROMOTER_WEBHOOK_SECRET',
      'must be at least 16 characters; generate one with `openssl rand -base64 32`',
    ],
    [
      'a short previous secret',
      { ...minimal, PROMOTER_WEBHOOK_SECRET_PREVIOUS: 'old' },
      'PROMOTER_WEBHOOK_SECRET_PREVIOUS',
      'must be at least 16 characters',
    ],
    [
      'a header name with a space',
      { ...minimal, PROMOTER_WEBHOOK_AUTH_HEADER: 'X Secret' },
      'PROMOTER_WEBHOOK_AUTH_HEADER',
      'must be an HTTP header name such as Authorization or X-Promoter-Secret',
    ],
    [
      'an endpoint that is not a URL',
      { PROMOTER_WEBHOOK_SECRET: SECRET, PROMOTER_TABLES_ENDPOINT: 'myaccount' },
      'PROMOTER_TABLES_ENDPOINT',
      'must be the table endpoint URL, e.g. https://<account>.table.core.windows.net',
    ],
    [
      'an endpoint that is not http(s)',
      { PROMOTER_WEBHOOK_SECRET: SECRET, PROMOTER_TABLES_ENDPOINT: 'ftp://myaccount.example' },
      'PROMOTER_TABLES_ENDPOINT',
      'must be the table endpoint URL',
    ],
    [
      'a table prefix starting with a digit',
      { ...minimal, PROMOTER_TABLE_PREFIX: '1promoter' },
      'PROMOTER_TABLE_PREFIX',
      'must be 1–50 letters or digits, starting with a letter (Table Storage names)',
    ],
    [
      'a table prefix with a dash',
      { ...minimal, PROMOTER_TABLE_PREFIX: 'pro-moter' },
      'PROMOTER_TABLE_PREFIX',
      'must be 1–50 letters or digits',
    ],
    [
      'a table prefix of 51 characters',
      { ...minimal, PROMOTER_TABLE_PREFIX: `p${'x'.repeat(50)}` },
      'PROMOTER_TABLE_PREFIX',
      'must be 1–50 letters or digits',
    ],
    [
      'a registry given as a URL',
      { ...minimal, PROMOTER_REGISTRY: 'https://myacr.azurecr.io' },
      'PROMOTER_REGISTRY',
      'must be a registry host[:port], e.g. myacr.azurecr.io',
    ],
    [
      'a retention of 0 days',
      { ...minimal, PROMOTER_RETENTION_DAYS: '0' },
      'PROMOTER_RETENTION_DAYS',
      'must be 1–3650 days; leave it empty to turn retention off',
    ],
    [
      'a retention of half a day',
      { ...minimal, PROMOTER_RETENTION_DAYS: '0.5' },
      'PROMOTER_RETENTION_DAYS',
      'must be a whole number of days',
    ],
    [
      'a retention given as a duration',
      { ...minimal, PROMOTER_RETENTION_DAYS: '30d' },
      'PROMOTER_RETENTION_DAYS',
      'must be a whole number of days, e.g. 30',
    ],
    [
      'a marker window of 1 day, shorter than Event Grid retries',
      { ...minimal, PROMOTER_MARKER_DAYS: '1' },
      'PROMOTER_MARKER_DAYS',
      'must be 2–3650 days: Event Grid retries a registry event for up to 24 hours',
    ],
    [
      'a marker window given as a duration',
      { ...minimal, PROMOTER_MARKER_DAYS: '30d' },
      'PROMOTER_MARKER_DAYS',
      'must be a whole number of days, e.g. 30',
    ],
    [
      'a five-field sweep schedule',
      { ...minimal, PROMOTER_SWEEP_SCHEDULE: '15 4 * * *' },
      'PROMOTER_SWEEP_SCHEDULE',
      'must be an NCRONTAB expression with six fields',
    ],
    [
      'a five-field (minute-first) retention schedule',
      { ...minimal, PROMOTER_RETENTION_SCHEDULE: '30 3 * * *' },
      'PROMOTER_RETENTION_SCHEDULE',
      'must be an NCRONTAB expression with six fields, {second} {minute} {hour} {day} {month} {day-of-week}',
    ],
    [
      'a retention schedule with an hour out of range',
      { ...minimal, PROMOTER_RETENTION_SCHEDULE: '0 30 25 * * *' },
      'PROMOTER_RETENTION_SCHEDULE',
      'is not a valid NCRONTAB expression',
    ],
    [
      'a five-field reconcile schedule',
      { ...minimal, PROMOTER_RECONCILE_SCHEDULE: '*/5 * * * *' },
      'PROMOTER_RECONCILE_SCHEDULE',
      'must be an NCRONTAB expression with six fields',
    ],
    [
      'a reconcile switch that is not true or false',
      { ...minimal, PROMOTER_RECONCILE_ENABLED: 'off' },
      'PROMOTER_RECONCILE_ENABLED',
      'must be true or false',
    ],
    [
      'a repository pattern with an uppercase letter',
      { ...minimal, PROMOTER_RECONCILE_REPOSITORIES: 'team/*,MyApp' },
      'PROMOTER_RECONCILE_REPOSITORIES',
      '"MyApp" is not a repository pattern',
    ],
    [
      'neither a connection string nor an endpoint',
      { PROMOTER_WEBHOOK_SECRET: SECRET },
      'PROMOTER_TABLES_CONNECTION_STRING',
      'set exactly one of PROMOTER_TABLES_CONNECTION_STRING (e.g. UseDevelopmentStorage=true for Azurite) or PROMOTER_TABLES_ENDPOINT (with a managed identity)',
    ],
    [
      'a blank connection string and no endpoint',
      { PROMOTER_WEBHOOK_SECRET: SECRET, PROMOTER_TABLES_CONNECTION_STRING: '  ' },
      'PROMOTER_TABLES_CONNECTION_STRING',
      'set exactly one of',
    ],
    [
      'both a connection string and an endpoint',
      { ...minimal, PROMOTER_TABLES_ENDPOINT: 'https://myaccount.table.core.windows.net' },
      'PROMOTER_TABLES_CONNECTION_STRING',
      'PROMOTER_TABLES_ENDPOINT (with a managed identity); both are set',
    ],
  ])('refuses %s, naming the setting', (_name, env, setting, message) => {
    const error = errorOf(env);
    expect(error.subject).toBe('settings');
    expect(error.issues).toEqual([
      { path: setting, message: expect.stringContaining(message) as string },
    ]);
    expect(error.message).toContain(`settings: ${setting}: `);
  });

  it.each([
    ['a connection string', { PROMOTER_TABLES_CONNECTION_STRING: 'UseDevelopmentStorage=true' }],
    ['an endpoint', { PROMOTER_TABLES_ENDPOINT: 'https://myaccount.table.core.windows.net' }],
  ])('accepts %s alone for the ledger', (_name, tables) => {
    expect(() => loadConfig({ PROMOTER_WEBHOOK_SECRET: SECRET, ...tables })).not.toThrow();
  });

  it('names every bad setting at once', () => {
    const error = errorOf({
      PROMOTER_WEBHOOK_SECRET_PREVIOUS: 'old',
      PROMOTER_WEBHOOK_AUTH_HEADER: 'X Secret',
      PROMOTER_TABLE_PREFIX: '1promoter',
      PROMOTER_REGISTRY: 'https://myacr.azurecr.io',
    });
    expect(error.issues.map((i) => i.path).sort()).toEqual(
      [
        'PROMOTER_WEBHOOK_SECRET',
        'PROMOTER_WEBHOOK_SECRET_PREVIOUS',
        'PROMOTER_WEBHOOK_AUTH_HEADER',
        'PROMOTER_TABLE_PREFIX',
        'PROMOTER_REGISTRY',
        'PROMOTER_TABLES_CONNECTION_STRING',
      ].sort(),
    );
    for (const issue of error.issues)
      expect(error.message).toContain(`${issue.path}: ${issue.message}`);
  });

  it.each<[string, Record<string, string>, string[]]>([
    ['a secret that is too short', { PROMOTER_WEBHOOK_SECRET: 'hunter2-short' }, ['hunter2-short']],
    [
      'a previous secret that is too short',
      { ...minimal, PROMOTER_WEBHOOK_SECRET_PREVIOUS: 'old-hunter2' },
      ['old-hunter2', SECRET],
    ],
    [
      'valid secrets beside other bad settings',
      {
        ...minimal,
        PROMOTER_WEBHOOK_SECRET_PREVIOUS: PREVIOUS,
        PROMOTER_TABLE_PREFIX: '-',
        PROMOTER_TABLES_ENDPOINT: 'https://myaccount.table.core.windows.net',
      },
      [SECRET, PREVIOUS],
    ],
    [
      'a secret set in the wrong setting',
      { ...minimal, PROMOTER_WEBHOOK_AUTH_HEADER: 'Bearer s3cr3t-value-123456789' },
      ['s3cr3t-value-123456789'],
    ],
  ])('never shows a secret in its error, even for %s', (_name, env, secrets) => {
    const error = errorOf(env);
    const shown = `${error.message}\n${JSON.stringify(error.issues)}\n${String(error.stack)}`;
    for (const secret of secrets) expect(shown).not.toContain(secret);
  });

  it.each([
    [
      'both Service Bus settings',
      {
        PROMOTER_SERVICEBUS_NAMESPACE: 'myns.servicebus.windows.net',
        PROMOTER_SERVICEBUS_CONNECTION_STRING:
          'Endpoint=sb://myns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=v',
      },
      'PROMOTER_SERVICEBUS_CONNECTION_STRING',
    ],
    [
      'a namespace without its domain',
      { PROMOTER_SERVICEBUS_NAMESPACE: 'myns' },
      'PROMOTER_SERVICEBUS_NAMESPACE',
    ],
    ['an unknown registry auth', { PROMOTER_REGISTRY_AUTH: 'basic' }, 'PROMOTER_REGISTRY_AUTH'],
    ['a delivery count of 0', { PROMOTER_MAX_DELIVERY_COUNT: '0' }, 'PROMOTER_MAX_DELIVERY_COUNT'],
    [
      'a Slack webhook over http',
      { SLACK_WEBHOOK_URL: 'http://hooks.slack.com/x' },
      'SLACK_WEBHOOK_URL',
    ],
    [
      'a retired Office 365 connector webhook for Teams',
      { TEAMS_WEBHOOK_URL: 'https://contoso.webhook.office.com/webhookb2/a@b/IncomingWebhook/c/d' },
      'TEAMS_WEBHOOK_URL',
    ],
    [
      'a retired Outlook connector webhook for Teams',
      { TEAMS_WEBHOOK_URL: 'https://outlook.office.com/webhook/a@b/IncomingWebhook/c/d' },
      'TEAMS_WEBHOOK_URL',
    ],
    [
      'a Teams token that is not base64',
      { TEAMS_OUTGOING_WEBHOOK_TOKEN: 'not base64 at all!!' },
      'TEAMS_OUTGOING_WEBHOOK_TOKEN',
    ],
  ])('refuses %s, naming the setting', (_, env, setting) => {
    expect(errorOf({ ...minimal, ...env }).issues.map((i) => i.path)).toContain(setting);
  });
});

describe('loadConfig and the Teams webhook', () => {
  it('accepts a Workflows webhook URL', () => {
    const url =
      'https://prod-12.westeurope.logic.azure.com:443/workflows/0a1b/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=abc';
    expect(loadConfig({ ...minimal, TEAMS_WEBHOOK_URL: url }).teams.webhookUrl).toBe(url);
  });

  it('says what to create instead of a retired connector webhook, without quoting it', () => {
    const error = errorOf({
      ...minimal,
      TEAMS_WEBHOOK_URL: 'https://contoso.webhook.office.com/webhookb2/SECRET',
    });
    expect(error.message).toContain('Send webhook alerts to a channel');
    expect(error.message).not.toContain('SECRET');
  });
});

describe('loadConfig and unresolved Key Vault references', () => {
  const reference = (secret: string) =>
    `@Microsoft.KeyVault(SecretUri=https://promoter-kv.vault.azure.net/secrets/${secret}/)`;

  it.each([
    'PROMOTER_WEBHOOK_SECRET',
    'PROMOTER_WEBHOOK_SECRET_PREVIOUS',
    'PROMOTER_APPROVALS_HMAC_SECRET',
    'SLACK_SIGNING_SECRET',
    'SLACK_WEBHOOK_URL',
    'TEAMS_OUTGOING_WEBHOOK_TOKEN',
    'TEAMS_WEBHOOK_URL',
    'PROMOTER_TABLES_CONNECTION_STRING',
  ])('refuses %s holding the reference text, with that one issue and the fix', (setting) => {
    const error = errorOf({ ...minimal, [setting]: reference('s') });
    expect(error.issues).toHaveLength(1);
    const [issue] = error.issues;
    expect(issue?.path).toBe(setting);
    expect(issue?.message).toMatch(/^is an unresolved Key Vault reference/);
    expect(issue?.message).toContain('Key Vault Secrets User');
    expect(issue?.message).toContain(`Environment variables → ${setting}`);
    expect(issue?.message).toContain('az functionapp restart');
    expect(error.message).not.toContain('promoter-kv');
  });

  it('recognises the VaultName form, in any case and with surrounding spaces', () => {
    const error = errorOf({
      ...minimal,
      SLACK_SIGNING_SECRET: '  @microsoft.keyvault(VaultName=kv;SecretName=slack)',
    });
    expect(error.issues.map((i) => i.path)).toEqual(['SLACK_SIGNING_SECRET']);
  });

  it('still names the other bad settings beside a reference', () => {
    const error = errorOf({
      ...minimal,
      PROMOTER_WEBHOOK_SECRET: reference('webhook'),
      PROMOTER_MAX_DELIVERY_COUNT: '0',
    });
    expect(error.issues.map((i) => i.path)).toEqual([
      'PROMOTER_WEBHOOK_SECRET',
      'PROMOTER_MAX_DELIVERY_COUNT',
    ]);
  });

  it('accepts a secret that merely mentions Key Vault', () => {
    expect(
      loadConfig({ ...minimal, PROMOTER_WEBHOOK_SECRET: 'x@Microsoft.KeyVault(not-a-reference)' })
        .webhook.secrets,
    ).toEqual(['x@Microsoft.KeyVault(not-a-reference)']);
  });
});
