import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PromotionMessage } from '../../src/domain/promotionMessage.js';
import type { ServiceBusTransport } from '../../src/cli/serviceBusTransport.js';
import { FakePromoterApi, run, type FakeAnswer } from './fakePromoterApi.js';

const old = `sha256:${'aa'.repeat(32)}`;
const current = `sha256:${'bb'.repeat(32)}`;
const at = '2026-11-27T10:00:00.000Z';

/** The history answer holding one outcome of message `messageId`. */
const historyWith = (messageId: string, fields: Record<string, unknown>): FakeAnswer => ({
  status: 200,
  body: {
    repository: 'myapp',
    outcomes: [
      {
        type: 'promotion.outcome',
        id: `outcome-${messageId}`,
        repository: 'myapp',
        stage: 'release',
        messageId,
        at,
        ...fields,
      },
    ],
  },
});

let api: FakePromoterApi;
let env: Record<string, string>;
beforeEach(async () => {
  api = await new FakePromoterApi().start();
  env = { PROMOTER_URL: api.url, PROMOTER_APPROVALS_HMAC_SECRET: api.secret };
});
afterEach(async () => {
  await api.close();
});

const rollback = (...extra: string[]) =>
  run(
    [
      'rollback',
      'myapp',
      '--stage',
      'release',
      '--to',
      '1.2.2',
      '--reason',
      '1.2.3 breaks checkout',
      '--as',
      'alice',
      '--id',
      'rb-1',
      ...extra,
    ],
    { env, deps: { pollIntervalMs: 10 } },
  );

