import functions from '@azure/functions';
import { describe, expect, it } from 'vitest';
import type { RetentionReport } from '../../src/app/applyRetention.js';
import { retention } from '../../src/functions/retention.js';
import { retentionTimer } from '../../src/functions/retentionTimer.js';
import { invoke, memoryServices, type MemoryServices } from '../support/handlers.js';

const { InvocationContext } = functions;

// memoryServices' clock says 2026-11-27T10:00:00Z.
const NOW = Date.parse('2026-11-27T10:00:00.000Z');
const DAY_MS = 86_400_000;

/** A build pushed `age` days ago: in the registry and recorded in the ledger. */
async function pushed(m: MemoryServices, age: number, repository = 'myapp'): Promise<string> {
  const sha = `${age}`.padStart(7, '0');
  const digest = m.registry.add(repository, `build ${repository} ${sha}`);
  await m.ledger.recordBuild({
    eventId: `push-${repository}-${sha}`,
    repository,
    digest,
    gitSha: sha,
    tag: `git-${sha}`,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    registry: 'localhost:5000',
    at: new Date(NOW - age * DAY_MS),
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
    expect(report).toMatchObject({ dryRun: true, retentionDays: 30 });
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

  it('answers 409 and deletes nothing while retention is off', async () => {
    const m = memoryServices();
    const old = await pushed(m, 400);
    const answer = await post(m, { query: { dryRun: 'false' } });

    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({
      title: 'Retention Off',
      detail: expect.stringContaining('set PROMOTER_RETENTION_DAYS') as string,
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
    ['an unknown body field', { body: '{"olderThan": 3}' }, '', 'unknown field olderThan'],
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
    expect(logs.at(-1)).toContain('retention: deleted 2, kept 1, failed 0 in 2 repositories');
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
