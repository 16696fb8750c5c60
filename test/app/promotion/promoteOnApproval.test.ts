import { describe, expect, it } from 'vitest';
import type { PromoteDeps } from '../../../src/app/promotion/commitStep.js';
import { handlePromotionMessage } from '../../../src/app/promotion/handlePromotionMessage.js';
import type { ApprovalMessageInput } from '../../../src/domain/approvalMessage.js';
import { TransientError } from '../../../src/domain/errors.js';
import type { OutcomeEvent } from '../../../src/domain/outcomeEvent.js';
import { DEFAULT_PIPELINE_JSON, parsePipeline } from '../../../src/domain/pipeline.js';
import { MemoryBuildLedger } from '../../support/memoryBuildLedger.js';
import { MemoryCheckLedger } from '../../support/memoryCheckLedger.js';
import { MemoryPromotionLedger } from '../../support/memoryPromotionLedger.js';
import { MemoryRegistry } from '../../support/memoryRegistry.js';

const repo = 'myapp';
let clockMs = Date.parse('2026-11-27T10:00:00Z');

function setup(pipelineJson: unknown = DEFAULT_PIPELINE_JSON) {
  const ledger = new MemoryBuildLedger();
  const promotions = new MemoryPromotionLedger();
  const registry = new MemoryRegistry();
  const published: OutcomeEvent[] = [];
  const deps: PromoteDeps = {
    ledger,
    promotions,
    registry,
    publisher: {
      publish: (e) => {
        published.push(e);
        return Promise.resolve();
      },
    },
    pipeline: parsePipeline(pipelineJson),
    checks: new MemoryCheckLedger(),
    clock: { now: () => new Date(clockMs) },
  };
  let seq = 0;
  /** Pushes a build: the manifest into the registry and the record into the ledger. */
  const build = async (sha: string, pushedBy?: string) => {
    const digest = registry.add(repo, `manifest of ${sha}`);
    await ledger.recordBuild({
      eventId: `push-${sha}`,
      repository: repo,
      digest,
      gitSha: sha,
      tag: `git-${sha}`,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      registry: 'localhost:5000',
      ...(pushedBy ? { pushedBy } : {}),
      at: new Date(clockMs),
    });
    return digest;
  };
  const send = (m: Partial<ApprovalMessageInput> & Pick<ApprovalMessageInput, 'stage' | 'build'>) =>
    handlePromotionMessage(
      {
        type: 'approval',
        id: `m${++seq}`,
        repository: repo,
        decision: 'approve',
        approver: { id: 'alice' },
        source: 'cli',
        ...m,
      },
      deps,
    );
  const dev = (sha: string) =>
    send({
      stage: 'dev',
      build: { gitSha: sha },
      approver: { id: 'system:promoter' },
      source: 'system',
    });
  const tag = (t: string) => registry.tags.get(`${repo}:${t}`);
  return { deps, ledger, promotions, registry, published, build, send, dev, tag };
}

