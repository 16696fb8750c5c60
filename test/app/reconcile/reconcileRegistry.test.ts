import { describe, expect, it } from 'vitest';
import { handleRegistryEvents } from '../../../src/app/push/handleRegistryEvents.js';
import { automaticPromotionId } from '../../../src/app/push/requestAutomaticPromotion.js';
import {
  FULL_SWEEP_EVERY_MS,
  reconcileRegistry,
  type ReconcileDeps,
} from '../../../src/app/reconcile/reconcileRegistry.js';
import { DEFAULT_PIPELINE_JSON } from '../../../src/domain/pipeline.js';
import type { PromotionMessage } from '../../../src/domain/promotionMessage.js';
import { compileRepositoryPatterns } from '../../../src/domain/repositoryPatterns.js';
import { MemoryReconcileMarks } from '../../support/memoryReconcileMarks.js';
import { stageWorld } from '../../support/stageWorld.js';

const repo = 'myapp';
const every = compileRepositoryPatterns('**');

/** A repository over the memory fakes, with what the reconciler needs besides. */
function reconcileWorld(pipeline: unknown = DEFAULT_PIPELINE_JSON) {
  const world = stageWorld(pipeline, repo);
  const sent: PromotionMessage[] = [];
  const marks = new MemoryReconcileMarks();
  const deps: ReconcileDeps = {
    ...world.deps,
    approvals: {
      send: (message) => {
        sent.push(message);
        return Promise.resolve();
      },
    },
    defaultRegistry: 'localhost:5000',
    marks,
  };
  /** CI pushes `sha` to the registry only: no event reaches promoter. */
  const pushUnseen = (sha: string, repository = repo) => {
    const digest = world.registry.add(repository, `manifest of ${sha}`);
    world.registry.setTag(repository, `git-${sha}`, digest);
    return digest;
  };
  /** A build pushed, recorded (its event arrived) and promoted to dev. */
  const pushed = async (sha: string) => {
    const digest = await world.build(sha);
    world.registry.setTag(repo, `git-${sha}`, digest);
    await world.dev(sha);
    return digest;
  };
  const run = (options: { dryRun?: boolean; repository?: string; patterns?: string } = {}) =>
    reconcileRegistry(deps, {
      dryRun: options.dryRun ?? false,
      patterns:
        options.patterns === undefined ? every : compileRepositoryPatterns(options.patterns),
      repository: options.repository,
    });
  const history = async () => (await world.promotions.listHistory(repo, { limit: 100 })).outcomes;
  return { ...world, deps, sent, marks, pushUnseen, pushed, run, history };
}

const actionsOf = (report: Awaited<ReturnType<ReturnType<typeof reconcileWorld>['run']>>) =>
  report.repositories.flatMap((r) => r.actions);

