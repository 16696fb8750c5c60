import { describe, expect, it } from 'vitest';
import { TransientError } from '../../../src/domain/errors.js';
import { DEFAULT_PIPELINE_JSON } from '../../../src/domain/pipeline.js';
import { stageWorld } from '../../support/stageWorld.js';

/** 1.2.2 (build aaaaaaa) then 1.2.3 (bbbbbbb) released; release-latest follows both. */
async function twoReleases(pipelineJson: unknown = DEFAULT_PIPELINE_JSON) {
  const w = stageWorld(pipelineJson);
  const old = await w.release('aaaaaaa', '1.2.2');
  const current = await w.release('bbbbbbb', '1.2.3');
  return { ...w, old, current };
}

describe('rollbackStage', () => {
  it('moves release-latest back to 1.2.2, leaves 1.2.2 and 1.2.3 alone, and pins release there', async () => {
    const w = await twoReleases();
    expect(w.tag('release-latest')).toBe(w.current);
    const [puts, gets] = [w.count('putManifest'), w.count('getManifest')];

    const outcome = await w.rollback('release', { tag: '1.2.2' });

    expect(outcome).toMatchObject({
      outcome: 'rolled-back',
      repository: 'myapp',
      stage: 'release',
      version: '1.2.2',
      digest: w.old,
      previousDigest: w.current,
      gitShas: ['aaaaaaa'],
      tags: ['release-latest'],
      actor: 'alice',
      reason: 'checkout fails for EU customers',
    });
    expect([w.tag('release-latest'), w.tag('1.2.2'), w.tag('1.2.3')]).toEqual([
      w.old,
      w.old,
      w.current,
    ]);
    expect([w.count('putManifest') - puts, w.count('getManifest') - gets]).toEqual([1, 1]);
    expect(await w.head('release')).toEqual({
      stage: 'release',
      digest: w.old,
      version: '1.2.2',
      tags: ['1.2.2', 'release-latest'],
      promotedAt: outcome.at,
      pinned: {
        by: 'alice',
        at: outcome.at,
        reason: 'checkout fails for EU customers',
        messageId: outcome.messageId,
        previousDigest: w.current,
      },
    });
    expect(await w.promotions.getOutcome('myapp', outcome.messageId)).toEqual(outcome);
    expect(w.published.at(-1)).toEqual(outcome);
  });

  it.each([
    ['its digest', (old: string) => ({ digest: old })],
    ['its git SHA', () => ({ gitSha: 'aaaaaaa' })],
    ['its build tag', () => ({ tag: 'git-aaaaaaa' })],
  ])('finds the earlier release by %s', async (_, to) => {
    const w = await twoReleases();
    expect(await w.rollback('release', to(w.old))).toMatchObject({
      outcome: 'rolled-back',
      digest: w.old,
      version: '1.2.2',
    });
    expect(w.tag('release-latest')).toBe(w.old);
  });

  it('moves dev-latest back to an earlier build by git SHA', async () => {
    const w = stageWorld();
    const first = await w.build('aaaaaaa');
    await w.dev('aaaaaaa');
    const second = await w.build('bbbbbbb');
    await w.dev('bbbbbbb');
    expect(await w.rollback('dev', { gitSha: 'aaaaaaa' })).toMatchObject({
      outcome: 'rolled-back',
      digest: first,
      previousDigest: second,
      tags: ['dev-latest'],
    });
    expect(w.tag('dev-latest')).toBe(first);
    expect(await w.head('dev')).toMatchObject({ digest: first, tags: ['dev-latest'] });
  });

  it('lets an allowed approver (by group) roll back a pinned stage further', async () => {
    const pipeline = withReleaseApprovers({ ids: ['bob'], groups: ['release-managers'] });
    const w = stageWorld(pipeline);
    const first = await w.release('aaaaaaa', '1.2.1');
    await w.release('bbbbbbb', '1.2.2');
    await w.release('ccccccc', '1.2.3');
    const managers = { id: 'dave', groups: ['release-managers'] };
    await w.rollback('release', { tag: '1.2.2' }, { approver: managers });
    expect(
      await w.rollback('release', { tag: '1.2.1' }, { approver: { id: 'bob' } }),
    ).toMatchObject({ outcome: 'rolled-back', digest: first, actor: 'bob' });
    expect(w.tag('release-latest')).toBe(first);
    expect((await w.head('release'))?.pinned).toMatchObject({ by: 'bob' });
  });
});

/** The default pipeline with `approvers` on the release stage. */
function withReleaseApprovers(approvers: { ids: string[]; groups: string[] }) {
  const [dev, rc, release] = DEFAULT_PIPELINE_JSON.stages;
  return {
    ...DEFAULT_PIPELINE_JSON,
    stages: [dev, rc, { ...release, approval: { required: 1, approvers } }],
  };
}

