import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildImage, buildIndex, inspectDigest, push, run } from '../support/images.js';

// End to end on the real stack started by test/globalSetup.ts: the CNCF distribution
// registry over TLS, whose own notifications reach the function host, which records builds
// in Azurite. Every test uses its own repository so that tests stay independent.

const hostUrl = inject('hostUrl');
const registry = inject('registryHost');
const certDir = inject('registryCertDir');
const secret = inject('webhookSecret');

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-e2e-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const unique = (name: string) => `${name}-${randomBytes(3).toString('hex')}`;
const sha = () => randomBytes(20).toString('hex');

interface BuildBody {
  digest: string;
  gitSha: string;
  gitShas: string[];
  tags: string[];
  mediaType: string;
  registry: string;
  deleted: boolean;
}

async function get(pathAndQuery: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${hostUrl}/api/repositories/${pathAndQuery}`);
  return { status: response.status, body: await response.json() };
}

/** Polls the read API until the build appears (the registry notifies asynchronously). */
async function waitForBuild(
  repository: string,
  ref: string,
  until?: (b: BuildBody) => boolean,
): Promise<BuildBody> {
  const deadline = Date.now() + 15_000;
  let last: { status: number; body: unknown } | undefined;
  while (Date.now() < deadline) {
    last = await get(`${repository}/builds/${ref}`);
    if (last.status === 200 && (!until || until(last.body as BuildBody)))
      return last.body as BuildBody;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no build ${repository}/${ref} within 15 s; last answer ${JSON.stringify(last)}`);
}

async function listBuilds(repository: string): Promise<BuildBody[]> {
  const { status, body } = await get(`${repository}/builds?limit=100`);
  expect(status).toBe(200);
  return (body as { builds: BuildBody[] }).builds;
}

async function singleArch(content: string) {
  return buildImage(path.join(work, unique('img')), { content });
}

