import { describe, expect, it } from 'vitest';
import { classifyEvent, type EventDecision } from '../../src/domain/classifyEvent.js';
import {
  defaultPipeline,
  DEFAULT_PIPELINE_JSON,
  parsePipeline,
} from '../../src/domain/pipeline.js';
import { parseRegistryEvents, type RegistryEvent } from '../../src/domain/registryEvents.js';
import { acrFixture } from '../support/fixtures.js';

const DIGEST = 'sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945';
const SHA40 = '0123456789abcdef0123456789abcdef01234567';

function push(fields: Partial<Extract<RegistryEvent, { kind: 'push' }>>): RegistryEvent {
  return {
    kind: 'push',
    id: 'evt-1',
    timestamp: '2026-11-27T10:00:00Z',
    registry: 'localhost:5000',
    repository: 'myapp',
    digest: DIGEST,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    tag: 'git-a1b2c3d',
    ...fields,
  };
}

function deleted(tag: string | undefined): Extract<RegistryEvent, { kind: 'delete' }> {
  return {
    kind: 'delete',
    id: 'evt-3',
    timestamp: undefined,
    registry: 'localhost:5000',
    repository: 'myapp',
    digest: DIGEST,
    tag,
  };
}

function other(action: string, mediaType?: string): RegistryEvent {
  return { kind: 'other', id: 'evt-2', action, repository: 'myapp', mediaType };
}

function fixture(name: string): RegistryEvent {
  const [event] = parseRegistryEvents(JSON.parse(acrFixture(name)));
  if (!event) throw new Error(`${name} holds no event`);
  return event;
}

describe('classifyEvent with the default pipeline', () => {
  const pipeline = defaultPipeline();

  it.each<[string, RegistryEvent, EventDecision]>([
    ['the ACR ping', fixture('acr-ping.json'), { kind: 'ping' }],
    [
      'the ACR push of a build tag',
      fixture('acr-push.json'),
      { kind: 'record', gitSha: 'a1b2c3d', tag: 'git-a1b2c3d' },
    ],
    [
      'the ACR push of a multi-arch index under a 40-character build tag',
      fixture('acr-push-index.json'),
      { kind: 'record', gitSha: SHA40, tag: `git-${SHA40}` },
    ],
    [
      'the ACR manifest delete',
      fixture('acr-delete.json'),
      {
        kind: 'delete',
        digest: 'sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945',
      },
    ],
    ['a manifest delete without a tag', deleted(undefined), { kind: 'delete', digest: DIGEST }],
    [
      'the distribution registry’s tag delete, which names no digest',
      { ...deleted('git-a1b2c3d'), kind: 'delete', digest: undefined },
      { kind: 'ignore', reason: 'tag "git-a1b2c3d" was deleted; the manifest remains' },
    ],
    [
      'a Docker manifest list under a build tag',
      push({ mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json' }),
      { kind: 'record', gitSha: 'a1b2c3d', tag: 'git-a1b2c3d' },
    ],
    [
      'a push to dev-latest',
      push({ tag: 'dev-latest' }),
      { kind: 'stage-tag', stage: 'dev', tag: 'dev-latest', repository: 'myapp' },
    ],
    [
      'a push to an rc tag',
      push({ tag: '1.2.3-rc2' }),
      { kind: 'stage-tag', stage: 'rc', tag: '1.2.3-rc2', repository: 'myapp' },
    ],
    [
      'a push to a release tag',
      push({ tag: '1.2.3' }),
      { kind: 'stage-tag', stage: 'release', tag: '1.2.3', repository: 'myapp' },
    ],
  ])('%s', (_name, event, decision) => {
    expect(classifyEvent(event, pipeline)).toEqual(decision);
  });

  it.each<[string, RegistryEvent, string]>([
    ['a push of latest', push({ tag: 'latest' }), 'tag "latest" is not a build tag (git-{sha})'],
    [
      'a push of an uppercase SHA tag',
      push({ tag: 'git-A1B2C3D' }),
      'tag "git-A1B2C3D" is not a build tag (git-{sha})',
    ],
    [
      'a push of a 6-character SHA tag',
      push({ tag: 'git-a1b2c3' }),
      'tag "git-a1b2c3" is not a build tag (git-{sha})',
    ],
    ['a manifest pushed by digest', push({ tag: undefined }), 'pushed by digest, without a tag'],
    [
      "cosign's signature tag",
      push({ tag: `sha256-${'ab'.repeat(32)}.sig` }),
      `tag "sha256-${'ab'.repeat(32)}.sig" is a referrer's (cosign's .sig of sha256:${'ab'.repeat(32)}), not a build tag`,
    ],
    [
      "the referrers tag schema's index",
      push({
        tag: `sha256-${'cd'.repeat(32)}`,
        mediaType: 'application/vnd.oci.image.index.v1+json',
      }),
      `tag "sha256-${'cd'.repeat(32)}" is a referrer's (the referrers tag schema of sha256:${'cd'.repeat(32)}), not a build tag`,
    ],
    [
      'a blob push',
      push({ tag: undefined, mediaType: 'application/octet-stream' }),
      'application/octet-stream is not an image manifest or index',
    ],
    [
      'a blob push that carries a build tag',
      push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }),
      'application/vnd.oci.image.layer.v1.tar+gzip is not an image manifest or index',
    ],
    [
      'the ACR chart push',
      fixture('acr-chart-push.json'),
      'chart_push: Helm charts are not promoted',
    ],
    ['a chart delete', other('chart_delete'), 'chart_delete: Helm charts are not promoted'],
    [
      'a pull',
      other('pull', 'application/vnd.oci.image.manifest.v1+json'),
      'action "pull" is not acted on',
    ],
    ['a mount', other('mount'), 'action "mount" is not acted on'],
    ['a quarantine', other('quarantine'), 'action "quarantine" is not acted on'],
    ['a tag delete', deleted('git-a1b2c3d'), 'tag "git-a1b2c3d" was deleted; the manifest remains'],
  ])('ignores %s and says why', (_name, event, reason) => {
    expect(classifyEvent(event, pipeline)).toEqual({ kind: 'ignore', reason });
  });
});

