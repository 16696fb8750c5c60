import type { Build } from './domain/build.js';
import type { OutcomeEvent } from './domain/outcomeEvent.js';
import type { Promotion, StageHead } from './domain/promotion.js';
import type { PromotionMessage } from './domain/promotionMessage.js';

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
 */
export interface Ledger {
  /**
   * Records a push of `digest` under a build tag. Adds `gitSha`/`tag` to a known digest
   * (both SHAs then find it); clears a deletion mark when the digest is pushed again.
   */
  recordBuild(push: BuildPush): Promise<RecordBuildResult>;

  /** Marks the build of `digest` deleted (it stays findable, with `deletedAt`). */
  markBuildDeleted(deletion: {
    readonly eventId: string;
    readonly repository: string;
    readonly digest: string;
    readonly at: Date;
  }): Promise<MarkDeletedResult>;

  /** The build recorded for exactly this digest, or undefined. */
  getBuildByDigest(repository: string, digest: string): Promise<Build | undefined>;

  /**
   * Builds whose git SHAs start with `shaPrefix` (lowercase hex, 7–40 characters), newest
   * first, at most `limit` of them. A full SHA pushed twice with different digests (a rebuild)
   * yields both.
   */
  findBuildsByGitSha(
    repository: string,
    shaPrefix: string,
    limit?: number,
  ): Promise<readonly Build[]>;

  /**
   * Every repository with a recorded build, sorted by name. A repository is listed from its
   * first push recorded by this version of promoter on.
   */
  listRepositories(): Promise<readonly string[]>;

  /** Builds of a repository, newest first (by `recordedAt`), a page at a time. */
  listBuilds(
    repository: string,
    page: { readonly limit: number; readonly cursor?: string | undefined },
  ): Promise<BuildPage>;
}

/** The time source; use cases never read the system clock themselves. */
export interface Clock {
  now(): Date;
}

/** A manifest as the registry stores it: the exact bytes and their media type. */
export interface RawManifest {
  readonly content: Uint8Array;
  readonly mediaType: string;
  /** sha256 of `content`, as verified by the adapter. */
  readonly digest: string;
}

/**
 * The container registry promoter re-tags in (`@azure/container-registry`).
 *
 * Contract: registry 429, 5xx, timeouts and connection failures are thrown as
 * `TransientError` naming the operation (`fetching myapp@sha256:…: …`); a missing manifest
 * or repository is `NotFoundError`; authorization failures are thrown as plain Errors with
 * the registry's answer. Every method makes the fewest requests it can (the benchmark counts
 * them): `getManifest` one GET, `resolveTag` one request, `putManifest` one PUT, `lockTag`
 * one call on ACR and none elsewhere.
 */
export interface Registry {
  /** The raw manifest (or index) stored under `digest`; its bytes hash to `digest`. */
  getManifest(repository: string, digest: string): Promise<RawManifest>;
  /** The digest `tag` points to now, or undefined when the tag does not exist. */
  resolveTag(repository: string, tag: string): Promise<string | undefined>;
  /**
   * Puts the exact bytes under `tag` with their media type (never re-serialised), and
   * returns the digest the registry reports for what it stored.
   */
  putManifest(repository: string, tag: string, manifest: RawManifest): Promise<string>;
  /**
   * Makes `tag` immutable in the registry (ACR: `canWrite: false, canDelete: false`).
   * Returns false where the registry has no such lock (the ledger enforces immutability there).
   */
  lockTag(repository: string, tag: string): Promise<boolean>;
  /**
   * Deletes the manifest (or index) stored under `digest`, and with it every tag that points
   * to it (`DELETE /v2/<name>/manifests/<digest>`; one request). `not-found` when the registry
   * holds no such manifest, e.g. it was deleted already: deleting twice is safe. Layers are
   * freed later by the registry's garbage collection. A registry that refuses deletes (the
   * distribution registry without `storage.delete.enabled`, a locked manifest on ACR) or an
   * identity without delete rights is a plain Error saying which; the rest as above.
   */
  deleteManifest(repository: string, digest: string): Promise<'deleted' | 'not-found'>;
}