describe('a push to the registry records the build', () => {
  it('records a single-arch image under its git SHA with the digest skopeo reports', async () => {
    const repository = unique('myapp');
    const gitSha = sha().slice(0, 7);
    const image = await singleArch(`single ${gitSha}`);
    const pushed = await push(image.reference, `${registry}/${repository}:git-${gitSha}`, certDir);
    const inspected = await inspectDigest(`${registry}/${repository}:git-${gitSha}`, certDir);
    expect(pushed).toBe(inspected);

    const build = await waitForBuild(repository, gitSha);
    expect(build).toMatchObject({
      digest: inspected,
      gitShas: [gitSha],
      tags: [`git-${gitSha}`],
      registry,
      deleted: false,
    });
    expect(build.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(await listBuilds(repository)).toHaveLength(1);
  });

  it('records a nested repository', async () => {
    const repository = `team/${unique('backend')}`;
    const gitSha = sha();
    const image = await singleArch(`nested ${gitSha}`);
    await push(image.reference, `${registry}/${repository}:git-${gitSha}`, certDir);
    const build = await waitForBuild(repository, gitSha);
    expect(build.digest).toBe(
      await inspectDigest(`${registry}/${repository}:git-${gitSha}`, certDir),
    );
    expect((await get(`${repository}/builds/${gitSha.slice(0, 7)}`)).status).toBe(200);
  });

  it('records a multi-arch index as one build with the index digest, not its per-arch manifests', async () => {
    const repository = unique('multi');
    const gitSha = sha().slice(0, 12);
    const index = await buildIndex(path.join(work, unique('idx')), { content: `multi ${gitSha}` });
    const pushed = await push(index.reference, `${registry}/${repository}:git-${gitSha}`, certDir, {
      all: true,
    });
    expect(pushed).toBe(index.digest);
    const build = await waitForBuild(repository, gitSha);
    expect(build.digest).toBe(
      await inspectDigest(`${registry}/${repository}:git-${gitSha}`, certDir),
    );
    expect(build.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    // The per-arch manifests were pushed by digest before the index: never recorded.
    expect((await listBuilds(repository)).map((b) => b.digest)).toEqual([index.digest]);
  });

  it('keeps both git SHAs when the same digest is pushed under a second build tag', async () => {
    const repository = unique('retag');
    const [first, second] = [sha().slice(0, 7), sha().slice(0, 7)];
    const image = await singleArch(`retag ${first}`);
    await push(image.reference, `${registry}/${repository}:git-${first}`, certDir);
    await push(image.reference, `${registry}/${repository}:git-${second}`, certDir);
    const build = await waitForBuild(repository, second);
    expect(build.gitShas).toEqual([first, second]);
    expect((await waitForBuild(repository, first)).digest).toBe(build.digest);
    expect(await listBuilds(repository)).toHaveLength(1);
  });

  it('does not record pushes of other tags, stage tags or pulls', async () => {
    const repository = unique('other');
    const image = await singleArch(`other ${repository}`);
    await push(image.reference, `${registry}/${repository}:latest`, certDir);
    await push(image.reference, `${registry}/${repository}:dev-latest`, certDir);
    await push(image.reference, `${registry}/${repository}:1.2.3-rc1`, certDir);
    await inspectDigest(`${registry}/${repository}:latest`, certDir);
    // The registry notifies in order: once this marker build is recorded, the pushes
    // before it have been answered too.
    const marker = sha().slice(0, 7);
    const markerImage = await singleArch(`marker ${marker}`);
    await push(markerImage.reference, `${registry}/${repository}:git-${marker}`, certDir);
    const build = await waitForBuild(repository, marker);
    expect((await listBuilds(repository)).map((b) => b.digest)).toEqual([build.digest]);
  });

  it('marks the build deleted when its manifest is deleted from the registry', async () => {
    const repository = unique('deleted');
    const gitSha = sha().slice(0, 7);
    const image = await singleArch(`delete ${gitSha}`);
    await push(image.reference, `${registry}/${repository}:git-${gitSha}`, certDir);
    await waitForBuild(repository, gitSha);
    await run('skopeo', [
      'delete',
      '--cert-dir',
      certDir,
      `docker://${registry}/${repository}:git-${gitSha}`,
    ]);
    const build = await waitForBuild(repository, gitSha, (b) => b.deleted);
    expect(build.deleted).toBe(true);
    // The registry also sent a tag delete, which names no digest. Had it been refused, the
    // registry would redeliver it forever and hold back every later event: this push shows
    // events still flow.
    const after = sha().slice(0, 7);
    const next = await singleArch(`after delete ${after}`);
    await push(next.reference, `${registry}/${repository}:git-${after}`, certDir);
    expect((await waitForBuild(repository, after)).deleted).toBe(false);
  });
});

describe('the webhook over HTTP on the local host', () => {
  const post = (
    body: string,
    headers: Record<string, string> = { authorization: `Bearer ${secret}` },
  ) =>
    fetch(`${hostUrl}/api/hooks/registry`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });

  it('records a real distribution envelope delivered five times once', async () => {
    const { readFile } = await import('node:fs/promises');
    const repository = unique('redelivered');
    const envelope = (
      await readFile(
        new URL('../fixtures/distribution/distribution-push.json', import.meta.url),
        'utf8',
      )
    ).replaceAll('"myapp"', `"${repository}"`);
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await post(envelope);
      expect(response.status).toBe(200);
      outcomes.push(
        ((await response.json()) as { results: { outcome: string }[] }).results[0]?.outcome ?? '',
      );
    }
    expect(outcomes).toEqual(['recorded', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(await listBuilds(repository)).toHaveLength(1);
  });

  it.each([
    ['no secret', '{"id":"1","action":"ping"}', {}, 401],
    [
      'a wrong secret',
      '{"id":"1","action":"ping"}',
      { authorization: 'Bearer wrong-wrong-wrong-wrong' },
      401,
    ],
    ['not JSON', 'push!', undefined, 400],
    [
      'a push without a digest',
      '{"id":"1","action":"push","target":{"repository":"REPO","mediaType":"application/vnd.oci.image.manifest.v1+json","tag":"git-a1b2c3d"}}',
      undefined,
      400,
    ],
    [
      'a body over 1 MiB',
      JSON.stringify({
        id: '1',
        action: 'push',
        target: { repository: 'REPO' },
        pad: 'x'.repeat(1024 * 1024),
      }),
      undefined,
      413,
    ],
  ])('answers %s with %i and records nothing', async (_, body, headers, status) => {
    const repository = unique('bad');
    const response = await post(body.replaceAll('REPO', repository), headers);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await listBuilds(repository)).toHaveLength(0);
  });
});
