import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { afterAll } from 'vitest';
import { createAcrRegistry } from '../../src/adapters/acr/acrRegistry.js';
import { createOciRegistry } from '../../src/adapters/oci/ociRegistry.js';
import type { Registry } from '../../src/ports/registry.js';
import { startTokenProxy, type TokenProxy } from '../support/tokenProxy.js';
import { buildImage, push } from '../support/images.js';
import { MemoryRegistry } from '../support/memoryRegistry.js';
import { digestOf } from './samples.js';
import {
  ARTIFACT_TYPE,
  OCI_MANIFEST,
  registryContract,
  type RegistryUnderTest,
} from './registryContract.js';
import { attachArtifact, attachCosignSignature } from '../support/ociArtifacts.js';
import type { RawManifest } from '../../src/ports/registry.js';

// Tags here are never build tags (`git-…`) or stage tags, so the function host, which the
// distribution registry notifies, records and promotes nothing in these repositories.

const unique = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;

registryContract('MemoryRegistry (test/support)', () => {
  const registry = new MemoryRegistry();
  const repository = unique('contract/app');
  const tag = 'contract-pushed';
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: registry.addBlob(repository, '{"created":"2026-11-27T10:00:00Z"}'),
      size: 34,
    },
    layers: [
      {
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: digestOf('layer'),
        size: 32,
      },
    ],
  };
  const digest = registry.add(repository, JSON.stringify(manifest));
  registry.tags.set(`${repository}:${tag}`, digest);
  const attach = (subject: RawManifest) => {
    const signature = registry.add(
      repository,
      JSON.stringify({ ...manifest, annotations: { signed: subject.digest } }),
    );
    registry.setTag(repository, `${subject.digest.replace(':', '-')}.sig`, signature);
    const artifact = registry.add(
      repository,
      JSON.stringify({
        ...manifest,
        artifactType: ARTIFACT_TYPE,
        subject: {
          mediaType: subject.mediaType,
          digest: subject.digest,
          size: subject.content.length,
        },
      }),
    );
    return Promise.resolve({ signature, artifact });
  };
  return Promise.resolve({ registry, repository, tag, digest, attach });
});

/**
 * An image pushed to the suite registry as CI pushes it, with `attach` storing referrers beside
 * a manifest there; the registry under test (given the suite registry's host) reads and writes
 * the same storage, directly or through a token service in front of it.
 */
async function pushedToSuiteRegistry(
  registryUnder: () => Promise<Registry>,
): Promise<RegistryUnderTest> {
  const registryHost = inject('registryHost');
  const repository = unique('contract/app');
  const tag = 'contract-pushed';
  const work = await mkdtemp(path.join(os.tmpdir(), 'promoter-contract-'));
  try {
    const image = await buildImage(work, { content: unique('contract') });
    const digest = await push(
      image.reference,
      `${registryHost}/${repository}:${tag}`,
      inject('registryCertDir'),
    );
    const attach = async (subject: RawManifest) => {
      const described = {
        mediaType: subject.mediaType,
        digest: subject.digest,
        size: subject.content.length,
      };
      const signature = await attachCosignSignature(registryHost, repository, subject.digest);
      const artifact = await attachArtifact(registryHost, repository, described, ARTIFACT_TYPE);
      return { signature: signature.digest, artifact: artifact.digest };
    };
    return { registry: await registryUnder(), repository, tag, digest, attach };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

// Pages of two entries: the catalog and the tag lists are read across several pages.
registryContract('ACR adapter on the distribution registry', () =>
  pushedToSuiteRegistry(() =>
    Promise.resolve(createAcrRegistry({ registry: inject('registryHost'), listPageSize: 2 })),
  ),
);

registryContract('OCI registry adapter on the distribution registry, anonymous', () =>
  pushedToSuiteRegistry(() =>
    Promise.resolve(
      createOciRegistry({
        registry: inject('registryHost'),
        signIn: { kind: 'anonymous' },
        listPageSize: 2,
      }),
    ),
  ),
);

let tokenProxy: TokenProxy | undefined;
afterAll(async () => {
  await tokenProxy?.close();
});

registryContract(
  'OCI registry adapter behind a Bearer token service, basic credentials (GHCR, Harbor, Docker Hub)',
  () =>
    pushedToSuiteRegistry(async () => {
      tokenProxy = await startTokenProxy({
        upstream: inject('registryHost'),
        certFile: inject('registryCertFile'),
        mode: 'docker',
        user: { name: 'robot', password: 'contract-token-password' },
      });
      return createOciRegistry({
        registry: tokenProxy.host,
        signIn: { kind: 'basic', username: 'robot', password: 'contract-token-password' },
        listPageSize: 2,
      });
    }),
);