describe('promoteOnApproval through dev → rc → release', () => {
  it('moves one pushed build to dev-latest, 1.2.3-rc1 and 1.2.3, each tag on the pushed digest', async () => {
    const t = setup();
    const digest = await t.build('a1b2c3d');
    expect((await t.dev('a1b2c3d')).outcome).toBe('promoted');
    expect(t.tag('dev-latest')).toBe(digest);
    const rc = await t.send({ stage: 'rc', build: { gitSha: 'a1b2c3d' }, version: '1.2.3' });
    expect(rc).toMatchObject({
      outcome: 'promoted',
      tags: ['1.2.3-rc1'],
      digest,
      approvals: [{ approverId: 'alice' }],
    });
    const release = await t.send({
      stage: 'release',
      build: { tag: '1.2.3-rc1' },
      approver: { id: 'bob' },
    });
    expect(release).toMatchObject({
      outcome: 'promoted',
      tags: ['1.2.3'],
      version: '1.2.3',
      digest,
    });
    expect([t.tag('dev-latest'), t.tag('1.2.3-rc1'), t.tag('1.2.3')]).toEqual([
      digest,
      digest,
      digest,
    ]);
    expect(t.published.map((e) => e.outcome)).toEqual(['promoted', 'promoted', 'promoted']);
  });

  it('numbers a second build approved for the same version rc2, and releases rc2 by its tag', async () => {
    const t = setup();
    const first = await t.build('aaaaaaa');
    const second = await t.build('bbbbbbb');
    await t.dev('aaaaaaa');
    await t.dev('bbbbbbb');
    expect(t.tag('dev-latest')).toBe(second);
    await t.send({ stage: 'rc', build: { gitSha: 'aaaaaaa' }, version: '1.2.3' });
    expect(
      (await t.send({ stage: 'rc', build: { digest: second }, version: '1.2.3' })).tags,
    ).toEqual(['1.2.3-rc2']);
    await t.send({ stage: 'release', build: { tag: '1.2.3-rc2' } });
    expect(t.tag('1.2.3')).toBe(second);
    expect(t.tag('1.2.3-rc1')).toBe(first);
  });

  it('does not create another rc when the same digest is approved for the same version again', async () => {
    const t = setup();
    await t.build('a1b2c3d');
    await t.dev('a1b2c3d');
    await t.send({ stage: 'rc', build: { gitSha: 'a1b2c3d' }, version: '1.2.3' });
    const again = await t.send({
      stage: 'rc',
      build: { gitSha: 'a1b2c3d' },
      version: '1.2.3',
      approver: { id: 'carol' },
    });
    expect(again).toMatchObject({ outcome: 'promoted', tags: ['1.2.3-rc1'] });
    expect(again.reason).toMatch(/already promoted/);
    expect(t.tag('1.2.3-rc2')).toBeUndefined();
  });

  it('takes the release version from the rc the digest reached when none is given', async () => {
    const t = setup();
    const digest = await t.build('a1b2c3d');
    await t.dev('a1b2c3d');
    await t.send({ stage: 'rc', build: { gitSha: 'a1b2c3d' }, version: '2.0.0' });
    expect(await t.send({ stage: 'release', build: { digest } })).toMatchObject({
      outcome: 'promoted',
      tags: ['2.0.0'],
    });
  });
});

describe('promoteOnApproval refuses', () => {
  it.each([
    [
      'an unknown build',
      { stage: 'rc', build: { gitSha: 'fffffff' }, version: '1.2.3' },
      /no build of myapp is recorded for git SHA fffffff/,
    ],
    [
      'an unknown stage',
      { stage: 'qa', build: { gitSha: 'a1b2c3d' } },
      /unknown stage "qa"; the pipeline's stages are dev, rc, release/,
    ],
    [
      'rc for a digest that never reached dev',
      { stage: 'rc', build: { gitSha: 'a1b2c3d' }, version: '1.2.3' },
      /reached dev/,
    ],
    [
      'release of a digest never in rc',
      { stage: 'release', build: { gitSha: 'a1b2c3d' }, version: '1.2.3' },
      /reached rc as 1\.2\.3/,
    ],
    ['rc without a version', { stage: 'rc', build: { gitSha: 'a1b2c3d' } }, /needs a version/],
    [
      'an unknown tag',
      { stage: 'release', build: { tag: '9.9.9-rc1' } },
      /no build of myapp is known by tag 9\.9\.9-rc1/,
    ],
  ] as const)('%s, writing no tag', async (_, message, reason) => {
    const t = setup();
    await t.build('a1b2c3d');
    const outcome = await t.send(message);
    expect(outcome.outcome).toBe('rejected');
    expect(outcome.reason).toMatch(reason);
    expect(t.registry.calls.filter((c) => c === 'putManifest')).toEqual([]);
  });

  it('a release whose rc was for another version', async () => {
    const t = setup();
    await t.build('a1b2c3d');
    await t.dev('a1b2c3d');
    await t.send({ stage: 'rc', build: { gitSha: 'a1b2c3d' }, version: '1.2.3' });
    const outcome = await t.send({
      stage: 'release',
      build: { gitSha: 'a1b2c3d' },
      version: '1.2.4',
    });
    expect(outcome).toMatchObject({ outcome: 'rejected' });
    expect(t.tag('1.2.4')).toBeUndefined();
  });

  it('an existing release tag on another digest, leaving the tag unchanged', async () => {
    const t = setup();
    await t.build('a1b2c3d');
    const other = t.registry.add(repo, 'someone else');
    t.registry.tags.set(`${repo}:1.2.3`, other);
    await t.dev('a1b2c3d');
    await t.send({ stage: 'rc', build: { gitSha: 'a1b2c3d' }, version: '1.2.3' });
    const outcome = await t.send({ stage: 'release', build: { tag: '1.2.3-rc1' } });
    expect(outcome.outcome).toBe('rejected');
    expect(outcome.reason).toMatch(
      /tag 1\.2\.3 already exists in the registry and points to sha256:.*immutable tags never move/,
    );
    expect(t.tag('1.2.3')).toBe(other);
  });

  it('the build author’s requester approving their own promotion', async () => {
    const t = setup();
    await t.build('a1b2c3d');
    await t.dev('a1b2c3d');
    const outcome = await t.send({
      stage: 'rc',
      build: { gitSha: 'a1b2c3d' },
      version: '1.2.3',
      requestedBy: { id: 'alice' },
    });
    expect(outcome).toMatchObject({
      outcome: 'rejected',
      reason: 'alice requested this promotion and may not approve it',
    });
  });

  it('the person who pushed the build approving it', async () => {
    const t = setup();
    await t.build('a1b2c3d', 'alice');
    await t.dev('a1b2c3d');
    const outcome = await t.send({ stage: 'rc', build: { gitSha: 'a1b2c3d' }, version: '1.2.3' });
    expect(outcome).toMatchObject({
      outcome: 'rejected',
      reason: 'alice pushed this build and may not approve it',
    });
    expect(t.tag('1.2.3-rc1')).toBeUndefined();
  });

  it('a "system" approval of a stage that needs a human', async () => {
    const t = setup();
    await t.build('a1b2c3d');
    await t.dev('a1b2c3d');
    const outcome = await t.send({
      stage: 'rc',
      build: { gitSha: 'a1b2c3d' },
      version: '1.2.3',
      approver: { id: 'system:promoter' },
    });
    expect(outcome.outcome).toBe('rejected');
    expect(t.tag('1.2.3-rc1')).toBeUndefined();
  });

  it('an invalid message, announcing which field is wrong', async () => {
    const t = setup();
    const outcome = await handlePromotionMessage(
      { type: 'approval', id: 'x1', repository: repo, stage: 'rc', build: { gitSha: 'XYZ' } },
      t.deps,
    );
    expect(outcome.outcome).toBe('rejected');
    expect(outcome.reason).toMatch(/build/);
    expect(t.published).toHaveLength(1);
    expect(await t.promotions.getOutcome(repo, 'x1')).toEqual(outcome);
  });
});

