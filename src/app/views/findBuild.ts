import type { Build } from '../../domain/build.js';
import { digestProblem } from '../../domain/imageReference.js';
import { matchingCommits } from '../../domain/matchingCommits.js';
import type { BuildLedger } from '../../ports/buildLedger.js';

/** What a git SHA or digest names in a repository. */
export type FoundBuild =
  | { readonly kind: 'found'; readonly build: Build }
  /** Neither a git SHA nor a valid digest: `problem` says why. */
  | { readonly kind: 'bad-ref'; readonly problem: string }
  /** Nothing is recorded for `ref` (the reference as looked up: a SHA in lowercase). */
  | { readonly kind: 'not-found'; readonly ref: string }
  /** A short SHA (`ref`, lowercase) that starts more than one commit: these full SHAs. */
  | { readonly kind: 'ambiguous'; readonly ref: string; readonly shas: readonly string[] };

const shaPattern = /^[0-9a-f]{7,40}$/;

/**
 * The build a git SHA (full, or a prefix of 7 or more hex digits that starts one commit only)
 * or a digest (`sha256:…`) names. The same commit built twice (a rebuild) gives two digests:
 * the newest is found. SHAs are matched case-insensitively; the caller validates the repository.
 */
export async function findBuild(
  ledger: BuildLedger,
  repository: string,
  rawRef: string,
): Promise<FoundBuild> {
  const ref = rawRef.includes(':') ? rawRef : rawRef.toLowerCase();
  if (ref.includes(':')) {
    const bad = digestProblem(ref);
    if (bad) return { kind: 'bad-ref', problem: bad };
    const build = await ledger.getBuildByDigest(repository, ref);
    return build ? { kind: 'found', build } : { kind: 'not-found', ref };
  }
  if (!shaPattern.test(ref))
    return {
      kind: 'bad-ref',
      problem: `"${rawRef}" is neither a git SHA (7–40 hex characters) nor a digest (sha256:…)`,
    };
  const [builds, recorded] = await Promise.all([
    ledger.findBuildsByGitSha(repository, ref, 20),
    ledger.findGitShas(repository, ref),
  ]);
  const first = builds[0];
  if (!first) return { kind: 'not-found', ref };
  const shas = matchingCommits(recorded, ref);
  return shas.length > 1 ? { kind: 'ambiguous', ref, shas } : { kind: 'found', build: first };
}
