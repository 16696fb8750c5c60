import { describe, expect, it } from 'vitest';
import { parseRepositoryPath } from '../../src/functions/http/repositoryPath.js';
import { repositories } from '../../src/functions/repositories.js';
import { invoke, memoryServices } from '../support/handlers.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

async function setup() {
  const { provider, ledger } = memoryServices();
  const record = (repository: string, d: string, gitSha: string, at: string) =>
    ledger.recordBuild({
      eventId: `${repository}${d}${gitSha}`,
      repository,
      digest: d,
      gitSha,
      tag: `git-${gitSha}`,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      registry: 'localhost:5000',
      at: new Date(at),
    });
  await record('myapp', digest('a'), 'a1b2c3d', '2026-11-27T10:00:00Z');
  await record(
    'myapp',
    digest('b'),
    'b1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    '2026-11-27T10:01:00Z',
  );
  await record('team/backend', digest('c'), 'c1c2c3d', '2026-11-27T10:02:00Z');
  await record(
    'myapp',
    digest('d'),
    'b1b2c3d9999999999999999999999999999999ff',
    '2026-11-27T10:03:00Z',
  );
  const handler = repositories(provider);
  const get = (path: string, query: Record<string, string> = {}) =>
    invoke(handler, {
      method: 'GET',
      url: `http://localhost:7071/api/repositories/${path}`,
      params: { path },
      query,
    });
  return { get, ledger };
}

describe('parseRepositoryPath', () => {
  it.each([
    ['myapp/builds', { kind: 'builds', repository: 'myapp' }],
    ['team/backend/builds', { kind: 'builds', repository: 'team/backend' }],
    ['team/backend/builds/a1b2c3d', { kind: 'build', repository: 'team/backend', ref: 'a1b2c3d' }],
    ['org/builds/app/builds', { kind: 'builds', repository: 'org/builds/app' }],
    [
      'org/builds/app/builds/a1b2c3d',
      { kind: 'build', repository: 'org/builds/app', ref: 'a1b2c3d' },
    ],
    ['team/backend/status', { kind: 'status', repository: 'team/backend' }],
    ['myapp/history', { kind: 'history', repository: 'myapp' }],
    ['myapp', undefined],
    ['builds', undefined],
  ])('reads %s', (path, expected) => {
    expect(parseRepositoryPath(path)).toEqual(expected);
  });
});

describe('GET /api/repositories/{repository}/builds/{gitShaOrDigest}', () => {
  it.each([
    ['a short SHA', 'myapp/builds/a1b2c3d', digest('a')],
    ['an uppercase SHA', 'myapp/builds/A1B2C3D', digest('a')],
    ['a full SHA', 'myapp/builds/b1b2c3d4e5f60718293a4b5c6d7e8f9012345678', digest('b')],
    ['a unique prefix of a full SHA', 'myapp/builds/b1b2c3d4', digest('b')],
    ['a digest', `myapp/builds/${digest('a')}`, digest('a')],
    ['a nested repository', 'team/backend/builds/c1c2c3d', digest('c')],
  ])('finds a build by %s', async (_, path, expected) => {
    const { get } = await setup();
    const answer = await get(path);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ digest: expected, deleted: false });
  });

  it('answers with repository, digest, git SHA(s), tag, media type, registry and time', async () => {
    const { get } = await setup();
    expect((await get('myapp/builds/a1b2c3d')).body).toEqual({
      repository: 'myapp',
      digest: digest('a'),
      gitSha: 'a1b2c3d',
      gitShas: ['a1b2c3d'],
      gitShaCount: 1,
      tag: 'git-a1b2c3d',
      tags: ['git-a1b2c3d'],
      tagCount: 1,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      registry: 'localhost:5000',
      reference: `localhost:5000/myapp@${digest('a')}`,
      recordedAt: '2026-11-27T10:00:00.000Z',
      deleted: false,
    });
  });

  it.each([
    ['an unknown SHA', 'myapp/builds/fffffff', 404],
    ['a build of another repository', 'team/backend/builds/a1b2c3d', 404],
    ['an ambiguous short SHA', 'myapp/builds/b1b2c3d', 409],
    ['a 6-character SHA', 'myapp/builds/a1b2c3', 400],
    ['a malformed digest', 'myapp/builds/sha256:abc', 400],
    ['an invalid repository', 'My_App/builds/a1b2c3d', 400],
    ['a path without builds', 'myapp', 404],
  ])('answers %s with %i', async (_, path, status) => {
    const { get } = await setup();
    const answer = await get(path);
    expect(answer.status).toBe(status);
    expect((answer.body as { detail: string }).detail).toBeTruthy();
  });
});

describe('GET /api/repositories/{repository}/builds/{sha} of a digest pushed for 25 commits', () => {
  it('finds it by a SHA its lists leave out, and calls a short SHA that also starts another digest’s commit ambiguous', async () => {
    const { ledger, get } = await setup();
    const shas = Array.from(
      { length: 25 },
      (_, i) => `e${String(i).padStart(6, '0')}${'0'.repeat(33)}`,
    );
    for (const [i, gitSha] of shas.entries())
      await ledger.recordBuild({
        eventId: `many-${gitSha}`,
        repository: 'myapp',
        digest: digest('e'),
        gitSha,
        tag: `git-${gitSha}`,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        registry: 'localhost:5000',
        at: new Date(Date.UTC(2026, 10, 28, 0, i)),
      });
    const old = shas[2] ?? '';
    // Another digest, whose commit starts as the left-out one does.
    await ledger.recordBuild({
      eventId: 'other-commit',
      repository: 'myapp',
      digest: digest('f'),
      gitSha: `${old.slice(0, 7)}${'f'.repeat(33)}`,
      tag: 'git-other',
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      registry: 'localhost:5000',
      at: new Date(Date.UTC(2026, 10, 29)),
    });

    const byOld = await get(`myapp/builds/${old}`);
    expect(byOld.status).toBe(200);
    expect(byOld.body).toMatchObject({ digest: digest('e'), gitShaCount: 25, tagCount: 25 });
    expect((byOld.body as { gitShas: string[] }).gitShas).not.toContain(old);
    expect((await get(`myapp/builds/${old.slice(0, 7)}`)).status).toBe(409);
  });
});

describe('GET /api/repositories/{repository}/builds', () => {
  it('lists builds newest first, a page at a time', async () => {
    const { get } = await setup();
    const first = await get('myapp/builds', { limit: '2' });
    const firstBody = first.body as { builds: { digest: string }[]; nextCursor?: string };
    expect(firstBody.builds.map((b) => b.digest)).toEqual([digest('d'), digest('b')]);
    const second = await get('myapp/builds', { limit: '2', cursor: firstBody.nextCursor ?? '' });
    const secondBody = second.body as { builds: { digest: string }[]; nextCursor?: string };
    expect(secondBody.builds.map((b) => b.digest)).toEqual([digest('a')]);
    expect(secondBody.nextCursor).toBeUndefined();
  });

  it.each([['0'], ['101'], ['ten'], ['1.5']])(
    'answers limit=%s with 400 naming limit',
    async (limit) => {
      const { get } = await setup();
      const answer = await get('myapp/builds', { limit });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ errors: [{ path: 'limit' }] });
    },
  );

  it('answers a bad cursor with 400', async () => {
    const { get } = await setup();
    expect((await get('myapp/builds', { cursor: 'not-a-cursor' })).status).toBe(400);
  });

  it('answers 503 when the ledger is down', async () => {
    const { get, ledger } = await setup();
    ledger.down = true;
    expect((await get('myapp/builds')).status).toBe(503);
  });
});
