import type { Condition } from './gatePolicy.js';

/** One approval as the ledger keeps it and events show it. */
export interface RecordedApproval {
  readonly approverId: string;
  readonly approverName?: string | undefined;
  readonly decision: 'approve' | 'reject';
  /** When the decision was made (ISO 8601). */
  readonly at: string;
  readonly messageId: string;
  readonly source: string;
  readonly comment?: string | undefined;
}

/**
 * Every kind of outcome:
 * - `promoted`, `pending`, `rejected`: what an approval message led to;
 * - `failed`: a message gave up after its last delivery (it goes to the dead-letter queue);
 * - `rolled-back`, `unpinned`: a rollback moved a stage's floating tags back and pinned it;
 *   an unpin released it;
 * - `drift`: a stage tag was moved in the registry by someone other than promoter;
 * - `deleted`: retention deleted a build that never went past the first stage;
 * - `reconciled`: the reconciler found the registry and the ledger apart and acted or reported
 *   (what it found is in `reconciled`): a build no event reported was recorded, a build whose
 *   manifest is gone was marked deleted, a promoted tag is missing, a stage tag no promotion owns.
 */
export const OUTCOME_KINDS = [
  'promoted',
  'pending',
  'rejected',
  'failed',
  'rolled-back',
  'unpinned',
  'drift',
  'deleted',
  'reconciled',
] as const;

/** What the reconciler found, for an outcome `reconciled`. */
export const RECONCILED_FINDINGS = [
  'build-recorded',
  'build-deleted',
  'tag-missing',
  'tag-unknown',
  'promotion-requested',
  'promotion-held',
] as const;

export type ReconciledFinding = (typeof RECONCILED_FINDINGS)[number];

export type OutcomeKind = (typeof OUTCOME_KINDS)[number];

/** What copying a digest into a stage in another registry or repository did (the history keeps it). */
export interface CopyFigures {
  /** Where it was copied from: `registry/repository`. */
  readonly from: string;
  readonly manifestsWritten: number;
  readonly blobsUploaded: number;
  readonly bytesUploaded: number;
  readonly blobsPresent: number;
  readonly blobsMounted: number;
  /** The referrers (signatures, SBOMs, attestations) copied with it, by digest. */
  readonly referrers: readonly string[];
  /** Registry requests (or ARM calls, for an ACR import) the copy made. */
  readonly requests: number;
}

/**
 * What happened to a promotion message (or what promoter noticed or did on its own: drift,
 * retention), announced on the `promotion-events` topic (the local host keeps them) and kept
 * in the history. `id` is unique per outcome, so subscribers can drop redelivered copies.
 */
export interface OutcomeEvent {
  readonly type: 'promotion.outcome';
  readonly id: string;
  readonly outcome: OutcomeKind;
  readonly repository: string;
  readonly stage: string;
  readonly version?: string | undefined;
  readonly digest?: string | undefined;
  readonly gitShas?: readonly string[] | undefined;
  /** How many more git SHAs the build has than `gitShas` lists (its lists are bounded). */
  readonly moreGitShas?: number | undefined;
  /** Tags written (promoted) or to be written (pending); a build's tags for `reconciled`. */
  readonly tags?: readonly string[] | undefined;
  /** How many more tags the build has than `tags` lists (for `reconciled`, of a build's tags). */
  readonly moreTags?: number | undefined;
  /** Valid approvals counted so far, and how many the stage requires. */
  readonly approvals?: readonly RecordedApproval[] | undefined;
  readonly required?: number | undefined;
  /** For pending: who may still approve (ids and groups; empty lists mean anyone allowed). */
  readonly eligible?:
    { readonly ids: readonly string[]; readonly groups: readonly string[] } | undefined;
  /** For rejected and failed: why, in words an operator can act on; for the others, the why given. */
  readonly reason?: string | undefined;
  /**
   * For `rolled-back`: the digest the stage held before. For `drift`: the digest the ledger
   * says the tag should hold (`digest` is the one found in the registry).
   */
  readonly previousDigest?: string | undefined;
  /** For `drift` and a missing tag (`reconciled`): whether promoter put the tag back (`restoreOnDrift`). */
  readonly restored?: boolean | undefined;
  /** For `reconciled`: what the reconciler found (and, with `restored`, whether it wrote a tag back). */
  readonly reconciled?: ReconciledFinding | undefined;
  /** The registry the stage's tags are in, when the stage names one (`prodacr.azurecr.io`). */
  readonly registry?: string | undefined;
  /** The repository the stage's tags are in, when it is not `repository` (`prod/myapp`). */
  readonly stageRepository?: string | undefined;
  /** For `promoted` into a stage in another registry or repository: what the copy did. */
  readonly copy?: CopyFigures | undefined;
  /** Who acted, for `rolled-back`, `unpinned` and `drift` (the registry's actor, when known). */
  readonly actor?: string | undefined;
  /**
   * For a promotion into a stage with gates (`checks`, `soak`, `evidence`): each condition
   * and whether it holds, as last evaluated; for pending, what it waits for.
   */
  readonly conditions?: readonly Condition[] | undefined;
  /** The approval message that led here. */
  readonly messageId: string;
  readonly at: string;
}
