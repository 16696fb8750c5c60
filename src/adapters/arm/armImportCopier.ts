import type { ImportImageParameters } from '@azure/arm-containerregistry';
import type { TokenCredential } from '@azure/identity';
import { NotFoundError, TransientError } from '../../domain/errors.js';
import { parseRegistryResourceId } from '../../domain/registryDeclaration.js';
import type { CopyReport, ImageCopier, ImageLocation } from '../../ports/imageCopier.js';
import type { Registry } from '../../ports/registry.js';
import { asRestError, networkCode } from '../sdkErrors.js';

export { parseRegistryResourceId };

/** One ARM import into a target registry (`registries.importImage`, awaited to its end). */
export type ImportImage = (
  target: { subscriptionId: string; resourceGroup: string; name: string },
  parameters: ImportImageParameters,
) => Promise<void>;

export interface ArmImportCopierOptions {
  /** The ARM resource id of each ACR promoter copies between, by login server. */
  readonly resourceIdOf: (loginServer: string) => string | undefined;
  /** The source's `Registry`, for its referrers (`listReferrers`). */
  readonly registryAt: (loginServer: string) => Registry;
  /** The ARM call; by default `@azure/arm-containerregistry` with `credential`. */
  readonly importImage?: ImportImage | undefined;
  readonly credential?: TokenCredential | undefined;
}

/** `registries.importImage` through `@azure/arm-containerregistry`, one client per subscription. */
function sdkImport(credential: TokenCredential): ImportImage {
  const clients = new Map<
    string,
    Promise<import('@azure/arm-containerregistry').ContainerRegistryManagementClient>
  >();
  return async (target, parameters) => {
    let client = clients.get(target.subscriptionId);
    if (!client) {
      client = import('@azure/arm-containerregistry').then(
        ({ ContainerRegistryManagementClient }) =>
          new ContainerRegistryManagementClient(credential, target.subscriptionId),
      );
      clients.set(target.subscriptionId, client);
    }
    await (await client).registries.importImage(target.resourceGroup, target.name, parameters);
  };
}

/**
 * The `ImageCopier` from one Azure Container Registry to another by server-side import through
 * Azure Resource Manager (`az acr import`): no layer passes through the function. The digest is
 * imported by digest into the target repository without a tag (`untaggedTargetRepositories`),
 * then each of its referrers by digest, those found under a cosign tag under that tag too;
 * every import in mode `NoForce`, which fails rather than move a tag the target holds already
 * (promoter writes the stage's own tags afterwards, through the target's `Registry`, after
 * checking them). Import is idempotent for a manifest the target holds. Failures: ARM 429,
 * 5xx and connection failures are `TransientError`, a 404 `NotFoundError`, the rest (403: the
 * identity lacks `importImage/action` on the target or read on the source) a plain Error with
 * ARM's answer. Blob figures are not known to the caller of an import: they are reported 0.
 */
export function createArmImportCopier(options: ArmImportCopierOptions): ImageCopier {
  const importImage =
    options.importImage ??
    (options.credential === undefined ? undefined : sdkImport(options.credential));
  if (importImage === undefined)
    throw new Error('the ARM import copier needs a credential (the app’s managed identity)');
  const idOf = (location: ImageLocation, role: string) => {
    const id = options.resourceIdOf(location.registry);
    const parsed = id === undefined ? undefined : parseRegistryResourceId(id);
    if (id === undefined || parsed === undefined)
      throw new Error(
        `${role} ${location.registry}: an ARM import needs its resource id (registries.${location.registry}.resourceId)`,
      );
    return { id, parsed };
  };
  return {
    async copy(source, target, digest): Promise<CopyReport> {
      const from = idOf(source, 'source');
      const into = idOf(target, 'target');
      let requests = 0;
      const run = async (what: string, parameters: ImportImageParameters) => {
        requests++;
        try {
          await importImage(into.parsed, parameters);
        } catch (error) {
          throw armFailure(`importing ${what} into ${target.registry}/${target.repository}`, error);
        }
      };
      const imported = (ref: string, tags: readonly string[] = []): ImportImageParameters => ({
        source: { resourceId: from.id, sourceImage: `${source.repository}@${ref}` },
        ...(tags.length > 0
          ? { targetTags: tags.map((t) => `${target.repository}:${t}`) }
          : { untaggedTargetRepositories: [target.repository] }),
        mode: 'NoForce',
      });
      await run(digest, imported(digest));
      const listing = await options
        .registryAt(source.registry)
        .listReferrers(source.repository, digest);
      for (const referrer of listing.referrers)
        await run(
          `referrer ${referrer.digest}`,
          imported(referrer.digest, referrer.tag === undefined ? [] : [referrer.tag]),
        );
      return {
        digest,
        manifestsWritten: 1 + listing.referrers.length,
        blobsUploaded: 0,
        bytesUploaded: 0,
        blobsPresent: 0,
        blobsMounted: 0,
        referrers: listing.referrers.map((r) => r.digest),
        requests: requests + listing.requests,
      };
    },
  };
}

/** An ARM failure in the port's terms (see `createArmImportCopier`). */
export function armFailure(doing: string, error: unknown): Error {
  const rest = asRestError(error);
  const status = rest?.statusCode;
  const answer =
    error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
  if (status === 404) return new NotFoundError(`${doing}: ${answer}`);
  if (status === 408 || status === 429 || (status !== undefined && status >= 500))
    return new TransientError(`${doing}: HTTP ${status}: ${answer}`);
  const code = networkCode(error);
  if (status === undefined && code !== undefined)
    return new TransientError(`${doing}: ${code}: ${answer}`);
  return new Error(`${doing}: ${status === undefined ? '' : `HTTP ${status}: `}${answer}`);
}

/**
 * Picks, per copy, ARM import when both registries are ACRs whose resource ids are known, else
 * the distribution-API copier.
 */
export function createCompositeCopier(options: {
  readonly arm: ImageCopier | undefined;
  readonly distribution: ImageCopier;
  readonly useArm: (source: ImageLocation, target: ImageLocation) => boolean;
}): ImageCopier {
  return {
    copy: (source, target, digest) =>
      options.arm !== undefined && options.useArm(source, target)
        ? options.arm.copy(source, target, digest)
        : options.distribution.copy(source, target, digest),
  };
}
