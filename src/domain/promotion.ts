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
  /** Why it was rejected. */
  readonly reason?: string | undefined;
}

/** What a stage holds now. */
export interface StageHead {
  readonly stage: string;
  readonly digest: string;
  readonly version?: string | undefined;
  readonly tags: readonly string[];
  readonly promotedAt: string;
}

/** Identifies a promotion within its repository. */
export function promotionKey(p: {
  stage: string;
  version?: string | undefined;
  digest: string;
}): string {
  return `${p.stage}|${p.version ?? ''}|${p.digest}`;
}
