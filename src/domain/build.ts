/** A recorded build: one manifest digest in one repository, and the git SHAs it was pushed as. */
export interface Build {
  readonly repository: string;
  /** The manifest (or index) digest the build tag pointed at when pushed. */
  readonly digest: string;
  /**
   * Git SHAs whose build tags pointed at this digest, in the order they were recorded: all of
   * them up to `BUILD_LIST_LIMIT`, then the first and the newest (see `recordInList`).
   * `gitShaCount` says how many there are in all.
   */
  readonly gitShas: readonly string[];
  /** How many git SHAs the digest has in all; absent means `gitShas.length`. */
  readonly gitShaCount?: number | undefined;
  /** The build tags seen for this digest, in the order they were recorded: bounded as `gitShas`. */
  readonly tags: readonly string[];
  /** How many build tags the digest has in all; absent means `tags.length`. */
  readonly tagCount?: number | undefined;
  readonly mediaType: string;
  /** Registry host the push was made to, e.g. `myacr.azurecr.io`. */
  readonly registry: string;
  /** Who pushed it first, as the registry names them (`actor.name`), when it says. */
  readonly pushedBy?: string | undefined;
  /** When promoter first recorded the digest (ISO 8601, UTC). */
  readonly recordedAt: string;
  /**
   * When the digest was first pushed (ISO 8601, UTC): the registry event's timestamp; for a
   * build the reconciler recorded, the tag's last update in ACR's listing, or where the listing
   * has no times (the distribution registry) the image config's `created` (its build time).
   * Absent when nothing said, and on builds recorded before promoter kept it.
   */
  readonly pushedAt?: string | undefined;
  /**
   * The id of the registry event that first recorded the digest (the reconciler's own id for a
   * build it recorded): the automatic first-stage promotion's message id derives from it, so
   * the reconciler can ask again under the same id. Absent on builds recorded before promoter
   * kept it.
   */
  readonly eventId?: string | undefined;
  /** When the registry reported the manifest deleted, if it did. */
  readonly deletedAt?: string | undefined;
}

/**
 * How many git SHAs (and, apart, build tags) a build carries: the first and the newest 19.
 * Reproducible builds push one digest for many commits, so the lists must not grow with
 * history. 20 covers every digest built once or rebuilt a few times (all of its SHAs shown),
 * keeps the first (its release tag renders it) and the newest (what was just pushed), and
 * stays small: 20 tags of OCI's longest (128 characters) are about 2,600 characters, far below
 * a Table Storage property's 32,768. The complete lists are in the ledger's index rows.
 */
export const BUILD_LIST_LIMIT = 20;

/**
 * `list` with `item` recorded last, kept to `BUILD_LIST_LIMIT`: the first entry stays, the
 * oldest of the others goes.
 */
export function recordInList(list: readonly string[], item: string): string[] {
  return boundList([...list, item]);
}

/** The first entry of `list` and its newest, `BUILD_LIST_LIMIT` in all. */
export function boundList(list: readonly string[]): string[] {
  return list.length > BUILD_LIST_LIMIT
    ? [...list.slice(0, 1), ...list.slice(list.length - BUILD_LIST_LIMIT + 1)]
    : [...list];
}

/** How many git SHAs the build has in all. */
export const gitShaCountOf = (build: Build): number => build.gitShaCount ?? build.gitShas.length;

/** How many build tags the build has in all. */
export const tagCountOf = (build: Build): number => build.tagCount ?? build.tags.length;

/** `a, b, c`, or `a, b, c and 7 more` when the list holds 3 of 10. */
export function joinBounded(list: readonly string[], total: number, separator = ', '): string {
  const more = total - list.length;
  return more > 0 ? `${list.join(separator)} and ${String(more)} more` : list.join(separator);
}
