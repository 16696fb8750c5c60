import type { CheckResult } from '../domain/checkResult.js';

/**
 * The check results of each digest: per repository, digest and check name, the latest result
 * (`replacesCheck`). Bounded by design: one row per digest and check name, whatever the number
 * of reports. Same error contract as `BuildLedger` (TransientError when the store is
 * unavailable).
 */
export interface CheckLedger {
  /**
   * Keeps `result` as the one that counts for its digest and name, unless the recorded one
   * is the same message (`duplicate`: a redelivery) or concluded later (`stale`).
   */
  recordCheck: (
    result: CheckResult,
  ) => Promise<{ readonly kind: 'recorded' | 'duplicate' | 'stale' }>;
  /** The latest result of every check reported on `digest`, in name order (one key range read). */
  listChecks: (repository: string, digest: string) => Promise<readonly CheckResult[]>;
}
