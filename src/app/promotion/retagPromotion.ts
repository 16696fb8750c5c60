import type { ApprovalMessage } from '../../domain/approvalMessage.js';
import type { Build } from '../../domain/build.js';
import { NotFoundError, TransientError } from '../../domain/errors.js';
import type { Stage } from '../../domain/pipeline.js';
import type { Promotion } from '../../domain/promotion.js';
import { commitStep, MAX_ATTEMPTS, type PromoteDeps, type Step } from './commitStep.js';
import { outcomeOf } from './promotionOutcome.js';
import { putExactManifest } from './putExactManifest.js';

/**
 * Writes the allocated tags in the registry, then records the promotion and the stage head.
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
  const { registry } = deps;
  const repo = promotion.repository;
  const doing = `promoting ${repo}@${promotion.digest} to ${stage.name}`;
  const stopBecause = (reason: string) => stop(message, promotion, build, stage, deps, reason);
  let manifest;
  try {
    manifest = await registry.getManifest(repo, promotion.digest);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    return stopBecause(`${promotion.digest} is no longer in the registry`);
  }
  for (const tag of promotion.tags) {
    // A floating tag may move; an immutable one is checked, so nothing promoter did not
    // write (drift) and nothing another digest holds is ever overwritten.
    const current = !stage.immutable
      ? undefined
      : seen.has(tag)
        ? seen.get(tag)
        : await registry.resolveTag(repo, tag);
    if (current !== undefined && current !== promotion.digest)
      return stopBecause(
        `tag ${tag} already exists in the registry and points to ${current}; immutable tags never move`,
      );
    if (current === undefined) await putExactManifest(registry, repo, tag, manifest, doing);
    if (stage.immutable) await registry.lockTag(repo, tag);
  }
  // The stage's floating tag follows every promotion (and a rollback moves it back).
  const floating = stage.latest === undefined ? [] : [stage.latest];
  for (const tag of floating) await putExactManifest(registry, repo, tag, manifest, doing);
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
