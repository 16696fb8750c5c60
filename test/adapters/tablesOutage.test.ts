import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RestError } from '@azure/data-tables';
import { afterEach, describe, expect, it } from 'vitest';
import { createTablesClient } from '../../src/adapters/tables/tablesClient.js';
import { ledgerFailure } from '../../src/adapters/tables/tablesErrors.js';
import { createTablesBuildLedger } from '../../src/adapters/tables/tablesBuildLedger.js';
import { TransientError } from '../../src/domain/errors.js';
import { azuriteConnectionString } from '../../src/local/services/azurite.js';

const digest = `sha256:${'ab'.repeat(32)}`;

describe('ledgerFailure', () => {
  it.each([
    { error: new RestError('busy', { statusCode: 503 }), reason: 'HTTP 503: busy' },
    { error: new RestError('slow down', { statusCode: 429 }), reason: 'HTTP 429: slow down' },
    { error: new RestError('timeout', { statusCode: 408 }), reason: 'HTTP 408: timeout' },
    {
      error: new RestError('connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' }),
      reason: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1',
    },
    {
      error: Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' }),
      reason: 'no answer within the request timeout',
    },
  ])('makes a TransientError of $reason', ({ error, reason }) => {
    const failure = ledgerFailure('recording build myapp@sha256:1', error);
    expect(failure).toBeInstanceOf(TransientError);
    expect(failure.message).toBe(`recording build myapp@sha256:1: ledger unavailable: ${reason}`);
    expect(failure.cause).toBe(error);
  });

  it('wraps a 403 in a plain Error naming the operation and the service code', () => {
    const body = JSON.stringify({
      'odata.error': {
        code: 'AuthorizationFailure',
        message: { value: 'Not allowed.\nRequestId:1' },
      },
    });
    const error = new RestError(body, { statusCode: 403 });
    const failure = ledgerFailure('reading build myapp@sha256:1', error);
    expect(failure).not.toBeInstanceOf(TransientError);
    expect(failure.message).toBe(
      'reading build myapp@sha256:1: HTTP 403 AuthorizationFailure: Not allowed.',
    );
    expect(failure.cause).toBe(error);
  });
});

describe('Tables ledger when the service misbehaves', () => {
  let server: Server | undefined;
  afterEach(async () => {
    const current = server;
    server = undefined;
    if (!current) return;
    current.closeAllConnections();
    await new Promise((resolve) => current.close(resolve));
  });

  async function serve(handler: Parameters<typeof createServer>[1]): Promise<number> {
    const started = createServer(handler);
    server = started;
    await new Promise<void>((resolve) => started.listen(0, '127.0.0.1', resolve));
    started.unref();
    return (started.address() as AddressInfo).port;
  }

  it('throws a TransientError after a few quick retries when the service answers 503', async () => {
    let requests = 0;
    const port = await serve((_request, response) => {
      requests += 1;
      response.writeHead(503, { 'content-type': 'application/json' }).end('{}');
    });
    const ledger = createTablesBuildLedger({
      client: createTablesClient({
        connectionString: azuriteConnectionString(port),
        tableName: 'outage',
      }),
    });
    const started = Date.now();
    const failure = await ledger.getBuildByDigest('myapp', digest).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as Error).message).toMatch(
      /^reading build myapp@sha256:[a-f0-9]{64}: ledger unavailable: HTTP 503/,
    );
    expect(requests).toBe(3);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('throws a TransientError when the service accepts connections but never answers', async () => {
    const port = await serve(() => {
      // Never answers.
    });
    const ledger = createTablesBuildLedger({
      client: createTablesClient({
        connectionString: azuriteConnectionString(port),
        tableName: 'silent',
        requestTimeoutInMs: 300,
      }),
    });
    const started = Date.now();
    const failure = await ledger.listBuilds('myapp', { limit: 10 }).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as Error).message).toMatch(
      /^listing builds of myapp: ledger unavailable: no answer within the request timeout$/,
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('createTablesClient', () => {
  it('reaches Azurite on its default port over http for UseDevelopmentStorage=true', () => {
    const client = createTablesClient({
      connectionString: 'UseDevelopmentStorage=true',
      tableName: 'promoterbuilds',
    });
    expect(client.url).toBe('http://127.0.0.1:10002/devstoreaccount1');
    expect(client.tableName).toBe('promoterbuilds');
  });

  it('refuses settings with neither a connection string nor an endpoint and credential', () => {
    expect(() =>
      createTablesClient({ endpoint: 'https://acct.table.core.windows.net', tableName: 't' }),
    ).toThrow(/connection string, or an endpoint with a credential/);
  });
});
