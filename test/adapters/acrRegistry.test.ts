import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAcrRegistry, isAcrHost } from '../../src/adapters/acr/acrRegistry.js';
import { NotFoundError } from '../../src/domain/errors.js';
import { buildImage, buildIndex, inspectDigest, inspectRaw, push, run } from '../support/images.js';

// Against the suite's CNCF distribution registry (TLS, anonymous; test/globalSetup.ts). Each
// test pushes into its own repository. Tags are never build tags (`git-…`), so the function
// host, which the registry notifies, records no build and promotes nothing in these repositories.

const registryHost = inject('registryHost');
const certDir = inject('registryCertDir');
const accessLog = inject('registryAccessLog');
const registry = createAcrRegistry({ registry: registryHost });

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-acr-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const unique = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;
const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Pushes a new single-arch image to `repository:tag`; resolves to its digest. */
async function pushImage(repository: string, tag = 'pushed', content = unique('hello')) {
  const image = await buildImage(path.join(work, unique('img')), { content });
  return push(image.reference, `${registryHost}/${repository}:${tag}`, certDir);
}

/** Pushes a new two-arch OCI index (and its manifests) to `repository:tag`. */
async function pushIndex(repository: string, tag = 'pushed') {
  const index = await buildIndex(path.join(work, unique('idx')), { content: unique('multi') });
  await push(index.reference, `${registryHost}/${repository}:${tag}`, certDir, { all: true });
  return index;
}

/** The access log's lines about `repository` (its name appears raw or %2F-encoded). */
async function logLinesAbout(repository: string): Promise<string[]> {
  const names = [repository, encodeURIComponent(repository)];
  return (await readFile(accessLog, 'utf8'))
    .split('\n')
    .filter((line) => names.some((name) => line.includes(`/${name}/`)));
}

/**
 * The access log's lines about `repository` up to a marker request (a GET of a tag that does
 * not exist) made now. The registry logs a request after answering it, so once the marker's
 * line is in, so is every line of an earlier request.
 */
