import type { TokenCredential } from '@azure/identity';
import type { ImageCopier, RegistrySignIn } from '../ports/imageCopier.js';
import { createCompositeCopier } from '../adapters/arm/armImportCopier.js';
import type { Pipeline } from '../domain/pipeline.js';
import type { Registry } from '../ports/registry.js';
import { once } from './azureClients.js';

/** The registries promoter writes in besides the build registry, and the copier between them. */
export interface Registries {
  /** The build registry's login server (`PROMOTER_REGISTRY`). */
  readonly buildRegistry: string | undefined;
  /** The `Registry` of the build registry or of a declared one, by login server. */
  readonly registryAt: (loginServer: string) => Registry;
  /** Copies a digest between any two of them (`ImageCopier`). */
  readonly copier: ImageCopier;
}

export interface RegistriesOptions {
  /** The build registry's login server, its adapter and how promoter signs in to it. */
  readonly buildRegistry: string | undefined;
  readonly registry: Registry;
  readonly buildSignIn: 'azure' | 'anonymous';
  /** The declared registries' sign-ins (`registrySignIns`). */
  readonly signIns: ReadonlyMap<string, RegistrySignIn>;
  /** The app's identity, asked for only when a registry signs in with it. */
  readonly identity: () => Promise<TokenCredential>;
  /**
   * The ARM resource id of each ACR that has one, by login server: the declared registries'
   * `resourceId`, and the build registry's (`PROMOTER_REGISTRY_RESOURCE_ID` or its declaration).
   */
  readonly resourceIds?: ReadonlyMap<string, string> | undefined;
  /** The copiers, for tests; by default the distribution copier and the ARM import copier. */
  readonly copiers?: { readonly distribution: ImageCopier; readonly arm: ImageCopier } | undefined;
}

/**
 * The ARM resource ids `createRegistries` uses: each declared registry's `resourceId`, and the
 * build registry's from `PROMOTER_REGISTRY_RESOURCE_ID`, else from its own declaration. Only
 * registries promoter signs in to with Azure identity have one (validated at load).
 */
export function registryResourceIds(
  declared: Pipeline['registries'],
  build: { readonly registry: string | undefined; readonly resourceId: string | undefined },
): ReadonlyMap<string, string> {
  const ids = new Map<string, string>();
  for (const d of declared)
    if (d.signIn === 'azure' && d.resourceId !== undefined) ids.set(d.loginServer, d.resourceId);
  if (build.registry !== undefined && build.resourceId !== undefined)
    ids.set(build.registry, build.resourceId);
  return ids;
}

/** A Registry whose adapter (and SDK) is created on the first call. */
export function lazyRegistry(get: () => Promise<Registry>): Registry {
  return {
    getManifest: async (repo, digest) => (await get()).getManifest(repo, digest),
    getBlob: async (repo, digest) => (await get()).getBlob(repo, digest),
    resolveTag: async (repo, tag) => (await get()).resolveTag(repo, tag),
    putManifest: async (repo, tag, manifest) => (await get()).putManifest(repo, tag, manifest),
    lockTag: async (repo, tag) => (await get()).lockTag(repo, tag),
    deleteManifest: async (repo, digest) => (await get()).deleteManifest(repo, digest),
    listRepositories: async () => (await get()).listRepositories(),
    listTags: async (repo, options) => (await get()).listTags(repo, options),
    listReferrers: async (repo, digest) => (await get()).listReferrers(repo, digest),
  };
}

/**
 * The declared registries' adapters, each created on first use and kept (an ACR, or one
 * signed in to with Azure identity: `createAcrRegistry`; any other: `createOciRegistry`), and
 * the copier:
 * server-side ARM import (`createArmImportCopier`) when source and target are both ACRs
 * promoter signs in to with Azure identity and whose resource ids are known, else the OCI
 * distribution API (`createDistributionCopier`); each module imported on its first copy.
 */
export function createRegistries(options: RegistriesOptions): Registries {
  const { buildRegistry, signIns } = options;
  const signInOf = (server: string): RegistrySignIn => {
    if (server === buildRegistry) return { kind: options.buildSignIn };
    const signIn = signIns.get(server);
    if (!signIn)
      throw new Error(
        `registry ${server} is not declared in the pipeline's registries: promoter does not know how to sign in to it`,
      );
    return signIn;
  };
  const adapters = new Map<string, Registry>();
  const registryAt = (server: string): Registry => {
    if (server === buildRegistry) return options.registry;
    const signIn = signInOf(server);
    let adapter = adapters.get(server);
    if (!adapter) {
      adapter = lazyRegistry(
        once(async () => {
          const { createAcrRegistry, isAcrHost } = await import('../adapters/acr/acrRegistry.js');
          // Not an ACR, nor signed in to with Azure identity (GHCR, Harbor, Docker Hub, a
          // distribution registry): the distribution API, which answers their token challenge.
          if (signIn.kind !== 'azure' && !isAcrHost(server)) {
            const { createOciRegistry } = await import('../adapters/oci/ociRegistry.js');
            return createOciRegistry({ registry: server, signIn });
          }
          return createAcrRegistry({
            registry: server,
            ...(signIn.kind === 'azure' ? { credential: await options.identity() } : {}),
            ...(signIn.kind === 'basic'
              ? { basic: { username: signIn.username, password: signIn.password } }
              : {}),
          });
        }),
      );
      adapters.set(server, adapter);
    }
    return adapter;
  };
  const usesIdentity =
    options.buildSignIn === 'azure' || [...signIns.values()].some((s) => s.kind === 'azure');
  const distribution = once(async () => {
    const { createDistributionCopier } = await import('../adapters/oci/distributionCopier.js');
    return createDistributionCopier({
      signIn: signInOf,
      ...(usesIdentity ? { credential: await options.identity() } : {}),
    });
  });
  const resourceIds = options.resourceIds ?? new Map<string, string>();
  const arm = once(async () => {
    const { createArmImportCopier } = await import('../adapters/arm/armImportCopier.js');
    return createArmImportCopier({
      resourceIdOf: (server) => resourceIds.get(server),
      registryAt,
      credential: await options.identity(),
    });
  });
  const viaArm = (server: string) => resourceIds.has(server) && signInOf(server).kind === 'azure';
  const copiers = options.copiers;
  return {
    buildRegistry,
    registryAt,
    copier: createCompositeCopier({
      arm: copiers?.arm ?? { copy: async (...args) => (await arm()).copy(...args) },
      distribution: copiers?.distribution ?? {
        copy: async (...args) => (await distribution()).copy(...args),
      },
      useArm: (source, target) => viaArm(source.registry) && viaArm(target.registry),
    }),
  };
}
