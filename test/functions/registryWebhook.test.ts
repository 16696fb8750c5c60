import { describe, expect, it } from 'vitest';
import { registryWebhook } from '../../src/functions/registryWebhook.js';
import { acrFixture } from '../support/fixtures.js';
import { bearer, invoke, memoryServices, PREVIOUS_SECRET, SECRET } from '../support/handlers.js';

const pushDigest = 'sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945';

function setup(env: Record<string, string> = {}) {
  const { provider, ledger } = memoryServices(env);
  const handler = registryWebhook(provider);
  const post = (body: string | Uint8Array, headers: Record<string, string> = bearer()) =>
    invoke(handler, { body, headers });
  return { ledger, post };
}

type Results = { results: { outcome: string; reason?: string; gitSha?: string }[] };

describe('registryWebhook with the ACR fixtures', () => {
  it.each([
    ['acr-ping.json', 200, 'acknowledged', 0],
    ['acr-push.json', 200, 'recorded', 1],
    ['acr-push-index.json', 200, 'recorded', 1],
    ['acr-chart-push.json', 200, 'ignored', 0],
    ['acr-delete.json', 200, 'ignored', 0],
  ])(
    '%s gets %i, outcome %s, and records %i build(s)',
    async (fixture, status, outcome, builds) => {
      const { post, ledger } = setup();
      const answer = await post(acrFixture(fixture));
      expect(answer.status).toBe(status);
      expect((answer.body as Results).results[0]?.outcome).toBe(outcome);
      expect(ledger.builds.size).toBe(builds);
    },
  );

  it('records the push of a multi-arch index with the git SHA from its 40-character tag', async () => {
    const { post, ledger } = setup();
    await post(acrFixture('acr-push-index.json'));
    const [build] = await ledger.findBuildsByGitSha(
      'team/backend',
      '0123456789abcdef0123456789abcdef01234567',
    );
    expect(build).toMatchObject({
      mediaType: 'application/vnd.oci.image.index.v1+json',
      registry: 'myacr.azurecr.io',
    });
  });

  it('marks a recorded build deleted when ACR reports its manifest deleted', async () => {
    const { post, ledger } = setup();
    await post(acrFixture('acr-push.json'));
    const answer = await post(acrFixture('acr-delete.json'));
    expect((answer.body as Results).results[0]?.outcome).toBe('deleted');
    expect((await ledger.getBuildByDigest('myapp', pushDigest))?.deletedAt).toBeDefined();
  });

  it('asks for the automatic dev promotion of a recorded build, again on redelivery, with one message id', async () => {
    const { provider, sent } = memoryServices();
    const handler = registryWebhook(provider);
    for (let i = 0; i < 2; i++)
      await invoke(handler, { body: acrFixture('acr-push.json'), headers: bearer() });
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatchObject({
      type: 'approval',
      repository: 'myapp',
      build: { digest: pushDigest },
      stage: 'dev',
      decision: 'approve',
      approver: { id: 'system:promoter' },
      source: 'system',
    });
    expect(sent[1]?.id).toBe(sent[0]?.id);
  });

  it('asks for no promotion of pings, deletes or ignored pushes', async () => {
    const { provider, sent } = memoryServices();
    const handler = registryWebhook(provider);
    for (const f of ['acr-ping.json', 'acr-chart-push.json', 'acr-delete.json'])
      await invoke(handler, { body: acrFixture(f), headers: bearer() });
    expect(sent).toEqual([]);
  });

  it('records the same delivery five times once', async () => {
    const { post, ledger } = setup();
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++)
      outcomes.push(
        ((await post(acrFixture('acr-push.json'))).body as Results).results[0]?.outcome ?? '',
      );
    expect(outcomes).toEqual(['recorded', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(ledger.builds.size).toBe(1);
  });
});

describe('registryWebhook authentication', () => {
  it.each([
    ['no Authorization header', {}],
    ['a wrong secret', bearer('wrong-secret-0123456789abcdef')],
    ['the secret without Bearer', { authorization: SECRET }],
    [
      'a Basic credential',
      { authorization: `Basic ${Buffer.from(`x:${SECRET}`).toString('base64')}` },
    ],
  ])('refuses %s with 401 and records nothing', async (_, headers) => {
    const { post, ledger } = setup();
    const answer = await post(acrFixture('acr-push.json'), headers);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toContain('Bearer');
    expect(ledger.builds.size).toBe(0);
    expect(answer.logs.join('\n')).not.toContain(SECRET);
  });

  it('accepts the previous secret during a rotation', async () => {
    const { post } = setup({ PROMOTER_WEBHOOK_SECRET_PREVIOUS: PREVIOUS_SECRET });
    expect((await post(acrFixture('acr-push.json'), bearer(PREVIOUS_SECRET))).status).toBe(200);
    expect((await post(acrFixture('acr-ping.json'), bearer(SECRET))).status).toBe(200);
  });

  it('reads the bare secret from a custom header when one is configured', async () => {
    const { post } = setup({ PROMOTER_WEBHOOK_AUTH_HEADER: 'X-Promoter-Secret' });
    expect((await post(acrFixture('acr-ping.json'), { 'x-promoter-secret': SECRET })).status).toBe(
      200,
    );
    expect((await post(acrFixture('acr-ping.json'), bearer())).status).toBe(401);
  });
});

describe('registryWebhook bad input', () => {
  it.each([
    ['not JSON', '{"id": ', 400, /not JSON/],
    ['an empty body', '', 400, /not JSON/],
    ['an array', '[]', 400, /expected object/],
    [
      'a push without a digest',
      JSON.stringify({
        id: 'x',
        action: 'push',
        target: { repository: 'myapp', mediaType: 'm', tag: 'git-a1b2c3d' },
      }),
      400,
      /target\.digest/,
    ],
    [
      'an uppercase repository',
      JSON.stringify({
        id: 'x',
        action: 'push',
        target: { repository: 'MyApp', mediaType: 'm', digest: pushDigest, tag: 'git-a1b2c3d' },
      }),
      400,
      /target\.repository/,
    ],
    ['an event without an id', JSON.stringify({ action: 'ping' }), 400, /\bid\b/],
    [
      'a bad event inside an envelope',
      JSON.stringify({
        events: [
          JSON.parse(acrFixture('acr-push.json')),
          {
            id: 'y',
            action: 'push',
            target: {
              repository: 'myapp',
              mediaType: 'm',
              digest: 'sha256:1234',
              tag: 'git-a1b2c3d',
            },
          },
        ],
      }),
      400,
      /events\[1\]\.target\.digest/,
    ],
  ])(
    'answers %s with %i naming the problem and records nothing',
    async (_, body, status, detail) => {
      const { post, ledger } = setup();
      const answer = await post(body);
      expect(answer.status).toBe(status);
      expect((answer.body as { detail: string }).detail).toMatch(detail);
      expect(ledger.builds.size).toBe(0);
    },
  );

  it('answers a body over 1 MiB with 413 and records nothing', async () => {
    const { post, ledger } = setup();
    const event = JSON.parse(acrFixture('acr-push.json')) as Record<string, unknown>;
    const big = JSON.stringify({ ...event, padding: 'x'.repeat(1024 * 1024) });
    const answer = await post(big);
    expect(answer.status).toBe(413);
    expect(ledger.builds.size).toBe(0);
  });

  it('answers 503 with Retry-After when the ledger is down, so the registry redelivers', async () => {
    const { post, ledger } = setup();
    ledger.down = true;
    const answer = await post(acrFixture('acr-push.json'));
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('5');
    ledger.down = false;
    expect(((await post(acrFixture('acr-push.json'))).body as Results).results[0]?.outcome).toBe(
      'recorded',
    );
  });

  it('answers a misconfigured app with 500 without revealing settings', async () => {
    const handler = registryWebhook(() =>
      Promise.reject(new Error('settings: PROMOTER_WEBHOOK_SECRET: is required')),
    );
    const answer = await invoke(handler, { body: acrFixture('acr-ping.json'), headers: bearer() });
    expect(answer.status).toBe(500);
    expect(JSON.stringify(answer.body)).not.toContain('PROMOTER_WEBHOOK_SECRET');
    expect(answer.logs.join('\n')).toContain('PROMOTER_WEBHOOK_SECRET');
  });
});

describe('registryWebhook with the distribution envelope', () => {
  it('reports what it did with each event of a multi-event body', async () => {
    const { post, ledger } = setup();
    const event = (id: string, target: Record<string, unknown>, action = 'push') => ({
      id,
      action,
      timestamp: '2026-11-27T10:00:00Z',
      target,
      request: { host: 'localhost:5000' },
    });
    const body = {
      events: [
        event('1', {
          mediaType: 'application/octet-stream',
          digest: `sha256:${'c'.repeat(64)}`,
          repository: 'myapp',
        }),
        event('2', {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: pushDigest,
          repository: 'myapp',
          tag: 'git-a1b2c3d',
        }),
        event('3', {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: pushDigest,
          repository: 'myapp',
          tag: 'dev-latest',
        }),
        event(
          '4',
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: pushDigest,
            repository: 'myapp',
          },
          'pull',
        ),
      ],
    };
    const answer = await post(JSON.stringify(body));
    expect(answer.status).toBe(200);
    // dev-latest on the build before any promotion of it was even committed: not promoter's.
    expect((answer.body as Results).results.map((r) => r.outcome)).toEqual([
      'ignored',
      'recorded',
      'drift',
      'ignored',
    ]);
    expect(ledger.builds.size).toBe(1);
  });

  it('answers 200 and says why when a stage tag could not be checked for drift, so later events keep flowing', async () => {
    const m = memoryServices();
    m.registry.resolveTag = () =>
      Promise.reject(new Error('unauthorized: authentication required'));
    const answer = await invoke(registryWebhook(m.provider), {
      body: JSON.stringify({
        id: 'e1',
        timestamp: '2026-11-27T10:00:00Z',
        action: 'push',
        target: {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: pushDigest,
          repository: 'myapp',
          tag: '1.2.3',
        },
      }),
      headers: bearer(),
    });
    expect(answer.status).toBe(200);
    expect((answer.body as Results).results).toMatchObject([
      {
        outcome: 'stage-tag',
        reason: 'could not check 1.2.3 for drift: unauthorized: authentication required',
      },
    ]);
  });

  it('answers 503 when the drift check meets a registry outage, so the registry redelivers', async () => {
    const m = memoryServices();
    m.registry.failNext.set('resolveTag', 1);
    const answer = await invoke(registryWebhook(m.provider), {
      body: JSON.stringify({
        id: 'e2',
        timestamp: '2026-11-27T10:00:00Z',
        action: 'push',
        target: {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: pushDigest,
          repository: 'myapp',
          tag: '1.2.3',
        },
      }),
      headers: bearer(),
    });
    expect(answer.status).toBe(503);
  });
});
