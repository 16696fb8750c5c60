import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { health } from '../../src/functions/health.js';
import { azuriteConnectionString } from '../../src/local/services/azurite.js';
import { freePort } from '../../src/local/services/tcpPorts.js';
import { startAuthRegistry, type AuthRegistry } from '../support/authRegistry.js';
import { invoke, memoryServices } from '../support/handlers.js';
import type { Services } from '../../src/composition/createServices.js';
import { registrySignIns } from '../../src/composition/registrySignIns.js';
import { parsePipeline } from '../../src/domain/pipeline.js';

/** `GET /api/health[?query]` of an app with these settings (the real registry and Azurite). */
async function getHealth(env: Record<string, string>, query: Record<string, string> = {}) {
  const { provider } = memoryServices({
    PROMOTER_TABLE_PREFIX: `health${randomBytes(4).toString('hex')}`,
    ...env,
  });
  const search = new URLSearchParams(query).toString();
  return invoke(health(provider), {
    method: 'GET',
    url: `http://localhost:7071/api/health${search === '' ? '' : `?${search}`}`,
    query,
  });
}

/** Each check as `name: status`. */
const outcomes = (body: unknown) =>
  (body as { checks: { name: string; status: string }[] }).checks.map(
    (c) => `${c.name}: ${c.status}`,
  );

