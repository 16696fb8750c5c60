import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import { parseRegistryEvents, type RegistryEvent } from '../../src/domain/registryEvents.js';
import { acrFixture, acrFixtureDir } from '../support/fixtures.js';

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DIGEST = 'sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945';
const INDEX_DIGEST = 'sha256:9a0b1c2d3e4f5061728394a5b6c7d8e9f00112233445566778899aabbccddeef';
const BLOB_DIGEST = 'sha256:0b1c2d3e4f5061728394a5b6c7d8e9f00112233445566778899aabbccddeeff0';

const acrFixtures: [string, RegistryEvent][] = [
  [
    'acr-push.json',
    {
      kind: 'push',
      id: '8d1b5a7e-2c6f-4b0e-9a51-3f1c0de6a7b2',
      timestamp: '2026-11-20T09:14:02.517Z',
      registry: 'myacr.azurecr.io',
      repository: 'myapp',
      digest: DIGEST,
      mediaType: DOCKER_MANIFEST,
      tag: 'git-a1b2c3d',
    },
  ],
  [
    'acr-push-index.json',
    {
      kind: 'push',
      id: '0c9e4f1a-7b3d-4e2a-b6c8-91d2a4e5f370',
      timestamp: '2026-11-20T09:20:44.102Z',
      registry: 'myacr.azurecr.io',
      repository: 'team/backend',
      digest: INDEX_DIGEST,
      mediaType: OCI_INDEX,
      tag: 'git-0123456789abcdef0123456789abcdef01234567',
    },
  ],
  [
    'acr-delete.json',
    {
      kind: 'delete',
      id: 'e1f2a3b4-c5d6-4e7f-8091-a2b3c4d5e6f7',
      timestamp: '2026-11-21T17:03:11.880Z',
      registry: 'myacr.azurecr.io',
      repository: 'myapp',
      digest: DIGEST,
      tag: undefined,
    },
  ],
  [
    'acr-ping.json',
    {
      kind: 'other',
      id: '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d',
      action: 'ping',
      repository: undefined,
      mediaType: undefined,
    },
  ],
  [
    'acr-chart-push.json',
    {
      kind: 'other',
      id: '2b3c4d5e-6f70-4819-a2b3-c4d5e6f70819',
      action: 'chart_push',
      repository: 'repo',
      mediaType: 'application/vnd.acr.helm.chart',
    },
  ],
];

/** A distribution registry notification envelope, shaped as the registry sends it. */
function distributionEnvelope() {
  const request = (method: string) => ({
    id: '6a1f2b3c-4d5e-4f60-8a9b-0c1d2e3f4a5b',
    addr: '127.0.0.1:51234',
    host: 'localhost:5000',
    method,
    useragent: 'skopeo/1.13.3',
  });
  const actor = {};
  const source = { addr: 'localhost:5000', instanceID: '7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e' };
  return {
    events: [
      {
        id: 'evt-1',
        timestamp: '2026-11-27T10:00:00.000000001Z',
        action: 'push',
        target: {
          mediaType: 'application/octet-stream',
          size: 1234,
          digest: BLOB_DIGEST,
          length: 1234,
          repository: 'team/backend',
          url: `https://localhost:5000/v2/team/backend/blobs/${BLOB_DIGEST}`,
        },
        request: request('PUT'),
        actor,
        source,
      },
      {
        id: 'evt-2',
        timestamp: '2026-11-27T10:00:00.1Z',
        action: 'push',
        target: {
          mediaType: OCI_MANIFEST,
          size: 406,
          digest: DIGEST,
          length: 406,
          repository: 'team/backend',
          url: `https://localhost:5000/v2/team/backend/manifests/${DIGEST}`,
          tag: 'git-a1b2c3d',
        },
        request: request('PUT'),
        actor,
        source,
      },
      {
        id: 'evt-3',
        timestamp: '2026-11-27T10:00:00.2Z',
        action: 'push',
        target: {
          mediaType: OCI_INDEX,
          size: 512,
          digest: INDEX_DIGEST,
          length: 512,
          repository: 'myapp',
          url: `https://localhost:5000/v2/myapp/manifests/${INDEX_DIGEST}`,
          tag: 'git-0123456789abcdef0123456789abcdef01234567',
        },
        request: request('PUT'),
        actor,
        source,
      },
      {
        id: 'evt-4',
        timestamp: '2026-11-27T10:00:01Z',
        action: 'pull',
        target: {
          mediaType: OCI_MANIFEST,
          size: 406,
          digest: DIGEST,
          length: 406,
          repository: 'team/backend',
          url: `https://localhost:5000/v2/team/backend/manifests/${DIGEST}`,
          tag: 'git-a1b2c3d',
        },
        request: request('GET'),
        actor,
        source,
      },
    ],
  };
}

