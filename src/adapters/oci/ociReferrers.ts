import {
  COSIGN_ARTIFACT_TYPES,
  type CosignKind,
  type Referrer,
  type ReferrerListing,
} from '../../ports/registry.js';
import { createHash } from 'node:crypto';
import { answerOf, nextLink, type OciClient, type Tally } from './ociClient.js';
import {
  getManifest,
  headManifest,
  indexSchema,
  OCI_INDEX,
  type Descriptor,
} from './ociManifests.js';

export const COSIGN_KINDS = Object.keys(COSIGN_ARTIFACT_TYPES) as CosignKind[];

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
 * `Registry.listReferrers` over the distribution API: the referrers API (skipped once a
 * registry is known to lack it), and beside it one tag listing (`tagsNear`) that says which
 * of the schema's and cosign's tags exist, so only those are read (the index GET, a HEAD per
 * cosign tag): 2 requests for a digest without referrers, 1 more per tag found.
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

  // The tags of the schema and of cosign, asked for once, beside the referrers API.
  const near = tagsNear(client, repository, digest, doing, tally);
  const has = async (tag: string) => {
    const present = await near;
    return present === undefined || present.has(tag);
  };

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
    if (!(await has(schemaTag(digest)))) return [];
    const index = await getManifest(client, repository, schemaTag(digest), doing, tally);
    if (index === undefined) return [];
    return indexSchema
      .parse(JSON.parse(Buffer.from(index.content).toString('utf8')))
      .manifests.map(fromDescriptor);
  }

  async function byCosignTag(kind: CosignKind): Promise<Referrer | undefined> {
    const tag = cosignTag(digest, kind);
    if (!(await has(tag))) return undefined;
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

/**
 * Which of the referrer tags of `digest` (`sha256-<hex>`, and `.att`, `.sbom`, `.sig`) the
 * repository has, in one request: `GET /v2/<name>/tags/list?n=10&last=sha256-<hex minus its
 * last character>`, the page of tags that sort right after it (the distribution spec lists
 * tags in lexical order from `last`). An answer without a next page (no `Link`) is the rest of
 * the list, or the whole list from a registry that ignores `n` and `last` (the distribution
 * registry 2.x): either way it holds those tags if they exist. One with a next page holds them
 * only if it started after `last` and ran past the `.sig` tag; otherwise undefined, and the
 * caller asks for each tag. A repository that does not exist has none.
 */
async function tagsNear(
  client: OciClient,
  repository: string,
  digest: string,
  doing: string,
  tally: Tally,
): Promise<Set<string> | undefined> {
  const exact = schemaTag(digest);
  const after = exact.slice(0, -1);
  const response = await client.send({
    method: 'GET',
    path: `/v2/${repository}/tags/list?n=10&last=${after}`,
    scopes: [`repository:${repository}:pull`],
    headers: { accept: 'application/json' },
    doing,
    tally,
  });
  if (response.status === 404) {
    await response.body?.cancel();
    return new Set();
  }
  if (!response.ok) {
    await response.body?.cancel();
    return undefined;
  }
  const body = (await response.json()) as { tags?: unknown } | null;
  const tags = Array.isArray(body?.tags)
    ? body.tags.filter((t): t is string => typeof t === 'string')
    : [];
  const found = new Set(tags.filter((t) => t === exact || t.startsWith(`${exact}.`)));
  if (nextLink(response.headers.get('link')) === undefined) return found;
  const sorted = [...tags].sort();
  const covered =
    sorted.every((t) => t > after) && (sorted.at(-1) ?? '') > cosignTag(digest, 'sig');
  return covered ? found : undefined;
}

/**
 * The referrers tag schema index of `subject` in `repository` (the index under tag
 * `sha256-<hex>`, created when missing) with `entries` added, keeping what it lists already,
 * as the distribution spec asks of a client pushing to a registry without the referrers API;
 * undefined when it lists them all already. Two writers at once may lose one's entry (the
 * spec offers no compare-and-swap); a later copy adds it again.
 */
export async function mergedTagSchema(
  client: OciClient,
  repository: string,
  subject: string,
  entries: readonly Descriptor[],
  how: { readonly doing: string; readonly tally: Tally; readonly scopes: readonly string[] },
): Promise<{ content: Uint8Array; mediaType: string; digest: string } | undefined> {
  const tag = schemaTag(subject);
  const current = await getManifest(client, repository, tag, how.doing, how.tally, how.scopes);
  const listed =
    current === undefined
      ? []
      : indexSchema.parse(JSON.parse(Buffer.from(current.content).toString('utf8'))).manifests;
  const known = new Set(listed.map((d) => d.digest));
  const missing = entries.filter((d) => !known.has(d.digest));
  if (missing.length === 0) return undefined;
  const content = new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [...listed, ...missing],
    }),
  );
  const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
  return { content, mediaType: OCI_INDEX, digest };
}
