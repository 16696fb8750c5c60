/**
 * Removes idempotency markers once they are past their window: the registry event markers of
 * the builds ledger (`event|` rows: what makes a redelivered registry event a duplicate) and
 * the replay guard's rows once expired. Never the history, never a build or promotion, and
 * not the promotion ledger's message outcomes: those are read long after (a rollback's pin
 * is in flight until its outcome exists; the reconciler reports a finding once by its id).
 * Reads only the markers' own key ranges, deletes in transactions of at most 100 rows of one
 * partition, and removes a marker only when its own time says it is past the window, so a
 * marker still inside it keeps recognising a redelivery. Same error contract as `BuildLedger`.
 */
export interface MarkerSweep {
  /** Removes `repository`'s registry event markers handled before `before`; how many. */
  sweepEventMarkers: (repository: string, before: Date) => Promise<number>;
  /** Removes the replay guard's rows that expired before `before`; how many. */
  sweepReplays: (before: Date) => Promise<number>;
}
