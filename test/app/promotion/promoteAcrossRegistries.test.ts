import { describe, expect, it } from 'vitest';
import type { PromoteDeps } from '../../../src/app/promotion/commitStep.js';
import { handlePromotionMessage } from '../../../src/app/promotion/handlePromotionMessage.js';
import type { ApprovalMessageInput } from '../../../src/domain/approvalMessage.js';
import { TransientError } from '../../../src/domain/errors.js';
import type { OutcomeEvent } from '../../../src/domain/outcomeEvent.js';
import { parsePipeline } from '../../../src/domain/pipeline.js';
import { MemoryBuildLedger } from '../../support/memoryBuildLedger.js';
import { MemoryCopier } from '../../support/memoryCopier.js';
import { MemoryPromotionLedger } from '../../support/memoryPromotionLedger.js';
import { MemoryRegistry } from '../../support/memoryRegistry.js';
import { MemoryCheckLedger } from '../../support/memoryCheckLedger.js';

const repo = 'myapp';
const BUILD = 'localhost:5000';
const PROD = 'prodacr.azurecr.io';
const clockMs = Date.parse('2026-12-01T10:00:00Z');

/** dev and rc in the build registry; release in `prod/<repository>` of another registry. */
const PIPELINE = {
  registries: { [PROD]: { signIn: 'azure' } },
  stages: [
    { name: 'dev', tag: 'dev-latest', immutable: false, approval: { required: 0 } },
    { name: 'rc', tag: '{version}-rc{n}', immutable: true, approval: { required: 1 } },
    {
      name: 'release',
      tag: '{version}',
      immutable: true,
      sameVersion: true,
      latest: 'release-latest',
      approval: { required: 1 },
      registry: PROD,
      repository: 'prod/{repository}',
    },
  ],
};

function setup(pipelineJson: unknown = PIPELINE) {
  const ledger = new MemoryBuildLedger();
  const promotions = new MemoryPromotionLedger();
  const registry = new MemoryRegistry();
  const prod = new MemoryRegistry();
  prod.isAcr = true;
  const copier = new MemoryCopier(
    new Map([
      [BUILD, registry],
      [PROD, prod],
    ]),
  );
  const published: OutcomeEvent[] = [];
  const deps: PromoteDeps = {
    ledger,
    promotions,
    registry,
    buildRegistry: BUILD,
    registryAt: (server) => {
      if (server !== PROD) throw new Error(`unexpected registry ${server}`);
      return prod;
    },
    copier,
    checks: new MemoryCheckLedger(),
    publisher: {
      publish: (e) => {
        published.push(e);
        return Promise.resolve();
      },
    },
    pipeline: parsePipeline(pipelineJson),
    clock: { now: () => new Date(clockMs) },
  };
  let seq = 0;
  const build = async (sha: string) => {
    const digest = registry.add(repo, `manifest of ${sha}`);
    await ledger.recordBuild({
      eventId: `push-${sha}`,
      repository: repo,
      digest,
      gitSha: sha,
      tag: `git-${sha}`,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      registry: BUILD,
      at: new Date(clockMs),
    });
    return digest;
  };
  const message = (
    m: Partial<ApprovalMessageInput> & Pick<ApprovalMessageInput, 'stage' | 'build'>,
  ) => ({
    type: 'approval',
    id: `m${++seq}`,
    repository: repo,
    decision: 'approve',
    approver: { id: 'alice' },
    source: 'cli',
    ...m,
  });
  const send = (m: Partial<ApprovalMessageInput> & Pick<ApprovalMessageInput, 'stage' | 'build'>) =>
    handlePromotionMessage(message(m), deps);
  /** dev, then rc 1.2.3: the build is ready for release. */
  const toRc = async (sha: string) => {
    await send({
      stage: 'dev',
      build: { gitSha: sha },
      approver: { id: 'system:promoter' },
      source: 'system',
    });
    expect(await send({ stage: 'rc', build: { gitSha: sha }, version: '1.2.3' })).toMatchObject({
      outcome: 'promoted',
    });
  };
  const release = (sha: string) =>
    message({ stage: 'release', build: { gitSha: sha }, version: '1.2.3' });
  return { deps, registry, prod, copier, promotions, published, build, send, toRc, release };
}

