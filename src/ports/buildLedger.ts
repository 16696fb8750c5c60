import type { Build } from '../domain/build.js';

/** What the webhook saw: a manifest pushed under a build tag. */
export interface BuildPush {
  /** Registry event id: the idempotency key for the delivery. */
  readonly eventId: string;
  readonly repository: string;
  readonly digest: string;
  readonly gitSha: string;
  readonly tag: string;
  readonly mediaType: string;
  readonly registry: string;
  /** Who pushed, as the registry names them, when it does (the distribution registry's `actor.name`). */
  readonly pushedBy?: string | undefined;
  /** When promoter handles the push (from the Clock). */
  readonly at: Date;
  /** When the registry says it was pushed (ISO 8601), if it says: kept on a new build as `pushedAt`. */
  readonly pushedAt?: string | undefined;
}

/** Outcome of recording a push. */
export type RecordBuildResult =
  /** The digest was new, or known and this git SHA / tag was added to it (or it was un-deleted). */
  | { readonly kind: 'recorded'; readonly build: Build }
  /** The digest already held this git SHA and tag: nothing changed. */
  | { readonly kind: 'already-recorded'; readonly build: Build }
  /** This event id was handled before (a redelivery): nothing changed. */
  | { readonly kind: 'duplicate-event'; readonly build: Build | undefined };

/** Outcome of a manifest deletion. */
export type MarkDeletedResult =
  | { readonly kind: 'deleted'; readonly build: Build }
  /** No build is recorded for the digest; nothing changed. */
  | { readonly kind: 'unknown-build' }
  | { readonly kind: 'duplicate-event'; readonly build: Build | undefined };

/** A build tag recorded for a digest. */
export interface BuildTag {
  readonly tag: string;
  readonly digest: string;
}

/** One page of builds, newest first. */
export interface BuildPage {
  readonly builds: readonly Build[];
  /** Opaque cursor for the next page; absent on the last page. */
  readonly nextCursor?: string | undefined;
}

/**
 * The ledger: the audit trail and source of truth, in Azure Table Storage.
 *
 * Contract for every method:
 * - Safe under concurrency: writes that race are settled with ETags (compare-and-swap), never
 *   by last-writer-wins; a lost race is re-read and retried, so no write is lost.
 * - Idempotent on event id: the same event id handled twice changes the ledger once.
 * - A failure of the storage service (throttling, 5xx, timeout, connection refused) is thrown
 *   as a `TransientError` naming the operation, with the SDK error as `cause`.
 * - Repository names are OCI repository names (may contain `/`); digests are valid digests.
 *   The caller validates both before calling.
 * - A `Build` holds at most `BUILD_LIST_LIMIT` git SHAs and as many tags (the first and the
 *   newest, with `gitShaCount`/`tagCount` saying how many in all), whatever the history:
 *   `findGitShas` and `listBuildTags` read the complete lists.
 */
export interface BuildLedger {
  /**
   * Records a push of `digest` under a build tag. Adds `gitSha`/`tag` to a known digest
   * (both SHAs then find it); clears a deletion mark when the digest is pushed again. A new
   * build keeps the push's `eventId` and `pushedAt`; a known digest keeps its first ones.
   */
  recordBuild: (push: BuildPush) => Promise<RecordBuildResult>;

  /** Marks the build of `digest` deleted (it stays findable, with `deletedAt`). */
  markBuildDeleted: (deletion: {
    readonly eventId: string;
    readonly repository: string;
    readonly digest: string;
    readonly at: Date;
  }) => Promise<MarkDeletedResult>;

  /** The build recorded for exactly this digest, or undefined. */
  getBuildByDigest: (repository: string, digest: string) => Promise<Build | undefined>;

  /**
   * Builds whose git SHAs start with `shaPrefix` (lowercase hex, 7–40 characters), newest
   * first, at most `limit` of them. A full SHA pushed twice with different digests (a rebuild)
   * yields both.
   */
  findBuildsByGitSha: (
    repository: string,
    shaPrefix: string,
    limit?: number,
  ) => Promise<readonly Build[]>;

  /**
   * Every distinct git SHA recorded in `repository` that starts with `shaPrefix` (lowercase
   * hex, 7–40 characters), of any build, sorted: whether a short SHA names one commit.
   */
  findGitShas: (repository: string, shaPrefix: string) => Promise<readonly string[]>;

  /**
   * Every build tag recorded in `repository`, of every build (deleted ones too), with its
   * digest: a tag pushed for two digests (a rebuild) is listed for each. Its length grows with
   * the repository's history, as `listBuilds` read to the end does.
   */
  listBuildTags: (repository: string) => Promise<readonly BuildTag[]>;

  /**
   * Every repository with a recorded build, sorted by name. A repository is listed from its
   * first push recorded by this version of promoter on.
   */
  listRepositories: () => Promise<readonly string[]>;

  /**
   * Builds of a repository, newest first (by `recordedAt`), a page at a time. The cursor is a
   * key, not an offset: a build recorded between two pages repeats nothing. A limit outside
   * 1–1000 or a cursor this ledger did not hand out is a `ValidationError` (a rejected promise).
   */
  listBuilds: (
    repository: string,
    page: { readonly limit: number; readonly cursor?: string | undefined },
  ) => Promise<BuildPage>;
}
