import type { Pipeline, Stage } from '../../domain/pipeline.js';
import type { ImageLocation } from '../../ports/imageCopier.js';
import type { Registry } from '../../ports/registry.js';
import {
  describeLocation,
  stagePlace,
  stageRegistry,
  type RegistriesDeps,
} from '../promotion/stagePlace.js';

/**
 * One place a build repository's tags are in: the build registry's repository (its builds, and
 * the stages kept there), or a registry and repository other stages keep their tags in
 * (`prodacr.azurecr.io/prod/myapp`), where promoter copies promoted digests and writes nothing
 * else.
 */
export interface TagPlace {
  readonly location: ImageLocation;
  /** Whether builds are pushed here (the build registry under the build's own name). */
  readonly builds: boolean;
  /** The stages whose tags are here, in pipeline order. */
  readonly stages: readonly Stage[];
  /**
   * The place's registry seen by build repository name (`stageRegistry`): calls name the
   * build repository (`myapp`), and reach the place's own repository.
   */
  readonly registry: Registry;
  /** Its reconciler mark's name: the build repository, or `myapp@prodacr.azurecr.io/prod/myapp`. */
  readonly markKey: string;
}

/**
 * The places `repository`'s tags are in: the build place first (also when no stage is kept
 * there), then each other one, in the order of their first stage. A stage whose registry
 * promoter cannot reach throws (`stagePlace`).
 */
export function tagPlaces(
  pipeline: Pick<Pipeline, 'stages'>,
  repository: string,
  deps: RegistriesDeps,
): TagPlace[] {
  const build = stagePlace(undefined, repository, deps).location;
  const places = new Map<string, { location: ImageLocation; stages: Stage[] }>([
    [describeLocation(build), { location: build, stages: [] }],
  ]);
  for (const stage of pipeline.stages) {
    const { location } = stagePlace(stage, repository, deps);
    const key = describeLocation(location);
    const place = places.get(key) ?? { location, stages: [] };
    place.stages.push(stage);
    places.set(key, place);
  }
  return [...places.entries()].map(([key, place], i) => {
    const first = place.stages[0];
    const builds = i === 0;
    return {
      location: place.location,
      builds,
      stages: place.stages,
      registry: builds || first === undefined ? deps.registry : stageRegistry(first, deps),
      markKey: builds ? repository : `${repository}@${key}`,
    };
  });
}

/** The stage of `place` whose tag `tag` is (`release-latest`, `1.2.3`), if any. */
export function stageOfTagIn(place: Pick<TagPlace, 'stages'>, tag: string): Stage | undefined {
  return place.stages.find((s) => s.latest === tag || s.tag.pattern.test(tag));
}

/**
 * Whether `name`, in the build registry's catalog, is a repository stages keep their tags in
 * (`prod/myapp` for a stage with `"repository": "prod/{repository}"` and no registry of its
 * own), not one builds are pushed to: its tags are compared with the build repository's.
 */
export function isStageRepository(
  pipeline: Pick<Pipeline, 'stages'>,
  name: string,
  deps: Pick<RegistriesDeps, 'buildRegistry'>,
): boolean {
  return pipeline.stages.some((stage) => {
    if (stage.registry !== undefined && stage.registry !== deps.buildRegistry) return false;
    const source = stage.repository.sourceOf(name);
    return source !== undefined && source !== name;
  });
}