describe('rollbackStage refuses, moving no tag and pinning nothing,', () => {
  it.each([
    [
      'an unknown stage',
      'qa',
      { tag: '1.2.2' },
      {},
      /unknown stage "qa"; the pipeline's stages are dev, rc, release/,
    ],
    [
      'a stage with no floating tag',
      'rc',
      { tag: '1.2.2-rc1' },
      {},
      /stage rc has no floating tag to move back \(its tag \{version\}-rc\{n\} is immutable, and immutable tags never move\): give it one, e\.g\. add "latest": "rc-latest" to the stage in promoter\.pipeline\.json/,
    ],
    [
      'the system identity',
      'release',
      { tag: '1.2.2' },
      { approver: { id: 'system:promoter' }, source: 'system' },
      /the system identity may not roll back a stage/,
    ],
    [
      'a promoter tag that was never written',
      'release',
      { tag: '9.9.9' },
      {},
      /promoter wrote no tag 9\.9\.9 in myapp; `promoter history myapp` lists the earlier promotions of release/,
    ],
    [
      'a tag of another stage',
      'release',
      { tag: '1.2.2-rc1' },
      {},
      /tag 1\.2\.2-rc1 was written by a promotion to rc, not release/,
    ],
    [
      'a floating tag',
      'release',
      { tag: 'release-latest' },
      {},
      /release-latest is a floating tag: it names whatever release holds now, not an earlier promotion/,
    ],
    [
      'an unknown git SHA',
      'release',
      { gitSha: 'fffffff' },
      {},
      /no build of myapp is recorded for git SHA fffffff/,
    ],
    [
      'a build that never reached the stage',
      'release',
      { gitSha: 'ccccccc' },
      {},
      /git SHA ccccccc was never promoted to release/,
    ],
    [
      'the release the stage holds now',
      'release',
      { tag: '1.2.3' },
      {},
      /stage release holds sha256:\w+ \(1\.2\.3\) already: nothing to roll back/,
    ],
  ] as const)('%s', async (_, stage, to, extra, reason) => {
    const w = await twoReleases();
    await w.build('ccccccc');
    await w.dev('ccccccc');
    const before = await w.promotions.getRepositoryState('myapp');
    const puts = w.count('putManifest');
    const outcome = await w.rollback(stage, to, extra);
    expect(outcome.outcome).toBe('rejected');
    expect(outcome.reason).toMatch(reason);
    expect(w.count('putManifest')).toBe(puts);
    expect((await w.promotions.getRepositoryState('myapp')).heads).toEqual(before.heads);
    expect(await w.promotions.getOutcome('myapp', outcome.messageId)).toEqual(outcome);
    expect(w.published.at(-1)).toEqual(outcome);
  });

  it('an approver who is not one of the stage’s approvers', async () => {
    const w = await twoReleases(
      withReleaseApprovers({ ids: ['bob'], groups: ['release-managers'] }),
    );
    const outcome = await w.rollback(
      'release',
      { tag: '1.2.2' },
      { approver: { id: 'mallory', groups: ['devs'] } },
    );
    expect(outcome).toMatchObject({
      outcome: 'rejected',
      actor: 'mallory',
      reason:
        'mallory may not roll back stage release: only its approvers may (ids bob; groups release-managers)',
    });
    expect(w.tag('release-latest')).toBe(w.current);
  });

  it('a stage that holds nothing yet', async () => {
    const w = stageWorld();
    await w.build('aaaaaaa');
    await w.dev('aaaaaaa');
    expect(await w.rollback('release', { gitSha: 'aaaaaaa' })).toMatchObject({
      outcome: 'rejected',
      reason: 'stage release of myapp holds nothing yet: nothing to roll back',
    });
  });

  it('a build the registry deleted', async () => {
    const w = await twoReleases();
    await w.ledger.markBuildDeleted({
      eventId: 'delete-1',
      repository: 'myapp',
      digest: w.old,
      at: new Date('2026-11-28T00:00:00Z'),
    });
    const outcome = await w.rollback('release', { tag: '1.2.2' });
    expect(outcome.outcome).toBe('rejected');
    expect(outcome.reason).toMatch(
      /sha256:\w+ was deleted from the registry at 2026-11-28T00:00:00\.000Z; it cannot be put back into release/,
    );
    expect(w.tag('release-latest')).toBe(w.current);
  });

  it('a manifest the registry no longer holds', async () => {
    const w = await twoReleases();
    w.registry.manifests.delete(`myapp@${w.old}`);
    const outcome = await w.rollback('release', { tag: '1.2.2' });
    expect(outcome).toMatchObject({
      outcome: 'rejected',
      reason: `${w.old} is no longer in the registry`,
    });
    expect((await w.head('release'))?.pinned).toBeUndefined();
  });
});