const narrowPipeline = {
  ...DEFAULT_PIPELINE_JSON,
  stages: [
    DEFAULT_PIPELINE_JSON.stages[0],
    {
      name: 'rc',
      tag: '{version}-rc{n}',
      immutable: true,
      approval: {
        required: 2,
        approvers: { ids: ['alice'], groups: ['release-managers'] },
        expiresAfter: '7d',
      },
    },
    DEFAULT_PIPELINE_JSON.stages[2],
  ],
};

describe('promoteOnApproval with a narrowed pipeline', () => {
  async function ready() {
    const t = setup(narrowPipeline);
    await t.build('a1b2c3d');
    await t.dev('a1b2c3d');
    const rc = (
      approver: { id: string; groups?: string[] },
      decision: 'approve' | 'reject' = 'approve',
    ) =>
      t.send({ stage: 'rc', build: { gitSha: 'a1b2c3d' }, version: '1.2.3', approver, decision });
    return { ...t, rc };
  }

  it('keeps a promotion pending below quorum and promotes at quorum', async () => {
    const t = await ready();
    expect(await t.rc({ id: 'alice' })).toMatchObject({
      outcome: 'pending',
      required: 2,
      approvals: [{ approverId: 'alice' }],
      eligible: { ids: ['alice'], groups: ['release-managers'] },
    });
    expect(t.tag('1.2.3-rc1')).toBeUndefined();
    expect(await t.rc({ id: 'dave', groups: ['release-managers'] })).toMatchObject({
      outcome: 'promoted',
      tags: ['1.2.3-rc1'],
    });
  });

  it('counts one approver once however often they approve', async () => {
    const t = await ready();
    await t.rc({ id: 'alice' });
    expect((await t.rc({ id: 'alice' })).outcome).toBe('pending');
  });

  it('refuses an approver who is neither listed nor in a listed group', async () => {
    const t = await ready();
    expect(await t.rc({ id: 'mallory', groups: ['devs'] })).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringMatching(
        /mallory may not approve stage rc \(allowed: ids alice; groups release-managers\)/,
      ) as unknown,
    });
  });

  it('lets approvals expire', async () => {
    const t = await ready();
    await t.rc({ id: 'alice' });
    clockMs += 8 * 86_400_000;
    expect(await t.rc({ id: 'dave', groups: ['release-managers'] })).toMatchObject({
      outcome: 'pending',
      approvals: [{ approverId: 'dave' }],
    });
  });

  it('stops the promotion when an allowed approver rejects it', async () => {
    const t = await ready();
    await t.rc({ id: 'alice' });
    expect(await t.rc({ id: 'dave', groups: ['release-managers'] }, 'reject')).toMatchObject({
      outcome: 'rejected',
      reason: 'rejected by dave',
    });
    expect(await t.rc({ id: 'erin', groups: ['release-managers'] })).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringMatching(/stopped: rejected by dave/) as unknown,
    });
    expect(t.tag('1.2.3-rc1')).toBeUndefined();
  });
});

