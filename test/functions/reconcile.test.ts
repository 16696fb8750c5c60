import functions from '@azure/functions';
import { describe, expect, it } from 'vitest';
import type { ReconcileReport } from '../../src/app/reconcile/reconcileRegistry.js';
import { reconcile } from '../../src/functions/reconcile.js';
import { reconcileTimer } from '../../src/functions/reconcileTimer.js';
import { invoke, memoryServices, type MemoryServices } from '../support/handlers.js';

const { InvocationContext } = functions;

/** CI pushed a build to the registry; no event reached promoter. */
function pushedUnseen(m: MemoryServices, sha: string, repository = 'myapp'): string {
  const digest = m.registry.add(repository, `build ${repository} ${sha}`);
  m.registry.setTag(repository, `git-${sha}`, digest);
  return digest;
}

const post = (m: MemoryServices, init: { query?: Record<string, string>; body?: string } = {}) =>
  invoke(reconcile(m.provider), {
    method: 'POST',
    url: 'http://localhost:7071/api/reconcile',
    ...init,
  });

function timerContext() {
  const logs: string[] = [];
  const context = new InvocationContext({
    functionName: 'reconcile',
    logHandler: (level, ...args) =>
      logs.push(
        `${level} ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`,
      ),
  });
  return { context, logs };
}

describe('POST /api/reconcile', () => {
  it('answers a dry run with the actions it would take and their cost, and changes nothing', async () => {
    const m = memoryServices();
    const digest = pushedUnseen(m, 'a1b2c3d');

    const answer = await post(m, { query: { dryRun: 'true', code: 'the-function-key' } });

    expect(answer.status).toBe(200);
    const report = answer.body as ReconcileReport;
    expect(report.dryRun).toBe(true);
    expect(report.repositories).toEqual([
      expect.objectContaining({
        repository: 'myapp',
        actions: [expect.objectContaining({ kind: 'build-recorded', digest })],
      }),
    ]);
    expect(report.cost).toEqual({
      registryRequests: expect.any(Number) as number,
      ledgerRequests: expect.any(Number) as number,
      ms: expect.any(Number) as number,
    });
    expect(await m.ledger.getBuildByDigest('myapp', digest)).toBeUndefined();
    expect(m.sent).toEqual([]);
  });

  it('records the build and asks for its dev promotion without dryRun, for the one repository named in the body', async () => {
    const m = memoryServices();
    const digest = pushedUnseen(m, 'a1b2c3d');
    const other = pushedUnseen(m, 'bbbbbbb', 'other');

    const answer = await post(m, { body: JSON.stringify({ repository: 'myapp' }) });

    expect(answer.status).toBe(200);
    expect((answer.body as ReconcileReport).repositories.map((r) => r.repository)).toEqual([
      'myapp',
    ]);
    expect(await m.ledger.getBuildByDigest('myapp', digest)).toBeDefined();
    expect(await m.ledger.getBuildByDigest('other', other)).toBeUndefined();
    expect(m.sent).toEqual([expect.objectContaining({ stage: 'dev', build: { digest } })]);
  });

  it.each([
    [{ query: { dryRun: 'yes' } }, 'dryRun', 'must be true or false'],
    [{ query: { repository: 'My App' } }, 'repository', ''],
    [{ body: '{"full": true}' }, '', 'unknown field full; allowed: dryRun, repository'],
    [
      { query: { dryRun: 'true' }, body: '{"dryRun": false}' },
      'dryRun',
      'is given in both the query and the body',
    ],
  ])(
    'refuses bad input %j with 400 naming the field, and changes nothing',
    async (init, path, text) => {
      const m = memoryServices();
      const digest = pushedUnseen(m, 'a1b2c3d');

      const answer = await post(m, init);

      expect(answer.status).toBe(400);
      const { errors } = answer.body as { errors: { path: string; message: string }[] };
      expect(errors).toEqual([
        expect.objectContaining({ path, message: expect.stringContaining(text) as string }),
      ]);
      expect(await m.ledger.getBuildByDigest('myapp', digest)).toBeUndefined();
    },
  );
});

describe('the reconcile timer', () => {
  it('records what no event reported in every repository the patterns allow, and logs each action and the cost', async () => {
    const m = memoryServices({ PROMOTER_RECONCILE_REPOSITORIES: 'team/*' });
    const digest = pushedUnseen(m, 'a1b2c3d', 'team/api');
    const outside = pushedUnseen(m, 'bbbbbbb', 'web');
    const { context, logs } = timerContext();

    await reconcileTimer(m.provider)({}, context);

    expect(await m.ledger.getBuildByDigest('team/api', digest)).toBeDefined();
    expect(await m.ledger.getBuildByDigest('web', outside)).toBeUndefined();
    expect(logs.some((l) => l.startsWith('information reconciled') && l.includes(digest))).toBe(
      true,
    );
    expect(logs.at(-1)).toMatch(
      /reconcile: 1 actions, 0 failures in 1 repositories; \d+ registry and \d+ ledger requests/,
    );
  });

  it('does nothing with PROMOTER_RECONCILE_ENABLED=false, and says so', async () => {
    const m = memoryServices({ PROMOTER_RECONCILE_ENABLED: 'false' });
    const digest = pushedUnseen(m, 'a1b2c3d');
    const { context, logs } = timerContext();

    await reconcileTimer(m.provider)({}, context);

    expect(await m.ledger.getBuildByDigest('myapp', digest)).toBeUndefined();
    expect(logs).toEqual([expect.stringContaining('reconcile is off')]);
  });

  it('fails the invocation when a repository could not be compared, after the others', async () => {
    const m = memoryServices();
    const digest = pushedUnseen(m, 'a1b2c3d', 'a');
    pushedUnseen(m, 'bbbbbbb', 'b');
    const listTags = m.registry.listTags.bind(m.registry);
    m.registry.listTags = (repository, options) =>
      repository === 'b'
        ? Promise.reject(new Error('listing the tags of b: HTTP 403'))
        : listTags(repository, options);
    const { context, logs } = timerContext();

    await expect(reconcileTimer(m.provider)({}, context)).rejects.toThrow(
      /1 actions or repositories failed/,
    );
    expect(await m.ledger.getBuildByDigest('a', digest)).toBeDefined();
    expect(logs.some((l) => l.includes('could not compare') && l.includes('HTTP 403'))).toBe(true);
  });
});
