import functions from '@azure/functions';
import { describe, expect, it } from 'vitest';
import type { RetentionReport } from '../../src/app/retention/applyRetention.js';
import { retention } from '../../src/functions/retention.js';
import { retentionTimer } from '../../src/functions/retentionTimer.js';
import { invoke, memoryServices, type MemoryServices } from '../support/handlers.js';

const { InvocationContext } = functions;

const OLDER_THAN =
  'must be a duration from 1m to 3650d: a whole number followed by m (minutes), h (hours) or d (days), e.g. 30d, 12h or 10m';

// memoryServices' clock says 2026-11-27T10:00:00Z.
const NOW = Date.parse('2026-11-27T10:00:00.000Z');
const DAY_MS = 86_400_000;

let pushes = 0;

/** A build pushed `age` days ago: in the registry and recorded in the ledger. */
function pushed(m: MemoryServices, age: number, repository = 'myapp'): Promise<string> {
  return pushedMsAgo(m, age * DAY_MS, repository);
}

/** A build pushed `ms` milliseconds ago. */
async function pushedMsAgo(m: MemoryServices, ms: number, repository = 'myapp'): Promise<string> {
  pushes += 1;
  const sha = `${pushes}`.padStart(7, '0');
  const digest = m.registry.add(repository, `build ${repository} ${sha}`);
  await m.ledger.recordBuild({
    eventId: `push-${repository}-${sha}`,
    repository,
    digest,
    gitSha: sha,
    tag: `git-${sha}`,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    registry: 'localhost:5000',
    at: new Date(NOW - ms),
  });
  return digest;
}

const post = (m: MemoryServices, init: { query?: Record<string, string>; body?: string } = {}) =>
  invoke(retention(m.provider), {
    method: 'POST',
    url: 'http://localhost:7071/api/retention',
    ...init,
  });

function timerContext() {
  const logs: string[] = [];
  const context = new InvocationContext({
    functionName: 'retentionTimer',
    logHandler: (level, ...args) =>
      logs.push(
        `${level} ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`,
      ),
  });
  return { context, logs };
}

describe('POST /api/retention', () => {
  it('answers a dry run with the report and deletes nothing', async () => {
    const m = memoryServices({ PROMOTER_RETENTION_DAYS: '30' });
    const old = await pushed(m, 45);
    const fresh = await pushed(m, 2);
    const answer = await post(m, { query: { dryRun: 'true', code: 'the-function-key' } });

    expect(answer.status).toBe(200);
    const report = answer.body as RetentionReport;
    expect(report).toMatchObject({ dryRun: true, age: { ms: 30 * DAY_MS, label: '30 days' } });
    expect(report.repositories).toEqual([
      {
        repository: 'myapp',
        deleted: [
          expect.objectContaining({
            digest: old,
            reason: expect.stringContaining('older than 30 days') as string,
          }),
        ],
        kept: [expect.objectContaining({ digest: fresh, reasons: ['newer than 30 days'] })],
        failed: [],
      },
    ]);
    expect(m.registry.manifests.has(`myapp@${old}`)).toBe(true);
  });

  it('deletes for real without dryRun, in the one repository named in the body', async () => {
    const m = memoryServices({ PROMOTER_RETENTION_DAYS: '30' });
    const a = await pushed(m, 45, 'team/a');
    const b = await pushed(m, 45, 'team/b');
    const answer = await post(m, { body: JSON.stringify({ repository: 'team/b' }) });

    expect(answer.status).toBe(200);
    expect((answer.body as RetentionReport).repositories.map((r) => r.repository)).toEqual([
      'team/b',
    ]);
    expect(m.registry.manifests.has(`team/a@${a}`)).toBe(true);
    expect(m.registry.manifests.has(`team/b@${b}`)).toBe(false);
    expect((await m.ledger.getBuildByDigest('team/b', b))?.deletedAt).toBeDefined();
    expect(answer.logs.some((l) => l.includes('retention deleted') && l.includes(b))).toBe(true);
  });

  it('with olderThan in the query, uses that age instead of PROMOTER_RETENTION_DAYS', async () => {
    const m = memoryServices({ PROMOTER_RETENTION_DAYS: '30' });
    const minutes15 = await pushedMsAgo(m, 15 * 60_000);
    const minutes5 = await pushedMsAgo(m, 5 * 60_000);
    const answer = await post(m, { query: { olderThan: '10m' } });

    expect(answer.status).toBe(200);
    const report = answer.body as RetentionReport;
    expect(report).toMatchObject({ dryRun: false, age: { ms: 600_000, label: '10 minutes' } });
    expect(report.repositories[0]?.deleted).toEqual([
      expect.objectContaining({
        digest: minutes15,
        reason: 'older than 10 minutes (recorded 2026-11-27 09:45Z), never past dev',
      }),
    ]);
    expect(report.repositories[0]?.kept).toEqual([
      expect.objectContaining({ digest: minutes5, reasons: ['newer than 10 minutes'] }),
    ]);
    expect(m.registry.manifests.has(`myapp@${minutes15}`)).toBe(false);
    expect(m.registry.manifests.has(`myapp@${minutes5}`)).toBe(true);
    expect(answer.logs.some((l) => l.includes('(older than 10 minutes)'))).toBe(true);
  });

  it('with olderThan in the body, runs while retention is off', async () => {
    const m = memoryServices();
    const hours13 = await pushedMsAgo(m, 13 * 3_600_000);
    const answer = await post(m, { body: JSON.stringify({ olderThan: '12h', dryRun: true }) });

    expect(answer.status).toBe(200);
    const report = answer.body as RetentionReport;
    expect(report).toMatchObject({ dryRun: true, age: { ms: 43_200_000, label: '12 hours' } });
    expect(report.repositories[0]?.deleted).toEqual([
      expect.objectContaining({
        digest: hours13,
        reason: expect.stringMatching(/^older than 12 hours /) as string,
      }),
    ]);
    expect(m.registry.manifests.has(`myapp@${hours13}`)).toBe(true);
  });

  it('refuses a bad olderThan with 400 also while retention is off', async () => {
    const m = memoryServices();
    const answer = await post(m, { query: { olderThan: '1w' } });

    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      errors: [{ path: 'olderThan', message: `"1w" ${OLDER_THAN}` }],
    });
  });

  it('answers 409 and deletes nothing while retention is off', async () => {
    const m = memoryServices();
    const old = await pushed(m, 400);
    const answer = await post(m, { query: { dryRun: 'false' } });

    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({
      title: 'Retention Off',
      detail: expect.stringMatching(
        /set PROMOTER_RETENTION_DAYS .* or give this run an age: olderThan=30d/,
      ) as string,
    });
    expect(m.registry.manifests.has(`myapp@${old}`)).toBe(true);
  });

  it.each<[string, { query?: Record<string, string>; body?: string }, string, string]>([
    [
      'dryRun that is not true or false',
      { query: { dryRun: 'yes' } },
      'dryRun',
      'must be true or false',
    ],
    [
      'a repository name that is not one',
      { query: { repository: 'My App' } },
      'repository',
      'is not a repository name',
    ],
    [
      'an unknown body field',
      { body: '{"days": 3}' },
      '',
      'unknown field days; allowed: dryRun, olderThan, repository',
    ],
    ['olderThan without a unit', { query: { olderThan: '10' } }, 'olderThan', OLDER_THAN],
    ['olderThan of zero', { query: { olderThan: '0m' } }, 'olderThan', OLDER_THAN],
    ['olderThan in seconds', { query: { olderThan: '30s' } }, 'olderThan', OLDER_THAN],
    ['olderThan with a fraction', { body: '{"olderThan": "1.5h"}' }, 'olderThan', OLDER_THAN],
    ['olderThan over ten years', { body: '{"olderThan": "3651d"}' }, 'olderThan', OLDER_THAN],
    ['olderThan as a number', { body: '{"olderThan": 30}' }, 'olderThan', OLDER_THAN],
    [
      'olderThan in both the query and the body',
      { query: { olderThan: '10m' }, body: '{"olderThan": "10m"}' },
      'olderThan',
      'is given in both the query and the body',
    ],
    ['a body that is not JSON', { body: 'dryRun=true' }, '', 'the body is not JSON'],
    ['a body that is not an object', { body: '[true]' }, '', 'must be a JSON object'],
    [
      'a field in both the query and the body',
      { query: { dryRun: 'true' }, body: '{"dryRun": false}' },
      'dryRun',
      'is given in both the query and the body',
    ],
  ])('refuses %s with 400 naming the field', async (_name, init, path, message) => {
    const m = memoryServices({ PROMOTER_RETENTION_DAYS: '30' });
    const old = await pushed(m, 45);
    const answer = await post(m, init);

    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      errors: [{ path, message: expect.stringContaining(message) as string }],
    });
    expect(m.registry.manifests.has(`myapp@${old}`)).toBe(true);
  });
});

