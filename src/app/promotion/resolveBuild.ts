import type { BuildSelector } from '../../domain/approvalMessage.js';
import type { Build } from '../../domain/build.js';
import { matchingCommits } from '../../domain/matchingCommits.js';
import type { Pipeline } from '../../domain/pipeline.js';
import type { BuildLedger } from '../../ports/buildLedger.js';
import type { PromotionLedger, RepositoryState } from '../../ports/promotionLedger.js';
/** The build a message names, with the version its tag implies (an rc tag names one). */
export type ResolvedBuild =
  | { readonly kind: 'found'; readonly build: Build; readonly impliedVersion?: string | undefined }
  | { readonly kind: 'unknown'; readonly reason: string };

/**
 * Resolves `{gitSha}`, `{digest}` or `{tag}` to a recorded build. A tag may be a build tag
 * (`git-a1b2c3d`), a stage tag promoter wrote (`1.2.3-rc2`: its promotion names the digest
 * and version), or a floating stage tag (`dev-latest`: what the stage holds now). Promotion
 * is always by digest; the registry is never asked what a tag points to.
 */
export async function resolveBuild(
  repository: string,
  selector: BuildSelector,
  deps: {
    ledger: BuildLedger;
    promotions: PromotionLedger;
    pipeline: Pipeline;
    state: RepositoryState;
  },
): Promise<ResolvedBuild> {
  if ('digest' in selector) return byDigest(repository, selector.digest, deps.ledger);
  if ('gitSha' in selector) return bySha(repository, selector.gitSha, deps.ledger);
  const { tag } = selector;
  const sha = deps.pipeline.buildTag.gitShaOf(tag);
  if (sha !== undefined) return bySha(repository, sha, deps.ledger);
  const promotion = await deps.promotions.findPromotionByTag(repository, tag);
  if (promotion) {
    const found = await byDigest(repository, promotion.digest, deps.ledger);
    return found.kind === 'found' ? { ...found, impliedVersion: promotion.version } : found;
  }
  const head = Object.values(deps.state.heads).find((h) => h.tags.includes(tag));
  if (head) return byDigest(repository, head.digest, deps.ledger);
  return { kind: 'unknown', reason: `no build of ${repository} is known by tag ${tag}` };
}

async function byDigest(
  repository: string,
  digest: string,
  ledger: BuildLedger,
): Promise<ResolvedBuild> {
  const build = await ledger.getBuildByDigest(repository, digest);
  if (!build)
    return { kind: 'unknown', reason: `no build of ${repository} is recorded for ${digest}` };
  return { kind: 'found', build };
}

async function bySha(repository: string, sha: string, ledger: BuildLedger): Promise<ResolvedBuild> {
  const [builds, recorded] = await Promise.all([
    ledger.findBuildsByGitSha(repository, sha, 20),
    ledger.findGitShas(repository, sha),
  ]);
  const first = builds[0];
  if (!first)
    return { kind: 'unknown', reason: `no build of ${repository} is recorded for git SHA ${sha}` };
  const distinct = matchingCommits(recorded, sha);
  if (distinct.length > 1)
    return {
      kind: 'unknown',
      reason: `git SHA ${sha} is ambiguous in ${repository} (${distinct.join(', ')}): use more characters`,
    };
  // The same commit built twice: the newest build is the one meant.
  return { kind: 'found', build: first };
}