describe('promotion into a stage in another registry', () => {
  it('copies the approved digest there and tags it there, and the history says what the copy did', async () => {
    const t = setup();
    const digest = await t.build('a1b2c3d');
    await t.toRc('a1b2c3d');
    const outcome = await handlePromotionMessage(t.release('a1b2c3d'), t.deps);
    expect(outcome).toMatchObject({
      outcome: 'promoted',
      digest,
      tags: ['1.2.3'],
      registry: PROD,
      stageRepository: 'prod/myapp',
      copy: {
        from: `${BUILD}/myapp`,
        manifestsWritten: 1,
        blobsUploaded: 2,
        bytesUploaded: 1000,
        referrers: [],
      },
    });
    expect(t.copier.calls).toEqual([`${BUILD}/myapp → ${PROD}/prod/myapp @${digest}`]);
    expect(t.prod.tags.get('prod/myapp:1.2.3')).toBe(digest);
    expect(t.prod.tags.get('prod/myapp:release-latest')).toBe(digest);
    expect(t.prod.locked.has('prod/myapp:1.2.3')).toBe(true);
    // Nothing of release's is written in the build registry.
    expect(t.registry.tags.has('myapp:1.2.3')).toBe(false);
    expect(t.registry.tags.has('myapp:release-latest')).toBe(false);
    const { outcomes } = await t.promotions.listHistory(repo, { limit: 10 });
    expect(outcomes.find((o) => o.stage === 'release')).toMatchObject({
      outcome: 'promoted',
      registry: PROD,
      copy: { manifestsWritten: 1 },
    });
    const state = await t.promotions.getRepositoryState(repo);
    expect(state.heads.release).toMatchObject({ digest, tags: ['1.2.3', 'release-latest'] });
  });

  it('stages in the build registry keep their outcome as before: no registry, no copy', async () => {
    const t = setup();
    await t.build('a1b2c3d');
    const rc = await t.send({
      stage: 'dev',
      build: { gitSha: 'a1b2c3d' },
      approver: { id: 'system:promoter' },
      source: 'system',
    });
    expect(rc.registry).toBeUndefined();
    expect(rc.stageRepository).toBeUndefined();
    expect(rc.copy).toBeUndefined();
    expect(t.copier.calls).toEqual([]);
  });

  it('refuses when the target holds the immutable tag on another digest, and nothing moves', async () => {
    const t = setup();
    await t.build('a1b2c3d');
    await t.toRc('a1b2c3d');
    const other = t.prod.add('prod/myapp', 'someone else’s 1.2.3');
    t.prod.setTag('prod/myapp', '1.2.3', other);
    const outcome = await handlePromotionMessage(t.release('a1b2c3d'), t.deps);
    expect(outcome).toMatchObject({ outcome: 'rejected', registry: PROD });
    expect(outcome.reason).toContain(
      `tag 1.2.3 already exists in ${PROD}/prod/myapp and points to ${other}; immutable tags never move`,
    );
    expect(t.copier.calls).toEqual([]);
    expect(t.prod.tags.get('prod/myapp:1.2.3')).toBe(other);
    expect(t.prod.tags.has('prod/myapp:release-latest')).toBe(false);
    expect([...t.prod.manifests.keys()]).toEqual([`prod/myapp@${other}`]);
    expect((await t.promotions.getRepositoryState(repo)).heads.release).toBeUndefined();
  });

  it('a target down mid-copy: the message is redelivered and ends promoted once', async () => {
    const t = setup();
    const digest = await t.build('a1b2c3d');
    await t.toRc('a1b2c3d');
    t.copier.failNext = 1;
    const message = t.release('a1b2c3d');
    await expect(handlePromotionMessage(message, t.deps)).rejects.toBeInstanceOf(TransientError);
    expect(t.prod.tags.has('prod/myapp:1.2.3')).toBe(false);
    const outcome = await handlePromotionMessage(message, t.deps);
    expect(outcome).toMatchObject({ outcome: 'promoted', tags: ['1.2.3'] });
    expect(t.prod.tags.get('prod/myapp:1.2.3')).toBe(digest);
    // A third delivery (the first one's lock lost late) changes nothing and copies nothing.
    expect(await handlePromotionMessage(message, t.deps)).toEqual(outcome);
    expect(t.copier.calls).toHaveLength(2);
    const { outcomes } = await t.promotions.listHistory(repo, { limit: 10 });
    expect(outcomes.filter((o) => o.stage === 'release')).toHaveLength(1);
  });

  it('a copy that landed before a crash is not uploaded again on redelivery', async () => {
    const t = setup();
    const digest = await t.build('a1b2c3d');
    await t.toRc('a1b2c3d');
    // The copy and the tags land; the tag write's lock fails once (the target went down then).
    t.prod.failNext.set('lockTag', 1);
    const message = t.release('a1b2c3d');
    await expect(handlePromotionMessage(message, t.deps)).rejects.toBeInstanceOf(TransientError);
    const outcome = await handlePromotionMessage(message, t.deps);
    expect(outcome).toMatchObject({
      outcome: 'promoted',
      copy: { manifestsWritten: 0, blobsUploaded: 0, bytesUploaded: 0, blobsPresent: 2 },
    });
    expect(t.prod.tags.get('prod/myapp:1.2.3')).toBe(digest);
    expect(t.prod.locked.has('prod/myapp:1.2.3')).toBe(true);
  });

  it('numbers a {n} stage by the tags the target registry holds', async () => {
    const t = setup({
      registries: { [PROD]: { signIn: 'anonymous' } },
      stages: [
        { name: 'dev', tag: 'dev-latest', immutable: false, approval: { required: 0 } },
        {
          name: 'rc',
          tag: '{version}-rc{n}',
          immutable: true,
          approval: { required: 1 },
          registry: PROD,
        },
      ],
    });
    const digest = await t.build('a1b2c3d');
    const stray = t.prod.add(repo, 'a stray rc1');
    t.prod.setTag(repo, '1.2.3-rc1', stray);
    await t.send({
      stage: 'dev',
      build: { gitSha: 'a1b2c3d' },
      approver: { id: 'system:promoter' },
      source: 'system',
    });
    const rc = await t.send({ stage: 'rc', build: { gitSha: 'a1b2c3d' }, version: '1.2.3' });
    expect(rc).toMatchObject({ outcome: 'promoted', tags: ['1.2.3-rc2'], registry: PROD });
    expect(rc.stageRepository).toBeUndefined();
    expect(t.prod.tags.get('myapp:1.2.3-rc2')).toBe(digest);
    expect(t.prod.tags.get('myapp:1.2.3-rc1')).toBe(stray);
  });

  it('a build gone from the source is refused with where it was looked for', async () => {
    const t = setup();
    const digest = await t.build('a1b2c3d');
    await t.toRc('a1b2c3d');
    t.registry.manifests.delete(`myapp@${digest}`);
    const outcome = await handlePromotionMessage(t.release('a1b2c3d'), t.deps);
    expect(outcome).toMatchObject({ outcome: 'rejected' });
    expect(outcome.reason).toContain(`${digest} is no longer in ${BUILD}/myapp`);
    expect(t.prod.tags.size).toBe(0);
  });
});
