import type { Pipeline } from './pipeline.js';
import { IMAGE_MANIFEST_MEDIA_TYPES, type RegistryEvent } from './registryEvents.js';

/** What to do with one registry event. */
export type EventDecision =
  | { readonly kind: 'ping' }
  /** A manifest or index pushed under a build tag: record the build. */
  | { readonly kind: 'record'; readonly gitSha: string; readonly tag: string }
  /** A manifest deleted from the registry: mark its build deleted, if recorded. */
  | { readonly kind: 'delete'; readonly digest: string }
  /** A push to a stage tag: promoter's own re-tag, or drift when promoter did not make it. */
  | { readonly kind: 'stage-tag'; readonly stage: string; readonly tag: string }
  /** Acknowledged, not acted on. `reason` tells the operator why. */
  | { readonly kind: 'ignore'; readonly reason: string };

/**
 * Decides what a registry event means for promoter. Only a push of an image manifest or
 * index under a build tag records a build; everything else is acknowledged, so the registry
 * stops redelivering, and the reason is reported.
 */
export function classifyEvent(event: RegistryEvent, pipeline: Pipeline): EventDecision {
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
      const gitSha = pipeline.buildTag.gitShaOf(event.tag);
      if (gitSha !== undefined) return { kind: 'record', gitSha, tag: event.tag };
      const stage = pipeline.stageOfTag(event.tag);
      if (stage) return { kind: 'stage-tag', stage: stage.name, tag: event.tag };
      return {
        kind: 'ignore',
        reason: `tag "${event.tag}" is not a build tag (${pipeline.buildTag.source})`,
      };
    }
  }
}
