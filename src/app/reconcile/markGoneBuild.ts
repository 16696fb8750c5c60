import { gitShaCountOf, joinBounded, tagCountOf, type Build } from '../../domain/build.js';
import { NotFoundError } from '../../domain/errors.js';
import type { PushDeps } from '../push/handleRegistryEvents.js';
import { reconciledEvent, reconciledId } from './reconciledEvent.js';
import type { Comparison } from './reconcileReport.js';

/** A recorded build none of whose tags is listed: marked deleted if its manifest is gone. */
export async function markGoneBuild(
  deps: PushDeps,
  build: Build,
  dryRun: boolean,
  result: Comparison,
): Promise<void> {
  const { repository, digest } = build;
  try {
    await deps.registry.getManifest(repository, digest);
    return; // untagged, but still there
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  const reason = `the registry no longer holds ${digest} (${joinBounded(build.tags, tagCountOf(build))}) and no registry event said so`;
  if (!dryRun) {
    const at = deps.clock.now();
    const id = reconciledId('deleted', repository, digest);
    await deps.promotions.appendHistory(
      repository,
      reconciledEvent({
        id,
        reconciled: 'build-deleted',
        repository,
        stage: deps.pipeline.stages[0]?.name ?? 'build',
        digest,
        tags: build.tags,
        moreTags: tagCountOf(build) - build.tags.length,
        gitShas: build.gitShas,
        moreGitShas: gitShaCountOf(build) - build.gitShas.length,
        reason: `marked deleted: ${reason}`,
        at,
      }),
    );
    const marked = await deps.ledger.markBuildDeleted({ eventId: id, repository, digest, at });
    // Deleted once, pushed again and now gone again: the first id is spent.
    if (marked.kind === 'duplicate-event' && marked.build?.deletedAt === undefined)
      await deps.ledger.markBuildDeleted({
        eventId: `${id}-${at.getTime()}`,
        repository,
        digest,
        at,
      });
  }
  result.actions.push({
    kind: 'build-deleted',
    digest,
    tags: build.tags,
    reason: dryRun ? `would mark it deleted: ${reason}` : `marked deleted: ${reason}`,
  });
}