/** The repository-wide promotion state: what each stage holds, and rc counters. */
export interface RepositoryState {
  readonly heads: Readonly<Record<string, StageHead>>;
  /** Highest `{n}` allocated per `<stage>|<version>`. */
  readonly counters: Readonly<Record<string, number>>;
  /** Concurrency token of this state; undefined when the repository has none yet. */
  readonly etag: string | undefined;
}

/** A change to a repository's promotions, committed all or nothing. */
export interface PromotionCommit {
  /** The state's etag as read; the commit fails with `conflict` if it changed since. */
  readonly expectedEtag: string | undefined;
  readonly heads: Readonly<Record<string, StageHead>>;
  readonly counters: Readonly<Record<string, number>>;
  /** Promotions to create or replace (keyed by stage, version and digest). Their tags become findable by `findPromotionByTag`. */
  readonly promotions: readonly Promotion[];
  /** When a message is finished: its outcome, kept for redeliveries and in the history. */
  readonly outcome?: OutcomeEvent | undefined;
}

/**
 * The promotion ledger (Azure Table Storage): promotions, stage heads, rc counters and the
 * outcome of every handled message. Same error contract as `Ledger`. Writes go through
 * `commit`, which is atomic per repository and settled by the state's ETag.
 */
export interface PromotionStore {
  getRepositoryState(repository: string): Promise<RepositoryState>;
  getPromotion(
    repository: string,
    key: { readonly stage: string; readonly version?: string | undefined; readonly digest: string },
  ): Promise<Promotion | undefined>;
  /** Every promotion of the repository, any stage and status (one query; order unspecified). */
  listPromotions(repository: string): Promise<readonly Promotion[]>;
  /** Every promotion of one digest, any stage. */
  listPromotionsOfDigest(repository: string, digest: string): Promise<readonly Promotion[]>;
  /** The promotion that allocated `tag` (e.g. `1.2.3-rc2`), if any. */
  findPromotionByTag(repository: string, tag: string): Promise<Promotion | undefined>;
  /** The outcome recorded for a message id, if it was handled. */
  getOutcome(repository: string, messageId: string): Promise<OutcomeEvent | undefined>;
  /** Outcomes of the repository, newest first: the audit trail. */
  listHistory(
    repository: string,
    page: { readonly limit: number; readonly cursor?: string | undefined },
  ): Promise<{
    readonly outcomes: readonly OutcomeEvent[];
    readonly nextCursor?: string | undefined;
  }>;
  /**
   * Records an event that changes no promotion (drift, a retention deletion, a dead-lettered
   * message) in the history and under its `messageId`, so `getOutcome` finds it. Idempotent:
   * an event whose `messageId` is recorded already is `duplicate` and changes nothing.
   */
  appendHistory(
    repository: string,
    event: OutcomeEvent,
  ): Promise<{ readonly kind: 'recorded' | 'duplicate' }>;
  /**
   * Applies the change atomically. `conflict` when the state's etag changed or the outcome's
   * message id was recorded meanwhile: re-read and decide again.
   */
  commit(
    repository: string,
    change: PromotionCommit,
  ): Promise<{ readonly kind: 'committed' | 'conflict' }>;
}

/**
 * Sends messages (approvals, rollbacks, unpins) to the `promotions` queue (session id =
 * repository, message id = id).
 */
export interface ApprovalQueue {
  send(message: PromotionMessage): Promise<void>;
}

/** Announces outcomes on the `promotion-events` topic. At least once: `id` dedupes. */
export interface OutcomePublisher {
  publish(event: OutcomeEvent): Promise<void>;
}

/**
 * Remembers request ids (a Teams activity id, a signature) so that a replayed request is
 * refused. `claim` is atomic: of two concurrent claims of one id, exactly one gets true.
 * Same error contract as `Ledger`.
 */
export interface ReplayGuard {
  /** True the first time `id` is claimed in `scope` (until `expiresAt`); false for a replay. */
  claim(scope: string, id: string, expiresAt: Date): Promise<boolean>;
}

/**
 * Posts outcome notifications to chat (Slack Block Kit, Teams Adaptive Card). A failed post
 * throws (`TransientError` for 429/5xx/network) so the caller retries it; it never affects
 * the promotion, which is already recorded.
 */
export interface Notifier {
  notify(event: OutcomeEvent): Promise<void>;
}
