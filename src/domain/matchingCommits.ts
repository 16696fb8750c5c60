import type { Build } from './build.js';

/**
 * The distinct commits among `builds` whose SHAs start with `prefix`. A short and a full SHA
 * of one commit (`a1b2c3d` and `a1b2c3d…`) are one commit, not an ambiguity.
 */
export function matchingCommits(builds: readonly Build[], prefix: string): string[] {
  const shas = new Set(builds.flatMap((b) => b.gitShas.filter((s) => s.startsWith(prefix))));
  return [...shas].filter((s) => ![...shas].some((o) => o !== s && o.startsWith(s)));
}
