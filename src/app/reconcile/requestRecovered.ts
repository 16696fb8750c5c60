import type { Build } from '../../domain/build.js';
import type { Promotion, StageHead } from '../../domain/promotion.js';
import type { PushDeps } from '../push/handleRegistryEvents.js';
import type { Comparison } from './reconcileReport.js';
import { pushTimeOf, type Candidate } from './findCandidates.js';
import { settleCandidate, type Held } from './settleCandidate.js';

/**
 * Asks for the automatic first-stage promotion of the recovered builds so that no stage moves
 * backwards: a candidate is asked for only when it was pushed after every other build the
 * ledger holds for the repository (deleted ones aside) and after the stage's head, and the
 * candidates are asked for oldest first, so the newest ends as the head. A candidate with no
 * push time is asked for only when the repository has no other build and no head. A candidate
 * not asked for is recorded, and the history says why under the request's message id, so
 * later runs and a late delivery of a lost request leave it alone. A candidate with a promotion
 * into the first stage already is not asked for again.
 */
export async function requestRecovered(
  deps: PushDeps,
  repository: string,
  candidates: readonly Candidate[],
  context: {
    readonly builds: readonly Build[];
    readonly promotions: readonly Promotion[];
    readonly head: StageHead | undefined;
    readonly dryRun: boolean;
    readonly result: Comparison;
  },
): Promise<void> {
  const { dryRun, result, promotions } = context;
  const first = deps.pipeline.stages[0];
  const automatic = first !== undefined && first.approval.required === 0;
  const stage = first?.name ?? '';
  const decided = new Set(promotions.filter((p) => p.stage === stage).map((p) => p.digest));
  const bound = newestOther(context.builds, promotions, context.head, stage, candidates);
  const ordered = [...candidates].sort(
    (a, b) => ms(a.pushedAt ?? '') - ms(b.pushedAt ?? '') || (a.digest < b.digest ? -1 : 1),
  );
  const alone = candidates.length === 1 && bound === undefined;
  for (const candidate of ordered) {
    const held: Held =
      !automatic || decided.has(candidate.digest)
        ? { ask: false }
        : candidate.pushedAt === undefined
          ? alone
            ? { ask: true }
            : {
                ask: false,
                why: `the registry gives no push time to tell it is newer than ${bound?.label ?? 'the other builds recovered with it'}`,
              }
          : bound !== undefined && ms(candidate.pushedAt) <= bound.ms
            ? { ask: false, why: `older than ${bound.label}` }
            : { ask: true };
    await settleCandidate(deps, repository, candidate, held, dryRun, result);
  }
}

/**
 * The newest build of the repository other than the candidates, by push time: the first
 * stage's head (its promotion time when its push time is unknown), a build with a promotion
 * into the first stage, and every recorded build not deleted. With words for it.
 */
function newestOther(
  builds: readonly Build[],
  promotions: readonly Promotion[],
  head: StageHead | undefined,
  stage: string,
  candidates: readonly Candidate[],
): { readonly ms: number; readonly label: string } | undefined {
  const skip = new Set(candidates.map((c) => c.digest));
  const byDigest = new Map(builds.map((b) => [b.digest, b]));
  let bound: { ms: number; label: string } | undefined;
  const consider = (
    digest: string,
    fallback: string | undefined,
    label: (tag: string) => string,
  ) => {
    const build = byDigest.get(digest);
    const at = (build && pushTimeOf(build)) ?? fallback;
    if (at !== undefined && (bound === undefined || ms(at) > bound.ms))
      bound = { ms: ms(at), label: label(build?.tags[0] ?? digest) };
  };
  for (const build of builds)
    if (build.deletedAt === undefined && !skip.has(build.digest) && build.digest !== head?.digest)
      consider(build.digest, undefined, (tag) => `${tag}, which the ledger holds already`);
  for (const p of promotions)
    if (p.stage === stage && p.status !== 'rejected' && p.digest !== head?.digest)
      consider(p.digest, p.createdAt, (tag) => `${tag}, which ${stage} was asked for already`);
  if (head !== undefined)
    consider(head.digest, head.promotedAt, (tag) => `the ${stage} head ${tag}`);
  return bound;
}

const ms = (iso: string): number => {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
};
