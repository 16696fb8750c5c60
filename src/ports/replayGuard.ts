/**
 * Remembers request ids (a Teams activity id, a signature) so that a replayed request is
 * refused. `claim` is atomic: of two concurrent claims of one id, exactly one gets true.
 * Same error contract as `BuildLedger`.
 */
export interface ReplayGuard {
  /** True the first time `id` is claimed in `scope` (until `expiresAt`); false for a replay. */
  claim: (scope: string, id: string, expiresAt: Date) => Promise<boolean>;
}
