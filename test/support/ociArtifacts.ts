import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run, type BuiltImage } from './images.js';

// Signatures and other OCI artifacts stored beside an image, as cosign or oras store them,
// written here with plain distribution API requests (the registries are anonymous).

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const EMPTY = 'application/vnd.oci.empty.v1+json';

const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A descriptor of stored bytes. */
export interface Pushed {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

/** Uploads `bytes` as a blob of `repository` (POST, then a monolithic PUT). */
export async function pushBlob(
  host: string,
  repository: string,
  bytes: Uint8Array,
  mediaType = 'application/octet-stream',
): Promise<Pushed> {
  const digest = sha256(bytes);
  const start = await fetch(`https://${host}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  const location = start.headers.get('location');
  if (start.status !== 202 || location === null)
    throw new Error(`POST upload: HTTP ${start.status}`);
  const url = new URL(location, `https://${host}`);
  url.searchParams.set('digest', digest);
  const put = await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  if (put.status !== 201) throw new Error(`PUT blob: HTTP ${put.status}: ${await put.text()}`);
  return { mediaType, digest, size: bytes.length };
}

/** PUTs `manifest` (exact bytes of its JSON) under `reference`; its descriptor. */
export async function pushManifest(
  host: string,
  repository: string,
  reference: string | undefined,
  manifest: unknown,
  mediaType = OCI_MANIFEST,
): Promise<Pushed> {
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  const digest = sha256(bytes);
  const answer = await fetch(`https://${host}/v2/${repository}/manifests/${reference ?? digest}`, {
    method: 'PUT',
    headers: { 'content-type': mediaType },
    body: bytes,
  });
  if (answer.status !== 201)
    throw new Error(`PUT manifest: HTTP ${answer.status}: ${await answer.text()}`);
  return { mediaType, digest, size: bytes.length };
}

/** The raw manifest under `reference`, or undefined when there is none. */
export async function fetchManifest(
  host: string,
  repository: string,
  reference: string,
): Promise<{ bytes: Buffer; digest: string; mediaType: string } | undefined> {
  const answer = await fetch(`https://${host}/v2/${repository}/manifests/${reference}`, {
    headers: {
      accept: [
        OCI_MANIFEST,
        OCI_INDEX,
        'application/vnd.docker.distribution.manifest.v2+json',
      ].join(', '),
    },
  });
  if (answer.status === 404) return undefined;
  if (!answer.ok) throw new Error(`GET manifest: HTTP ${answer.status}`);
  const bytes = Buffer.from(await answer.arrayBuffer());
  return { bytes, digest: sha256(bytes), mediaType: answer.headers.get('content-type') ?? '' };
}

/** Whether the registry holds the blob. */
export async function hasBlob(host: string, repository: string, digest: string): Promise<boolean> {
  const answer = await fetch(`https://${host}/v2/${repository}/blobs/${digest}`, {
    method: 'HEAD',
  });
  return answer.ok;
}

/**
 * A signature as cosign stores it on a registry without the referrers API: an image manifest
 * under the tag `sha256-<hex>.sig` whose layer is the simple-signing payload naming `subject`,
 * with the signature in an annotation. No `subject` field: only the tag ties it to the image.
 */
export async function attachCosignSignature(
  host: string,
  repository: string,
  subject: string,
): Promise<Pushed> {
  const payload = new TextEncoder().encode(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': `${host}/${repository}` },
        image: { 'docker-manifest-digest': subject },
        type: 'cosign container image signature',
      },
      optional: null,
    }),
  );
  const config = await pushBlob(host, repository, new TextEncoder().encode('{}'), EMPTY);
  const layer = await pushBlob(
    host,
    repository,
    payload,
    'application/vnd.dev.cosign.simplesigning.v1+json',
  );
  return pushManifest(host, repository, `${subject.replace(':', '-')}.sig`, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config,
    layers: [
      {
        ...layer,
        annotations: { 'dev.cosignproject.cosign/signature': randomBytes(48).toString('base64') },
      },
    ],
  });
}

/**
 * An OCI 1.1 artifact (an SBOM) whose `subject` is `subject`, pushed as oras pushes it to a
 * registry without the referrers API: the manifest by digest, then the referrers tag schema
 * index (`sha256-<hex>`) listing it.
 */
export async function attachArtifact(
  host: string,
  repository: string,
  subject: Pushed,
  artifactType = 'application/spdx+json',
): Promise<Pushed & { artifactType: string }> {
  const config = await pushBlob(host, repository, new TextEncoder().encode('{}'), EMPTY);
  const sbom = await pushBlob(
    host,
    repository,
    new TextEncoder().encode(
      JSON.stringify({ spdxVersion: 'SPDX-2.3', name: randomBytes(4).toString('hex') }),
    ),
    artifactType,
  );
  const annotations = { 'org.opencontainers.image.created': '2026-12-01T00:00:00Z' };
  const artifact = await pushManifest(host, repository, undefined, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType,
    config,
    layers: [sbom],
    subject,
    annotations,
  });
  const tag = subject.digest.replace(':', '-');
  const current = await fetchManifest(host, repository, tag);
  const listed =
    current === undefined
      ? []
      : (JSON.parse(current.bytes.toString('utf8')) as { manifests: unknown[] }).manifests;
  await pushManifest(
    host,
    repository,
    tag,
    {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [...listed, { ...artifact, artifactType, annotations }],
    },
    OCI_INDEX,
  );
  return { ...artifact, artifactType };
}

/**
 * One more image in `image`'s layout, under `tag`: `image`'s layers and one more holding
 * `/added.txt` with `content` (umoci unpack, then repack under the new tag).
 */
export async function addLayer(image: BuiltImage, tag: string, content: Uint8Array | string) {
  const work = path.join(path.dirname(image.layoutDir), `bundle-${randomBytes(4).toString('hex')}`);
  await mkdir(work, { recursive: true });
  const bundle = path.join(work, 'b');
  await run('umoci', [
    'unpack',
    '--rootless',
    '--image',
    `${image.layoutDir}:${image.tag}`,
    bundle,
  ]);
  await writeFile(path.join(bundle, 'rootfs', 'added.txt'), content);
  await run('umoci', ['repack', '--image', `${image.layoutDir}:${tag}`, bundle]);
  await rm(work, { recursive: true, force: true });
  return { ...image, tag, reference: `oci:${image.layoutDir}:${tag}` };
}