describe('rollbackStage delivered more than once', () => {
  it('re-announces the recorded outcome of a finished rollback, writing nothing again', async () => {
    const w = await twoReleases();
    const message = w.rollbackMessage('release', { tag: '1.2.2' });
    const first = await w.handle(message);
    const puts = w.count('putManifest');
    expect(await w.handle(message)).toEqual(first);
    expect(w.count('putManifest')).toBe(puts);
    expect(w.published.filter((e) => e.messageId === message.id)).toHaveLength(2);
  });

  it('finishes a rollback that crashed after pinning the stage, before the registry write', async () => {
    const w = await twoReleases();
    const message = w.rollbackMessage('release', { tag: '1.2.2' });
    w.registry.failNext.set('putManifest', 1);
    await expect(w.handle(message)).rejects.toBeInstanceOf(TransientError);
    expect(w.tag('release-latest')).toBe(w.current);
    expect(await w.head('release')).toMatchObject({
      digest: w.old,
      pinned: { messageId: message.id },
    });
    expect(await w.promotions.getOutcome('myapp', message.id)).toBeUndefined();

    expect(await w.handle(message)).toMatchObject({
      outcome: 'rolled-back',
      digest: w.old,
      previousDigest: w.current,
      tags: ['release-latest'],
    });
    expect(w.tag('release-latest')).toBe(w.old);
  });

  it('finishes a rollback that crashed after the registry write, before recording the outcome', async () => {
    const w = await twoReleases();
    const message = w.rollbackMessage('release', { tag: '1.2.2' });
    let commits = 0;
    w.promotions.beforeCommit = () => {
      // The 1st commit pins the head; the 2nd records the outcome: crash there.
      if (++commits === 2) throw new TransientError('ledger unavailable');
    };
    await expect(w.handle(message)).rejects.toThrow('ledger unavailable');
    expect(w.tag('release-latest')).toBe(w.old);
    w.promotions.beforeCommit = undefined;

    const outcome = await w.handle(message);
    expect(outcome).toMatchObject({
      outcome: 'rolled-back',
      digest: w.old,
      previousDigest: w.current,
    });
    expect(w.published.filter((e) => e.messageId === message.id)).toEqual([outcome]);
    expect(w.tag('release-latest')).toBe(w.old);
  });
});

describe('a stage pinned by a rollback', () => {
  it('refuses a later promotion into it, naming who pinned it, why, and how to unpin', async () => {
    const w = await twoReleases();
    await w.rollback('release', { tag: '1.2.2' });
    await w.build('ccccccc');
    await w.dev('ccccccc');
    await w.approve('rc', { gitSha: 'ccccccc' }, { version: '1.2.4' });
    const outcome = await w.approve('release', { tag: '1.2.4-rc1' }, { approver: { id: 'bob' } });
    expect(outcome.outcome).toBe('rejected');
    expect(outcome.reason).toMatch(
      /^stage release is pinned to sha256:\w+ by alice since 2026-.* \(rollback: checkout fails for EU customers\); nothing was promoted\. Unpin it first: promoter unpin myapp --stage release --as <you>$/,
    );
    expect(w.tag('release-latest')).toBe(w.old);
    expect(w.tag('1.2.4')).toBeUndefined();
  });

  it('keeps dev-latest through new pushes until it is unpinned; the next push then moves it', async () => {
    const w = stageWorld();
    const first = await w.build('aaaaaaa');
    await w.dev('aaaaaaa');
    await w.build('bbbbbbb');
    await w.dev('bbbbbbb');
    await w.rollback('dev', { gitSha: 'aaaaaaa' }, { reason: 'bbbbbbb breaks login' });

    const third = await w.build('ccccccc');
    expect(await w.dev('ccccccc')).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringMatching(
        /stage dev is pinned .*\(rollback: bbbbbbb breaks login\)/,
      ) as unknown,
    });
    expect(w.tag('dev-latest')).toBe(first);

    expect(await w.unpin('dev', { reason: 'login fixed in ccccccc' })).toMatchObject({
      outcome: 'unpinned',
      digest: first,
    });
    expect(w.tag('dev-latest')).toBe(first);
    const fourth = await w.build('ddddddd');
    expect(await w.dev('ddddddd')).toMatchObject({ outcome: 'promoted', digest: fourth });
    expect(w.tag('dev-latest')).toBe(fourth);
    expect(third).not.toBe(fourth);
  });
});
