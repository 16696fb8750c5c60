import type { Pipeline } from './pipeline.js';
import { referrerTagOf } from './referrerPush.js';
import { IMAGE_MANIFEST_MEDIA_TYPES, type RegistryEvent } from './registryEvents.js';

/** What to do with one registry event. */
export type EventDecision =
  | { readonly kind: 'ping' }
  /** A manifest or index pushed under a build tag: record the build. */
  | { readonly kind: 'record'; readonly gitSha: string; readonly tag: string }
  /** A manifest deleted from the registry: mark its build deleted, if recorded. */
  | { readonly kind: 'delete'; readonly digest: string }
  /**
   * A push to a stage tag: promoter's own re-tag, or drift when promoter did not make it.
   * `repository` is the build repository whose stage tag it is (the event's own, unless the
   * stage keeps its tags in a repository of its own).
   */
  | {
      readonly kind: 'stage-tag';
      readonly stage: string;
      readonly tag: string;
      readonly repository: string;
    }
  /** Acknowledged, not acted on. `reason` tells the operator why. */
  | { readonly kind: 'ignore'; readonly reason: string };

/**
 * Decides what a registry event means for promoter. Only a push of an image manifest or
 * index under a build tag records a build; everything else is acknowledged, so the registry
 * stops redelivering, and the reason is reported.
 *
 * An event from a registry the pipeline declares as a stage's (`registries`), other than the
 * build registry `buildRegistry`, is never a build nor a build's deletion: there promoter copies
 * digests and their referrers itself. Only a push under the tag of a stage kept in that
 * registry and repository is looked at (promoter's own write, or drift).
 * @param buildRegistry the login server builds are pushed to (`PROMOTER_REGISTRY`), if known.
 */
export function classifyEvent(
  event: RegistryEvent,
  pipeline: Pipeline,
  buildRegistry?: string,
): EventDecision {
  if (
    event.kind !== 'other' &&
    event.registry !== undefined &&
    event.registry !== buildRegistry &&
    pipeline.registries.some((r) => r.loginServer === event.registry)
  )
    return classifyAtStageRegistry(event, pipeline);
  switch (event.kind) {
    case 'other':
      if (event.action === 'ping') return { kind: 'ping' };
      if (event.action.startsWith('chart_'))
        return { kind: 'ignore', reason: `${event.action}: Helm charts are not promoted` };
      return { kind: 'ignore', reason: `action "${event.action}" is not acted on` };
    case 'delete':
      // A tag deletion leaves the manifest in place, so the build is still there.
      if (event.tag !== undefined || event.digest === undefined)
        return {
          kind: 'ignore',
          reason: `tag "${event.tag ?? ''}" was deleted; the manifest remains`,
        };
      return { kind: 'delete', digest: event.digest };
    case 'push': {
      if (!IMAGE_MANIFEST_MEDIA_TYPES.has(event.mediaType))
        return { kind: 'ignore', reason: `${event.mediaType} is not an image manifest or index` };
      if (event.tag === undefined)
        return { kind: 'ignore', reason: 'pushed by digest, without a tag' };
      // Before the build tag: a referrer is never a build, whatever the build tag pattern.
      const referrer = referrerTagOf(event.tag);
      if (referrer)
        return {
          kind: 'ignore',
          reason: `tag "${event.tag}" is a referrer's (${referrer.cosign === undefined ? 'the referrers tag schema' : `cosign's .${referrer.cosign}`} of ${referrer.subject}), not a build tag`,
        };
      const gitSha = pipeline.buildTag.gitShaOf(event.tag);
      if (gitSha !== undefined) return { kind: 'record', gitSha, tag: event.tag };
      const stage = pipeline.stageOfTag(event.tag);
      const here = stage && (stage.registry === undefined || stage.registry === buildRegistry);
      if (stage && here && stage.repository.sourceOf(event.repository))
        return {
          kind: 'stage-tag',
          stage: stage.name,
          tag: event.tag,
          repository: stage.repository.sourceOf(event.repository) ?? event.repository,
        };
      if (stage)
        return {
          kind: 'ignore',
          reason: `tag "${event.tag}" is a tag of stage ${stage.name}, whose tags are kept in ${stage.registry ?? 'the build registry'}/${stage.repository.source}, not here`,
        };
      return {
        kind: 'ignore',
        reason: `tag "${event.tag}" is not a build tag (${pipeline.buildTag.source})`,
      };
    }
  }
}

/** An event from a stage's registry (not the build registry): a stage tag, or nothing. */
function classifyAtStageRegistry(
  event: Extract<RegistryEvent, { kind: 'push' | 'delete' }>,
  pipeline: Pipeline,
): EventDecision {
  const where = `${event.registry ?? ''} is a registry promoter promotes into`;
  if (event.kind === 'delete')
    return { kind: 'ignore', reason: `${where}: a deletion there is no build's` };
  if (event.tag === undefined)
    return {
      kind: 'ignore',
      reason: `${where}: pushed by digest (promoter's own copy of a promoted digest or its referrers)`,
    };
  const tag = event.tag;
  for (const stage of pipeline.stages) {
    if (stage.registry !== event.registry) continue;
    const repository = stage.repository.sourceOf(event.repository);
    if (repository === undefined) continue;
    if (stage.latest === tag || stage.tag.pattern.test(tag))
      return { kind: 'stage-tag', stage: stage.name, tag, repository };
  }
  return {
    kind: 'ignore',
    reason: `${where}: tag "${tag}" is no stage's tag there (a referrer's tag, e.g. cosign's sha256-<hex>.sig, copied with a promoted digest, or someone else's)`,
  };
}
