import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DoctorReport } from '../../src/app/doctor/diagnose.js';
import { startAuthRegistry, type AuthRegistry } from '../support/authRegistry.js';
import { run } from './fakePromoterApi.js';

/**
 * The settings the doctor reads, for the suite's registry and Azurite, as an operator would
 * export them. No PROMOTER_WEBHOOK_SECRET: --here does not need the app's other settings.
 */
const appEnv = (overrides: Record<string, string> = {}): Record<string, string> => ({
  PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
  PROMOTER_TABLE_PREFIX: `doctorcli${randomBytes(3).toString('hex')}`,
  PROMOTER_REGISTRY: inject('registryHost'),
  ...overrides,
});

describe('promoter doctor --here', () => {
  let auth: AuthRegistry;
  beforeAll(async () => {
    auth = await startAuthRegistry();
  });
  afterAll(async () => {
    await auth.stop();
  });

  it('with auth off: pull and push pass, the lock and Service Bus are skipped, exit 0', async () => {
    const { code, stdout, stderr } = await run(['doctor', '--here'], {
      env: appEnv({ PROMOTER_RETENTION_DAYS: '30' }),
    });
    expect(stderr).toBe('');
    const lines = stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'checked as:',
      '  registry: anonymous (no credentials)',
      '  ledger: the key in PROMOTER_TABLES_CONNECTION_STRING',
    ]);
    const host = inject('registryHost');
    expect(lines.filter((l) => /^[✓✗–] /.test(l))).toEqual([
      '✓ registry pull        promoter-doctor:promoter-doctor-absent is not there (404): reads work',
      expect.stringMatching(
        /^✓ registry push {8}put promoter-doctor:promoter-doctor-[0-9a-f]{8} \(sha256:[0-9a-f]{64}\)$/,
      ),
      `– registry tag lock    skipped: tag locks are an Azure Container Registry feature; ${host} has none (the ledger keeps stage tags immutable there)`,
      expect.stringMatching(/^✓ registry delete {6}deleted promoter-doctor@sha256:[0-9a-f]{64}$/),
      '– service bus send     skipped: no Service Bus configured (PROMOTER_SERVICEBUS_NAMESPACE and PROMOTER_SERVICEBUS_CONNECTION_STRING are unset): the local host uses its stand-in queue',
      '– service bus receive  skipped: no Service Bus configured (PROMOTER_SERVICEBUS_NAMESPACE and PROMOTER_SERVICEBUS_CONNECTION_STRING are unset): the local host uses its stand-in queue',
      expect.stringMatching(/^✓ ledger read {10}read doctorcli\w+builds/),
      expect.stringMatching(/^✓ ledger write {9}wrote and deleted a row in doctorcli\w+builds/),
    ]);
    expect(lines.at(-2)).toBe('all good: 5 passed, 0 failed, 3 skipped');
    expect(code).toBe(0);
  });

  it('with retention off, overwrites one fixed scratch tag and skips the delete check', async () => {
    const first = await run(['doctor', '--here'], { env: appEnv() });
    const second = await run(['doctor', '--here'], { env: appEnv() });
    for (const { code, stdout } of [first, second]) {
      expect(code).toBe(0);
      expect(stdout).toMatch(
        /^✓ registry push {8}put promoter-doctor:promoter-doctor \(sha256:[0-9a-f]{64}\)$/m,
      );
      expect(stdout).toContain(
        '– registry delete      skipped: retention is off (PROMOTER_RETENTION_DAYS is not set), so promoter deletes nothing and needs no delete right; promoter-doctor:promoter-doctor stays for the next run to overwrite',
      );
    }
    // The same bytes each time: the registry holds one scratch manifest, however often it runs.
    const digest = (out: string) =>
      /put promoter-doctor:promoter-doctor \((sha256:\w+)\)/.exec(out)?.[1];
    expect(digest(second.stdout)).toBe(digest(first.stdout));
  });

  it('with auth on and anonymous access: names what the registry asks for and the fix, exit 1', async () => {
    const { code, stdout } = await run(['doctor', '--here', '--registry', auth.host], {
      env: appEnv(),
    });
    expect(code).toBe(1);
    const cause = `${auth.host} asks for credentials promoter cannot give (HTTP 401, WWW-Authenticate: Basic realm="promoter"): promoter signs in to a registry only with an Azure identity (ACR's token exchange) or anonymously`;
    expect(stdout).toContain(
      [
        `✗ registry pull        failed: resolve a tag that should not exist in promoter-doctor at ${auth.host}`,
        '    as:    anonymous (no credentials)',
        `    cause: ${cause}`,
        `    fix:   let promoter in without a password: allow anonymous pull and push on ${auth.host} for promoter's network`,
        '           or use an Azure Container Registry: PROMOTER_REGISTRY=<name>.azurecr.io, PROMOTER_REGISTRY_AUTH=azure',
      ].join('\n'),
    );
    expect(stdout).toContain(
      `✗ registry push        failed: put a scratch manifest under promoter-doctor:promoter-doctor in ${auth.host}`,
    );
    expect(stdout).toContain(
      '– registry delete      skipped: needs the scratch tag, which could not be pushed',
    );
    expect(stdout).toContain('✓ ledger write');
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('2 failed: 2 passed, 2 failed, 4 skipped');
  });

  it('--quick --json prints the read-only checks as JSON', async () => {
    const { code, stdout } = await run(['doctor', '--here', '--quick', '--json'], {
      env: appEnv(),
    });
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as DoctorReport;
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => `${c.name}: ${c.status}`)).toEqual([
      'registry pull: ok',
      'ledger read: ok',
    ]);
  });

  it('a ledger that cannot be reached is named with its setting, and no key is printed', async () => {
    const connectionString = inject('tablesConnectionString').replace(
      /TableEndpoint=http:\/\/127\.0\.0\.1:\d+/,
      'TableEndpoint=http://127.0.0.1:9',
    );
    const { code, stdout } = await run(['doctor', '--here', '--quick'], {
      env: appEnv({ PROMOTER_TABLES_CONNECTION_STRING: connectionString }),
    });
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /cause: cannot reach http:\/\/127\.0\.0\.1:9\/devstoreaccount1 \(table \w+builds\) \(.*ECONNREFUSED.*\): the host in PROMOTER_TABLES_CONNECTION_STRING is wrong or unreachable from here/,
    );
    expect(stdout).toContain('fix:   check PROMOTER_TABLES_CONNECTION_STRING');
    expect(stdout).not.toMatch(/AccountKey=/);
  });

  it('names each setting to set when this environment has none, exit 2', async () => {
    const { code, stdout, stderr } = await run(['doctor', '--here'], { env: {} });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toEqual([
      'promoter: PROMOTER_TABLES_CONNECTION_STRING: set exactly one of PROMOTER_TABLES_CONNECTION_STRING (e.g. UseDevelopmentStorage=true for Azurite) or PROMOTER_TABLES_ENDPOINT (with a managed identity)',
      'promoter: PROMOTER_REGISTRY: is required: the registry promoter re-tags in, e.g. myacr.azurecr.io (or pass --registry)',
      "promoter: --here checks with the app's settings from this environment: export them (az functionapp config appsettings list -g <resource-group> -n <function-app>), or leave out --here to have the running app check itself",
    ]);
  });

  it('bad settings are named before anything is tried, exit 2', async () => {
    const { code, stdout, stderr } = await run(['doctor', '--here'], {
      env: appEnv({ PROMOTER_REGISTRY: 'https://myacr.azurecr.io/' }),
    });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      'promoter: PROMOTER_REGISTRY: must be a registry host[:port], e.g. myacr.azurecr.io',
    );
  });
});
