import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalHost, type LocalHost } from '../../src/local/host.js';
import { freePort } from '../../src/local/services/tcpPorts.js';
import { startAuthRegistry, type AuthRegistry } from '../support/authRegistry.js';
import { run } from './fakePromoterApi.js';

// `promoter doctor` without --here: the promoter app checks itself (GET /api/health?full=true)
// with its own identity; the CLI needs none of the app's settings, only where the app is.

/** The check lines of a report (✓ passed, ✗ failed, – skipped). */
const checkLines = (stdout: string) => stdout.split('\n').filter((l) => /^[✓✗–] /.test(l));

describe('promoter doctor (the app checks itself)', () => {
  let auth: AuthRegistry;
  let locked: LocalHost;
  beforeAll(async () => {
    auth = await startAuthRegistry();
    // A second host on the suite's Azurite whose registry asks for a password promoter
    // cannot give (htpasswd): what an app without registry rights looks like.
    locked = await startLocalHost({
      port: await freePort(),
      log: () => undefined,
      env: {
        PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
        PROMOTER_TABLE_PREFIX: `doctorapp${randomBytes(3).toString('hex')}`,
        PROMOTER_WEBHOOK_SECRET: inject('webhookSecret'),
        PROMOTER_REGISTRY: auth.host,
      },
    });
  });
  afterAll(async () => {
    await locked.close();
    await auth.stop();
  });

  it("reports the suite host's checks with its identity: push passes, lock and Service Bus skipped, exit 0", async () => {
    const url = inject('hostUrl');
    const { code, stdout, stderr } = await run(['doctor', '--url', url]);
    expect(stderr).toBe('');
    const lines = stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      `checked by the promoter app at ${url} with its own identity:`,
      '  registry: anonymous (no credentials)',
      '  ledger: the key in PROMOTER_TABLES_CONNECTION_STRING',
    ]);
    const host = inject('registryHost');
    expect(checkLines(stdout)).toEqual([
      '✓ registry pull        promoter-doctor:promoter-doctor-absent is not there (404): reads work',
      expect.stringMatching(
        /^✓ registry push {8}put promoter-doctor:promoter-doctor \(sha256:[0-9a-f]{64}\)$/,
      ),
      `– registry tag lock    skipped: tag locks are an Azure Container Registry feature; ${host} has none (the ledger keeps stage tags immutable there)`,
      '– registry delete      skipped: retention is off (PROMOTER_RETENTION_DAYS is not set), so promoter deletes nothing and needs no delete right; promoter-doctor:promoter-doctor stays for the next run to overwrite',
      '– service bus send     skipped: no Service Bus configured (PROMOTER_SERVICEBUS_NAMESPACE and PROMOTER_SERVICEBUS_CONNECTION_STRING are unset): the local host uses its stand-in queue',
      '– service bus receive  skipped: no Service Bus configured (PROMOTER_SERVICEBUS_NAMESPACE and PROMOTER_SERVICEBUS_CONNECTION_STRING are unset): the local host uses its stand-in queue',
      expect.stringMatching(/^✓ ledger read {10}read promotertestbuilds/),
      expect.stringMatching(/^✓ ledger write {9}wrote and deleted a row in promotertestbuilds/),
    ]);
    expect(lines.at(-2)).toBe('all good: 4 passed, 0 failed, 4 skipped');
    expect(code).toBe(0);
  });

  it('--quick --json asks for the read-only checks and prints {ok, checks}', async () => {
    const { code, stdout } = await run(['doctor', '--quick', '--json'], {
      env: { PROMOTER_URL: inject('hostUrl') },
    });
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      ok: boolean;
      checks: { name: string; status: string }[];
    };
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => `${c.name}: ${c.status}`)).toEqual([
      'registry pull: ok',
      'ledger read: ok',
    ]);
  });

  it('an app that may not pull or push: names what the registry asks for and the fix, exit 1', async () => {
    const { code, stdout, stderr } = await run(['doctor', '--url', locked.url]);
    expect(stderr).toBe('');
    expect(stdout.split('\n')[0]).toBe(
      `checked by the promoter app at ${locked.url} with its own identity:`,
    );
    const cause = `${auth.host} asks for credentials promoter cannot give (HTTP 401, WWW-Authenticate: Basic realm="promoter"): promoter signs in to a registry only with an Azure identity (ACR's token exchange) or anonymously`;
    const fix = [
      `    fix:   let promoter in without a password: allow anonymous pull and push on ${auth.host} for promoter's network`,
      '           or use an Azure Container Registry: PROMOTER_REGISTRY=<name>.azurecr.io, PROMOTER_REGISTRY_AUTH=azure',
    ];
    expect(stdout).toContain(
      [
        `✗ registry pull        failed: resolve a tag that should not exist in promoter-doctor at ${auth.host}`,
        '    as:    anonymous (no credentials)',
        `    cause: ${cause}`,
        ...fix,
      ].join('\n'),
    );
    expect(stdout).toContain(
      [
        `✗ registry push        failed: put a scratch manifest under promoter-doctor:promoter-doctor in ${auth.host}`,
        '    as:    anonymous (no credentials)',
        `    cause: ${cause}`,
        ...fix,
      ].join('\n'),
    );
    expect(checkLines(stdout).slice(2)).toEqual([
      `– registry tag lock    skipped: ${auth.host} is not an Azure Container Registry (no tag locks)`,
      '– registry delete      skipped: needs the scratch tag, which could not be pushed',
      expect.stringMatching(/^– service bus send /),
      expect.stringMatching(/^– service bus receive /),
      expect.stringMatching(/^✓ ledger read /),
      expect.stringMatching(/^✓ ledger write /),
    ]);
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('2 failed: 2 passed, 2 failed, 4 skipped');
    expect(code).toBe(1);
  });

  it('an app that does not answer: names the URL and how to reach or start it, or --here, exit 1', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const { code, stdout, stderr } = await run(['doctor'], { env: { PROMOTER_URL: url } });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(
        `^promoter: cannot reach ${url.replace(/\./g, '\\.')} \\(PROMOTER_URL\\): .*ECONNREFUSED`,
      ),
    );
    expect(lines.slice(1)).toEqual([
      'promoter: locally: start the app with `npm start` (in another terminal), then run promoter doctor again',
      'promoter: in Azure: --url https://<function-app>.azurewebsites.net (or PROMOTER_URL) with PROMOTER_FUNCTION_KEY=$(az functionapp keys list -g <resource-group> -n <function-app> --query functionKeys.default -o tsv)',
      "promoter: or check from this machine, with its identity and this environment's settings: promoter doctor --here",
    ]);
  });

  it('an older app that ignores full=true: prints its 503 report, exits 1, and says the write checks did not run', async () => {
    const seen: { url: string | undefined; headers: IncomingHttpHeaders }[] = [];
    const report = {
      status: 'unhealthy',
      checks: [
        {
          name: 'registry pull',
          status: 'ok',
          tried: 'resolve a tag that should not exist in promoter-doctor at myacr.azurecr.io',
          as: 'managed identity id-promoter (object id aaaa0000-0000-0000-0000-000000000001)',
          detail: 'promoter-doctor:promoter-doctor-absent is not there (404): reads work',
        },
        {
          name: 'ledger read',
          status: 'failed',
          tried: 'read a row of promoterbuilds at https://promoterst.table.core.windows.net',
          as: 'managed identity id-promoter (object id aaaa0000-0000-0000-0000-000000000001)',
          cause: 'managed identity id-promoter lacks data rights on the tables of promoterst',
          fix: ['az role assignment create --assignee aaaa0000-0000-0000-0000-000000000001 …'],
        },
      ],
    };
    const old = createServer((req, res) => {
      seen.push({ url: req.url, headers: req.headers });
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify(report));
    });
    await new Promise<void>((resolve) => old.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(old.address() as AddressInfo).port}`;
    try {
      const { code, stdout, stderr } = await run(['doctor'], {
        env: { PROMOTER_URL: url, PROMOTER_FUNCTION_KEY: 'test-function-key' },
      });
      expect(seen.map((r) => [r.url, r.headers['x-functions-key']])).toEqual([
        ['/api/health?full=true', 'test-function-key'],
      ]);
      expect(stdout).toContain(
        [
          '✗ ledger read    failed: read a row of promoterbuilds at https://promoterst.table.core.windows.net',
          '    as:    managed identity id-promoter (object id aaaa0000-0000-0000-0000-000000000001)',
          '    cause: managed identity id-promoter lacks data rights on the tables of promoterst',
          '    fix:   az role assignment create --assignee aaaa0000-0000-0000-0000-000000000001 …',
        ].join('\n'),
      );
      expect(stderr).toBe(
        `promoter: note: ${url} ran only its read-only checks: it predates GET /api/health?full=true; restart npm start or redeploy the app to check its write rights too (or use --here)\n`,
      );
      expect(code).toBe(1);
    } finally {
      old.closeAllConnections();
      await new Promise((resolve) => old.close(resolve));
    }
  });

  it('--registry without --here is a usage error: the app checks its own registry, exit 2', async () => {
    const { code, stderr } = await run(['doctor', '--registry', 'myacr.azurecr.io'], {
      env: { PROMOTER_URL: inject('hostUrl') },
    });
    expect(code).toBe(2);
    expect(stderr).toBe(
      'promoter: --registry and --repository go with --here: the promoter app checks its own registry (its PROMOTER_REGISTRY), in promoter-doctor\n',
    );
  });
});
