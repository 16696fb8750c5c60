/** What the reconciler did (a dry run: would do) about one gap between registry and ledger. */
export type ReconcileAction =
  /** A build tag in the registry the ledger lacked: recorded, and its automatic promotion asked for. */
  | {
      readonly kind: 'build-recorded';
      readonly tag: string;
      readonly digest: string;
      readonly gitSha: string;
      /** The message id of the automatic first-stage promotion asked for, if any. */
      readonly promotionRequested?: string | undefined;
      readonly reason: string;
    }
  /**
   * A recorded build whose automatic first-stage promotion has no outcome (the request was
   * lost): asked for again under the message id the push asked with.
   */
  | {
      readonly kind: 'promotion-requested';
      readonly tag: string;
      readonly digest: string;
      readonly promotionRequested: string;
      readonly reason: string;
    }
  /**
   * A recorded build whose automatic promotion had no outcome, not asked for: it is older than
   * the first stage's head (or its age is unknown), so promoting it would move the stage back.
   */
  | {
      readonly kind: 'promotion-held';
      readonly tag: string;
      readonly digest: string;
      readonly reason: string;
    }
  /** A recorded build whose manifest the registry no longer holds: marked deleted. */
  | {
      readonly kind: 'build-deleted';
      readonly digest: string;
      readonly tags: readonly string[];
      readonly reason: string;
    }
  /** A stage tag on another digest than the ledger says: the push flow's drift handling. */
  | {
      readonly kind: 'drift';
      readonly tag: string;
      /** The digest found in the registry. */
      readonly digest: string;
      /** The digest the ledger says the tag should hold. */
      readonly expected: string;
      readonly restored: boolean;
      readonly reason: string;
    }
  /** A tag the ledger recorded as promoted that the registry lacks: reported (restored if enabled). */
  | {
      readonly kind: 'tag-missing';
      readonly tag: string;
      /** The digest the ledger says it holds. */
      readonly digest: string;
      readonly restored: boolean;
      readonly reason: string;
    }
  /** A tag made from a stage's template (`4.2.0-rc3`) that no promotion in the ledger made. */
  | {
      readonly kind: 'tag-unknown';
      readonly tag: string;
      readonly stage: string;
      readonly digest: string;
      readonly reason: string;
    };

/** One repository's comparison. */
export interface RepositoryReconcile {
  /** The build repository whose ledger the tags were compared with. */
  readonly repository: string;
  /**
   * Where the tags compared are, for a registry and repository stages keep their tags in
   * (`prodacr.azurecr.io/prod/myapp`); absent for the build repository itself.
   */
  readonly location?: string | undefined;
  /** Every tag compared (`full`), or only those updated since the last run (ACR's watermark). */
  readonly sweep: 'full' | 'since-watermark';
  /** Tags the registry listed. */
  readonly tagsListed: number;
  readonly actions: readonly ReconcileAction[];
  /** Actions that failed (the next run tries again), with why. */
  readonly failed: readonly { readonly action: string; readonly error: string }[];
  /** Why the repository could not be compared at all, if it could not. */
  readonly error?: string | undefined;
}

/** What a run cost. */
export interface ReconcileCost {
  /** Requests to the registry, counted at the port (a listing counts its pages). */
  readonly registryRequests: number;
  /** Requests to the ledger (Table Storage), counted at the ports (one per call). */
  readonly ledgerRequests: number;
  /** How long the run took. */
  readonly ms: number;
}

/** The result of a run. */
export interface ReconcileReport {
  readonly dryRun: boolean;
  /** When the run started (ISO 8601). */
  readonly at: string;
  /** The repository patterns the run was limited to (PROMOTER_RECONCILE_REPOSITORIES or one name). */
  readonly scope: string;
  readonly repositories: readonly RepositoryReconcile[];
  /** Why the registry's catalog could not be read (the ledger's repositories were still compared). */
  readonly catalogError?: string | undefined;
  readonly cost: ReconcileCost;
}

/** What comparing one repository found and did. */
export interface Comparison {
  readonly actions: ReconcileAction[];
  readonly failed: { readonly action: string; readonly error: string }[];
}