describe('reconcileRegistry', () => {
  it('records a build tag no event reported, says its pusher is unknown, and asks for its dev promotion as a push does', async () => {
    const w = reconcileWorld();
    const digest = w.pushUnseen('a1b2c3d');

    const report = await w.run();

    expect(actionsOf(report)).toEqual([
      expect.objectContaining({ kind: 'build-recorded', tag: 'git-a1b2c3d', digest }),
    ]);
    expect(actionsOf(report)[0]?.reason).toContain('who pushed it is unknown');
    const build = await w.ledger.getBuildByDigest(repo, digest);
    expect(build).toMatchObject({ gitShas: ['a1b2c3d'], registry: 'localhost:5000' });
    expect(build?.pushedBy).toBeUndefined();
    expect(w.sent).toEqual([
      expect.objectContaining({
        type: 'approval',
        stage: 'dev',
        build: { digest },
        source: 'system',
      }),
    ]);
    expect(await w.history()).toEqual([
      expect.objectContaining({
        outcome: 'reconciled',
        reconciled: 'build-recorded',
        digest,
        reason: expect.stringMatching(/^reconciled: recorded git-a1b2c3d/) as string,
      }),
    ]);
  });

  it('records it once: a second run and a late registry event change nothing and ask for no second promotion', async () => {
    const w = reconcileWorld();
    const digest = w.pushUnseen('a1b2c3d');
    await w.run();

    const again = await w.run();
    const late = await handleRegistryEvents(
      [
        {
          kind: 'push',
          id: 'late-webhook-event',
          timestamp: undefined,
          registry: 'localhost:5000',
          repository: repo,
          digest,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          tag: 'git-a1b2c3d',
        },
      ],
      w.deps,
    );

    expect(actionsOf(again)).toEqual([]);
    expect(late[0]?.result.outcome).toBe('already-recorded');
    expect(late[0]?.promotionRequested).toBeUndefined();
    expect(w.sent).toHaveLength(1);
    expect(await w.history()).toHaveLength(1);
  });

  it('a dry run lists what it would do and changes nothing: no build, no request, no history, no mark', async () => {
    const w = reconcileWorld();
    const digest = w.pushUnseen('a1b2c3d');

    const report = await w.run({ dryRun: true });

    expect(report.dryRun).toBe(true);
    expect(actionsOf(report)).toEqual([
      expect.objectContaining({
        kind: 'build-recorded',
        digest,
        reason: expect.stringMatching(/^would record it/) as string,
      }),
    ]);
    expect(await w.ledger.getBuildByDigest(repo, digest)).toBeUndefined();
    expect(w.sent).toEqual([]);
    expect(await w.history()).toEqual([]);
    expect(w.marks.marks.size).toBe(0);
  });

  it('leaves a repository whose registry and ledger agree alone, and says what the run cost', async () => {
    const w = reconcileWorld();
    await w.pushed('a1b2c3d');
    await w.run();
    w.registry.calls.length = 0;

    const report = await w.run();

    expect(actionsOf(report)).toEqual([]);
    expect(report.repositories).toEqual([
      expect.objectContaining({ repository: repo, sweep: 'full', tagsListed: 2, failed: [] }),
    ]);
    // The catalog, the tag list, and dev-latest resolved (the memory registry lists names only).
    expect(w.registry.calls.sort()).toEqual(['listRepositories', 'listTags', 'resolveTag']);
    expect(report.cost.registryRequests).toBe(3);
    // Repositories, marks, then the builds, their tags, the state and the promotions of the one
    // repository.
    expect(report.cost.ledgerRequests).toBe(6);
  });

  it('marks a recorded build deleted once its manifest is gone from the registry, once', async () => {
    const w = reconcileWorld();
    await w.pushed('a1b2c3d');
    const gone = await w.build('bbbbbbb');
    w.registry.setTag(repo, 'git-bbbbbbb', gone);
    await w.registry.deleteManifest(repo, gone);

    const report = await w.run();
    const again = await w.run();

    expect(actionsOf(report)).toEqual([
      expect.objectContaining({ kind: 'build-deleted', digest: gone, tags: ['git-bbbbbbb'] }),
    ]);
    expect((await w.ledger.getBuildByDigest(repo, gone))?.deletedAt).toBeDefined();
    expect(actionsOf(again)).toEqual([]);
    expect((await w.history()).filter((o) => o.reconciled === 'build-deleted')).toHaveLength(1);
  });

  it('keeps a build whose tags are gone but whose manifest is still there', async () => {
    const w = reconcileWorld();
    const kept = await w.build('bbbbbbb');

    const report = await w.run();

    expect(actionsOf(report)).toEqual([]);
    expect((await w.ledger.getBuildByDigest(repo, kept))?.deletedAt).toBeUndefined();
  });

  it('knows every build tag of a digest pushed for 25 commits, though its build lists only 20: a listed old tag is neither recorded again nor the build marked gone', async () => {
    const w = reconcileWorld();
    const digest = await w.build('a000000');
    const shas = Array.from({ length: 25 }, (_, i) => `a${String(i).padStart(6, '0')}`);
    for (const sha of shas.slice(1))
      await w.ledger.recordBuild({
        eventId: `push-${sha}`,
        repository: repo,
        digest,
        gitSha: sha,
        tag: `git-${sha}`,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        registry: 'localhost:5000',
        at: new Date(Date.UTC(2026, 0, 1)),
      });
    const build = await w.ledger.getBuildByDigest(repo, digest);
    expect(build?.tags).not.toContain('git-a000003');
    // Only an old build tag still names the digest in the registry.
    w.registry.setTag(repo, 'git-a000003', digest);
    w.registry.calls.length = 0;

    const report = await w.run();

    expect(actionsOf(report)).toEqual([]);
    expect(await w.ledger.getBuildByDigest(repo, digest)).toEqual(build);
    // Known: the tag is neither resolved nor its manifest read.
    expect(w.registry.calls.sort()).toEqual(['listRepositories', 'listTags']);
  });

  it('treats dev-latest moved by hand as drift, through the push flow’s drift check, announced once over runs', async () => {
    const w = reconcileWorld();
    const a = await w.pushed('aaaaaaa');
    const other = w.registry.add(repo, 'someone else’s image');
    w.registry.setTag(repo, 'dev-latest', other);

    const report = await w.run();
    w.published.length = 0;
    const again = await w.run();

    expect(actionsOf(report)).toEqual([
      expect.objectContaining({
        kind: 'drift',
        tag: 'dev-latest',
        digest: other,
        expected: a,
        restored: false,
      }),
    ]);
    const drift = (await w.history()).filter((o) => o.outcome === 'drift');
    expect(drift).toHaveLength(1);
    expect(drift[0]?.messageId).toMatch(/^drift:reconciled-tag-/);
    expect(actionsOf(again)).toEqual([]);
    expect(w.published).toEqual([]);
  });

  it('with restoreOnDrift puts a hand-moved tag back to the ledger’s digest', async () => {
    const w = reconcileWorld({ ...DEFAULT_PIPELINE_JSON, restoreOnDrift: true });
    const a = await w.pushed('aaaaaaa');
    w.registry.setTag(repo, 'dev-latest', w.registry.add(repo, 'someone else’s image'));

    const report = await w.run();

    expect(actionsOf(report)).toEqual([
      expect.objectContaining({ kind: 'drift', tag: 'dev-latest', restored: true }),
    ]);
    expect(w.tag('dev-latest')).toBe(a);
  });

  it('does not call a promotion in flight drift: the ledger moved on after it was listed', async () => {
    const w = reconcileWorld();
    const a = await w.pushed('aaaaaaa');
    const b = await w.pushed('bbbbbbb');
    // The listing saw dev-latest on a; the ledger's head is b: an old listing, not drift.
    w.registry.setTag(repo, 'dev-latest', a);
    const listTags = w.registry.listTags.bind(w.registry);
    w.registry.listTags = async (r, o) => {
      const listing = await listTags(r, o);
      w.registry.setTag(repo, 'dev-latest', b);
      return listing;
    };

    const report = await w.run();

    expect(actionsOf(report)).toEqual([]);
    expect((await w.history()).some((o) => o.outcome === 'drift')).toBe(false);
  });

  it('reports a promoted tag missing from the registry, once, and writes it back only with restoreOnDrift', async () => {
    for (const restoreOnDrift of [false, true]) {
      const w = reconcileWorld({ ...DEFAULT_PIPELINE_JSON, restoreOnDrift });
      const a = await w.release('aaaaaaa', '1.2.3');
      w.registry.tags.delete(`${repo}:1.2.3`);

      const report = await w.run();
      const again = await w.run();

      expect(actionsOf(report)).toEqual([
        expect.objectContaining({
          kind: 'tag-missing',
          tag: '1.2.3',
          digest: a,
          restored: restoreOnDrift,
        }),
      ]);
      expect(w.tag('1.2.3')).toBe(restoreOnDrift ? a : undefined);
      expect(actionsOf(again)).toHaveLength(restoreOnDrift ? 0 : 1);
      expect(w.published.filter((e) => e.reconciled === 'tag-missing')).toHaveLength(1);
    }
  });

  it('reports rc tags no promotion made as unknown, announced once, and leaves them alone', async () => {
    const w = reconcileWorld();
    const a = await w.pushed('aaaaaaa');
    w.registry.setTag(repo, '4.2.0-rc3', a);

    const report = await w.run();
    const again = await w.run();

    expect(actionsOf(report)).toEqual([
      expect.objectContaining({ kind: 'tag-unknown', tag: '4.2.0-rc3', stage: 'rc', digest: a }),
    ]);
    expect(actionsOf(again)).toEqual(actionsOf(report));
    expect(w.published.filter((e) => e.reconciled === 'tag-unknown')).toHaveLength(1);
    expect(w.tag('4.2.0-rc3')).toBe(a);
  });

  it('compares the ledger’s repositories and the catalog’s that match the patterns, or the one named', async () => {
    const w = reconcileWorld();
    w.pushUnseen('aaaaaaa', 'team/api');
    w.pushUnseen('bbbbbbb', 'web');
    await w.pushed('ccccccc');

    const scoped = await w.run({ patterns: 'team/*,myapp', dryRun: true });
    const named = await w.run({ repository: 'web', dryRun: true });

    expect(scoped.repositories.map((r) => r.repository)).toEqual(['myapp', 'team/api']);
    expect(named.repositories.map((r) => r.repository)).toEqual(['web']);
  });

  it('on a registry listing by update time, lists only what changed since its watermark, and every tag once a day', async () => {
    const w = reconcileWorld();
    w.registry.isAcr = true;
    let now = Date.parse('2026-11-27T08:00:00Z');
    w.registry.now = () => new Date(now);
    const deps = { ...w.deps, clock: { now: () => new Date(now) } };
    // Each run's requests are handled before the next: none is lost here.
    const run = async () => {
      const report = await reconcileRegistry(deps, {
        dryRun: false,
        patterns: every,
        repository: repo,
      });
      for (const message of w.sent.splice(0)) await w.handle(message);
      return report;
    };
    w.pushUnseen('aaaaaaa');
    now += 2 * 60 * 60_000;
    w.pushUnseen('bbbbbbb');
    const first = await run();
    now += 60 * 60_000;
    const c = w.pushUnseen('ccccccc');

    const second = await run();
    now += FULL_SWEEP_EVERY_MS;
    const third = await run();

    expect(first.repositories[0]).toMatchObject({ sweep: 'full', tagsListed: 2 });
    // b (at the watermark, listed again within the overlap), dev-latest (written for b) and c; not a.
    expect(second.repositories[0]).toMatchObject({ sweep: 'since-watermark', tagsListed: 3 });
    expect(actionsOf(second)).toEqual([
      expect.objectContaining({ kind: 'build-recorded', digest: c }),
    ]);
    expect(third.repositories[0]).toMatchObject({ sweep: 'full', tagsListed: 4 });
    expect(actionsOf(third)).toEqual([]);
    expect(w.marks.marks.get(repo)?.fullSweepAt).toBe(new Date(now).toISOString());
  });
});

