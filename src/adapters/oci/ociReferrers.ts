import { createHash } from 'node:crypto';
import { z } from 'zod';
import { NotFoundError } from '../../domain/errors.js';
import {
  COSIGN_ARTIFACT_TYPES,
  type CosignKind,
  type Referrer,
  type ReferrerListing,
} from '../../ports/registry.js';
import { answerOf, type OciClient, type Tally } from './ociClient.js';

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

/** The manifest media types promoter reads (an `Accept` header). */
export const MANIFEST_ACCEPT = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST].join(', ');

export const COSIGN_KINDS = Object.keys(COSIGN_ARTIFACT_TYPES) as CosignKind[];

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

/** The tag of the referrers tag schema for `digest`: `sha256-<hex>`. */
export const schemaTag = (digest: string): string => digest.replace(':', '-');

/** The cosign tag of `kind` for `digest`: `sha256-<hex>.sig`. */
export const cosignTag = (digest: string, kind: CosignKind): string =>
  `${schemaTag(digest)}.${kind}`;

const fromDescriptor = (d: Descriptor): Referrer => ({
  digest: d.digest,
  mediaType: d.mediaType,
  // The referrers API fills artifactType in; an index written by a client may lack it.
  artifactType: d.artifactType ?? d.mediaType,
  ...(d.annotations === undefined ? {} : { annotations: d.annotations }),
});

/** What one listing learnt of a registry: whether it has the referrers API. */
export interface ReferrersState {
  /** Set once the registry answered the referrers API with a bare 404: it has none. */
  noApi?: boolean;
}

/**
 * `Registry.listReferrers` over the distribution API (see the port for the requests it makes).
 * Once a registry answers `GET /v2/<name>/referrers/<digest>` with a 404 that is not an OCI
 * error body (the distribution registry 2.x: `404 page not found`), `state.noApi` is set and
 * later listings go straight to the tag schema.
 */
export async function listReferrers(
  client: OciClient,
  repository: string,
  digest: string,
  state: ReferrersState,
  tally: Tally = { requests: 0 },
): Promise<ReferrerListing> {
  const start = tally.requests;
  const doing = `listing the referrers of ${repository}@${digest}`;
  const scopes = [`repository:${repository}:pull`];

  async function bySubject(): Promise<Referrer[]> {
    if (state.noApi !== true) {
      const found: Referrer[] = [];
      for (let next: string | undefined = `/v2/${repository}/referrers/${digest}`; next;) {
        const response = await client.send({
          method: 'GET',
          path: next,
          scopes,
          headers: { accept: OCI_INDEX },
          doing,
          tally,
        });
        if (response.ok) {
          found.push(...indexSchema.parse(await response.json()).manifests.map(fromDescriptor));
          next = nextLink(response.headers.get('link'));
          continue;
        }
        const answer = await answerOf(response);
        if (response.status !== 404) throw new Error(`${doing}: ${answer}`);
        if (/NAME_UNKNOWN|MANIFEST_UNKNOWN/.test(answer)) return [];
        state.noApi = true;
        break;
      }
      if (state.noApi !== true) return found;
    }
    const index = await getManifest(client, repository, schemaTag(digest), doing, tally);
    if (index === undefined) return [];
    return indexSchema
      .parse(JSON.parse(Buffer.from(index.content).toString('utf8')))
      .manifests.map(fromDescriptor);
  }

  async function byCosignTag(kind: CosignKind): Promise<Referrer | undefined> {
    const tag = cosignTag(digest, kind);
    const head = await headManifest(client, repository, tag, doing, tally);
    if (head === undefined) return undefined;
    return { ...head, artifactType: COSIGN_ARTIFACT_TYPES[kind], tag };
  }

  const [subjects, ...tagged] = await Promise.all([bySubject(), ...COSIGN_KINDS.map(byCosignTag)]);
  const byDigest = new Map<string, Referrer>();
  for (const referrer of [...subjects, ...tagged]) {
    if (referrer === undefined) continue;
    byDigest.set(referrer.digest, { ...byDigest.get(referrer.digest), ...referrer });
  }
  const referrers = [...byDigest.values()].sort((a, b) => a.digest.localeCompare(b.digest));
  return { referrers, requests: tally.requests - start };
}

/** The `rel="next"` target of a `Link` header. */
function nextLink(link: string | null): string | undefined {
  return link === null ? undefined : /<([^>]+)>\s*;\s*rel="?next"?/i.exec(link)?.[1];
}

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
