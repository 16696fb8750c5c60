import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAcrRegistry } from '../../src/adapters/acr/acrRegistry.js';
import { createDistributionCopier } from '../../src/adapters/oci/distributionCopier.js';
import { NotFoundError, TransientError } from '../../src/domain/errors.js';
import { COSIGN_ARTIFACT_TYPES } from '../../src/ports/registry.js';
import { startFaultProxy } from '../support/faultProxy.js';
import { buildIndex, inspectRaw, push } from '../support/images.js';
import {
  addLayer,
  attachArtifact,
  attachCosignSignature,
  fetchManifest,
  hasBlob,
} from '../support/ociArtifacts.js';
import { failureOf, unique, useCopyRegistries } from '../support/copyRegistries.js';

// The distribution-API copier between two real distribution registries over TLS: the suite's
// (the source, fed by skopeo from umoci layouts) and one of this file's own (the target).

const registries = useCopyRegistries('copier');
const { source, certDir } = registries;
const anonymous = () => ({ kind: 'anonymous' }) as const;
/** Pushes a one-layer image to the source; its repository and digest. */
const sourceImage = (label: string) => registries.pushImage('copy', label);

describe('distribution copier', () => {
  it('copies a single image byte for byte: the same digest at the target, every blob there, no tag written', async () => {
    const { repository, digest } = await sourceImage('single');
    const copier = createDistributionCopier({ signIn: anonymous });
    const into = unique('prod/single');

    const report = await copier.copy(
      { registry: source, repository },
      { registry: registries.target.host, repository: into },
      digest,
    );

    const at = await inspectRaw(`${registries.target.host}/${into}@${digest}`, certDir);
    const was = await inspectRaw(`${source}/${repository}@${digest}`, certDir);
    expect(at.digest).toBe(digest);
    expect(at.raw.equals(was.raw)).toBe(true);
    expect(report).toMatchObject({
      digest,
      manifestsWritten: 1,
      blobsUploaded: 2,
      blobsPresent: 0,
    });
    expect(report.bytesUploaded).toBeGreaterThan(0);
    expect(report.requests).toBeGreaterThan(0);
    const { tags } = await createAcrRegistry({ registry: registries.target.host }).listTags(into);
    expect(tags).toEqual([]);
  });

  it('copies a two-platform index whole: the index and each child manifest under their digests', async () => {
    const repository = unique('copy/index');
    const index = await buildIndex(path.join(registries.work, unique('index')), {
      content: unique('multi'),
    });
    const digest = await push(index.reference, `${source}/${repository}:pushed`, certDir, {
      all: true,
    });
    const into = unique('prod/index');

    const report = await createDistributionCopier({ signIn: anonymous }).copy(
      { registry: source, repository },
      { registry: registries.target.host, repository: into },
      digest,
    );

    expect(digest).toBe(index.digest);
    expect((await inspectRaw(`${registries.target.host}/${into}@${digest}`, certDir)).digest).toBe(
      digest,
    );
    for (const child of index.manifests)
      expect(
        (await inspectRaw(`${registries.target.host}/${into}@${child.digest}`, certDir)).digest,
      ).toBe(child.digest);
    expect(report.manifestsWritten).toBe(3);
    expect(report.blobsUploaded).toBe(4);
  });

  it('copies a cosign-tag signature and an artifact whose subject is the image; listReferrers at the target lists both', async () => {
    const { repository, digest } = await sourceImage('signed');
    const raw = await inspectRaw(`${source}/${repository}@${digest}`, certDir);
    const signature = await attachCosignSignature(source, repository, digest);
    const sbom = await attachArtifact(source, repository, {
      mediaType: raw.mediaType ?? 'application/vnd.oci.image.manifest.v1+json',
      digest,
      size: raw.raw.length,
    });
    const into = unique('prod/signed');

    const report = await createDistributionCopier({ signIn: anonymous }).copy(
      { registry: source, repository },
      { registry: registries.target.host, repository: into },
      digest,
    );

    expect(report.referrers).toEqual([signature.digest, sbom.digest].sort());
    const sigTag = `${digest.replace(':', '-')}.sig`;
    expect((await fetchManifest(registries.target.host, into, sigTag))?.digest).toBe(
      signature.digest,
    );
    expect((await fetchManifest(registries.target.host, into, sbom.digest))?.digest).toBe(
      sbom.digest,
    );
    const listed = await createAcrRegistry({ registry: registries.target.host }).listReferrers(
      into,
      digest,
    );
    expect(listed.referrers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          digest: signature.digest,
          artifactType: COSIGN_ARTIFACT_TYPES.sig,
          tag: sigTag,
        }),
        expect.objectContaining({ digest: sbom.digest, artifactType: 'application/spdx+json' }),
      ]),
    );
    expect(listed.referrers).toHaveLength(2);
  });

  it('a second copy of an image sharing layers uploads only the new blobs', async () => {
    const { repository, digest, image } = await sourceImage('shared');
    const next = await addLayer(image, 'next', unique('more'));
    const nextDigest = await push(next.reference, `${source}/${repository}:next`, certDir);
    const copier = createDistributionCopier({ signIn: anonymous });
    const into = unique('prod/shared');
    const first = await copier.copy(
      { registry: source, repository },
      { registry: registries.target.host, repository: into },
      digest,
    );

    const second = await copier.copy(
      { registry: source, repository },
      { registry: registries.target.host, repository: into },
      nextDigest,
    );

    // The new config and the new layer; the base layer was there.
    expect(first.blobsUploaded).toBe(2);
    expect(second).toMatchObject({ blobsUploaded: 2, blobsPresent: 1, manifestsWritten: 1 });
    expect(
      (await inspectRaw(`${registries.target.host}/${into}@${nextDigest}`, certDir)).digest,
    ).toBe(nextDigest);
  });

  it('copying a digest the target holds already uploads nothing', async () => {
    const { repository, digest } = await sourceImage('again');
    const copier = createDistributionCopier({ signIn: anonymous });
    const into = unique('prod/again');
    await copier.copy(
      { registry: source, repository },
      { registry: registries.target.host, repository: into },
      digest,
    );

    const again = await copier.copy(
      { registry: source, repository },
      { registry: registries.target.host, repository: into },
      digest,
    );

    expect(again).toMatchObject({ manifestsWritten: 0, blobsUploaded: 0, bytesUploaded: 0 });
  });

  it('mounts blobs across repositories of the same registry instead of uploading them', async () => {
    const { repository, digest } = await sourceImage('mount');
    const into = unique('copy/mounted');

    const report = await createDistributionCopier({ signIn: anonymous }).copy(
      { registry: source, repository },
      { registry: source, repository: into },
      digest,
    );

    expect(report).toMatchObject({ blobsMounted: 2, blobsUploaded: 0, bytesUploaded: 0 });
    expect((await inspectRaw(`${source}/${into}@${digest}`, certDir)).digest).toBe(digest);
  });

  it('the target cut off mid-copy is a TransientError; the retry completes without uploading again what arrived', async () => {
    const { repository, image } = await sourceImage('cut');
    const next = await addLayer(image, 'next', randomBytes(256 * 1024));
    const nextDigest = await push(next.reference, `${source}/${repository}:next`, certDir);
    const proxy = registries.closeAfterTest(
      await startFaultProxy({
        upstream: registries.target.host,
        certFile: registries.target.certFile,
        keepHost: true,
      }),
    );
    const into = unique('prod/cut');
    const copier = createDistributionCopier({ signIn: anonymous, concurrency: 1 });
    // The third blob upload's connection is cut: two blobs have arrived by then.
    let puts = 0;
    proxy.failNext(1, { kind: 'reset' }, (r) => {
      if (r.method !== 'PUT' || !r.path.includes('/blobs/uploads/')) return false;
      puts += 1;
      return puts === 3;
    });

    const failure = await failureOf(
      copier.copy(
        { registry: source, repository },
        { registry: proxy.host, repository: into },
        nextDigest,
      ),
    );

    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as Error).message).toContain('registry unavailable');
    expect(await fetchManifest(registries.target.host, into, nextDigest)).toBeUndefined();
    const retry = await copier.copy(
      { registry: source, repository },
      { registry: proxy.host, repository: into },
      nextDigest,
    );
    expect(retry).toMatchObject({ blobsUploaded: 1, blobsPresent: 2, manifestsWritten: 1 });
    expect((await fetchManifest(registries.target.host, into, nextDigest))?.digest).toBe(
      nextDigest,
    );
  });

  it('a source digest that does not exist is a NotFoundError, and the target is not written', async () => {
    const { repository } = await sourceImage('missing');
    const missing = `sha256:${'0'.repeat(64)}`;
    const into = unique('prod/missing');

    const failure = await failureOf(
      createDistributionCopier({ signIn: anonymous }).copy(
        { registry: source, repository },
        { registry: registries.target.host, repository: into },
        missing,
      ),
    );

    expect(failure).toBeInstanceOf(NotFoundError);
    expect((failure as Error).message).toContain(`${repository}@${missing}`);
    expect(
      await createAcrRegistry({ registry: registries.target.host }).listRepositories(),
    ).not.toContain(into);
  });

  it('a bad digest or repository is refused naming the field, before any request', async () => {
    const copier = createDistributionCopier({ signIn: anonymous });
    const from = { registry: source, repository: 'app' };

    await expect(
      copier.copy(from, { registry: registries.target.host, repository: 'app' }, 'latest'),
    ).rejects.toThrow(/^digest: /);
    await expect(
      copier.copy(
        from,
        { registry: registries.target.host, repository: 'Bad Name' },
        `sha256:${'a'.repeat(64)}`,
      ),
    ).rejects.toThrow(/^target\.repository: /);
  });

  it('blobs at the target are really there after a copy', async () => {
    const { repository, digest } = await sourceImage('blobs');
    const into = unique('prod/blobs');
    await createDistributionCopier({ signIn: anonymous }).copy(
      { registry: source, repository },
      { registry: registries.target.host, repository: into },
      digest,
    );
    const manifest = JSON.parse(
      (await inspectRaw(`${registries.target.host}/${into}@${digest}`, certDir)).raw.toString(
        'utf8',
      ),
    ) as { config: { digest: string }; layers: { digest: string }[] };

    for (const blob of [manifest.config, ...manifest.layers])
      expect(await hasBlob(registries.target.host, into, blob.digest)).toBe(true);
  });
});
