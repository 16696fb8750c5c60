import type { OutcomeEvent } from './outcomeEvent.js';
import type { Stage } from './pipeline.js';

/**
 * The fields an outcome of `stage` carries to say where its tags are (`registry`,
 * `stageRepository`): none for a stage in the build registry under the build's own name, so
 * those outcomes read as before.
 * @param repository the build repository (`myapp`).
 */
export function stageLocationFields(
  stage: Pick<Stage, 'registry' | 'repository'> | undefined,
  repository: string,
): Pick<OutcomeEvent, 'registry' | 'stageRepository'> {
  if (stage === undefined) return {};
  const rendered = stage.repository.render(repository);
  return {
    ...(stage.registry !== undefined ? { registry: stage.registry } : {}),
    ...(rendered !== repository ? { stageRepository: rendered } : {}),
  };
}

/**
 * Where an outcome's tags are, for a stage kept in another registry or repository
 * (`prodacr.azurecr.io/myapp`); undefined for a stage in the build registry under the build's
 * repository name.
 */
export function outcomeLocation(
  event: Pick<OutcomeEvent, 'registry' | 'stageRepository' | 'repository'>,
): string | undefined {
  if (event.registry === undefined && event.stageRepository === undefined) return undefined;
  const repository = event.stageRepository ?? event.repository;
  return event.registry === undefined ? repository : `${event.registry}/${repository}`;
}

/** The outcome's tags, each as `prodacr.azurecr.io/myapp:1.2.3` when the stage is elsewhere. */
export function locatedTags(
  event: Pick<OutcomeEvent, 'registry' | 'stageRepository' | 'repository' | 'tags'>,
): readonly string[] | undefined {
  const at = outcomeLocation(event);
  return at === undefined ? event.tags : event.tags?.map((tag) => `${at}:${tag}`);
}

/** `2 blobs (1.2 MiB) uploaded, 1 present, 1 referrer`: what a copy into the stage did. */
export function describeCopy(copy: NonNullable<OutcomeEvent['copy']>): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const mib = (copy.bytesUploaded / (1024 * 1024)).toFixed(1);
  return [
    `copied from ${copy.from}: ${plural(copy.blobsUploaded, 'blob')} (${mib} MiB) uploaded`,
    `${copy.blobsPresent + copy.blobsMounted} present or mounted`,
    plural(copy.manifestsWritten, 'manifest'),
    plural(copy.referrers.length, 'referrer'),
  ].join(', ');
}
