/**
 * Where the reconciler left off in one repository: the newest tag update it has seen (ACR lists
 * tags newest first, so the next run can stop there) and when it last compared every tag.
 */
export interface ReconcileMark {
  /** The newest `updatedAt` of the tags listed so far (ISO 8601); undefined: none seen. */
  readonly listedUpTo?: string | undefined;
  /** When the last full comparison (every tag) finished (ISO 8601). */
  readonly fullSweepAt?: string | undefined;
}

/**
 * The reconciler's watermarks, kept in the ledger's storage (Azure Table Storage), one per
 * repository. Same error contract as `BuildLedger`. A lost or stale mark only makes the next
 * run list more: a mark is written after the listing it describes was handled.
 */
export interface ReconcileMarks {
  /** Every repository's mark, in one read. */
  readAll: () => Promise<ReadonlyMap<string, ReconcileMark>>;
  /** Replaces the mark of `repository`. */
  write: (repository: string, mark: ReconcileMark) => Promise<void>;
}