describe('GET /api/health', () => {
  let auth: AuthRegistry;
  beforeAll(async () => {
    auth = await startAuthRegistry();
  });
  afterAll(async () => {
    await auth.stop();
  });

  it('answers 200 with the quick checks when the registry and the ledger answer', async () => {
    const answer = await getHealth({
      PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
      PROMOTER_REGISTRY: inject('registryHost'),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.body).toEqual({
      status: 'healthy',
      checks: [
        {
          name: 'registry pull',
          status: 'ok',
          tried: `resolve a tag that should not exist in promoter-doctor at ${inject('registryHost')}`,
          as: 'anonymous (no credentials)',
          detail: 'promoter-doctor:promoter-doctor-absent is not there (404): reads work',
        },
        expect.objectContaining({
          name: 'ledger read',
          status: 'ok',
          as: 'the key in PROMOTER_TABLES_CONNECTION_STRING',
        }),
      ],
    });
  });

  it('answers 503 naming what failed and how to fix it, and never shows a key', async () => {
    const connectionString = azuriteConnectionString(await freePort());
    const answer = await getHealth({
      PROMOTER_TABLES_CONNECTION_STRING: connectionString,
      PROMOTER_REGISTRY: auth.host,
    });
    expect(answer.status).toBe(503);
    const body = answer.body as {
      status: string;
      checks: { name: string; status: string; cause: string; fix: string[] }[];
    };
    expect(body.status).toBe('unhealthy');
    expect(body.checks.map((c) => [c.name, c.status])).toEqual([
      ['registry pull', 'failed'],
      ['ledger read', 'failed'],
    ]);
    expect(body.checks[0]?.cause).toBe(
      `${auth.host} asks for credentials promoter cannot give (HTTP 401, WWW-Authenticate: Basic realm="promoter"): promoter signs in to a registry only with an Azure identity (ACR's token exchange) or anonymously`,
    );
    expect(body.checks[1]?.cause).toMatch(/the host in PROMOTER_TABLES_CONNECTION_STRING is wrong/);
    const key = /AccountKey=([^;]+)/.exec(connectionString)?.[1] ?? 'missing';
    expect(JSON.stringify(answer.body)).not.toContain(key);
    expect(answer.logs.join('\n')).not.toContain(key);
    expect(answer.logs.join('\n')).toContain('health check failed');
  });

  it('the local host serves it at /api/health', async () => {
    const response = await fetch(`${inject('hostUrl')}/api/health`);
    const body = (await response.json()) as { status: string; checks: { name: string }[] };
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body.status).toBe('healthy');
    expect(body.checks.map((c) => c.name)).toEqual(['registry pull', 'ledger read']);
  });

  it('?full=true runs every check with the app identity: push, no lock off ACR, no Service Bus here', async () => {
    const answer = await getHealth(
      {
        PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
        PROMOTER_REGISTRY: inject('registryHost'),
      },
      { full: 'true' },
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect((answer.body as { status: string }).status).toBe('healthy');
    expect(outcomes(answer.body)).toEqual([
      'registry pull: ok',
      'registry push: ok',
      'registry tag lock: skipped',
      'registry delete: skipped',
      'service bus send: skipped',
      'service bus receive: skipped',
      'ledger read: ok',
      'ledger write: ok',
    ]);
    const push = (answer.body as { checks: { name: string; detail?: string }[] }).checks[1];
    expect(push?.detail).toMatch(/^put promoter-doctor:promoter-doctor \(sha256:[0-9a-f]{64}\)$/);
  });

  it('?full=true with retention on also deletes the scratch manifest it pushed', async () => {
    const answer = await getHealth(
      {
        PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
        PROMOTER_REGISTRY: inject('registryHost'),
        PROMOTER_RETENTION_DAYS: '30',
      },
      { full: 'true' },
    );
    expect(answer.status).toBe(200);
    expect(outcomes(answer.body).slice(0, 4)).toEqual([
      'registry pull: ok',
      'registry push: ok',
      'registry tag lock: skipped',
      'registry delete: ok',
    ]);
  });

  it('?full=false is the quick check', async () => {
    const answer = await getHealth(
      {
        PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
        PROMOTER_REGISTRY: inject('registryHost'),
      },
      { full: 'false' },
    );
    expect(answer.status).toBe(200);
    expect(outcomes(answer.body)).toEqual(['registry pull: ok', 'ledger read: ok']);
  });

  it.each(['yes', '1', ''])('answers 400 naming full when it is %j', async (full) => {
    const answer = await getHealth(
      {
        PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
        PROMOTER_REGISTRY: inject('registryHost'),
      },
      { full },
    );
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      title: 'Bad Request',
      errors: [{ path: 'full', message: 'must be true or false' }],
    });
  });

  it('writes nothing: no scratch tag, no table created', async () => {
    const prefix = `health${randomBytes(4).toString('hex')}`;
    const answer = await getHealth({
      PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
      PROMOTER_REGISTRY: inject('registryHost'),
      PROMOTER_TABLE_PREFIX: prefix,
    });
    expect(answer.status).toBe(200);
    const ledger = (answer.body as { checks: { name: string; detail: string }[] }).checks[1];
    expect(ledger?.detail).toContain(`${prefix}builds does not exist yet (created on first write)`);
  });

  it('checks each registry the pipeline keeps a stage in, signed in to as declared, naming it', async () => {
    const env = {
      PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
      PROMOTER_REGISTRY: inject('registryHost'),
      PROD_USERNAME: auth.user,
      PROD_PASSWORD: 'wrong-password',
    };
    const { services } = memoryServices(env);
    const pipeline = parsePipeline({
      registries: {
        [auth.host]: {
          signIn: 'basic',
          usernameSetting: 'PROD_USERNAME',
          passwordSetting: 'PROD_PASSWORD',
        },
      },
      stages: [
        { name: 'dev', tag: 'dev-latest', immutable: false, approval: { required: 0 } },
        {
          name: 'release',
          tag: '{version}',
          immutable: true,
          approval: { required: 1 },
          registry: auth.host,
        },
      ],
    });
    const declared: Services = {
      ...services,
      pipeline,
      declaredRegistries: { signIns: registrySignIns(pipeline, env), resourceIds: new Map() },
    };
    const answer = await invoke(
      health(() => Promise.resolve(declared)),
      {
        method: 'GET',
        url: 'http://localhost:7071/api/health',
      },
    );
    expect(answer.status).toBe(503);
    expect(outcomes(answer.body)).toEqual([
      'registry pull: ok',
      'stage registry read: failed',
      'ledger read: ok',
    ]);
    const check = (answer.body as { checks: Record<string, unknown>[] }).checks[1];
    expect(check).toMatchObject({ registry: auth.host, as: 'user ci (from PROD_USERNAME)' });
    expect(check?.cause).toMatch(
      new RegExp(
        `^${auth.host} \\(stage release\\) refused pull to user ci \\(from PROD_USERNAME\\)`,
      ),
    );
    expect(JSON.stringify(answer.body)).not.toContain('wrong-password');
  });
});