describe('classifyEvent with a custom build tag', () => {
  const pipeline = parsePipeline({ ...DEFAULT_PIPELINE_JSON, buildTag: 'build-{sha}-linux' });

  it('records a push of the custom build tag', () => {
    expect(classifyEvent(push({ tag: 'build-a1b2c3d-linux' }), pipeline)).toEqual({
      kind: 'record',
      gitSha: 'a1b2c3d',
      tag: 'build-a1b2c3d-linux',
    });
  });

  it('ignores the default build tag, naming the configured pattern', () => {
    expect(classifyEvent(push({ tag: 'git-a1b2c3d' }), pipeline)).toEqual({
      kind: 'ignore',
      reason: 'tag "git-a1b2c3d" is not a build tag (build-{sha}-linux)',
    });
  });
});

describe('classifyEvent with a stage in another registry', () => {
  const PROD = 'localhost:5001';
  const pipeline = parsePipeline({
    registries: { [PROD]: { signIn: 'anonymous' } },
    stages: [
      { name: 'dev', tag: 'dev-latest', immutable: false, approval: { required: 0 } },
      {
        name: 'release',
        tag: '{version}',
        immutable: true,
        latest: 'release-latest',
        approval: { required: 1 },
        registry: PROD,
        repository: 'prod/{repository}',
      },
    ],
  });
  const classify = (event: RegistryEvent) => classifyEvent(event, pipeline, 'localhost:5000');

  it('a stage tag written there is the stage’s, for the build repository', () => {
    expect(classify(push({ registry: PROD, repository: 'prod/myapp', tag: '1.2.3' }))).toEqual({
      kind: 'stage-tag',
      stage: 'release',
      tag: '1.2.3',
      repository: 'myapp',
    });
    expect(
      classify(push({ registry: PROD, repository: 'prod/myapp', tag: 'release-latest' })),
    ).toMatchObject({ kind: 'stage-tag', stage: 'release', repository: 'myapp' });
  });

  it.each([
    ['a build tag', push({ registry: PROD, repository: 'prod/myapp' }), "no stage's tag there"],
    ['a digest', push({ registry: PROD, repository: 'prod/myapp', tag: undefined }), 'by digest'],
    [
      'a cosign signature',
      push({ registry: PROD, repository: 'prod/myapp', tag: `sha256-${'a'.repeat(64)}.sig` }),
      "no stage's tag there",
    ],
    [
      'a stage tag outside the stage’s repository',
      push({ registry: PROD, tag: '1.2.3' }),
      "no stage's tag there",
    ],
    ['a deletion', { ...deleted(undefined), registry: PROD }, "a deletion there is no build's"],
  ])('%s there is neither a build nor drift', (_name, event, reason) => {
    const decision = classify(event);
    expect(decision.kind).toBe('ignore');
    expect(decision.kind === 'ignore' && decision.reason).toContain(reason);
  });

  it('a push of the other registry’s stage tag to the build registry is not that stage’s', () => {
    const decision = classify(push({ tag: '1.2.3' }));
    expect(decision).toMatchObject({ kind: 'ignore' });
    expect(decision.kind === 'ignore' && decision.reason).toContain(
      `stage release, whose tags are kept in ${PROD}/prod/{repository}`,
    );
  });

  it('builds still come from the build registry', () => {
    expect(classify(push({}))).toMatchObject({ kind: 'record', gitSha: 'a1b2c3d' });
  });
});