describe('promoteOnApproval delivered more than once', () => {
  it('promotes once when one message is redelivered, and announces its outcome again', async () => {
    const t = setup();
    await t.build('a1b2c3d');
    await t.dev('a1b2c3d');
    const message = {
      type: 'approval',
      id: 'same',
      repository: repo,
      stage: 'rc',
      build: { gitSha: 'a1b2c3d' },
      version: '1.2.3',
      decision: 'approve',
      approver: { id: 'alice' },
      source: 'cli',
    };
    const first = await handlePromotionMessage(message, t.deps);
    const puts = t.registry.calls.filter((c) => c === 'putManifest').length;
    const second = await handlePromotionMessage(message, t.deps);
    expect(second).toEqual(first);
    expect(t.registry.calls.filter((c) => c === 'putManifest').length).toBe(puts);
    expect(t.published.filter((e) => e.messageId === 'same')).toHaveLength(2);
  });

  it('throws a registry outage so the message is redelivered, then promotes exactly once', async () => {
    const t = setup();
    const digest = await t.build('a1b2c3d');
    await t.dev('a1b2c3d');
    t.registry.failNext.set('putManifest', 1);
    const message = {
      type: 'approval',
      id: 'flaky',
      repository: repo,
      stage: 'rc',
      build: { gitSha: 'a1b2c3d' },
      version: '1.2.3',
      decision: 'approve',
      approver: { id: 'alice' },
      source: 'cli',
    };
    await expect(handlePromotionMessage(message, t.deps)).rejects.toBeInstanceOf(TransientError);
    expect(await handlePromotionMessage(message, t.deps)).toMatchObject({
      outcome: 'promoted',
      tags: ['1.2.3-rc1'],
    });
    expect(t.tag('1.2.3-rc1')).toBe(digest);
    expect(t.tag('1.2.3-rc2')).toBeUndefined();
  });

  it('finishes a promotion that crashed between the re-tag and the ledger write', async () => {
    const t = setup();
    const digest = await t.build('a1b2c3d');
    await t.dev('a1b2c3d');
    let commits = 0;
    t.promotions.beforeCommit = () => {
      commits += 1;
      // The 2nd commit of this message records the promotion after the re-tag: crash there.
      if (commits === 2) throw new TransientError('ledger unavailable');
    };
    const message = {
      type: 'approval',
      id: 'crash',
      repository: repo,
      stage: 'rc',
      build: { gitSha: 'a1b2c3d' },
      version: '1.2.3',
      decision: 'approve',
      approver: { id: 'alice' },
      source: 'cli',
    };
    await expect(handlePromotionMessage(message, t.deps)).rejects.toThrow('ledger unavailable');
    expect(t.tag('1.2.3-rc1')).toBe(digest);
    t.promotions.beforeCommit = undefined;
    expect(await handlePromotionMessage(message, t.deps)).toMatchObject({
      outcome: 'promoted',
      tags: ['1.2.3-rc1'],
    });
    expect((await t.promotions.getRepositoryState(repo)).heads.rc).toMatchObject({
      digest,
      tags: ['1.2.3-rc1'],
    });
    expect(t.registry.calls.filter((c) => c === 'putManifest')).toHaveLength(2); // dev-latest + rc1, never rc2
  });

  it('gives concurrent approvals of different builds distinct rc numbers', async () => {
    const t = setup();
    const digests = [];
    for (const sha of ['aaaaaaa', 'bbbbbbb', 'ccccccc']) {
      digests.push(await t.build(sha));
      await t.dev(sha);
    }
    const outcomes = await Promise.all(
      ['aaaaaaa', 'bbbbbbb', 'ccccccc'].map((sha) =>
        t.send({ stage: 'rc', build: { gitSha: sha }, version: '1.2.3' }),
      ),
    );
    expect(outcomes.map((o) => o.tags?.[0]).sort()).toEqual([
      '1.2.3-rc1',
      '1.2.3-rc2',
      '1.2.3-rc3',
    ]);
    expect(new Set(['1.2.3-rc1', '1.2.3-rc2', '1.2.3-rc3'].map((tag) => t.tag(tag)))).toEqual(
      new Set(digests),
    );
  });
});
