import { parseTagTemplate } from './tagTemplate.js';

/** The default build tag pattern: CI pushes `myapp:git-a1b2c3d`. */
export const DEFAULT_BUILD_TAG = 'git-{sha}';

/** Recognises build tags and extracts the git SHA from them. */
export interface BuildTagPattern {
  readonly source: string;
  /** The lowercase git SHA (7–40 hex characters) when `tag` is a build tag, else undefined. */
  gitShaOf(tag: string): string | undefined;
  /** The build tag for `gitSha`. */
  format(gitSha: string): string;
}

/**
 * Compiles a build tag pattern: a tag template with exactly one `{sha}` placeholder and no
 * other, e.g. `git-{sha}` or `build-{sha}-linux`.
 */
export function compileBuildTagPattern(
  source: string,
): { ok: true; pattern: BuildTagPattern } | { ok: false; message: string } {
  const parsed = parseTagTemplate(source);
  if (!parsed.ok) return parsed;
  const { template } = parsed;
  if (!template.placeholders.has('sha') || template.placeholders.size !== 1)
    return {
      ok: false,
      message: `"${source}" must contain {sha} and no other placeholder, e.g. git-{sha}`,
    };
  return {
    ok: true,
    pattern: {
      source,
      gitShaOf(tag) {
        return template.pattern.exec(tag)?.groups?.sha;
      },
      format(gitSha) {
        return template.render({ sha: gitSha });
      },
    },
  };
}
