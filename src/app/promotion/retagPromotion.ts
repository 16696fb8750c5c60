import type { ApprovalMessage } from '../../domain/approvalMessage.js';
import type { Build } from '../../domain/build.js';
import { NotFoundError, TransientError } from '../../domain/errors.js';
import type { Stage } from '../../domain/pipeline.js';
import type { CopyFigures } from '../../domain/outcomeEvent.js';
import type { Promotion } from '../../domain/promotion.js';
import { commitStep, MAX_ATTEMPTS, type PromoteDeps, type Step } from './commitStep.js';
import { outcomeOf } from './promotionOutcome.js';
import { putExactManifest } from './putExactManifest.js';
import { describeLocation, sameLocation, stagePlace, type StagePlace } from './stagePlace.js';

/**
 * Writes the allocated tags in the stage's registry, then records the promotion and the stage
 * head. A stage in another registry or repository gets the digest copied there first (with its
 * referrers, `ImageCopier`), after its immutable tags were found free there, and the copy's
 * figures go into the history.
 * @param seen what the registry held under a tag when it was allocated just before (undefined:
 *   no such tag), so an immutable tag is not looked up twice; every other one is looked up.
 */
export async function retagPromotion(
  message: Pick<ApprovalMessage, 'id' | 'repository' | 'stage' | 'version'>,
  promotion: Promotion,
  build: Build,
  stage: Stage,
  deps: PromoteDeps,
  seen: ReadonlyMap<string, string | undefined> = new Map(),
): Promise<Step> {
  const repo = promotion.repository;
  const target = stagePlace(stage, repo, deps);
  const { registry } = target;
  const at = target.location.repository;
  const doing = `promoting ${repo}@${promotion.digest} to ${stage.name}`;
  const stopBecause = (reason: string) => stop(message, promotion, build, stage, deps, reason);
  // An immutable tag is looked up first: one another digest holds at the target stops the
  // promotion before anything is copied or written, so nothing moves.
  const current = new Map<string, string | undefined>();
  for (const tag of stage.immutable ? promotion.tags : []) {
    const held = seen.has(tag) ? seen.get(tag) : await registry.resolveTag(at, tag);
    if (held !== undefined && held !== promotion.digest)
      return stopBecause(
        `tag ${tag} already exists in ${target.elsewhere ? describeLocation(target.location) : 'the registry'} and points to ${held}; immutable tags never move`,
      );
    current.set(tag, held);
  }
  let copy: CopyFigures | undefined;
  if (target.elsewhere) {
    const copied = await copyInto(stage, repo, promotion.digest, target, deps);
    if (copied.kind === 'gone') return stopBecause(copied.reason);
    copy = copied.copy;
  }
  let manifest;
  try {
    manifest = await registry.getManifest(at, promotion.digest);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    return stopBecause(`${promotion.digest} is no longer in the registry`);
  }
  for (const tag of promotion.tags) {
    // A floating tag may move; an immutable one was checked above, so nothing promoter did not
    // write (drift) and nothing another digest holds is ever overwritten.
    if (current.get(tag) === undefined) await putExactManifest(registry, at, tag, manifest, doing);
    if (stage.immutable) await registry.lockTag(at, tag);
  }
  // The stage's floating tag follows every promotion (and a rollback moves it back).
  const floating = stage.latest === undefined ? [] : [stage.latest];
  for (const tag of floating) await putExactManifest(registry, at, tag, manifest, doing);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const now = deps.clock.now();
    const state = await deps.promotions.getRepositoryState(repo);
    const promoted: Promotion = {
      ...promotion,
      status: 'promoted',
      promotedAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    const heads = {
      ...state.heads,
      [stage.name]: {
        stage: stage.name,
        digest: promotion.digest,
        ...(promotion.version !== undefined ? { version: promotion.version } : {}),
        tags: [...promotion.tags, ...floating],
        promotedAt: now.toISOString(),
      },
    };
    // A note from the allocation (rc numbers skipped) goes into the history with the outcome.
    const outcome = outcomeOf(message, 'promoted', now, {
      build,
      promotion: promoted,
      stage,
      reason: promotion.reason,
      copy,
    });
    const done = await deps.promotions.commit(repo, {
      expectedEtag: state.etag,
      heads,
      promotions: [promoted],
      outcome,
    });
    if (done.kind === 'committed') return { kind: 'done', outcome };
  }
  throw new TransientError(
    `${doing}: the tags are written but recording the promotion kept conflicting; retry`,
  );
}

/**
 * Copies the digest into the stage's registry and repository from where the stage's `from`
 * stage holds it (the build registry for the first stage, or one whose `from` is there). The
 * copier is idempotent, so a redelivery after a failure resumes the copy.
 */
async function copyInto(
  stage: Stage,
  repository: string,
  digest: string,
  target: StagePlace,
  deps: PromoteDeps,
): Promise<{ kind: 'copied'; copy: CopyFigures | undefined } | { kind: 'gone'; reason: string }> {
  const from = stage.from === undefined ? undefined : deps.pipeline.stage(stage.from);
  const source = stagePlace(from, repository, deps).location;
  // The from stage is there already (a stage after the first one in that registry).
  if (sameLocation(source, target.location)) return { kind: 'copied', copy: undefined };
  if (!deps.copier)
    throw new Error(
      `stage ${stage.name} is in ${describeLocation(target.location)}, but promoter was given no image copier`,
    );
  try {
    const report = await deps.copier.copy(source, target.location, digest);
    if (report.digest !== digest)
      throw new Error(
        `copying ${digest} to ${describeLocation(target.location)}: the target stored ${report.digest}`,
      );
    return {
      kind: 'copied',
      copy: {
        from: describeLocation(source),
        manifestsWritten: report.manifestsWritten,
        blobsUploaded: report.blobsUploaded,
        bytesUploaded: report.bytesUploaded,
        blobsPresent: report.blobsPresent,
        blobsMounted: report.blobsMounted,
        referrers: report.referrers,
        requests: report.requests,
      },
    };
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    return {
      kind: 'gone',
      reason: `${digest} is no longer in ${describeLocation(source)}, so it cannot be copied to ${describeLocation(target.location)}`,
    };
  }
}

/** Ends a promotion that cannot go on (registry contradicts it): recorded as rejected. */
async function stop(
  message: Pick<ApprovalMessage, 'id' | 'repository' | 'stage' | 'version'>,
  promotion: Promotion,
  build: Build,
  stage: Stage,
  deps: PromoteDeps,
  reason: string,
): Promise<Step> {
  const now = deps.clock.now();
  const state = await deps.promotions.getRepositoryState(promotion.repository);
  const stopped: Promotion = {
    ...promotion,
    status: 'rejected',
    reason,
    updatedAt: now.toISOString(),
  };
  const outcome = outcomeOf(message, 'rejected', now, { build, promotion: stopped, stage, reason });
  return commitStep(deps, promotion.repository, state, { promotions: [stopped], outcome });
}
