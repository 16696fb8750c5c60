/**
 * The distinct commits among `shas` (the recorded SHAs starting with `prefix`, see
 * `BuildLedger.findGitShas`) that start with `prefix`. A short and a full SHA of one commit
 * (`a1b2c3d` and `a1b2c3d…`) are one commit, not an ambiguity.
 */
export function matchingCommits(shas: readonly string[], prefix: string): string[] {
  const matching = new Set(shas.filter((s) => s.startsWith(prefix)));
  return [...matching].filter((s) => ![...matching].some((o) => o !== s && o.startsWith(s)));
}
