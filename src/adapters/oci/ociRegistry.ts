import { createHash } from 'node:crypto';
import { NotFoundError } from '../../domain/errors.js';
import type { RegistrySignIn } from '../../ports/imageCopier.js';
import type { RawManifest, Registry } from '../../ports/registry.js';
import { answerOf, createOciClient, type Tally } from './ociClient.js';
import { ociListing } from './ociListing.js';
import { headManifest, requireManifest } from './ociManifests.js';
import { listReferrers, type ReferrersState } from './ociReferrers.js';

/** Where a plain distribution registry is and how promoter signs in to it. */
export interface OciRegistryOptions {
  /** `host[:port]`, reached over https: GHCR, Harbor, Docker Hub, a distribution registry. */
  readonly registry: string;
  /** Anonymous, or basic credentials (sent as HTTP basic, or for a Bearer token). */
  readonly signIn: Exclude<RegistrySignIn, { kind: 'azure' }>;
  /** Deadline of one request (10 s); one past it is a `TransientError`. */
  readonly timeoutInMs?: number | undefined;
  /** Entries per page of the catalog and tag lists (1000; tests page smaller). */
  readonly listPageSize?: number | undefined;
  /** The clock Bearer tokens expire by (ms since the epoch); `Date.now` by default. */
  readonly now?: (() => number) | undefined;
}

const sha256 = (bytes: Uint8Array): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/**
 * The `Registry` port for a registry that is not an ACR, over the OCI distribution API
 * (`ociClient.ts`), so that it signs in as the registry asks: HTTP basic where `/v2/` takes
 * it (distribution with htpasswd), else the token flow of GHCR, Harbor and Docker Hub (a 401
 * with `WWW-Authenticate: Bearer realm=…` → a token for the request's repository and actions,
 * `pull` to read, `pull,push` to write, `delete` to delete → the request again), each token
 * cached until it expires. One request per method once signed in (`resolveTag` a HEAD,
 * `putManifest` one PUT); the first request of a scope pays the challenge and the token.
 * Such a registry has no tag locks: `lockTag` answers false and the ledger keeps tags
 * immutable. Errors as the port says: 408, 429, 5xx, timeouts and connection failures are
 * `TransientError`; 401/403 plain Errors with the registry's answer (never the credentials).
 */
export function createOciRegistry(options: OciRegistryOptions): Registry {
  const client = createOciClient({
    registry: options.registry,
    signIn: options.signIn,
    timeoutInMs: options.timeoutInMs ?? 10_000,
    now: options.now,
  });
  const referrers: ReferrersState = {};
  const pull = (repository: string) => [`repository:${repository}:pull`];
  const push = (repository: string) => [`repository:${repository}:pull,push`];
  const tally = (): Tally => ({ requests: 0 });

  return {
    ...ociListing(client, options.listPageSize),

    listReferrers: (repository, digest) => listReferrers(client, repository, digest, referrers),

    async getManifest(repository, digest): Promise<RawManifest> {
      const got = await requireManifest(client, repository, digest, tally());
      return { content: got.content, mediaType: got.mediaType, digest };
    },

    async getBlob(repository, digest) {
      const doing = `fetching blob ${repository}@${digest}`;
      const response = await client.send({
        method: 'GET',
        path: `/v2/${repository}/blobs/${digest}`,
        scopes: pull(repository),
        doing,
        tally: tally(),
      });
      if (response.status === 404) {
        await response.body?.cancel();
        throw new NotFoundError(`${doing}: not found`);
      }
      if (!response.ok) throw new Error(`${doing}: ${await answerOf(response)}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      const actual = sha256(bytes);
      if (actual !== digest)
        throw new Error(`${doing}: the registry returned other bytes (their digest is ${actual})`);
      return bytes;
    },

    async resolveTag(repository, tag) {
      const doing = `resolving ${repository}:${tag}`;
      return (await headManifest(client, repository, tag, doing, tally()))?.digest;
    },

    async putManifest(repository, tag, manifest) {
      const doing = `tagging ${repository}@${manifest.digest} as ${tag}`;
      const response = await client.send({
        method: 'PUT',
        path: `/v2/${repository}/manifests/${tag}`,
        scopes: push(repository),
        // The exact bytes: re-serialising the parsed manifest would change its digest.
        headers: { 'content-type': manifest.mediaType },
        body: manifest.content,
        doing,
        tally: tally(),
      });
      if (response.status !== 201 && response.status !== 200)
        throw new Error(`${doing}: ${await answerOf(response)}`);
      await response.body?.cancel();
      return response.headers.get('docker-content-digest') ?? sha256(manifest.content);
    },

    lockTag: () => Promise.resolve(false),

    async deleteManifest(repository, digest) {
      const doing = `deleting ${repository}@${digest}`;
      const response = await client.send({
        method: 'DELETE',
        path: `/v2/${repository}/manifests/${digest}`,
        scopes: [`repository:${repository}:delete`],
        doing,
        tally: tally(),
      });
      if (response.status === 404) {
        await response.body?.cancel();
        return 'not-found';
      }
      if (response.status === 405)
        throw new Error(
          `${doing}: ${await answerOf(response)}: the registry does not allow deletes (a distribution registry needs storage.delete.enabled: true in its config)`,
        );
      if (!response.ok) throw new Error(`${doing}: ${await answerOf(response)}`);
      await response.body?.cancel();
      return 'deleted';
    },
  };
}
