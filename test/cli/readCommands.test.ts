import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakePromoterApi, run } from './fakePromoterApi.js';

const digestA = `sha256:${'a1'.repeat(32)}`;
const digestB = `sha256:${'b2'.repeat(32)}`;

const status = {
  repository: 'team/backend',
  stages: [
    {
      stage: 'dev',
      digest: digestB,
      tags: ['dev-latest'],
      promotedAt: '2026-11-27T10:05:00.123Z',
      gitShas: ['b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2'],
    },
    {
      stage: 'rc',
      digest: digestA,
      version: '1.2.3',
      tags: ['1.2.3-rc1'],
      promotedAt: '2026-11-27T10:01:00Z',
      gitShas: ['a1a1a1a'],
    },
    // As the host answers for a stage that holds nothing yet.
    { stage: 'release', digest: null },
  ],
  pending: [
    {
      stage: 'release',
      digest: digestA,
      version: '1.2.3',
      approvals: [{ approverId: 'alice', decision: 'approve', at: '2026-11-27T10:06:00Z' }],
      required: 2,
    },
  ],
};

const historyAnswer = {
  repository: 'team/backend',
  outcomes: [
    {
      type: 'promotion.outcome',
      id: 'o-3',
      outcome: 'rejected',
      repository: 'team/backend',
      stage: 'release',
      version: '1.2.3',
      digest: digestB,
      approvals: [],
      reason: 'release needs a digest that is an rc of 1.2.3',
      messageId: 'm-3',
      at: '2026-11-27T10:07:00Z',
    },
    {
      type: 'promotion.outcome',
      id: 'o-2',
      outcome: 'pending',
      repository: 'team/backend',
      stage: 'release',
      version: '1.2.3',
      digest: digestA,
      approvals: [{ approverId: 'alice', decision: 'approve', at: '2026-11-27T10:06:00Z' }],
      required: 2,
      messageId: 'm-2',
      at: '2026-11-27T10:06:00Z',
    },
    {
      type: 'promotion.outcome',
      id: 'o-1',
      outcome: 'promoted',
      repository: 'team/backend',
      stage: 'rc',
      version: '1.2.3',
      digest: digestA,
      tags: ['1.2.3-rc1'],
      approvals: [
        { approverId: 'alice', decision: 'approve', at: '2026-11-27T10:00:30Z' },
        { approverId: 'bob', decision: 'approve', at: '2026-11-27T10:00:50Z' },
      ],
      required: 2,
      messageId: 'm-1',
      at: '2026-11-27T10:01:00Z',
    },
  ],
  nextCursor: 'page-2',
};

let api: FakePromoterApi;
let env: Record<string, string>;

beforeEach(async () => {
  api = await new FakePromoterApi().start();
  env = { PROMOTER_URL: api.url };
  api.statusAnswer = () => ({ status: 200, body: status });
  api.historyAnswer = () => ({ status: 200, body: historyAnswer });
});
afterEach(async () => {
  await api.close();
});

describe('promoter status', () => {
  it('shows a table of stages and the pending promotions', async () => {
    const result = await run(['status', 'team/backend'], { env });
    expect(result.code).toBe(0);
    expect(api.requests[0]?.path).toBe('/api/repositories/team/backend/status');
    expect(result.stdout).toBe(
      [
        'STAGE    TAGS        VERSION  DIGEST               GIT SHA  PROMOTED AT',
        'dev      dev-latest  -        sha256:b2b2b2b2b2b2  b2b2b2b  2026-11-27 10:05:00Z',
        'rc       1.2.3-rc1   1.2.3    sha256:a1a1a1a1a1a1  a1a1a1a  2026-11-27 10:01:00Z',
        'release  -           -        (nothing yet)        -        -',
        '',
        'pending promotions:',
        'STAGE    VERSION  DIGEST               APPROVALS  APPROVED BY',
        'release  1.2.3    sha256:a1a1a1a1a1a1  1/2        alice',
        '',
      ].join('\n'),
    );
  });

  it('says so when no stage holds a build', async () => {
    api.statusAnswer = (repository) => ({
      status: 200,
      body: { repository, stages: [], pending: [] },
    });
    const result = await run(['status', 'myapp'], { env });
    expect(result.stdout).toBe('no stage of myapp holds a build yet\n\nno pending promotions\n');
  });

  it('--json prints the raw answer', async () => {
    const result = await run(['status', 'team/backend', '--json'], { env });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(status);
  });

  it('exits 2 on an invalid repository name, without any request', async () => {
    const result = await run(['status', 'My App'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^promoter: repository: "My App" is not a repository name/);
    expect(api.requests).toEqual([]);
  });

  it('exits 1 when the answer is not promoter’s', async () => {
    api.statusAnswer = () => ({ status: 200, body: { hello: 'world' } });
    const result = await run(['status', 'myapp'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('unexpected answer (repository:');
  });

  it('sends the function key and exits 1 with advice when it is refused', async () => {
    api.statusAnswer = () => ({ status: 401, body: { title: 'Unauthorized' } });
    const result = await run(['status', 'myapp'], {
      env: { ...env, PROMOTER_FUNCTION_KEY: 'stale' },
    });
    expect(api.requests[0]?.headers['x-functions-key']).toBe('stale');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PROMOTER_FUNCTION_KEY was refused');
  });
});

describe('promoter history', () => {
  it('lists outcomes newest first with time, outcome, stage, tags, digest, approvers, reason', async () => {
    const result = await run(['history', 'team/backend', '--limit', '3'], { env });
    expect(result.code).toBe(0);
    expect(api.requests[0]?.path).toBe('/api/repositories/team/backend/history');
    expect(result.stdout).toBe(
      [
        'TIME                  OUTCOME      STAGE    VERSION/TAGS  DIGEST               APPROVED BY  REASON',
        '2026-11-27 10:07:00Z  rejected     release  1.2.3         sha256:b2b2b2b2b2b2  -            release needs a digest that is an rc of 1.2.3',
        '2026-11-27 10:06:00Z  pending 1/2  release  1.2.3         sha256:a1a1a1a1a1a1  alice        -',
        '2026-11-27 10:01:00Z  promoted     rc       1.2.3-rc1     sha256:a1a1a1a1a1a1  alice,bob    -',
        'older: promoter history team/backend --limit 3 --cursor page-2',
        '',
      ].join('\n'),
    );
  });

  it('passes --limit and --cursor to the API', async () => {
    await run(['history', 'myapp', '--limit', '5', '--cursor', 'abc'], { env });
    expect(api.requests[0]).toMatchObject({
      path: '/api/repositories/myapp/history',
      query: { limit: '5', cursor: 'abc' },
    });
  });

  it('--json prints the raw answer', async () => {
    const result = await run(['history', 'team/backend', '--json'], { env });
    expect(JSON.parse(result.stdout)).toEqual(historyAnswer);
  });

  it('says so when nothing was recorded', async () => {
    api.historyAnswer = (repository) => ({ status: 200, body: { repository, outcomes: [] } });
    const result = await run(['history', 'myapp'], { env });
    expect(result.stdout).toBe('no promotions recorded for myapp\n');
  });

  it.each([['0'], ['-1'], ['ten']])('exits 2 on --limit %s', async (limit) => {
    const result = await run(['history', 'myapp', '--limit', limit], { env });
    expect(result.code).toBe(2);
    expect(api.requests).toEqual([]);
  });
});
