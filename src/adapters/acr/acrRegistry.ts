import { createHash } from 'node:crypto';
import type { ContainerRegistryClientOptions } from '@azure/container-registry';
import type { TokenCredential } from '@azure/identity';
import type { RawManifest, Registry } from '../../ports/registry.js';
import { asRestError } from '../sdkErrors.js';
import { createAcrClients } from './acrClients.js';
import { isNotFound, registryFailure } from './acrErrors.js';
import { acrListing, distributionListing } from './acrListing.js';
import { createOciClient } from '../oci/ociClient.js';
import { listReferrers, type ReferrersState } from '../oci/ociReferrers.js';

/** Where the registry is and how to talk to it. */
export interface AcrRegistryOptions {
  /** `host[:port]`, e.g. `myacr.azurecr.io` or `localhost:5000`; always reached over https. */
  readonly registry: string;
  /** The identity (`DefaultAzureCredential`, managed identity); undefined → anonymous. */
  readonly credential?: TokenCredential | undefined;
  /**
   * Basic credentials instead (an ACR the pipeline declares with `signIn: basic`): sent on
   * every SDK request as HTTP basic; the referrers listing signs in with them on a Bearer
   * challenge too. A declared registry that is not an ACR gets `createOciRegistry` instead,
   * which answers a Bearer challenge for every call.
   */
  readonly basic?: { readonly username: string; readonly password: string } | undefined;
  /**
   * Whether the registry has ACR's `/acr/v1/` API (tag properties, locks). Default: the host
   * ends with `.azurecr.io`, `.azurecr.cn` or `.azurecr.us`.
   */
  readonly isAcr?: boolean | undefined;
  /**
   * Deadline of one port call, the SDK's retries included; a registry that does not answer
   * in time is a `TransientError`. 10 seconds by default.
   */
  readonly timeoutInMs?: number | undefined;
  /** Entries per page of a distribution registry's catalog and tag lists (1000; tests page smaller). */
  readonly listPageSize?: number | undefined;
  /** Entra ID audience for sovereign clouds (`KnownContainerRegistryAudience`). */
  readonly audience?: string | undefined;
}

/**
 * Few, quick SDK retries (429 with Retry-After, 408, 5xx, connection errors): an outage
 * surfaces as a TransientError within seconds and Service Bus redelivers the message, rather
 * than the SDK's default of 3 retries with exponential delays up to 64 s.
 */
const retryOptions = { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 2000 };

/** An SDK pipeline policy that signs every request with HTTP basic credentials. */
function basicAuthPolicy(basic: {
  readonly username: string;
  readonly password: string;
}): NonNullable<ContainerRegistryClientOptions['additionalPolicies']>[number] {
  const header = `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`;
  return {
    position: 'perCall',
    policy: {
      name: 'promoterBasicAuth',
      sendRequest: (request, next) => {
        request.headers.set('Authorization', header);
        return next(request);
      },
    },
  };
}

const ACR_HOST = /\.azurecr\.(io|cn|us)$/i;

/** Whether `registry` (`host[:port]`) is an Azure Container Registry login server. */
export function isAcrHost(registry: string): boolean {
  return ACR_HOST.test(registry.replace(/:\d+$/, ''));
}

const sha256 = (bytes: Uint8Array): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/**
 * The `Registry` port over `@azure/container-registry`: manifests through one
 * `ContainerRegistryContentClient` per repository, tag properties and locks through one
 * `ContainerRegistryClient` per repository (ACR only), each created on first use and reused.
 * One SDK call per method, so one HTTP request unless the SDK retries, or, on ACR, first
 * answers an auth challenge (401, token exchange, the request again). The listings
 * (`acrListing.ts`) take one request per page: ACR's API through the SDK, elsewhere the OCI
 * distribution API over `fetch`, anonymously. `listReferrers` goes over the distribution API
 * (`src/adapters/oci/`), signed in with the same identity (ACR's token exchange) or anonymously.
 */
