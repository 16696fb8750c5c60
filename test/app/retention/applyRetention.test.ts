import { describe, expect, it } from 'vitest';
import { applyRetention, type RetentionDeps } from '../../../src/app/retention/applyRetention.js';
import { durationOfDays, parseDuration, type Duration } from '../../../src/domain/duration.js';
import { TransientError } from '../../../src/domain/errors.js';
import { defaultPipeline } from '../../../src/domain/pipeline.js';
import type { Promotion, StageHead } from '../../../src/domain/promotion.js';
import type { BuildLedger } from '../../../src/ports/buildLedger.js';
import type { PromotionLedger } from '../../../src/ports/promotionLedger.js';
import { MemoryBuildLedger } from '../../support/memoryBuildLedger.js';
import { MemoryPromotionLedger } from '../../support/memoryPromotionLedger.js';
import { MemoryRegistry } from '../../support/memoryRegistry.js';

const NOW = new Date('2026-11-27T10:00:00.000Z');
const DAY_MS = 86_400_000;
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY_MS);
const THIRTY_DAYS = durationOfDays(30);

function duration(text: string): Duration {
  const parsed = parseDuration(text);
  if (parsed === undefined) throw new Error(`${text} is not a duration`);
  return parsed;
}

/** One repository's registry and ledger, filled the way pushes and promotions fill them. */
class World {
  readonly ledger = new MemoryBuildLedger();
  readonly promotions = new MemoryPromotionLedger();
  readonly registry = new MemoryRegistry();
  private readonly heads: Record<string, StageHead> = {};
  private readonly promoted: Promotion[] = [];
  private n = 0;

  deps(overrides: Partial<RetentionDeps> = {}): RetentionDeps {
    return {
      ledger: this.ledger,
      promotions: this.promotions,
      registry: this.registry,
      pipeline: defaultPipeline(),
      clock: { now: () => NOW },
      ...overrides,
    };
  }

  /** Pushes a build `age` days ago (tagged git-<sha> in the registry) and records it. */
  async push(age: number, repository = 'myapp'): Promise<string> {
    this.n += 1;
    const sha = `${this.n}`.padStart(7, '0');
    const digest = this.registry.add(repository, `build ${repository} ${sha}`);
    this.registry.tags.set(`${repository}:git-${sha}`, digest);
    await this.ledger.recordBuild({
      eventId: `push-${sha}`,
      repository,
      digest,
      gitSha: sha,
      tag: `git-${sha}`,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      registry: 'localhost:5000',
      at: daysAgo(age),
    });
    return digest;
  }

  /** Records a promotion (and, when `head`, makes it the stage's head). */
  async promote(
    digest: string,
    stage: string,
    status: Promotion['status'],
    options: { version?: string; tags?: string[]; head?: boolean; repository?: string } = {},
  ): Promise<void> {
    const repository = options.repository ?? 'myapp';
    const tags = options.tags ?? [];
    const at = daysAgo(40).toISOString();
    this.promoted.push({
      repository,
      stage,
      digest,
      version: options.version,
      status,
      tags,
      approvals: [],
      createdAt: at,
      updatedAt: at,
    });
    if (options.head) {
      this.heads[stage] = { stage, digest, version: options.version, tags, promotedAt: at };
      for (const tag of tags) this.registry.tags.set(`${repository}:${tag}`, digest);
    }
    const state = await this.promotions.getRepositoryState(repository);
    await this.promotions.commit(repository, {
      expectedEtag: state.etag,
      heads: { ...this.heads },
      promotions: this.promoted.filter((p) => p.repository === repository),
    });
  }

  has = (digest: string, repository = 'myapp') =>
    this.registry.manifests.has(`${repository}@${digest}`);
}

/** The common case: old dev-only builds, an rc, a release, the dev head, a new build. */
async function filled(world = new World()) {
  const oldDev = await world.push(60);
  const olderDev = await world.push(90);
  const rc = await world.push(70);
  const release = await world.push(80);
  const devHead = await world.push(50);
  const fresh = await world.push(3);
  await world.promote(oldDev, 'dev', 'promoted', { tags: ['dev-latest'] });
  await world.promote(olderDev, 'dev', 'promoted', { tags: ['dev-latest'] });
  await world.promote(rc, 'rc', 'promoted', { version: '1.2.3', tags: ['1.2.3-rc1'] });
  await world.promote(release, 'release', 'promoted', {
    version: '1.2.2',
    tags: ['1.2.2', 'release-latest'],
    head: true,
  });
  await world.promote(devHead, 'dev', 'promoted', { tags: ['dev-latest'], head: true });
  return { world, oldDev, olderDev, rc, release, devHead, fresh };
}