describe('promoter rollback', () => {
  it('posts the signed rollback message and says what it queued', async () => {
    const result = await rollback('--group', 'release-managers');
    expect(result).toEqual({
      code: 0,
      stdout: 'queued rollback rb-1: release of myapp back to myapp:1.2.2 by alice\n',
      stderr: '',
    });
    expect(api.approvals).toEqual([
      {
        type: 'rollback',
        id: 'rb-1',
        repository: 'myapp',
        stage: 'release',
        to: { tag: '1.2.2' },
        reason: '1.2.3 breaks checkout',
        approver: { id: 'alice', groups: ['release-managers'] },
        source: 'cli',
      },
    ]);
    expect(api.seenSignatures.size).toBe(1);
  });

  it.each([
    ['a digest', old, { digest: old }],
    ['a git SHA', 'a1b2c3d', { gitSha: 'a1b2c3d' }],
    ['a tag that looks like a SHA, with tag:', 'tag:1234567', { tag: '1234567' }],
  ])('names the earlier promotion by %s', async (_, to, selector) => {
    const result = await run(
      ['rollback', 'myapp', '--stage', 'dev', '--to', to, '--reason', 'r', '--as', 'alice'],
      { env },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(api.approvals).toMatchObject([{ type: 'rollback', to: selector }]);
  });

  it('with --wait, prints what moved and exits 0 once rolled back', async () => {
    api.historyAnswer = (_, poll) =>
      poll < 2
        ? { status: 200, body: { repository: 'myapp', outcomes: [] } }
        : historyWith('rb-1', {
            outcome: 'rolled-back',
            version: '1.2.2',
            digest: old,
            previousDigest: current,
            tags: ['release-latest'],
            actor: 'alice',
            reason: '1.2.3 breaks checkout',
          });
    const result = await rollback('--wait', '5');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      'queued rollback rb-1: release of myapp back to myapp:1.2.2 by alice\n' +
        `rolled back myapp release 1.2.2: release-latest → ${old}; pinned until \`promoter unpin myapp --stage release --as <you>\`\n`,
    );
  });

  it('with --wait, exits 3 with the reason when the rollback is refused', async () => {
    api.historyAnswer = () =>
      historyWith('rb-1', {
        outcome: 'rejected',
        reason: 'tag 1.2.2-rc1 was written by a promotion to rc, not release',
      });
    const result = await rollback('--wait', '5');
    expect(result.code).toBe(3);
    expect(result.stdout).toContain(
      'rejected: tag 1.2.2-rc1 was written by a promotion to rc, not release',
    );
  });

  it.each([
    ['a blank --reason', ['--reason', '  '], /^promoter: reason: say why/m],
    ['a bad digest', ['--to', 'sha256:abc'], /^promoter: to\.digest: /m],
  ])('exits 2 on %s, naming the field, without any request', async (_, extra, expected) => {
    const result = await rollback(...extra);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(expected);
    expect(api.requests).toEqual([]);
  });

  it.each([
    ['--reason', ['rollback', 'myapp', '--stage', 'release', '--to', '1.2.2', '--as', 'a']],
    ['--to', ['rollback', 'myapp', '--stage', 'release', '--reason', 'r', '--as', 'a']],
    ['--as', ['rollback', 'myapp', '--stage', 'release', '--to', '1.2.2', '--reason', 'r']],
  ])('exits 2 without %s', async (option, args) => {
    const result = await run(args, { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(option);
    expect(api.requests).toEqual([]);
  });

  it('sends on Service Bus when it is configured', async () => {
    const sent: PromotionMessage[] = [];
    const opened: ServiceBusTransport[] = [];
    const result = await run(
      [
        'rollback',
        'myapp',
        '--stage',
        'release',
        '--to',
        '1.2.2',
        '--reason',
        'r',
        '--as',
        'alice',
        '--id',
        'sb-1',
      ],
      {
        env: { ...env, PROMOTER_SERVICEBUS_NAMESPACE: 'promoter-ns.servicebus.windows.net' },
        deps: {
          openServiceBus: (transport) => {
            opened.push(transport);
            return Promise.resolve({
              send: (message) => {
                sent.push(message);
                return Promise.resolve();
              },
              close: () => Promise.resolve(),
            });
          },
        },
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(sent).toMatchObject([{ type: 'rollback', id: 'sb-1', to: { tag: '1.2.2' } }]);
    expect(api.requests).toEqual([]);
  });

  it('documents what moves and what never does, with examples and exit codes', async () => {
    const { code, stdout } = await run(['rollback', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: promoter rollback [options] <repository>');
    expect(stdout).toContain('Immutable tags (1.2.3, 1.2.3-rc1) never move');
    expect(stdout).toContain('$ promoter rollback myapp --stage release --to 1.2.2');
    expect(stdout).toMatch(/Exit codes: 0 queued \(with --wait: rolled back\)/);
  });
});

describe('promoter unpin', () => {
  const unpin = (...extra: string[]) =>
    run(['unpin', 'myapp', '--stage', 'release', '--as', 'alice', '--id', 'up-1', ...extra], {
      env,
      deps: { pollIntervalMs: 10 },
    });

  it('posts the signed unpin message, with the reason when given', async () => {
    const result = await unpin('--reason', 'fixed in 1.2.4');
    expect(result).toEqual({
      code: 0,
      stdout: 'queued unpin up-1: release of myapp by alice\n',
      stderr: '',
    });
    expect(api.approvals).toEqual([
      {
        type: 'unpin',
        id: 'up-1',
        repository: 'myapp',
        stage: 'release',
        reason: 'fixed in 1.2.4',
        approver: { id: 'alice', groups: [] },
        source: 'cli',
      },
    ]);
  });

  it('with --wait, exits 0 once unpinned', async () => {
    api.historyAnswer = () => historyWith('up-1', { outcome: 'unpinned', actor: 'alice' });
    const result = await unpin('--wait', '5');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('unpinned myapp release: promotions into it resume');
  });

  it('with --wait, exits 3 when the stage was not pinned', async () => {
    api.historyAnswer = () =>
      historyWith('up-1', {
        outcome: 'rejected',
        reason: 'stage release of myapp is not pinned',
      });
    const result = await unpin('--wait', '5');
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('rejected: stage release of myapp is not pinned');
  });

  it('is listed in promoter --help with an example', async () => {
    const { stdout } = await run(['--help']);
    expect(stdout).toMatch(/^ {2}rollback /m);
    expect(stdout).toMatch(/^ {2}unpin /m);
    expect(stdout).toContain('$ promoter unpin myapp --stage release --as alice');
  });
});

describe('a pinned stage in promoter status and history', () => {
  it('marks the stage pinned and says who pinned it, why, and how to unpin', async () => {
    api.statusAnswer = (repository) => ({
      status: 200,
      body: {
        repository,
        stages: [
          { stage: 'dev', digest: current, tags: ['dev-latest'], promotedAt: at, gitShas: [] },
          {
            stage: 'release',
            digest: old,
            version: '1.2.2',
            tags: ['1.2.2', 'release-latest'],
            promotedAt: at,
            gitShas: ['a1b2c3d'],
            pinned: { by: 'alice', at, reason: '1.2.3 breaks checkout', messageId: 'rb-1' },
          },
        ],
        pending: [],
      },
    });
    const result = await run(['status', 'myapp'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^release \(pinned\) +1\.2\.2,release-latest +1\.2\.2 /m);
    expect(result.stdout).toMatch(/^dev +dev-latest/m);
    expect(result.stdout).toContain(
      'release is pinned by alice since 2026-11-27 10:00:00Z (rollback: 1.2.3 breaks checkout); promotions into it are refused until `promoter unpin myapp --stage release --as <you>`',
    );
  });

  it('shows who rolled back and why in the history', async () => {
    api.historyAnswer = () =>
      historyWith('rb-1', {
        outcome: 'rolled-back',
        version: '1.2.2',
        digest: old,
        tags: ['release-latest'],
        actor: 'alice',
        reason: '1.2.3 breaks checkout',
      });
    const result = await run(['history', 'myapp'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /rolled-back +release +release-latest +sha256:aaaaaaaaaaaa +alice +1\.2\.3 breaks checkout/,
    );
  });
});