async function settledLines(repository: string): Promise<string[]> {
  const marker = unique('marker');
  await registry.resolveTag(repository, marker);
  const deadline = Date.now() + 5000;
  for (;;) {
    const lines = await logLinesAbout(repository);
    const at = lines.findIndex((line) => line.includes(`/manifests/${marker} `));
    if (at >= 0) return lines.slice(0, at + 1);
    if (Date.now() > deadline) throw new Error(`marker ${marker} not in ${accessLog}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The access log's lines about `repository` written by the requests of `act`. */
async function requestsDuring(repository: string, act: () => Promise<unknown>) {
  const before = await settledLines(repository);
  await act();
  const after = await settledLines(repository);
  return after.slice(before.length, -1);
}

describe('the Registry port over @azure/container-registry, on a distribution registry', () => {
  it('getManifest returns the exact bytes of a manifest: they hash to its digest', async () => {
    const repository = unique('myapp');
    const digest = await pushImage(repository);

    const got = await registry.getManifest(repository, digest);

    expect(got.digest).toBe(digest);
    expect(sha256(got.content)).toBe(digest);
    expect(got.mediaType).toBe(OCI_MANIFEST);
    const served = await inspectRaw(`${registryHost}/${repository}@${digest}`, certDir);
    expect(Buffer.from(got.content).equals(served.raw)).toBe(true);
  });

  it('getManifest returns an OCI index whole, in a nested repository', async () => {
    const repository = `team/${unique('multi')}`;
    const index = await pushIndex(repository);

    const got = await registry.getManifest(repository, index.digest);

    expect(got.mediaType).toBe(OCI_INDEX);
    expect(sha256(got.content)).toBe(index.digest);
  });

  it('getManifest of a digest the repository does not hold is a NotFoundError', async () => {
    const repository = unique('myapp');
    await pushImage(repository);
    const missing = sha256(randomBytes(16));

    const failure = await registry.getManifest(repository, missing).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(NotFoundError);
    expect((failure as Error).message).toBe(
      `fetching ${repository}@${missing}: not found: MANIFEST_UNKNOWN: manifest unknown`,
    );
  });

  it('putManifest under a new tag stores the same digest, as skopeo then sees it', async () => {
    const repository = unique('myapp');
    const digest = await pushImage(repository);
    const manifest = await registry.getManifest(repository, digest);

    const stored = await registry.putManifest(repository, 'promoted', manifest);

    expect(stored).toBe(digest);
    expect(await inspectDigest(`${registryHost}/${repository}:promoted`, certDir)).toBe(digest);
  });

  it('putManifest promotes an OCI index whole: every per-arch manifest stays reachable', async () => {
    const repository = `team/${unique('multi')}`;
    const index = await pushIndex(repository);
    const manifest = await registry.getManifest(repository, index.digest);

    const stored = await registry.putManifest(repository, 'promoted', manifest);

    expect(stored).toBe(index.digest);
    const promoted = await inspectRaw(`${registryHost}/${repository}:promoted`, certDir);
    expect(promoted.digest).toBe(index.digest);
    expect(promoted.mediaType).toBe(OCI_INDEX);
    for (const child of index.manifests) {
      expect(await inspectDigest(`${registryHost}/${repository}@${child.digest}`, certDir)).toBe(
        child.digest,
      );
    }
    // The whole index pulls by the new tag, every platform included.
    const copied = path.join(work, unique('pulled'));
    await run('skopeo', [
      'copy',
      '--all',
      '--src-cert-dir',
      certDir,
      `docker://${registryHost}/${repository}:promoted`,
      `oci:${copied}:promoted`,
    ]);
  });

  it('resolveTag gives the digest a tag points to, and undefined for a missing tag or repository', async () => {
    const repository = unique('myapp');
    const digest = await pushImage(repository, 'present');

    expect(await registry.resolveTag(repository, 'present')).toBe(digest);
    expect(await registry.resolveTag(repository, 'absent')).toBeUndefined();
    expect(await registry.resolveTag(unique('no-such-repo'), 'present')).toBeUndefined();
  });

  it('resolveTag resolves a tag that names an OCI index to the index digest', async () => {
    const repository = `team/${unique('multi')}`;
    const index = await pushIndex(repository, 'present');

    expect(await registry.resolveTag(repository, 'present')).toBe(index.digest);
  });

  it('putManifest moves an existing tag to another digest: immutability is the use case’s job', async () => {
    // The adapter writes what it is told; promoteOnApproval resolves an immutable tag first
    // and never puts over another digest. Floating tags (dev-latest) are meant to move.
    const repository = unique('myapp');
    const first = await pushImage(repository, 'floating', 'first');
    const second = await pushImage(repository, 'other', 'second');
    expect(first).not.toBe(second);

    const stored = await registry.putManifest(
      repository,
      'floating',
      await registry.getManifest(repository, second),
    );

    expect(stored).toBe(second);
    expect(await registry.resolveTag(repository, 'floating')).toBe(second);
  });

  it('lockTag returns false on a registry without ACR’s API and sends it no request', async () => {
    const repository = unique('myapp');
    await pushImage(repository, 'release');

    let locked: boolean | undefined;
    const lines = await requestsDuring(repository, async () => {
      locked = await registry.lockTag(repository, 'release');
    });

    expect(locked).toBe(false);
    expect(lines).toEqual([]);
  });

  it('a retag costs one manifest GET and one PUT, fewer requests than skopeo copy', async () => {
    const repository = unique('myapp');
    const digest = await pushImage(repository, 'src');

    const ours = await requestsDuring(repository, async () => {
      const manifest = await registry.getManifest(repository, digest);
      await registry.putManifest(repository, 'dst', manifest);
    });
    const skopeo = await requestsDuring(repository, () =>
      run('skopeo', [
        'copy',
        '--src-cert-dir',
        certDir,
        '--dest-cert-dir',
        certDir,
        `docker://${registryHost}/${repository}:src`,
        `docker://${registryHost}/${repository}:dst-skopeo`,
      ]),
    );

    expect(ours.map((line) => /"(\w+) /.exec(line)?.[1])).toEqual(['GET', 'PUT']);
    expect(skopeo.length).toBeGreaterThan(ours.length);
    expect(await inspectDigest(`${registryHost}/${repository}:dst-skopeo`, certDir)).toBe(digest);
  });

  it('resolveTag on a registry wrongly taken for ACR fails rather than calling the tag missing', async () => {
    const repository = unique('myapp');
    await pushImage(repository, 'present');
    const misconfigured = createAcrRegistry({ registry: registryHost, isAcr: true });

    const failure = await misconfigured.resolveTag(repository, 'absent').catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(NotFoundError);
    expect((failure as Error).message).toMatch(
      new RegExp(`^resolving ${repository}:absent: HTTP 404 .*no ACR /acr/v1/ API`),
    );
  });
});

describe('isAcrHost', () => {
  it.each([
    ['myacr.azurecr.io', true],
    ['MyAcr.AzureCR.io', true],
    ['myacr.azurecr.cn', true],
    ['myacr.azurecr.us:443', true],
    ['localhost:5000', false],
    ['ghcr.io', false],
    ['azurecr.io.example.com', false],
  ])('%s → %s', (host, expected) => {
    expect(isAcrHost(host)).toBe(expected);
  });
});
