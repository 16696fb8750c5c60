import type { BuildSelector } from '../../domain/approvalMessage.js';
import type { Build } from '../../domain/build.js';
import { matchingCommits } from '../../domain/matchingCommits.js';
import { floatingTags, type Pipeline, type Stage } from '../../domain/pipeline.js';
import type { Promotion } from '../../domain/promotion.js';
import type { BuildLedger } from '../../ports/buildLedger.js';
import type { PromotionLedger } from '../../ports/promotionLedger.js';
/** The earlier promotion a rollback goes back to, or why there is none to go back to. */
export type RollbackTarget =
  | { readonly kind: 'found'; readonly promotion: Promotion; readonly build: Build }
  | { readonly kind: 'refused'; readonly reason: string; readonly build?: Build | undefined };

interface Deps {
  readonly ledger: BuildLedger;
  readonly promotions: PromotionLedger;
  readonly pipeline: Pipeline;
}

/**
 * Finds the promoted promotion of `stage` that `to` names: by the tag it wrote (`1.2.2`; a
 * build tag such as `git-a1b2c3d` names its git SHA), by digest, or by git SHA. A floating tag
 * names whatever a stage holds now, never an earlier promotion, so it is refused; so are a tag
 * of another stage, a promotion that never completed, and a build the registry deleted. When a
 * digest or commit entered the stage more than once, the latest of those promotions counts.
 */
export async function findRollbackTarget(
  repository: string,
  stage: Stage,
  to: BuildSelector,
  deps: Deps,
): Promise<RollbackTarget> {
  const found = await find(repository, stage, to, deps);
  if (found.kind === 'found' && found.build.deletedAt !== undefined)
    return {
      kind: 'refused',
      reason: `${found.build.digest} was deleted from the registry at ${found.build.deletedAt}; it cannot be put back into ${stage.name}`,
      build: found.build,
    };
  return found;
}

async function find(
  repository: string,
  stage: Stage,
  to: BuildSelector,
  deps: Deps,
): Promise<RollbackTarget> {
  const history = `\`promoter history ${repository}\` lists the earlier promotions of ${stage.name}`;
  if ('digest' in to) {
    const build = await deps.ledger.getBuildByDigest(repository, to.digest);
    if (!build) return refuse(`no build of ${repository} is recorded for ${to.digest}; ${history}`);
    return latestOf(
      repository,
      stage,
      [build],
      deps,
      `${to.digest} was never promoted to ${stage.name}; ${history}`,
    );
  }
  const sha = 'gitSha' in to ? to.gitSha : deps.pipeline.buildTag.gitShaOf(to.tag);
  if (sha !== undefined) {
    const [builds, recorded] = await Promise.all([
      deps.ledger.findBuildsByGitSha(repository, sha, 20),
      deps.ledger.findGitShas(repository, sha),
    ]);
    if (builds.length === 0)
      return refuse(`no build of ${repository} is recorded for git SHA ${sha}; ${history}`);
    const commits = matchingCommits(recorded, sha);
    if (commits.length > 1)
      return refuse(
        `git SHA ${sha} is ambiguous in ${repository} (${commits.join(', ')}): use more characters`,
      );
    return latestOf(
      repository,
      stage,
      builds,
      deps,
      `git SHA ${sha} was never promoted to ${stage.name}; ${history}`,
    );
  }
  if (!('tag' in to)) return refuse('name the promotion by its tag, digest or git SHA');
  const { tag } = to;
  const floatingOf = deps.pipeline.stages.find((s) => floatingTags(s).includes(tag));
  if (floatingOf)
    return refuse(
      `${tag} is a floating tag: it names whatever ${floatingOf.name} holds now, not an earlier promotion; name the promotion of ${stage.name} to go back to by its tag, digest or git SHA (${history})`,
    );
  const promotion = await deps.promotions.findPromotionByTag(repository, tag);
  if (!promotion) return refuse(`promoter wrote no tag ${tag} in ${repository}; ${history}`);
  if (promotion.stage !== stage.name)
    return refuse(
      `tag ${tag} was written by a promotion to ${promotion.stage}, not ${stage.name}: a rollback of ${stage.name} goes back to an earlier promotion of ${stage.name}`,
    );
  const build = await deps.ledger.getBuildByDigest(repository, promotion.digest);
  if (!build) return refuse(`no build of ${repository} is recorded for ${promotion.digest}`);
  if (promotion.status !== 'promoted')
    return refuse(
      `the promotion that allocated ${tag} is ${promotion.status}, not promoted: only a completed promotion can be gone back to`,
      build,
    );
  return { kind: 'found', promotion, build };
}

/** The latest promoted promotion of `stage` among those of `builds`' digests. */
async function latestOf(
  repository: string,
  stage: Stage,
  builds: readonly Build[],
  deps: Deps,
  never: string,
): Promise<RollbackTarget> {
  let best: { promotion: Promotion; build: Build } | undefined;
  for (const build of builds) {
    const ofDigest = await deps.promotions.listPromotionsOfDigest(repository, build.digest);
    for (const promotion of ofDigest)
      if (
        promotion.stage === stage.name &&
        promotion.status === 'promoted' &&
        (best === undefined || promotedAt(promotion) > promotedAt(best.promotion))
      )
        best = { promotion, build };
  }
  if (best) return { kind: 'found', ...best };
  return refuse(never, builds[0]);
}

const promotedAt = (p: Promotion) => p.promotedAt ?? p.updatedAt;

function refuse(reason: string, build?: Build): RollbackTarget {
  return { kind: 'refused', reason, build };
}
