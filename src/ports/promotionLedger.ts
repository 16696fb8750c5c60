import type { OutcomeEvent } from '../domain/outcomeEvent.js';
import type { Promotion, StageHead } from '../domain/promotion.js';

/** The repository-wide promotion state: what each stage holds. */
export interface RepositoryState {
  readonly heads: Readonly<Record<string, StageHead>>;
  /** Concurrency token of this state; undefined when the repository has none yet. */
  readonly etag: string | undefined;
}

/** Which rc counter: one per stage and version (an absent or empty version is one counter). */
export interface CounterKey {
  readonly stage: string;
  readonly version?: string | undefined;
}

/** A change to a repository's promotions, committed all or nothing. */
export interface PromotionCommit {
  /** The state's etag as read; the commit fails with `conflict` if it changed since. */
  readonly expectedEtag: string | undefined;
  readonly heads: Readonly<Record<string, StageHead>>;
  /**
   * The rc counters this commit moves, each to its `n` (the highest `{n}` allocated for that
   * stage and version), written with the state; other counters keep their values. A
   * promotion moves one; listing a counter twice, the last wins.
   */
  readonly counters?: readonly (CounterKey & { readonly n: number })[] | undefined;
  /** Promotions to create or replace (keyed by stage, version and digest). Their tags become findable by `findPromotionByTag`. */
  readonly promotions: readonly Promotion[];
  /** When a message is finished: its outcome, kept for redeliveries and in the history. */
  readonly outcome?: OutcomeEvent | undefined;
}

/**
 * The promotion ledger (Azure Table Storage): promotions, stage heads, rc counters and the
 * outcome of every handled message. Same error contract as `BuildLedger`. Writes go through
 * `commit`, which is atomic per repository and settled by the state's ETag.
 */
export interface PromotionLedger {
  getRepositoryState: (repository: string) => Promise<RepositoryState>;
  /**
   * The highest `{n}` allocated for one stage and version (0 when none), one point read. Read
   * it after the state a commit is made against: a commit on that state's etag succeeds only
   * if no other commit (and so no other counter move) came in between.
   */
  getCounter: (repository: string, key: CounterKey) => Promise<number>;
  getPromotion: (
    repository: string,
    key: { readonly stage: string; readonly version?: string | undefined; readonly digest: string },
  ) => Promise<Promotion | undefined>;
  /** Every promotion of the repository, any stage and status (one query; order unspecified). */
  listPromotions: (repository: string) => Promise<readonly Promotion[]>;
  /**
   * Every promotion waiting for approvals (status `pending`), however old: one key range of
   * its own, ordered by stage, version and digest; never a scan of the history.
   */
  listPendingPromotions: (repository: string) => Promise<readonly Promotion[]>;
  /** Every promotion of one digest, any stage. */
  listPromotionsOfDigest: (repository: string, digest: string) => Promise<readonly Promotion[]>;
  /** The promotion that allocated `tag` (e.g. `1.2.3-rc2`), if any. */
  findPromotionByTag: (repository: string, tag: string) => Promise<Promotion | undefined>;
  /** The outcome recorded for a message id, if it was handled. */
  getOutcome: (repository: string, messageId: string) => Promise<OutcomeEvent | undefined>;
  /**
   * Outcomes of the repository, newest first (by `at`): the audit trail. Paged by key, like
   * `BuildLedger.listBuilds`, with the same `ValidationError` for a bad limit or cursor.
   */
  listHistory: (
    repository: string,
    page: { readonly limit: number; readonly cursor?: string | undefined },
  ) => Promise<{
    readonly outcomes: readonly OutcomeEvent[];
    readonly nextCursor?: string | undefined;
  }>;
  /**
   * The dead letters of the repository (outcomes `failed`: a message gave up after its last
   * delivery), newest first, however old: their own key range, paged like `listHistory`.
   */
  listDeadLetters: (
    repository: string,
    page: { readonly limit: number; readonly cursor?: string | undefined },
  ) => Promise<{
    readonly outcomes: readonly OutcomeEvent[];
    readonly nextCursor?: string | undefined;
  }>;
  /**
   * Records an event that changes no promotion (drift, a retention deletion, a dead-lettered
   * message) in the history and under its `messageId`, so `getOutcome` finds it. Idempotent:
   * an event whose `messageId` is recorded already is `duplicate` and changes nothing.
   */
  appendHistory: (
    repository: string,
    event: OutcomeEvent,
  ) => Promise<{ readonly kind: 'recorded' | 'duplicate' }>;
  /**
   * Applies the change atomically. Promotions and an outcome of another repository are refused
   * (a ValidationError; nothing is written). `conflict` when the state's etag changed or the outcome's
   * message id was recorded meanwhile: re-read and decide again.
   */
  commit: (
    repository: string,
    change: PromotionCommit,
  ) => Promise<{ readonly kind: 'committed' | 'conflict' }>;
}
