import { createHmac } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApprovalMessage } from '../../src/domain/approvalMessage.js';
import type { PromotionMessage } from '../../src/domain/promotionMessage.js';
import type { ServiceBusTransport } from '../../src/cli/serviceBusTransport.js';
import { freePort } from '../../src/local/services/tcpPorts.js';
import { FakePromoterApi, run, type RecordedRequest } from './fakePromoterApi.js';

const digest = `sha256:${'ab'.repeat(32)}`;

/** The unix second a request says it was signed at. */
const signedAt = (request: RecordedRequest | undefined): number =>
  Number(request?.headers['x-promoter-timestamp']);

/** Resolves at the start of the next whole second. */
const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000)));

let api: FakePromoterApi;
let env: Record<string, string>;

beforeEach(async () => {
  api = await new FakePromoterApi().start();
  env = { PROMOTER_URL: api.url, PROMOTER_APPROVALS_HMAC_SECRET: api.secret };
});
afterEach(async () => {
  await api.close();
});

describe('promoter approve over HTTP', () => {
  it('posts the exact approval message, signed over the exact body, and exits 0', async () => {
    const result = await run(
      [
        'approve',
        'team/backend',
        'a1b2c3d',
        '--stage',
        'rc',
        '--version',
        '1.2.3',
        '--as',
        'alice',
        '--name',
        'Alice Liddell',
        '--group',
        'qa',
        '--group',
        'release',
        '--comment',
        'load test passed',
        '--requested-by',
        'bob',
        '--id',
        'gate-42',
      ],
      { env },
    );
    expect(result).toEqual({
      code: 0,
      stdout: 'queued approval gate-42: rc 1.2.3 of team/backend (git a1b2c3d) by alice\n',
      stderr: '',
    });
    expect(api.approvals).toEqual([
      {
        type: 'approval',
        id: 'gate-42',
        repository: 'team/backend',
        build: { gitSha: 'a1b2c3d' },
        stage: 'rc',
        version: '1.2.3',
        decision: 'approve',
        approver: { id: 'alice', name: 'Alice Liddell', groups: ['qa', 'release'] },
        source: 'cli',
        comment: 'load test passed',
        requestedBy: { id: 'bob' },
      },
    ]);
    // The signature, recomputed here independently of the CLI's code: lowercase hex
    // HMAC-SHA256 of "<timestamp>.<raw body>", keyed with the secret; the time is now.
    const [request] = api.requests;
    const timestamp = String(request?.headers['x-promoter-timestamp']);
    expect(timestamp).toMatch(/^[0-9]+$/);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(5);
    const expected = createHmac('sha256', api.secret)
      .update(`${timestamp}.${request?.text ?? ''}`)
      .digest('hex');
    expect(request?.headers['x-promoter-signature']).toBe(`sha256=${expected}`);
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.headers['content-type']).toBe('application/json');
  });

  it.each([
    ['a digest', digest, { digest }],
    ['a git SHA', 'a1b2c3d4e5', { gitSha: 'a1b2c3d4e5' }],
    ['an rc tag', '1.2.3-rc2', { tag: '1.2.3-rc2' }],
  ])('names the build by %s', async (_, ref, build) => {
    const result = await run(['approve', 'myapp', ref, '--stage', 'release', '--as', 'alice'], {
      env,
    });
    expect(result.code).toBe(0);
    expect(api.approvals).toMatchObject([{ build }]);
  });

  it('sends a rejection with a new UUID as its id and source cli', async () => {
    const result = await run(
      ['reject', 'myapp', '1.2.3-rc2', '--stage', 'release', '--as', 'alice', '--source', 'gate'],
      { env },
    );
    expect(result.code).toBe(0);
    const [sent] = api.approvals as ApprovalMessage[];
    expect(sent).toMatchObject({ decision: 'reject', source: 'gate' });
    expect(sent?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(result.stdout).toBe(
      `queued rejection ${sent?.id ?? ''}: release of myapp:1.2.3-rc2 by alice\n`,
    );
  });

  it('--url overrides PROMOTER_URL', async () => {
    const result = await run(
      ['--url', api.url, 'approve', 'myapp', 'a1b2c3d', '--stage', 'rc', '--as', 'alice'],
      { env: { ...env, PROMOTER_URL: 'http://127.0.0.1:9' } },
    );
    expect(result.code).toBe(0);
    expect(api.approvals).toHaveLength(1);
  });

  it.each([
    [['--version', 'v1.2.3'], 'promoter: version: must be a semantic version'],
    [['--source', 'My Gate'], 'promoter: source: a source is a short lowercase name'],
    [['--id', 'has spaces'], 'promoter: id: an id is 1–128 letters'],
  ])('exits 2 naming the field for %j, without any request', async (extra, expected) => {
    const result = await run(
      ['approve', 'myapp', 'a1b2c3d', '--stage', 'rc', '--as', 'alice', ...extra],
      { env },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(expected);
    expect(api.requests).toEqual([]);
  });

  it('exits 2 on a bad build reference, naming build.digest', async () => {
    const result = await run(['approve', 'myapp', 'sha256:abc', '--stage', 'rc', '--as', 'a'], {
      env,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^promoter: build\.digest: .*not a valid sha256 digest/m);
    expect(api.requests).toEqual([]);
  });

  it.each([
    ['an unknown option', ['approve', 'myapp', 'a1b2c3d', '--stage', 'rc', '--as', 'a', '--bogus']],
    ['a missing --as', ['approve', 'myapp', 'a1b2c3d', '--stage', 'rc']],
    ['a missing <ref>', ['approve', 'myapp', '--stage', 'rc', '--as', 'a']],
    [
      'a --wait that is not a number',
      ['approve', 'myapp', 'a1b2c3d', '--stage', 'rc', '--as', 'a', '--wait', 'soon'],
    ],
  ])('exits 2 on %s, without any request', async (_, args) => {
    const result = await run(args, { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: /);
    expect(api.requests).toEqual([]);
  });

  it('exits 1 on 401 and says to set PROMOTER_APPROVALS_HMAC_SECRET', async () => {
    const result = await run(['approve', 'myapp', 'a1b2c3d', '--stage', 'rc', '--as', 'alice'], {
      env: { ...env, PROMOTER_APPROVALS_HMAC_SECRET: 'wrong-secret-0123456789' },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      `${api.url} refused the approvals secret from PROMOTER_APPROVALS_HMAC_SECRET (401 Unauthorized: the signature does not match the body)`,
    );
    expect(result.stderr).toContain(
      "set PROMOTER_APPROVALS_HMAC_SECRET to the host's approvals secret",
    );
    expect(result.stderr).not.toContain('WEBHOOK');
    expect(api.approvals).toHaveLength(1); // not retried: only a replay is
  });

  it('sends the same approval twice in one second: the replay is signed anew and queued', async () => {
    const args = ['approve', 'myapp', 'a1b2c3d', '--stage', 'rc', '--as', 'alice', '--id', 'r-1'];
    await nextSecond();
    const first = await run(args, { env });
    const second = await run(args, { env });
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(second.stdout).toBe('queued approval r-1: rc of myapp (git a1b2c3d) by alice\n');
    // Every request the fake accepted carried a signature it had not seen before.
    expect(api.seenSignatures.size).toBe(2);
  });

  it('on a 401 replay, waits for the next second, re-signs and retries once', async () => {
    const replay = {
      status: 401,
      contentType: 'application/problem+json',
      body: {
        status: 401,
        title: 'Unauthorized',
        detail: 'this signed request was received before (a replay): sign each request anew',
      },
    };
    const queued = api.approvalAnswer;
    let answers = 0;
    api.approvalAnswer = (body) => (++answers === 1 ? replay : queued(body));
    const result = await run(
      ['approve', 'myapp', 'a1b2c3d', '--stage', 'rc', '--as', 'alice', '--id', 'r-2'],
      { env },
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const [refused, retried] = api.requests;
    expect(api.requests).toHaveLength(2);
    expect(retried?.text).toBe(refused?.text);
    expect(signedAt(retried)).toBeGreaterThan(signedAt(refused));
    expect(retried?.headers['x-promoter-signature']).not.toBe(
      refused?.headers['x-promoter-signature'],
    );
  });

  it('exits 1 naming the replay when the re-signed retry is refused as one too', async () => {
    api.approvalAnswer = () => ({
      status: 401,
      contentType: 'application/problem+json',
      body: { status: 401, title: 'Unauthorized', detail: 'a replay' },
    });
    const result = await run(['approve', 'myapp', 'a1b2c3d', '--stage', 'rc', '--as', 'alice'], {
      env,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${api.url} refused the approval as a replay`);
    expect(result.stderr).not.toContain('refused the approvals secret');
    expect(api.requests).toHaveLength(2);
  });

  it("exits 2 on the server's 400 and shows its field errors", async () => {
    api.approvalAnswer = () => ({
      status: 400,
      contentType: 'application/problem+json',
      body: {
        status: 400,
        title: 'Bad Request',
        detail: 'the approval message is invalid',
        errors: [
          { path: 'stage', message: 'unknown stage "qa": the pipeline has dev, rc, release' },
        ],
      },
    });
    const result = await run(['approve', 'myapp', 'a1b2c3d', '--stage', 'qa', '--as', 'alice'], {
      env,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `promoter: POST ${api.url}/api/approvals: 400 Bad Request: the approval message is invalid\n` +
        'promoter: stage: unknown stage "qa": the pipeline has dev, rc, release\n',
    );
  });

  it('exits 1 when nothing listens, naming PROMOTER_URL and npm start', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await run(['approve', 'myapp', 'a1b2c3d', '--stage', 'rc', '--as', 'alice'], {
      env: { ...env, PROMOTER_URL: url },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot reach ${url} (PROMOTER_URL): connect ECONNREFUSED`);
    expect(result.stderr).toContain('is `npm start` running?');
  });

  it('exits 1 on a 500, with the server’s detail', async () => {
    api.approvalAnswer = () => ({
      status: 503,
      body: { status: 503, title: 'Service Unavailable', detail: 'the queue is not running' },
    });
    const result = await run(['approve', 'myapp', 'a1b2c3d', '--stage', 'rc', '--as', 'alice'], {
      env,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('503 Service Unavailable: the queue is not running');
  });
});

describe('the approvals secret', () => {
  let cwd: string;
  beforeEach(async () => {
    cwd = await mkdtemp(path.join(os.tmpdir(), 'promoter-cli-'));
  });
  afterEach(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('is read from .promoter/approvals-hmac-secret in the working directory', async () => {
    await mkdir(path.join(cwd, '.promoter'));
    await writeFile(path.join(cwd, '.promoter', 'approvals-hmac-secret'), `${api.secret}\n`);
    const result = await run(['approve', 'myapp', 'a1b2c3d', '--stage', 'rc', '--as', 'alice'], {
      env: { PROMOTER_URL: api.url },
      cwd,
    });
    expect(result.code).toBe(0);
    expect(api.seenSignatures.size).toBe(1);
  });

  it('names the file it was read from when the host refuses it', async () => {
    await mkdir(path.join(cwd, '.promoter'));
    const file = path.join(cwd, '.promoter', 'approvals-hmac-secret');
    await writeFile(file, 'not-the-hosts-secret-0123456789\n');
    const result = await run(['approve', 'myapp', 'a1b2c3d', '--stage', 'rc', '--as', 'alice'], {
      env: { PROMOTER_URL: api.url },
      cwd,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`refused the approvals secret from ${file} (401`);
    expect(result.stderr).toContain('set PROMOTER_APPROVALS_HMAC_SECRET');
  });

  it('is not the webhook secret: .promoter/webhook-secret alone is not enough', async () => {
    await mkdir(path.join(cwd, '.promoter'));
    await writeFile(path.join(cwd, '.promoter', 'webhook-secret'), `${api.secret}\n`);
    const result = await run(['approve', 'myapp', 'a1b2c3d', '--stage', 'rc', '--as', 'alice'], {
      env: { PROMOTER_URL: api.url, PROMOTER_WEBHOOK_SECRET: api.secret },
      cwd,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no approvals secret');
    expect(api.requests).toEqual([]);
  });

  it('is read from PROMOTER_LOCAL_STATE_DIR relative to the working directory', async () => {
    await mkdir(path.join(cwd, 'state'));
    await writeFile(path.join(cwd, 'state', 'approvals-hmac-secret'), api.secret);
    const result = await run(['approve', 'myapp', 'a1b2c3d', '--stage', 'rc', '--as', 'alice'], {
      env: { PROMOTER_URL: api.url, PROMOTER_LOCAL_STATE_DIR: 'state' },
      cwd,
    });
    expect(result.code).toBe(0);
  });

  it('missing everywhere exits 1 naming the variable and the file, before any request', async () => {
    const result = await run(['approve', 'myapp', 'a1b2c3d', '--stage', 'rc', '--as', 'alice'], {
      env: { PROMOTER_URL: api.url },
      cwd,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `no approvals secret: PROMOTER_APPROVALS_HMAC_SECRET is not set and ${path.join(cwd, '.promoter', 'approvals-hmac-secret')} does not exist`,
    );
    expect(api.requests).toEqual([]);
  });
});

describe('promoter approve over Service Bus', () => {
  const fakeBus = (fail?: Error) => {
    const sent: PromotionMessage[] = [];
    const opened: ServiceBusTransport[] = [];
    let closed = 0;
    return {
      sent,
      opened,
      closed: () => closed,
      deps: {
        openServiceBus: (transport: ServiceBusTransport) => {
          opened.push(transport);
          return Promise.resolve({
            send: (message: PromotionMessage) => {
              if (fail) return Promise.reject(fail);
              sent.push(message);
              return Promise.resolve();
            },
            close: () => {
              closed++;
              return Promise.resolve();
            },
          });
        },
      },
    };
  };

  it.each([
    ['PROMOTER_SERVICEBUS_NAMESPACE', 'promoter-ns.servicebus.windows.net', 'namespace'],
    [
      'PROMOTER_SERVICEBUS_CONNECTION_STRING',
      'Endpoint=sb://x/;SharedAccessKey=k',
      'connectionString',
    ],
  ])('sends to the queue when %s is set, not over HTTP', async (name, value, key) => {
    const bus = fakeBus();
    const result = await run(
      ['approve', 'myapp', 'a1b2c3d', '--stage', 'rc', '--as', 'alice', '--id', 'sb-1'],
      { env: { ...env, [name]: value }, deps: bus.deps },
    );
    expect(result).toMatchObject({
      code: 0,
      stdout: 'queued approval sb-1: rc of myapp (git a1b2c3d) by alice\n',
    });
    expect(bus.opened).toEqual([{ kind: 'servicebus', [key]: value, setting: name }]);
    expect(bus.sent).toMatchObject([{ id: 'sb-1', approver: { id: 'alice', groups: [] } }]);
    expect(bus.closed()).toBe(1);
    expect(api.requests).toEqual([]);
  });

  it('exits 1 naming the setting when sending fails', async () => {
    const bus = fakeBus(new Error('not authorized: grant Azure Service Bus Data Sender'));
    const result = await run(
      ['approve', 'myapp', 'a1b2c3d', '--stage', 'rc', '--as', 'alice', '--id', 'sb-2'],
      { env: { PROMOTER_SERVICEBUS_NAMESPACE: 'promoter-ns' }, deps: bus.deps },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'promoter: Service Bus (PROMOTER_SERVICEBUS_NAMESPACE): not authorized',
    );
    expect(result.stderr).toContain('check PROMOTER_SERVICEBUS_NAMESPACE');
    expect(bus.closed()).toBe(1);
  });
});
