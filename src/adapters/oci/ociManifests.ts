import { createHash } from 'node:crypto';
import { z } from 'zod';
import { NotFoundError } from '../../domain/errors.js';
import { answerOf, type OciClient, type Tally } from './ociClient.js';

/* Manifests over the distribution API: their media types and shapes, HEAD and GET. */

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

/** The manifest media types promoter reads (an `Accept` header). */
export const MANIFEST_ACCEPT = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST].join(', ');

export const descriptorSchema = z.looseObject({
  mediaType: z.string(),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'a sha256 digest'),
  size: z.number().int().nonnegative(),
  artifactType: z.string().optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  urls: z.array(z.string()).optional(),
});
export type Descriptor = z.infer<typeof descriptorSchema>;

export const indexSchema = z.looseObject({
  schemaVersion: z.number().optional(),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema),
});

/** A manifest's digest and media type (one HEAD), or undefined when there is none. */
export async function headManifest(
  client: OciClient,
  repository: string,
  reference: string,
  doing: string,
  tally: Tally,
  scopes: readonly string[] = [`repository:${repository}:pull`],
): Promise<{ digest: string; mediaType: string } | undefined> {
  const response = await client.send({
    method: 'HEAD',
    path: `/v2/${repository}/manifests/${reference}`,
    scopes,
    headers: { accept: MANIFEST_ACCEPT },
    doing,
    tally,
  });
  if (response.status === 404) return undefined;
  if (!response.ok)
    throw new Error(`${doing}: HEAD ${repository}:${reference}: HTTP ${response.status}`);
  const digest = response.headers.get('docker-content-digest');
  const mediaType = response.headers.get('content-type');
  if (digest === null || mediaType === null) {
    // A registry that does not say: read the manifest itself.
    const got = await getManifest(client, repository, reference, doing, tally, scopes);
    return got === undefined ? undefined : { digest: got.digest, mediaType: got.mediaType };
  }
  return { digest, mediaType: mediaType.split(';')[0]?.trim() ?? mediaType };
}

/**
 * A manifest's exact bytes (one GET), checked against `reference` when it is a digest; undefined
 * when the registry holds none (404).
 */
export async function getManifest(
  client: OciClient,
  repository: string,
  reference: string,
  doing: string,
  tally: Tally,
  scopes: readonly string[] = [`repository:${repository}:pull`],
): Promise<{ content: Uint8Array; mediaType: string; digest: string } | undefined> {
  const response = await client.send({
    method: 'GET',
    path: `/v2/${repository}/manifests/${reference}`,
    scopes,
    headers: { accept: MANIFEST_ACCEPT },
    doing,
    tally,
  });
  if (response.status === 404) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.ok) throw new Error(`${doing}: ${await answerOf(response)}`);
  const content = new Uint8Array(await response.arrayBuffer());
  const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
  if (reference.startsWith('sha256:') && digest !== reference)
    throw new Error(
      `${doing}: the registry returned other bytes for ${reference} (their digest is ${digest})`,
    );
  const mediaType =
    response.headers.get('content-type')?.split(';')[0]?.trim() ??
    (JSON.parse(Buffer.from(content).toString('utf8')) as { mediaType?: string }).mediaType ??
    OCI_MANIFEST;
  return { content, mediaType, digest };
}

/** `getManifest` of a digest that must exist: its absence is a `NotFoundError`. */
export async function requireManifest(
  client: OciClient,
  repository: string,
  digest: string,
  tally: Tally,
  scopes?: readonly string[],
) {
  const doing = `fetching ${repository}@${digest} from ${client.registry}`;
  const got = await getManifest(client, repository, digest, doing, tally, scopes);
  if (got === undefined) throw new NotFoundError(`${doing}: not found`);
  return got;
}