describe('the retention timer', () => {
  it('logs that retention is off and deletes nothing when PROMOTER_RETENTION_DAYS is unset', async () => {
    const m = memoryServices();
    const old = await pushed(m, 400);
    const { context, logs } = timerContext();
    await retentionTimer(m.provider)({}, context);

    expect(logs).toEqual([
      'information retention is off (PROMOTER_RETENTION_DAYS is not set): nothing deleted',
    ]);
    expect(m.registry.manifests.has(`myapp@${old}`)).toBe(true);
  });

  it('deletes the old builds in every repository and logs each one and a summary', async () => {
    const m = memoryServices({ PROMOTER_RETENTION_DAYS: '30' });
    const a = await pushed(m, 45, 'team/a');
    const b = await pushed(m, 31, 'team/b');
    await pushed(m, 1, 'team/b');
    const { context, logs } = timerContext();
    await retentionTimer(m.provider)({}, context);

    expect(m.registry.manifests.has(`team/a@${a}`)).toBe(false);
    expect(m.registry.manifests.has(`team/b@${b}`)).toBe(false);
    expect(logs.filter((l) => l.includes('retention deleted'))).toHaveLength(2);
    expect(logs.at(-1)).toContain(
      'retention: deleted 2, kept 1, failed 0 in 2 repositories (older than 30 days)',
    );
  });

  it('fails the invocation after the other builds are done when one cannot be deleted', async () => {
    const m = memoryServices({ PROMOTER_RETENTION_DAYS: '30' });
    const a = await pushed(m, 45, 'team/a');
    const b = await pushed(m, 45, 'team/b');
    m.registry.failNext.set('deleteManifest', 1);
    const { context, logs } = timerContext();

    await expect(retentionTimer(m.provider)({}, context)).rejects.toThrow(
      'retention: 1 builds or repositories failed',
    );
    expect(m.registry.manifests.has(`team/a@${a}`)).toBe(true);
    expect(m.registry.manifests.has(`team/b@${b}`)).toBe(false);
    expect(logs.some((l) => l.startsWith('error retention could not delete'))).toBe(true);
  });
});