function validationErrorOf(body: unknown): ValidationError {
  try {
    parseRegistryEvents(body);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected the body to be refused');
}

describe('parseRegistryEvents: Azure Container Registry bodies', () => {
  it('has an expectation for every shared ACR fixture', () => {
    const files = readdirSync(acrFixtureDir).filter((f) => f.endsWith('.json'));
    expect(acrFixtures.map(([name]) => name).sort()).toEqual(files.sort());
  });

  it.each(acrFixtures)('parses %s', (name, event) => {
    expect(parseRegistryEvents(JSON.parse(acrFixture(name)))).toEqual([event]);
  });
});

describe('parseRegistryEvents: distribution registry envelopes', () => {
  it('parses every event of the envelope, in order', () => {
    expect(parseRegistryEvents(distributionEnvelope())).toEqual([
      {
        kind: 'push',
        id: 'evt-1',
        timestamp: '2026-11-27T10:00:00.000000001Z',
        registry: 'localhost:5000',
        repository: 'team/backend',
        digest: BLOB_DIGEST,
        mediaType: 'application/octet-stream',
        tag: undefined,
      },
      {
        kind: 'push',
        id: 'evt-2',
        timestamp: '2026-11-27T10:00:00.1Z',
        registry: 'localhost:5000',
        repository: 'team/backend',
        digest: DIGEST,
        mediaType: OCI_MANIFEST,
        tag: 'git-a1b2c3d',
      },
      {
        kind: 'push',
        id: 'evt-3',
        timestamp: '2026-11-27T10:00:00.2Z',
        registry: 'localhost:5000',
        repository: 'myapp',
        digest: INDEX_DIGEST,
        mediaType: OCI_INDEX,
        tag: 'git-0123456789abcdef0123456789abcdef01234567',
      },
      {
        kind: 'other',
        id: 'evt-4',
        action: 'pull',
        repository: 'team/backend',
        mediaType: OCI_MANIFEST,
      },
    ]);
  });

  it('parses an empty envelope to no events', () => {
    expect(parseRegistryEvents({ events: [] })).toEqual([]);
  });

  it('parses a mount as an event to acknowledge', () => {
    const body = {
      events: [{ id: 'm', action: 'mount', target: { repository: 'myapp', digest: BLOB_DIGEST } }],
    };
    expect(parseRegistryEvents(body)).toEqual([
      { kind: 'other', id: 'm', action: 'mount', repository: 'myapp', mediaType: undefined },
    ]);
  });
});

/** The ACR push fixture with `change` applied to its parsed JSON. */
function acrPush(change: (body: Record<string, unknown>, target: Record<string, unknown>) => void) {
  const body = JSON.parse(acrFixture('acr-push.json')) as Record<string, unknown>;
  const target = body.target as Record<string, unknown>;
  change(body, target);
  return body;
}

/** The distribution envelope with `change` applied to event `index`'s target. */
function envelopeWith(index: number, change: (target: Record<string, unknown>) => void) {
  const body = distributionEnvelope();
  const event = body.events[index];
  if (event) change(event.target);
  return body;
}

describe('parseRegistryEvents: schema violations name the field', () => {
  it.each<[string, unknown, string, string]>([
    ['a body that is not an object', 'push', '', 'expected object'],
    ['a body that is null', null, '', 'expected object'],
    ['an event without an id', acrPush((b) => delete b.id), 'id', 'expected string'],
    ['an event with an empty id', acrPush((b) => (b.id = '')), 'id', 'an event needs an id'],
    ['an event without an action', acrPush((b) => delete b.action), 'action', 'expected string'],
    ['a push without a target', acrPush((b) => delete b.target), 'target', 'expected object'],
    [
      'a push with a truncated digest',
      acrPush((_, t) => (t.digest = 'sha256:4f53cda1')),
      'target.digest',
      'is not a valid sha256 digest: expected 64 lowercase hex characters',
    ],
    [
      'a push with a digest of an unknown algorithm',
      acrPush((_, t) => (t.digest = `md5:${'a'.repeat(32)}`)),
      'target.digest',
      'uses the unsupported algorithm "md5"',
    ],
    [
      'a push without a digest',
      acrPush((_, t) => delete t.digest),
      'target.digest',
      'expected string',
    ],
    [
      'a push to an uppercase repository',
      acrPush((_, t) => (t.repository = 'MyApp')),
      'target.repository',
      '"MyApp" is not a repository name',
    ],
    [
      'a push with an invalid tag',
      acrPush((_, t) => (t.tag = 'git a1b2c3d')),
      'target.tag',
      '"git a1b2c3d" is not a tag',
    ],
    [
      'a push without a mediaType',
      acrPush((_, t) => delete t.mediaType),
      'target.mediaType',
      'expected string',
    ],
    [
      'a delete with a bad digest',
      (() => {
        const body = JSON.parse(acrFixture('acr-delete.json')) as {
          target: Record<string, unknown>;
        };
        body.target.digest = 'latest';
        return body;
      })(),
      'target.digest',
      '"latest" is not a digest',
    ],
    ['an envelope whose events is not a list', { events: 'push' }, 'events', 'expected array'],
    [
      'an envelope event with an uppercase repository',
      envelopeWith(1, (t) => (t.repository = 'Team/Backend')),
      'events[1].target.repository',
      '"Team/Backend" is not a repository name',
    ],
    [
      'an envelope event with a bad digest',
      envelopeWith(2, (t) => (t.digest = 'sha256:XYZ')),
      'events[2].target.digest',
      'is not a valid sha256 digest',
    ],
    [
      'an envelope event that is not an object',
      { events: [distributionEnvelope().events[0], 42] },
      'events[1]',
      'expected object',
    ],
    [
      'an envelope event without an id',
      { events: [{ action: 'push', target: {} }] },
      'events[0].id',
      'expected string',
    ],
  ])('refuses %s, naming %j', (_name, body, path, message) => {
    const error = validationErrorOf(body);
    expect(error.subject).toBe('webhook body');
    expect(error.issues).toContainEqual({
      path,
      message: expect.stringContaining(message) as string,
    });
    expect(error.message).toContain(path ? `webhook body: ${path}: ` : 'webhook body: ');
  });

  it('refuses the whole envelope when one event is bad', () => {
    const body = envelopeWith(0, (t) => (t.digest = 'nope'));
    expect(validationErrorOf(body).issues).toEqual([
      {
        path: 'events[0].target.digest',
        message: expect.stringContaining('"nope" is not a digest') as string,
      },
    ]);
  });

  it('does not validate the target of an event it only acknowledges', () => {
    const body = envelopeWith(3, (t) => (t.digest = 'nope'));
    expect(parseRegistryEvents(body).map((e) => e.kind)).toEqual(['push', 'push', 'push', 'other']);
  });

  it('refuses an envelope of more than 1000 events', () => {
    const event = distributionEnvelope().events[1];
    const error = validationErrorOf({ events: Array.from({ length: 1001 }, () => event) });
    expect(error.issues.map((i) => i.path)).toEqual(['events']);
  });
});

describe('who pushed', () => {
  it("is taken from the distribution registry's actor.name", () => {
    const [event] = parseRegistryEvents({
      events: [
        {
          id: 'e1',
          action: 'push',
          actor: { name: 'ci-bot' },
          target: {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: `sha256:${'a'.repeat(64)}`,
            repository: 'myapp',
            tag: 'git-a1b2c3d',
          },
        },
      ],
    });
    expect(event).toMatchObject({ kind: 'push', pushedBy: 'ci-bot' });
  });
});

describe('deletes from the distribution registry', () => {
  it('accept the tag delete it sends after a manifest delete, which names no digest', () => {
    // Captured from docker-registry 2.8 after `skopeo delete`: a manifest delete, then this.
    const events = parseRegistryEvents({
      events: [{ id: 'e2', action: 'delete', target: { repository: 'del', tag: 'git-abcdef1' } }],
    });
    expect(events).toMatchObject([
      { kind: 'delete', repository: 'del', tag: 'git-abcdef1', digest: undefined },
    ]);
  });

  it('refuse a delete that names neither digest nor tag, naming the digest', () => {
    expect(() =>
      parseRegistryEvents({ id: 'e3', action: 'delete', target: { repository: 'del' } }),
    ).toThrow(/target\.digest: a delete names the digest or the tag/);
  });
});
