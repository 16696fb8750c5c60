import { describe, expect, it } from 'vitest';
import { createAcrRegistry } from '../../src/adapters/acr/acrRegistry.js';
import { createDistributionCopier } from '../../src/adapters/oci/distributionCopier.js';
import { COSIGN_ARTIFACT_TYPES } from '../../src/ports/registry.js';
import { unique, useCopyRegistries } from '../support/copyRegistries.js';
import { startFaultProxy } from '../support/faultProxy.js';
import { inspectRaw } from '../support/images.js';
import {
  attachCosignSignature,
  fetchManifest,
  OCI_INDEX,
  pushBlob,
  pushManifest,
} from '../support/ociArtifacts.js';

// listReferrers and the copier where the source has the OCI 1.1 referrers API, or answers the
// tag listing unlike the spec: the suite's distribution registry (2.x has no referrers API)
// behind a TLS proxy that answers those requests itself.

const registries = useCopyRegistries('referrers');
const { source: registryHost, certDir, certFile } = registries;

async function image(label: string) {
  const { repository, digest } = await registries.pushImage('referrers', label);
  const raw = await inspectRaw(`${registryHost}/${repository}@${digest}`, certDir);
  const subject = {
    mediaType: raw.mediaType ?? 'application/vnd.oci.image.manifest.v1+json',
    digest,
    size: raw.raw.length,
  };
  return { repository, digest, subject };
}

/** An SBOM whose subject is `subject`, pushed by digest only (no tag schema index). */
async function sbomOf(
  repository: string,
  subject: { mediaType: string; digest: string; size: number },
) {
  const config = await pushBlob(
    registryHost,
    repository,
    new TextEncoder().encode('{}'),
    'application/vnd.oci.empty.v1+json',
  );
  const layer = await pushBlob(
    registryHost,
    repository,
    new TextEncoder().encode(unique('sbom')),
    'application/spdx+json',
  );
  const annotations = { 'org.example.kind': 'sbom' };
  const pushed = await pushManifest(registryHost, repository, undefined, {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: 'application/spdx+json',
    config,
    layers: [layer],
    subject,
    annotations,
  });
  return { ...pushed, artifactType: 'application/spdx+json', annotations };
}

const isReferrersApi = (r: { path: string }) => /\/referrers\/sha256:/.test(r.path);

describe('listReferrers and the copier against a source with the referrers API', () => {
  it('lists what the referrers API answers, with its artifactType and annotations, and reads no tag schema index', async () => {
    const { repository, digest, subject } = await image('api');
    const sbom = await sbomOf(repository, subject);
    const proxy = registries.closeAfterTest(
      await startFaultProxy({ upstream: registryHost, certFile }),
    );
    proxy.failNext(
      1,
      {
        kind: 'status',
        status: 200,
        headers: { 'content-type': OCI_INDEX },
        body: { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [sbom] },
      },
      isReferrersApi,
    );

    const listing = await createAcrRegistry({ registry: proxy.host }).listReferrers(
      repository,
      digest,
    );

    expect(listing.referrers).toEqual([
      {
        digest: sbom.digest,
        mediaType: sbom.mediaType,
        artifactType: 'application/spdx+json',
        annotations: sbom.annotations,
      },
    ]);
    expect(proxy.count('GET', `/manifests/${digest.replace(':', '-')}`)).toBe(0);
    // The referrers API and one tag listing: no cosign tag exists, so none is read.
    expect(listing.requests).toBe(2);
  });

  it('copies a referrer the source lists through its API into the target’s tag schema index, the target having no API', async () => {
    const { repository, digest, subject } = await image('api-copy');
    const sbom = await sbomOf(repository, subject);
    const proxy = registries.closeAfterTest(
      await startFaultProxy({ upstream: registryHost, certFile }),
    );
    proxy.failNext(
      1,
      {
        kind: 'status',
        status: 200,
        headers: { 'content-type': OCI_INDEX },
        body: { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [sbom] },
      },
      (r) => isReferrersApi(r) && r.path.includes(digest),
    );
    const into = unique('prod/api-copy');

    const report = await createDistributionCopier({ signIn: () => ({ kind: 'anonymous' }) }).copy(
      { registry: proxy.host, repository },
      { registry: registries.target.host, repository: into },
      digest,
    );

    expect(report.referrers).toEqual([sbom.digest]);
    expect((await fetchManifest(registries.target.host, into, sbom.digest))?.digest).toBe(
      sbom.digest,
    );
    const index = await fetchManifest(registries.target.host, into, digest.replace(':', '-'));
    expect(JSON.parse(index?.bytes.toString('utf8') ?? '{}')).toMatchObject({
      mediaType: OCI_INDEX,
      manifests: [{ digest: sbom.digest, size: sbom.size, artifactType: 'application/spdx+json' }],
    });
    const atTarget = await createAcrRegistry({ registry: registries.target.host }).listReferrers(
      into,
      digest,
    );
    expect(atTarget.referrers.map((r) => r.digest)).toEqual([sbom.digest]);
  });

  it('a registry without the referrers API is asked once: later listings take one request fewer', async () => {
    const { repository, digest } = await image('no-api');
    const proxy = registries.closeAfterTest(
      await startFaultProxy({ upstream: registryHost, certFile }),
    );
    const registry = createAcrRegistry({ registry: proxy.host });

    const first = await registry.listReferrers(repository, digest);
    const second = await registry.listReferrers(repository, digest);

    expect(first).toEqual({ referrers: [], requests: 2 });
    expect(second).toEqual({ referrers: [], requests: 1 });
    expect(proxy.count('GET', /\/referrers\/sha256:/)).toBe(1);
  });

  it('a registry whose paged tag listing ignores `last` is asked for each cosign tag instead, and the signature is found', async () => {
    const { repository, digest } = await image('no-last');
    const signature = await attachCosignSignature(registryHost, repository, digest);
    const proxy = registries.closeAfterTest(
      await startFaultProxy({ upstream: registryHost, certFile }),
    );
    proxy.failNext(
      1,
      {
        kind: 'status',
        status: 200,
        headers: { link: `</v2/${repository}/tags/list?n=10&last=pushed>; rel="next"` },
        body: { name: repository, tags: ['aaa', 'pushed'] },
      },
      (r) => r.path.includes('/tags/list'),
    );

    const listing = await createAcrRegistry({ registry: proxy.host }).listReferrers(
      repository,
      digest,
    );

    expect(listing.referrers).toEqual([
      expect.objectContaining({
        digest: signature.digest,
        artifactType: COSIGN_ARTIFACT_TYPES.sig,
        tag: `${digest.replace(':', '-')}.sig`,
      }),
    ]);
    expect(proxy.count('HEAD', '.att')).toBe(1);
  });
});