describe('applyRetention', () => {
  it('deletes exactly the old builds that never went past dev, and says why each other stays', async () => {
    const { world, oldDev, olderDev, rc, release, devHead, fresh } = await filled();
    const report = await applyRetention(world.deps(), { age: THIRTY_DAYS, dryRun: false });

    expect(report).toMatchObject({
      dryRun: false,
      age: { ms: 30 * DAY_MS, label: '30 days' },
      at: NOW.toISOString(),
    });
    const [repo] = report.repositories;
    expect(repo?.repository).toBe('myapp');
    expect(repo?.failed).toEqual([]);
    expect(repo?.deleted.map((b) => [b.digest, b.reason])).toEqual([
      [oldDev, 'older than 30 days (recorded 2026-09-28), never past dev'],
      [olderDev, 'older than 30 days (recorded 2026-08-29), never past dev'],
    ]);
    expect(Object.fromEntries(repo?.kept.map((b) => [b.digest, b.reasons]) ?? [])).toEqual({
      [fresh]: ['newer than 30 days'],
      [devHead]: ['dev head (dev-latest)'],
      [rc]: ['rc 1.2.3-rc1'],
      [release]: ['release head (1.2.2, release-latest)'],
    });
    for (const gone of [oldDev, olderDev]) expect(world.has(gone)).toBe(false);
    for (const stays of [rc, release, devHead, fresh]) expect(world.has(stays)).toBe(true);
  });

  it('with an age in minutes, deletes a dev-only build pushed minutes ago but keeps one whose dev promotion runs', async () => {
    const world = new World();
    const minutes = (n: number) => n / (24 * 60);
    const superseded = await world.push(minutes(3));
    const promoting = await world.push(minutes(2));
    const devHead = await world.push(minutes(2));
    const fresh = await world.push(minutes(0.5));
    await world.promote(superseded, 'dev', 'promoted', { tags: ['dev-latest'] });
    await world.promote(devHead, 'dev', 'promoted', { tags: ['dev-latest'], head: true });
    await world.promote(promoting, 'dev', 'promoting', { tags: ['dev-latest'] });
    const report = await applyRetention(world.deps(), { age: duration('1m'), dryRun: false });
    expect(report.age).toEqual({ ms: 60_000, label: '1 minute' });
    expect(report.repositories[0]?.deleted.map((b) => [b.digest, b.reason])).toEqual([
      [superseded, 'older than 1 minute (recorded 2026-11-27 09:57Z), never past dev'],
    ]);
    expect(
      Object.fromEntries(report.repositories[0]?.kept.map((b) => [b.digest, b.reasons]) ?? []),
    ).toEqual({
      [promoting]: ['being promoted to dev'],
      [devHead]: ['dev head (dev-latest)'],
      [fresh]: ['newer than 1 minute'],
    });
    expect(world.has(superseded)).toBe(false);
    for (const stays of [promoting, devHead, fresh]) expect(world.has(stays)).toBe(true);
  });

  it('records every deletion: the build marked deleted, and a `deleted` outcome in the history', async () => {
    const { world, oldDev } = await filled();
    await applyRetention(world.deps(), { age: THIRTY_DAYS, dryRun: false });

    expect(await world.ledger.getBuildByDigest('myapp', oldDev)).toMatchObject({
      deletedAt: NOW.toISOString(),
    });
    expect(await world.promotions.getOutcome('myapp', `retention:${oldDev}`)).toEqual({
      type: 'promotion.outcome',
      id: `retention:${oldDev}`,
      outcome: 'deleted',
      repository: 'myapp',
      stage: 'dev',
      digest: oldDev,
      gitShas: ['0000001'],
      tags: ['git-0000001'],
      reason: 'retention: older than 30 days (recorded 2026-09-28), never past dev',
      messageId: `retention:${oldDev}`,
      at: NOW.toISOString(),
    });
  });

  it('on a dry run deletes and records nothing, and reports what would go', async () => {
    const { world, oldDev, olderDev } = await filled();
    const report = await applyRetention(world.deps(), { age: THIRTY_DAYS, dryRun: true });

    expect(report.dryRun).toBe(true);
    expect(report.repositories[0]?.deleted.map((b) => b.digest)).toEqual([oldDev, olderDev]);
    expect(world.registry.calls.filter((c) => c === 'deleteManifest')).toEqual([]);
    expect(world.has(oldDev)).toBe(true);
    expect((await world.ledger.getBuildByDigest('myapp', oldDev))?.deletedAt).toBeUndefined();
    expect(await world.promotions.getOutcome('myapp', `retention:${oldDev}`)).toBeUndefined();
  });

  it('a second run deletes nothing more and reports the deleted builds as already deleted', async () => {
    const { world, oldDev } = await filled();
    await applyRetention(world.deps(), { age: THIRTY_DAYS, dryRun: false });
    const again = await applyRetention(world.deps(), { age: THIRTY_DAYS, dryRun: false });

    expect(again.repositories[0]?.deleted).toEqual([]);
    expect(again.repositories[0]?.kept.find((b) => b.digest === oldDev)?.reasons).toEqual([
      'already deleted',
    ]);
    expect(world.registry.calls.filter((c) => c === 'deleteManifest')).toHaveLength(2);
  });

  it('keeps going past a build the registry fails to delete, and the next run deletes it', async () => {
    const { world, oldDev, olderDev } = await filled();
    world.registry.failNext.set('deleteManifest', 1);
    const first = await applyRetention(world.deps(), { age: THIRTY_DAYS, dryRun: false });

    expect(first.repositories[0]?.failed).toEqual([
      expect.objectContaining({
        digest: oldDev,
        error: 'deleteManifest: registry unavailable: 503',
      }),
    ]);
    expect(first.repositories[0]?.deleted.map((b) => b.digest)).toEqual([olderDev]);
    expect((await world.ledger.getBuildByDigest('myapp', olderDev))?.deletedAt).toBeDefined();

    const second = await applyRetention(world.deps(), { age: THIRTY_DAYS, dryRun: false });
    expect(second.repositories[0]?.deleted.map((b) => b.digest)).toEqual([oldDev]);
    expect(world.has(oldDev)).toBe(false);
  });

  it('finishes recording a deletion whose ledger write failed, once the manifest is gone', async () => {
    const { world, oldDev } = await filled();
    let failMark = true;
    const flaky: BuildLedger = Object.create(world.ledger) as BuildLedger;
    flaky.markBuildDeleted = (deletion) => {
      if (failMark) return Promise.reject(new TransientError('ledger unavailable: 503'));
      return world.ledger.markBuildDeleted(deletion);
    };
    const first = await applyRetention(world.deps({ ledger: flaky }), {
      age: THIRTY_DAYS,
      dryRun: false,
    });
    expect(first.repositories[0]?.failed.map((b) => b.digest)).toContain(oldDev);
    expect(world.has(oldDev)).toBe(false);

    failMark = false;
    const second = await applyRetention(world.deps({ ledger: flaky }), {
      age: THIRTY_DAYS,
      dryRun: false,
    });
    expect(second.repositories[0]?.deleted.map((b) => b.digest)).toContain(oldDev);
    expect((await world.ledger.getBuildByDigest('myapp', oldDev))?.deletedAt).toBeDefined();
    const history = await world.promotions.listHistory('myapp', { limit: 100 });
    expect(
      history.outcomes.filter((o) => o.digest === oldDev && o.outcome === 'deleted'),
    ).toHaveLength(1);
  });

  it('keeps a build that was proposed for rc after the plan was made', async () => {
    const { world, oldDev, olderDev } = await filled();
    // The plan reads the promotions as they were; the rc request arrives before the delete.
    const before = await world.promotions.listPromotions('myapp');
    const stale: PromotionLedger = Object.create(world.promotions) as PromotionLedger;
    stale.listPromotions = () => Promise.resolve(before);
    await world.promote(oldDev, 'rc', 'pending', { version: '1.3.0' });

    const report = await applyRetention(world.deps({ promotions: stale }), {
      age: THIRTY_DAYS,
      dryRun: false,
    });
    expect(report.repositories[0]?.deleted.map((b) => b.digest)).toEqual([olderDev]);
    expect(report.repositories[0]?.kept.find((b) => b.digest === oldDev)?.reasons).toEqual([
      'pending approval for rc 1.3.0',
    ]);
    expect(world.has(oldDev)).toBe(true);
  });

  it('records a build as deleted when its manifest was gone from the registry already', async () => {
    const world = new World();
    const gone = await world.push(45);
    world.registry.manifests.delete(`myapp@${gone}`);
    const report = await applyRetention(world.deps(), { age: THIRTY_DAYS, dryRun: false });
    expect(report.repositories[0]?.deleted.map((b) => b.digest)).toEqual([gone]);
    expect((await world.ledger.getBuildByDigest('myapp', gone))?.deletedAt).toBeDefined();
  });

  it('covers every repository in the ledger, or only the one asked for', async () => {
    const world = new World();
    const a = await world.push(45, 'team/a');
    const b = await world.push(45, 'team/b');

    const one = await applyRetention(world.deps(), {
      age: THIRTY_DAYS,
      dryRun: false,
      repository: 'team/b',
    });
    expect(one.repositories.map((r) => r.repository)).toEqual(['team/b']);
    expect(world.has(a, 'team/a')).toBe(true);
    expect(world.has(b, 'team/b')).toBe(false);

    const all = await applyRetention(world.deps(), { age: THIRTY_DAYS, dryRun: true });
    expect(all.repositories.map((r) => [r.repository, r.deleted.length])).toEqual([
      ['team/a', 1],
      ['team/b', 0],
    ]);
  });

  it('reports a repository it cannot read and goes on with the others', async () => {
    const world = new World();
    await world.push(45, 'team/a');
    const b = await world.push(45, 'team/b');
    const broken: PromotionLedger = Object.create(world.promotions) as PromotionLedger;
    broken.listPromotions = (repository) =>
      repository === 'team/a'
        ? Promise.reject(new TransientError('listing promotions of team/a: unavailable'))
        : world.promotions.listPromotions(repository);

    const report = await applyRetention(world.deps({ promotions: broken }), {
      age: THIRTY_DAYS,
      dryRun: false,
    });
    expect(report.repositories).toEqual([
      {
        repository: 'team/a',
        deleted: [],
        kept: [],
        failed: [],
        error: 'listing promotions of team/a: unavailable',
      },
      expect.objectContaining({
        repository: 'team/b',
        deleted: [expect.objectContaining({ digest: b })],
      }),
    ]);
  });
});