describe('reconcileRegistry: automatic promotions that were lost or would move dev back', () => {
  /** A push a registry event recorded, whose automatic dev request was lost (never sent). */
  const recordedNotRequested = async (w: ReturnType<typeof reconcileWorld>, sha: string) => {
    const digest = await w.build(sha);
    w.registry.setTag(repo, `git-${sha}`, digest);
    return digest;
  };
  /** Hands the requests sent so far to the promotions handler, in order. */
  const deliver = async (w: ReturnType<typeof reconcileWorld>) => {
    for (const message of w.sent.splice(0)) await w.handle(message);
  };
  const devHead = async (w: ReturnType<typeof reconcileWorld>) =>
    (await w.promotions.getRepositoryState(repo)).heads['dev']?.digest;

  it('asks again, under the id the push asked with, for a recorded build whose dev request has no outcome after 30 minutes', async () => {
    const w = reconcileWorld();
    const digest = await recordedNotRequested(w, 'a1b2c3d');
    w.tick(5);
    const early = await w.run();
    w.tick(30);

    const report = await w.run();

    expect(actionsOf(early)).toEqual([]);
    const id = automaticPromotionId('dev', repo, 'push-a1b2c3d');
    expect(actionsOf(report)).toEqual([
      expect.objectContaining({
        kind: 'promotion-requested',
        tag: 'git-a1b2c3d',
        digest,
        promotionRequested: id,
      }),
    ]);
    expect(w.sent).toEqual([
      expect.objectContaining({ id, stage: 'dev', build: { digest }, source: 'system' }),
    ]);
    await deliver(w);
    expect(await devHead(w)).toBe(digest);
    expect(w.registry.tags.get(`${repo}:dev-latest`)).toBe(digest);
    expect(actionsOf(await w.run())).toEqual([]);
    expect((await w.history()).map((e) => e.reconciled ?? e.outcome)).toEqual([
      'promoted',
      'promotion-requested',
    ]);
  });

  it('leaves alone builds whose request was settled, or recorded more than 24 hours ago', async () => {
    const w = reconcileWorld();
    await recordedNotRequested(w, 'aaaaaaa');
    w.tick(24 * 60 + 1);
    const promoted = await w.pushed('bbbbbbb');
    w.tick(31);

    const report = await w.run();

    expect(actionsOf(report)).toEqual([]);
    expect(w.sent).toEqual([]);
    expect(await devHead(w)).toBe(promoted);
  });

  it('asks for nothing when the first stage needs approvals', async () => {
    const [dev, ...rest] = DEFAULT_PIPELINE_JSON.stages;
    const pipeline = {
      ...DEFAULT_PIPELINE_JSON,
      stages: [{ ...dev, approval: { required: 1 } }, ...rest],
    };
    const w = reconcileWorld(pipeline);
    await recordedNotRequested(w, 'a1b2c3d');
    w.tick(31);

    expect(actionsOf(await w.run())).toEqual([]);
    expect(w.sent).toEqual([]);
  });

  it('does not ask for a lost request older than the dev head: held, in the history under its id, and its late delivery promotes nothing', async () => {
    const w = reconcileWorld();
    const older = await recordedNotRequested(w, 'aaaaaaa');
    w.tick(1);
    const head = await w.pushed('bbbbbbb');
    w.tick(31);

    const report = await w.run();

    expect(actionsOf(report)).toEqual([
      expect.objectContaining({ kind: 'promotion-held', tag: 'git-aaaaaaa', digest: older }),
    ]);
    expect(actionsOf(report)[0]?.reason).toContain(
      'not promoted to dev: older than the dev head git-bbbbbbb',
    );
    expect(w.sent).toEqual([]);
    const id = automaticPromotionId('dev', repo, 'push-aaaaaaa');
    expect(await w.promotions.getOutcome(repo, id)).toMatchObject({
      outcome: 'reconciled',
      reconciled: 'promotion-held',
    });
    // The lost request turns up after all: it settles as the held outcome.
    const late = await w.handle({
      type: 'approval',
      id,
      repository: repo,
      stage: 'dev',
      build: { digest: older },
      decision: 'approve',
      approver: { id: 'system:promoter' },
      source: 'system',
    });
    expect(late).toMatchObject({ outcome: 'reconciled' });
    expect(await devHead(w)).toBe(head);
    expect(actionsOf(await w.run())).toEqual([]);
  });

  it('on a registry with push times (ACR): records recovered builds, asks for those newer than the dev head oldest first, holds the older one', async () => {
    const w = reconcileWorld();
    w.registry.isAcr = true;
    w.registry.now = () => w.deps.clock.now();
    const older = w.pushUnseen('aaaaaaa');
    w.tick(1);
    const head = await w.pushed('bbbbbbb');
    w.tick(1);
    const newer = w.pushUnseen('ccccccc');
    w.tick(1);
    const newest = w.pushUnseen('ddddddd');
    w.tick(1);

    const report = await w.run();

    const recorded = actionsOf(report).filter((a) => a.kind === 'build-recorded');
    expect(recorded.map((a) => a.digest)).toEqual([older, newer, newest]);
    expect(recorded[0]?.reason).toContain(
      'not promoted to dev: older than the dev head git-bbbbbbb',
    );
    expect(w.sent.map((m) => (m.type === 'approval' ? m.build : undefined))).toEqual([
      { digest: newer },
      { digest: newest },
    ]);
    await deliver(w);
    expect(await devHead(w)).toBe(newest);
    expect(w.registry.tags.get(`${repo}:dev-latest`)).toBe(newest);
    const held = (await w.history()).find((e) => e.digest === older);
    expect(held).toMatchObject({ outcome: 'reconciled', reconciled: 'build-recorded' });
    expect(held?.reason).toContain('not promoted to dev');
    w.tick(31);
    expect(actionsOf(await w.run())).toEqual([]);
    expect(head).not.toBe(newest);
  });

  it('on a registry without push times (distribution): orders recovered builds by their image config’s created time', async () => {
    const w = reconcileWorld();
    /** An image whose config says it was built at `created`, pushed with no event. */
    const pushImage = (sha: string, created: Date) => {
      const config = w.registry.addBlob(repo, JSON.stringify({ created: created.toISOString() }));
      const digest = w.registry.add(
        repo,
        JSON.stringify({ schemaVersion: 2, config: { digest: config }, layers: [], sha }),
      );
      w.registry.setTag(repo, `git-${sha}`, digest);
      return digest;
    };
    const before = w.deps.clock.now();
    w.tick(1);
    const head = await w.pushed('bbbbbbb');
    w.tick(1);
    const older = pushImage('aaaaaaa', before);
    const newer = pushImage('ccccccc', w.deps.clock.now());

    const report = await w.run();

    const reasons = new Map(actionsOf(report).map((a) => [a.digest, a.reason]));
    expect(reasons.get(older)).toContain(
      'not promoted to dev: older than the dev head git-bbbbbbb',
    );
    expect(reasons.get(newer)).toContain('its automatic promotion was asked for');
    expect(w.sent.map((m) => (m.type === 'approval' ? m.build : undefined))).toEqual([
      { digest: newer },
    ]);
    expect((await w.ledger.getBuildByDigest(repo, newer))?.pushedAt).toBe(
      w.deps.clock.now().toISOString(),
    );
    await deliver(w);
    expect(await devHead(w)).toBe(newer);
    expect(head).not.toBe(newer);
  });

  it('on a registry without push times: asks for the only build of a new repository, holds one recovered beside a dev head', async () => {
    const w = reconcileWorld();
    const head = await w.pushed('bbbbbbb');
    w.tick(1);
    const unseen = w.pushUnseen('ccccccc');

    const report = await w.run();

    expect(actionsOf(report)).toEqual([
      expect.objectContaining({ kind: 'build-recorded', digest: unseen }),
    ]);
    expect(actionsOf(report)[0]?.reason).toContain(
      'not promoted to dev: the registry gives no push time to tell it is newer than the dev head git-bbbbbbb',
    );
    expect(w.sent).toEqual([]);
    expect(await devHead(w)).toBe(head);
    w.tick(31);
    expect(actionsOf(await w.run())).toEqual([]);
  });
});
