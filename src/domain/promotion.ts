import type { RecordedApproval } from './outcomeEvent.js';

/**
 * One promotion: a digest entering a stage (for a version, where the stage's tag has one).
 * Approvals accumulate on it until the stage's quorum is met; then its tags are allocated
 * (`promoting`), written to the registry, and it is `promoted`.
 */
export interface Promotion {
  readonly repository: string;
  readonly stage: string;
  readonly digest: string;
  readonly version?: string | undefined;
  readonly status: 'pending' | 'promoting' | 'promoted' | 'rejected';
  /** The stage tags, allocated when the quorum is met (e.g. `1.2.3-rc2`). */
  readonly tags: readonly string[];
  /** The rc number `{n}` allocated for this promotion, if its tag uses one. */
  readonly n?: number | undefined;
  /** Every decision received, valid or expired, oldest first. */
  readonly approvals: readonly RecordedApproval[];
  /** Who asked for the promotion (may not approve it). */
  readonly requestedBy?: string | undefined;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly promotedAt?: string | undefined;
  /**
   * Why it was rejected; for one promoting or promoted, what its allocation had to work around
   * (rc numbers other digests held already), when anything.
   */
  readonly reason?: string | undefined;
}

/** Why a stage is held at its digest: a rollback, until someone unpins it. */
export interface StagePin {
  /** Who rolled back (approver id). */
  readonly by: string;
  readonly at: string;
  readonly reason: string;
  /** The rollback message. */
  readonly messageId: string;
  /** The digest the stage held before the rollback (what the outcome's `previousDigest` says). */
  readonly previousDigest?: string | undefined;
}

/** What a stage holds now. */
export interface StageHead {
  readonly stage: string;
  readonly digest: string;
  readonly version?: string | undefined;
  /** The stage's tags on this digest, immutable ones first, then floating ones (`release-latest`). */
  readonly tags: readonly string[];
  readonly promotedAt: string;
  /**
   * Set by a rollback: the stage stays at this digest, and promotions into it are refused,
   * until an unpin.
   */
  readonly pinned?: StagePin | undefined;
}

/** Identifies a promotion within its repository. */
export function promotionKey(p: {
  stage: string;
  version?: string | undefined;
  digest: string;
}): string {
  return `${p.stage}|${p.version ?? ''}|${p.digest}`;
}
