import type { Stage } from '../../domain/pipeline.js';
import type { ImageCopier, ImageLocation } from '../../ports/imageCopier.js';
import type { Registry } from '../../ports/registry.js';

/** The registries a promotion may write in: the build registry, and the declared ones. */
export interface RegistriesDeps {
  /** The registry builds are pushed to (`PROMOTER_REGISTRY`). */
  readonly registry: Registry;
  /** Its login server, for copies and messages; undefined: not configured (tests, a bare host). */
  readonly buildRegistry?: string | undefined;
  /** The `Registry` of a declared registry (the pipeline's `registries`), by login server. */
  readonly registryAt?: ((loginServer: string) => Registry) | undefined;
  /** Copies a digest, with its referrers, into a stage in another registry or repository. */
  readonly copier?: ImageCopier | undefined;
}

/** Where a stage's tags are, and the registry adapter that writes them. */
export interface StagePlace {
  readonly location: ImageLocation;
  readonly registry: Registry;
  /** Whether the stage names a registry or repository of its own (its digests are copied there). */
  readonly elsewhere: boolean;
}

/** What the build registry is called in locations when its login server is not configured. */
export const BUILD_REGISTRY = '(build registry)';

/**
 * Where `stage` keeps the tags of build repository `repository`: its declared registry and its
 * repository template, else the build registry under the same name. `stage` undefined: the build
 * itself (where CI pushed it).
 */
export function stagePlace(
  stage: Pick<Stage, 'name' | 'registry' | 'repository'> | undefined,
  repository: string,
  deps: RegistriesDeps,
): StagePlace {
  const build = deps.buildRegistry ?? BUILD_REGISTRY;
  const server = stage?.registry ?? build;
  const name = stage ? stage.repository.render(repository) : repository;
  const location = { registry: server, repository: name };
  const elsewhere = server !== build || name !== repository;
  if (server === build) return { location, registry: deps.registry, elsewhere };
  if (!deps.registryAt)
    throw new Error(
      `stage ${stage?.name ?? ''} writes in registry ${server}, but promoter was given no way to reach it`,
    );
  return { location, registry: deps.registryAt(server), elsewhere };
}

/** Whether two locations are the same repository of the same registry. */
export const sameLocation = (a: ImageLocation, b: ImageLocation): boolean =>
  a.registry === b.registry && a.repository === b.repository;

/** `prodacr.azurecr.io/myapp`, or with a tag `prodacr.azurecr.io/myapp:1.2.3`. */
export const describeLocation = (location: ImageLocation, tag?: string): string =>
  `${location.registry}/${location.repository}${tag === undefined ? '' : `:${tag}`}`;

/**
 * The stage's registry seen by build repository name: each call's repository (`myapp`) is the
 * stage's (`prod/myapp`), in the stage's registry. For the use cases written per build
 * repository (drift, restore, rollback) that act on one stage's tags.
 */
export function stageRegistry(
  stage: Pick<Stage, 'name' | 'registry' | 'repository'>,
  deps: RegistriesDeps,
): Registry {
  const build = deps.buildRegistry ?? BUILD_REGISTRY;
  const server = stage.registry ?? build;
  const same = stage.repository.render('x') === 'x';
  if (server === build && same) return deps.registry;
  const registry = stagePlace(stage, 'x', deps).registry;
  const at = (repository: string) => stage.repository.render(repository);
  return {
    getManifest: (repo, digest) => registry.getManifest(at(repo), digest),
    getBlob: (repo, digest) => registry.getBlob(at(repo), digest),
    resolveTag: (repo, tag) => registry.resolveTag(at(repo), tag),
    putManifest: (repo, tag, manifest) => registry.putManifest(at(repo), tag, manifest),
    lockTag: (repo, tag) => registry.lockTag(at(repo), tag),
    deleteManifest: (repo, digest) => registry.deleteManifest(at(repo), digest),
    listRepositories: () => registry.listRepositories(),
    listTags: (repo, options) => registry.listTags(at(repo), options),
    listReferrers: (repo, digest) => registry.listReferrers(at(repo), digest),
  };
}
