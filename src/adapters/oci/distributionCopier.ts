import type { TokenCredential } from '@azure/identity';
import type { ImageCopier, ImageLocation, RegistrySignIn } from '../../ports/imageCopier.js';
import { CopyRun } from './distributionCopyRun.js';
import { createOciClient, type OciClient } from './ociClient.js';
import type { ReferrersState } from './ociReferrers.js';

/** How the copier reaches registries. */
export interface DistributionCopierOptions {
  /** How promoter signs in to each registry it copies from or to (the pipeline's `registries`). */
  readonly signIn: (registry: string) => RegistrySignIn;
  /** The identity for registries signed in to with `kind: 'azure'` (ACR's token exchange). */
  readonly credential?: TokenCredential | undefined;
  /** Entra ID audience of ACR (sovereign clouds); default `https://containerregistry.azure.net`. */
  readonly audience?: string | undefined;
  /** Deadline of each request without a streamed body (30 s). */
  readonly timeoutInMs?: number | undefined;
  /**
   * How long a streamed blob may go without a byte moving before the copy gives up with a
   * `TransientError` (30 s): a deadline on progress, not on the whole blob, so a large layer
   * on a slow link is not cut off while it moves.
   */
  readonly idleTimeoutInMs?: number | undefined;
  /** Blobs of one manifest copied at a time (4). */
  readonly concurrency?: number | undefined;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** The distribution spec's repository name grammar. */
const NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;

/**
 * The `ImageCopier` over the OCI distribution API, for any pair of registries (ACR to ACR goes
 * through ARM import instead). One copy:
 * 1. HEADs the digest at the target: there already (a redelivery, or another stage of the same
 *    registry), its whole tree is there too, since registries take a manifest only once what
 *    it references is stored; then only the referrers are looked at.
 * 2. Else GETs the manifest, checks its digest, copies every child manifest of an index
 *    first (depth first, each written before its parent), and each blob of an image manifest:
 *    on the same registry a cross-repository mount (one POST); elsewhere a HEAD at the target,
 *    and only when it is missing, a POST for an upload and one PUT whose body streams the
 *    source's GET through a sha256 check (never a whole blob in memory; the registry checks
 *    the `digest` too). Then PUTs the exact bytes by digest and checks the digest answered.
 * 3. Copies the referrers of the digest (`listReferrers` at the source) and theirs, each
 *    as in 2: one found under a cosign tag is written under that tag at the target too, unless
 *    the target's tag points elsewhere (then the target's is left alone); one found by its
 *    subject is, where the target does not index subjects itself (no `OCI-Subject` in the
 *    PUT's answer), added to the target's referrers tag schema index `sha256-<hex>`.
 * No tag of the image is written. Idempotent: a copy cut off part way resumes, uploading
 * nothing the target holds. Requests and uploaded bytes are counted in the report.
 */
export function createDistributionCopier(options: DistributionCopierOptions): ImageCopier {
  const clients = new Map<string, { client: OciClient; referrers: ReferrersState }>();
  const idleMs = options.idleTimeoutInMs ?? 30_000;
  const concurrency = Math.max(1, options.concurrency ?? 4);

  function clientOf(registry: string) {
    let found = clients.get(registry);
    if (found === undefined) {
      found = {
        client: createOciClient({
          registry,
          signIn: options.signIn(registry),
          credential: options.credential,
          audience: options.audience,
          timeoutInMs: options.timeoutInMs,
        }),
        referrers: {},
      };
      clients.set(registry, found);
    }
    return found;
  }

  return {
    async copy(source, target, digest) {
      checkLocation('source', source);
      checkLocation('target', target);
      if (!DIGEST.test(digest))
        throw new Error(`digest: "${digest}" is not a sha256 digest (sha256:<64 hex>)`);
      const run = new CopyRun(
        clientOf(source.registry),
        clientOf(target.registry),
        source,
        target,
        {
          idleMs,
          concurrency,
        },
      );
      return run.copy(digest);
    },
  };
}

function checkLocation(field: 'source' | 'target', location: ImageLocation): void {
  if (location.registry === '' || location.registry.includes('/'))
    throw new Error(
      `${field}.registry: "${location.registry}" is not a login server (host[:port])`,
    );
  if (!NAME.test(location.repository))
    throw new Error(`${field}.repository: "${location.repository}" is not a repository name`);
}
