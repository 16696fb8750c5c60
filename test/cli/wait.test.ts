import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakePromoterApi, run, type FakeAnswer } from './fakePromoterApi.js';

const digest = `sha256:${'ab'.repeat(32)}`;
const at = '2026-11-27T10:00:00.000Z';

/** An outcome event for message `messageId`, as the history lists it. */
function outcome(messageId: string, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'promotion.outcome',
    id: `outcome-${messageId}`,
    outcome: 'promoted',
    repository: 'myapp',
    stage: 'rc',
    version: '1.2.3',
    digest,
    gitShas: ['a1b2c3d'],
    tags: ['1.2.3-rc1'],
    approvals: [{ approverId: 'alice', decision: 'approve', at, messageId, source: 'cli' }],
    required: 1,
    messageId,
    at,
    ...fields,
  };
}

const history = (...outcomes: unknown[]): FakeAnswer => ({
  status: 200,
  body: { repository: 'myapp', outcomes },
});

let api: FakePromoterApi;
let env: Record<string, string>;
const approve = (...extra: string[]) =>
  run(
    [
      'approve',
      'myapp',
      'a1b2c3d',
      '--stage',
      'rc',
      '--version',
      '1.2.3',
      '--as',
      'alice',
      '--id',
      'w-1',
      ...extra,
    ],
    { env, deps: { pollIntervalMs: 10 } },
  );

beforeEach(async () => {
  api = await new FakePromoterApi().start();
  env = { PROMOTER_URL: api.url, PROMOTER_APPROVALS_HMAC_SECRET: api.secret };
});
afterEach(async () => {
  await api.close();
});

describe('promoter approve --wait', () => {
  it.each([
    ['promoted', {}, 0, `promoted myapp 1.2.3-rc1 → ${digest}`],
    [
      'pending',
      {
        outcome: 'pending',
        tags: ['1.2.3-rc1'],
        required: 2,
        eligible: { ids: ['bob'], groups: ['release'] },
      },
      4,
      'pending 1/2 approvals for rc 1.2.3 of myapp; may approve: bob, group release',
    ],
    [
      'rejected',
      { outcome: 'rejected', reason: 'alice built a1b2c3d and may not approve it' },
      3,
      'rejected: alice built a1b2c3d and may not approve it',
    ],
    [
      'failed',
      { outcome: 'failed', reason: 'tag 1.2.3 exists on another digest' },
      3,
      'failed: tag 1.2.3 exists on another digest',
    ],
  ])('prints a %s outcome and exits %#', async (_, fields, code, line) => {
    // The outcome appears on the third poll, below another message's outcome.
    api.historyAnswer = (_repository, poll) =>
      poll < 3
        ? history(outcome('other', {}))
        : history(outcome('other', {}), outcome('w-1', fields));
    const result = await approve('--wait', '5');
    expect(result.stdout).toBe(
      `queued approval w-1: rc 1.2.3 of myapp (git a1b2c3d) by alice\n${line}\n`,
    );
    expect(result.code).toBe(code);
    const asks = api.requests.filter((r) => r.path === '/api/repositories/myapp/outcomes/w-1');
    expect(asks).toHaveLength(3);
    // Each asks the host to hold the answer for what is left of --wait 5.
    for (const ask of asks) expect(ask.query.wait).toMatch(/^[1-5][0-9]{3}ms$/);
  });

  it('exits 5 when no outcome appears in time, saying how to look later', async () => {
    api.historyAnswer = () => history();
    const started = Date.now();
    const result = await approve('--wait', '0.3');
    expect(result.code).toBe(5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(result.stderr).toBe(
      'promoter: no outcome for w-1 after 0.3 s\npromoter: it may still be handled: promoter history myapp\n',
    );
  });

  it('waits 60 seconds when --wait has no number (it does not swallow the next option)', async () => {
    api.historyAnswer = () => history(outcome('w-1', {}));
    const result = await run(
      ['approve', 'myapp', 'a1b2c3d', '--wait', '--stage', 'rc', '--as', 'alice', '--id', 'w-1'],
      { env },
    );
    expect(result.code).toBe(0);
  });

  it('asks for at most 30 s at a time, however long --wait is', async () => {
    api.historyAnswer = () => history(outcome('w-1', {}));
    const result = await approve('--wait', '600');
    expect(result.code).toBe(0);
    expect(api.requests.at(-1)?.query).toEqual({ wait: '30000ms' });
  });

  it('asks again after a 503 and a 404 from the outcome route', async () => {
    api.historyAnswer = (_repository, poll) =>
      poll === 1
        ? { status: 503, body: { title: 'Service Unavailable' } }
        : poll === 2
          ? { status: 404, body: { title: 'Not Found' } }
          : history(outcome('w-1', {}));
    const result = await approve('--wait', '5');
    expect(result.code).toBe(0);
  });

  it('exits 1 at once when the history refuses the function key', async () => {
    api.historyAnswer = () => ({ status: 401, body: { title: 'Unauthorized' } });
    const result = await approve('--wait', '5');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('set PROMOTER_FUNCTION_KEY');
  });

  it('sends PROMOTER_FUNCTION_KEY as x-functions-key on every request', async () => {
    env.PROMOTER_FUNCTION_KEY = 'fn-key';
    api.historyAnswer = () => history(outcome('w-1', {}));
    const result = await approve('--wait');
    expect(result.code).toBe(0);
    expect(api.requests.map((r) => r.headers['x-functions-key'])).toEqual(['fn-key', 'fn-key']);
  });
});
