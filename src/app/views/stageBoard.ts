import { shortDigest } from '../../domain/shortDigest.js';
import type { OutcomeEvent, RecordedApproval } from '../../domain/outcomeEvent.js';
import { floatingTags, type Pipeline } from '../../domain/pipeline.js';
import type { StagePin } from '../../domain/promotion.js';
import { stillEligible, type StillEligible } from '../../domain/stillEligible.js';
import type { Registry } from '../../ports/registry.js';
import type { Clock } from '../../ports/clock.js';
import type { BuildLedger } from '../../ports/buildLedger.js';
import type { PromotionLedger } from '../../ports/promotionLedger.js';
import type { CheckLedger } from '../../ports/checkLedger.js';
import type { Condition } from '../../domain/gatePolicy.js';
import { repositoryStatus } from './repositoryStatus.js';

/** How many of the newest outcome events the board shows. */
export const BOARD_EVENTS = 10;

/** How many dead letters the board shows at most, newest first, however old. */
export const BOARD_DEAD_LETTERS = 100;

/** One column of the board: what a stage holds now, or nothing yet (`digest: null`). */
export type StageCard =
  | {
      readonly stage: string;
      /** The stage needs no approval (the system promotes into it). */
      readonly automatic: boolean;
      readonly digest: null;
    }
  | {
      readonly stage: string;
      readonly automatic: boolean;
      readonly digest: string;
      /** `sha256:` and the first 12 hex digits. */
      readonly shortDigest: string;
      readonly version?: string;
      /** The stage's tags on the digest: immutable ones first, then floating ones. */
      readonly tags: readonly string[];
      /**
       * Where the tags are, for a stage in another registry or repository
       * (`prodacr.azurecr.io/myapp`); absent for one in the build registry under the build's name.
       */
      readonly location?: string;
      /** Which of `tags` move from digest to digest (`dev-latest`, `release-latest`). */
      readonly floatingTags: readonly string[];
      readonly gitShas: readonly string[];
      /** The approvals the promotion into the stage was decided on, oldest first. */
      readonly approvedBy: readonly RecordedApproval[];
      readonly promotedAt: string;
      /** Seconds since `promotedAt`, by the clock. */
      readonly ageSeconds: number;
      /** Set while a rollback holds the stage at this digest. */
      readonly pinned?: StagePin;
    };

/** A promotion waiting for approvals, with who may still give them. */
export interface PendingCard {
  readonly stage: string;
  readonly digest: string;
  readonly shortDigest: string;
  readonly version?: string;
  readonly gitShas: readonly string[];
  /** Who pushed the build, when the registry said (may not approve it). */
  readonly author?: string;
  readonly requestedBy?: string;
  readonly requestedAt: string;
  readonly required: number;
  /** Every approve decision received so far, oldest first (expired ones included). */
  readonly approvedBy: readonly RecordedApproval[];
  readonly mayStillApprove: StillEligible;
  /** A gated stage's conditions, ✓ or ✗ each, with who reported and links (`PendingStatus`). */
  readonly conditions?: readonly Condition[];
}

/** A repository's board: the body of `GET /api/repositories/{repository}/stages`. */
export interface StageBoard {
  readonly repository: string;
  /** When the board was read (the clock's now). */
  readonly at: string;
  /** Every stage of the pipeline, in order. */
  readonly stages: readonly StageCard[];
  readonly pending: readonly PendingCard[];
  /** The newest outcome events, newest first (at most `BOARD_EVENTS`). */
  readonly events: readonly OutcomeEvent[];
  /**
   * Messages that gave up after their last delivery (outcome `failed`), newest first, however
   * old: at most `BOARD_DEAD_LETTERS`.
   */
  readonly deadLetters: readonly OutcomeEvent[];
  /** Set when there are more dead letters than `deadLetters` shows. */
  readonly moreDeadLetters?: true;
}

export interface StageBoardDeps {
  readonly promotions: PromotionLedger;
  readonly ledger: BuildLedger;
  readonly pipeline: Pipeline;
  readonly clock: Clock;
  readonly checks: CheckLedger;
  /** For the evidence of a pending promotion whose stage lists some. */
  readonly registry: Registry;
}

const approvalsOnly = (approvals: readonly RecordedApproval[]) =>
  approvals.filter((a) => a.decision === 'approve');

/**
 * What a person needs to see of one repository: per stage, the tags on its digest, the git
 * SHAs, who approved it and when, how long ago, whether it is pinned; the promotions waiting
 * for approvals and who may still approve (however old); the newest outcome events; the newest
 * dead-lettered messages (however old). Reads the ledger only (never the registry): key
 * ranges of their own for pending promotions and dead letters, so their number, not the
 * length of the history or the number of builds, bounds the rows read. The caller validates
 * the repository name.
 */
export async function stageBoard(deps: StageBoardDeps, repository: string): Promise<StageBoard> {
  const { promotions, ledger, pipeline } = deps;
  const now = deps.clock.now();
  const [status, { outcomes }, dead] = await Promise.all([
    repositoryStatus(deps, repository),
    promotions.listHistory(repository, { limit: BOARD_EVENTS }),
    promotions.listDeadLetters(repository, { limit: BOARD_DEAD_LETTERS }),
  ]);
  const stages = await Promise.all(
    status.stages.map(async (s): Promise<StageCard> => {
      const stage = pipeline.stage(s.stage);
      const automatic = stage?.approval.required === 0;
      if (s.digest === null) return { stage: s.stage, automatic, digest: null };
      const promotion = await promotions.getPromotion(repository, s);
      const floating = stage ? floatingTags(stage) : [];
      return {
        stage: s.stage,
        automatic,
        digest: s.digest,
        shortDigest: shortDigest(s.digest),
        ...(s.version !== undefined ? { version: s.version } : {}),
        tags: s.tags,
        ...(s.location !== undefined ? { location: s.location } : {}),
        floatingTags: s.tags.filter((t) => floating.includes(t)),
        gitShas: s.gitShas,
        approvedBy: approvalsOnly(promotion?.approvals ?? []),
        promotedAt: s.promotedAt,
        ageSeconds: Math.max(0, Math.floor((now.getTime() - Date.parse(s.promotedAt)) / 1000)),
        ...(s.pinned ? { pinned: s.pinned } : {}),
      };
    }),
  );
  const pending = await Promise.all(
    status.pending.map(async (p): Promise<PendingCard | undefined> => {
      const stage = pipeline.stage(p.stage);
      if (!stage) return undefined;
      const build = await ledger.getBuildByDigest(repository, p.digest);
      const author = build?.pushedBy;
      return {
        stage: p.stage,
        digest: p.digest,
        shortDigest: shortDigest(p.digest),
        ...(p.version !== undefined ? { version: p.version } : {}),
        gitShas: build?.gitShas ?? [],
        ...(author !== undefined ? { author } : {}),
        ...(p.requestedBy !== undefined ? { requestedBy: p.requestedBy } : {}),
        requestedAt: p.createdAt,
        required: stage.approval.required,
        approvedBy: approvalsOnly(p.approvals),
        mayStillApprove: stillEligible(stage, {
          approvals: p.approvals,
          author,
          requester: p.requestedBy,
          now,
        }),
        ...(p.conditions !== undefined ? { conditions: p.conditions } : {}),
      };
    }),
  );
  return {
    repository,
    at: now.toISOString(),
    stages,
    pending: pending.filter((p): p is PendingCard => p !== undefined),
    events: outcomes,
    deadLetters: dead.outcomes,
    ...(dead.nextCursor === undefined ? {} : { moreDeadLetters: true }),
  };
}
