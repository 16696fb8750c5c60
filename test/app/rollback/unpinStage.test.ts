import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_JSON } from '../../../src/domain/pipeline.js';
import { stageWorld } from '../../support/stageWorld.js';

/** 1.2.2 then 1.2.3 released, then release rolled back to 1.2.2 (pinned). */
async function pinnedRelease(pipelineJson: unknown = DEFAULT_PIPELINE_JSON) {
  const w = stageWorld(pipelineJson);
  const old = await w.release('aaaaaaa', '1.2.2');
  const current = await w.release('bbbbbbb', '1.2.3');
  await w.rollback('release', { tag: '1.2.2' });
  return { ...w, old, current };
}

describe('unpinStage', () => {
  it('releases the pin, keeping the digest and every tag where the rollback put them', async () => {
    const w = await pinnedRelease();
    const puts = w.count('putManifest');
    const outcome = await w.unpin('release', { reason: '1.2.4 fixes checkout' });
    expect(outcome).toMatchObject({
      outcome: 'unpinned',
      stage: 'release',
      digest: w.old,
      version: '1.2.2',
      tags: ['1.2.2', 'release-latest'],
      actor: 'alice',
      reason: '1.2.4 fixes checkout',
    });
    expect(await w.head('release')).toEqual({
      stage: 'release',
      digest: w.old,
      version: '1.2.2',
      tags: ['1.2.2', 'release-latest'],
      promotedAt: expect.any(String) as unknown,
    });
    expect(w.count('putManifest')).toBe(puts);
    expect(w.tag('release-latest')).toBe(w.old);
    expect(await w.promotions.getOutcome('myapp', outcome.messageId)).toEqual(outcome);
    expect(w.published.at(-1)).toEqual(outcome);
  });

  it('lets the next release move release-latest again', async () => {
    const w = await pinnedRelease();
    await w.unpin('release');
    const next = await w.release('ccccccc', '1.2.4');
    expect(w.tag('release-latest')).toBe(next);
    expect(await w.head('release')).toMatchObject({
      digest: next,
      tags: ['1.2.4', 'release-latest'],
    });
  });

  it.each([
    [
      'an unknown stage',
      'qa',
      {},
      /^unknown stage "qa"; the pipeline's stages are dev, rc, release$/,
    ],
    ['a stage that is not pinned', 'dev', {}, /^stage dev of myapp is not pinned$/],
    [
      'the system identity',
      'release',
      { approver: { id: 'system:promoter' }, source: 'system' },
      /^the system identity may not unpin a stage/,
    ],
  ] as const)('refuses %s, leaving the stage as it is', async (_, stage, extra, reason) => {
    const w = await pinnedRelease();
    const before = await w.promotions.getRepositoryState('myapp');
    const outcome = await w.unpin(stage, extra);
    expect(outcome.outcome).toBe('rejected');
    expect(outcome.reason).toMatch(reason);
    expect((await w.promotions.getRepositoryState('myapp')).heads).toEqual(before.heads);
    expect(await w.promotions.getOutcome('myapp', outcome.messageId)).toEqual(outcome);
  });

  it('refuses an approver who is not one of the stage’s approvers', async () => {
    const [dev, rc, release] = DEFAULT_PIPELINE_JSON.stages;
    const w = await pinnedRelease({
      ...DEFAULT_PIPELINE_JSON,
      stages: [
        dev,
        rc,
        { ...release, approval: { required: 1, approvers: { ids: ['alice', 'bob'] } } },
      ],
    });
    expect(await w.unpin('release', { approver: { id: 'mallory' } })).toMatchObject({
      outcome: 'rejected',
      reason: 'mallory may not unpin stage release: only its approvers may (ids alice, bob)',
    });
    expect((await w.head('release'))?.pinned).toMatchObject({ by: 'alice' });
  });

  it('re-announces the recorded outcome when the unpin is redelivered', async () => {
    const w = await pinnedRelease();
    const message = {
      type: 'unpin',
      id: 'unpin-1',
      repository: 'myapp',
      stage: 'release',
      approver: { id: 'alice' },
      source: 'cli',
    };
    const first = await w.handle(message);
    expect(await w.handle(message)).toEqual(first);
    expect(w.published.filter((e) => e.messageId === 'unpin-1')).toEqual([first, first]);
  });
});
