/**
 * One reported result of a named check (a vulnerability scan, end-to-end tests) on one
 * digest, as the ledger keeps it: the latest result of each check on a digest counts.
 */
export interface CheckResult {
  readonly repository: string;
  readonly digest: string;
  /** The check's name, as stages list it (`trivy`). */
  readonly name: string;
  readonly conclusion: 'success' | 'failure';
  /** Who or what reported it (a pipeline identity, `github:octocat`). */
  readonly reporter: string;
  readonly detailsUrl?: string | undefined;
  readonly summary?: string | undefined;
  /** When the check concluded (ISO 8601): a result older than the recorded one is ignored. */
  readonly at: string;
  /** The check message that reported it: a redelivery of it counts once. */
  readonly messageId: string;
}

/** The conclusions a check may report. */
export const CHECK_CONCLUSIONS = ['success', 'failure'] as const;

/**
 * Whether `incoming` replaces `recorded` as the result that counts: the same message again
 * does not (a redelivery), nor does a result that concluded before the recorded one.
 */
export function replacesCheck(recorded: CheckResult | undefined, incoming: CheckResult): boolean {
  if (recorded === undefined) return true;
  if (recorded.messageId === incoming.messageId) return false;
  return Date.parse(incoming.at) >= Date.parse(recorded.at);
}