export function createAcrRegistry(options: AcrRegistryOptions): Registry {
  if (options.registry.includes('/'))
    throw new Error(`registry ${options.registry}: give host[:port], without scheme or path`);
  const endpoint = `https://${options.registry}`;
  const { credential } = options;
  const isAcr = options.isAcr ?? isAcrHost(options.registry);
  const timeoutInMs = options.timeoutInMs ?? 10_000;
  const { basic } = options;
  const clientOptions: ContainerRegistryClientOptions = {
    retryOptions,
    ...(options.audience === undefined ? {} : { audience: options.audience }),
    ...(basic === undefined ? {} : { additionalPolicies: [basicAuthPolicy(basic)] }),
  };

  const { content, acr } = createAcrClients(endpoint, credential, clientOptions);

  /** Runs one SDK call under the deadline; maps its failure to the port's error contract. */
  async function call<T>(doing: string, run: (abortSignal: AbortSignal) => Promise<T>) {
    try {
      return await run(AbortSignal.timeout(timeoutInMs));
    } catch (error) {
      throw registryFailure(doing, error, timeoutInMs);
    }
  }

  const listing = isAcr
    ? acrListing({ content, acr }, call)
    : distributionListing(endpoint, timeoutInMs, options.listPageSize);

  // The SDK has no referrers call: the distribution API, signed in as the SDK is.
  const oci = createOciClient({
    registry: options.registry,
    signIn:
      basic !== undefined
        ? { kind: 'basic', ...basic }
        : credential === undefined
          ? { kind: 'anonymous' }
          : { kind: 'azure' },
    credential,
    audience: options.audience,
    timeoutInMs,
  });
  const referrersState: ReferrersState = {};

  return {
    ...listing,

    listReferrers: (repository, digest) => listReferrers(oci, repository, digest, referrersState),

    async getManifest(repository, digest): Promise<RawManifest> {
      const doing = `fetching ${repository}@${digest}`;
      const got = await call(doing, (abortSignal) =>
        content(repository).getManifest(digest, { abortSignal }),
      );
      // The SDK checks this too; the port promises it, so it is not left to the SDK.
      const actual = sha256(got.content);
      if (actual !== digest)
        throw new Error(`${doing}: the registry returned other bytes (their digest is ${actual})`);
      return { content: got.content, mediaType: got.mediaType, digest };
    },

    async getBlob(repository, digest) {
      const doing = `fetching blob ${repository}@${digest}`;
      const bytes = await call(doing, async (abortSignal) => {
        const got = await content(repository).downloadBlob(digest, { abortSignal });
        const chunks: Buffer[] = [];
        for await (const chunk of got.content)
          chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
        return new Uint8Array(Buffer.concat(chunks));
      });
      const actual = sha256(bytes);
      if (actual !== digest)
        throw new Error(`${doing}: the registry returned other bytes (their digest is ${actual})`);
      return bytes;
    },

    async resolveTag(repository, tag) {
      const doing = `resolving ${repository}:${tag}`;
      try {
        // ACR answers from tag metadata; elsewhere the manifest GET is the only way the SDK
        // has (no HEAD), and its Docker-Content-Digest is checked against the bytes.
        return await call(doing, async (abortSignal) =>
          isAcr
            ? (
                await acr(repository)
                  .getArtifact(repository, tag)
                  .getTagProperties(tag, { abortSignal })
              ).digest
            : (await content(repository).getManifest(tag, { abortSignal })).digest,
        );
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },

    async putManifest(repository, tag, manifest) {
      const stored = await call(
        `tagging ${repository}@${manifest.digest} as ${tag}`,
        (abortSignal) =>
          // The exact bytes: re-serialising the parsed manifest would change its digest.
          content(repository).setManifest(Buffer.from(manifest.content), {
            tag,
            mediaType: manifest.mediaType,
            abortSignal,
          }),
      );
      return stored.digest;
    },

    async lockTag(repository, tag) {
      if (!isAcr) return false;
      await call(`locking ${repository}:${tag}`, (abortSignal) =>
        acr(repository)
          .getArtifact(repository, tag)
          .updateTagProperties(tag, { canWrite: false, canDelete: false, abortSignal }),
      );
      return true;
    },

    async deleteManifest(repository, digest) {
      const doing = `deleting ${repository}@${digest}`;
      let status: number | undefined;
      try {
        await call(doing, (abortSignal) =>
          content(repository).deleteManifest(digest, {
            abortSignal,
            // The SDK counts a 404 as success: the status tells deleted from missing.
            onResponse: (response) => {
              status = response.status;
            },
          }),
        );
      } catch (error) {
        if (isNotFound(error)) return 'not-found';
        throw deleteRefusal(doing, error) ?? error;
      }
      return status === 404 ? 'not-found' : 'deleted';
    },
  };
}

/**
 * Why the registry refused a delete, for the refusals an operator fixes in the registry: 405
 * (deletes switched off, or a locked manifest) and 401/403 (the identity may not delete).
 * Undefined for any other failure, which `registryFailure` has explained already.
 */
function deleteRefusal(doing: string, error: unknown): Error | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  const status = asRestError(cause)?.statusCode;
  if (status === 405)
    return new Error(
      `${doing}: HTTP 405: the registry does not allow this delete (a distribution registry needs storage.delete.enabled: true in its config; on ACR the manifest, or its repository, is locked: deleteEnabled false)`,
      { cause },
    );
  if (status === 401 || status === 403)
    return new Error(
      `${doing}: HTTP ${status}: the identity may not delete in this registry (on ACR grant AcrDelete, or "Container Registry Repository Contributor" on ABAC-enabled registries)`,
      { cause },
    );
  return undefined;
}
