/**
 * Which repositories the reconciler looks at (PROMOTER_RECONCILE_REPOSITORIES): a
 * comma-separated list of patterns over OCI repository names, where `*` stands for any
 * characters but `/` and `**` for any characters at all (`team/*`, `team/**`, `myapp`). Pure.
 */

/** The default: every repository. */
export const ALL_REPOSITORIES = '**';

/** A compiled pattern list. */
export interface RepositoryPatterns {
  readonly source: string;
  matches(repository: string): boolean;
}

const PATTERN = /^[a-z0-9._/*-]+$/;

/** Why `source` is not a pattern list, or undefined. */
export function repositoryPatternsProblem(source: string): string | undefined {
  const patterns = source.split(',').map((p) => p.trim());
  for (const pattern of patterns) {
    if (pattern === '') return 'has an empty pattern; separate patterns with single commas';
    if (!PATTERN.test(pattern))
      return `"${pattern}" is not a repository pattern: use lowercase names, /, and * or ** (e.g. team/*,myapp)`;
  }
  return undefined;
}

/** Compiles a pattern list already checked by `repositoryPatternsProblem`. */
export function compileRepositoryPatterns(source: string): RepositoryPatterns {
  const expressions = source
    .split(',')
    .map((p) => p.trim())
    .map((pattern) => {
      const body = pattern
        .split('**')
        .map((part) =>
          part
            .split('*')
            .map((literal) => literal.replace(/[.]/g, '\\.'))
            .join('[^/]*'),
        )
        .join('.*');
      return new RegExp(`^${body}$`);
    });
  return { source, matches: (repository) => expressions.some((e) => e.test(repository)) };
}
