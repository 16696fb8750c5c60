import { checkBelongs } from '../../src/domain/checkBelongs.js';
import { ValidationError } from '../../src/domain/errors.js';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';
import { promotionKey, type Promotion } from '../../src/domain/promotion.js';
import type {
  CounterKey,
  PromotionCommit,
  PromotionLedger,
  RepositoryState,
} from '../../src/ports/promotionLedger.js';
import { decodeCursor, encodeCursor } from './memoryCursor.js';

interface Repo {
  state: Omit<RepositoryState, 'etag'>;
  etag: number;
  /** `<stage>|<version or empty>` to the highest `{n}`. */
  counters: Map<string, number>;
  promotions: Map<string, Promotion>;
  tags: Map<string, string>;
  outcomes: Map<string, OutcomeEvent>;
  history: OutcomeEvent[];
}

const counterName = (key: CounterKey) => `${key.stage}|${key.version ?? ''}`;

/** Runs `body` now and answers as a store does: what it throws becomes a rejection. */
const settle = <T>(body: () => T): Promise<T> =>
  new Promise<T>((resolve) => {
    resolve(body());
  });

/** Compares as Table Storage orders keys: by UTF-16 code unit. */
const ordinal = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

type Place = Pick<OutcomeEvent, 'at' | 'messageId'>;

/** Newest first by outcome time (to the millisecond); one millisecond's by message id, as in Tables. */
const newestFirst = (a: Place, b: Place): number =>
  Date.parse(b.at) - Date.parse(a.at) || ordinal(a.messageId, b.messageId);

/**
 * In-memory PromotionLedger for use-case tests: same contract as the Tables one
 * (test/contracts/promotionLedgerContract.ts runs both); etags are counters.
 */
export class MemoryPromotionLedger implements PromotionLedger {
  readonly repos = new Map<string, Repo>();
  /** Called at the start of every commit; tests use it to interleave a competing write. */
  beforeCommit: ((repository: string) => Promise<void> | void) | undefined;

  private repo(name: string): Repo {
    let repo = this.repos.get(name);
    if (!repo) {
      repo = {
        state: { heads: {} },
        etag: 0,
        counters: new Map(),
        promotions: new Map(),
        tags: new Map(),
        outcomes: new Map(),
        history: [],
      };
      this.repos.set(name, repo);
    }
    return repo;
  }

  getRepositoryState(repository: string): Promise<RepositoryState> {
    const repo = this.repo(repository);
    return Promise.resolve({
      ...repo.state,
      etag: repo.etag === 0 ? undefined : String(repo.etag),
    });
  }

  getCounter(repository: string, key: CounterKey): Promise<number> {
    return Promise.resolve(this.repo(repository).counters.get(counterName(key)) ?? 0);
  }

  getPromotion(
    repository: string,
    key: { stage: string; version?: string | undefined; digest: string },
  ) {
    return Promise.resolve(this.repo(repository).promotions.get(promotionKey(key)));
  }

  listPromotions(repository: string): Promise<readonly Promotion[]> {
    return Promise.resolve([...this.repo(repository).promotions.values()]);
  }

  appendHistory(
    repository: string,
    event: OutcomeEvent,
  ): Promise<{ kind: 'recorded' | 'duplicate' }> {
    return settle(() => {
      checkBelongs(repository, { promotions: [], outcome: event });
      const repo = this.repo(repository);
      if (repo.outcomes.has(event.messageId)) return { kind: 'duplicate' };
      repo.outcomes.set(event.messageId, event);
      repo.history.push(event);
      return { kind: 'recorded' };
    });
  }

  listPromotionsOfDigest(repository: string, digest: string): Promise<readonly Promotion[]> {
    return Promise.resolve(
      [...this.repo(repository).promotions.values()].filter((p) => p.digest === digest),
    );
  }

  /** Ordered as the Tables ledger's `pending|` RowKeys: `<stage>|<version>|<digest>`. */
  listPendingPromotions(repository: string): Promise<readonly Promotion[]> {
    const key = (p: Promotion) => `${p.stage}|${p.version ?? ''}|${p.digest}`;
    return Promise.resolve(
      [...this.repo(repository).promotions.values()]
        .filter((p) => p.status === 'pending')
        .sort((a, b) => ordinal(key(a), key(b))),
    );
  }

  listDeadLetters(
    repository: string,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<{ outcomes: readonly OutcomeEvent[]; nextCursor?: string | undefined }> {
    return this.pageOf(
      this.repo(repository).history.filter((o) => o.outcome === 'failed'),
      page,
    );
  }

  findPromotionByTag(repository: string, tag: string): Promise<Promotion | undefined> {
    const repo = this.repo(repository);
    const key = repo.tags.get(tag);
    return Promise.resolve(key === undefined ? undefined : repo.promotions.get(key));
  }

  getOutcome(repository: string, messageId: string): Promise<OutcomeEvent | undefined> {
    return Promise.resolve(this.repo(repository).outcomes.get(messageId));
  }

  /** Newest first; a page starts after the outcome its cursor names, as the Tables ledger's does. */
  listHistory(
    repository: string,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<{ outcomes: readonly OutcomeEvent[]; nextCursor?: string | undefined }> {
    return this.pageOf(this.repo(repository).history, page);
  }

  private pageOf(
    list: readonly OutcomeEvent[],
    page: { limit: number; cursor?: string | undefined },
  ): Promise<{ outcomes: readonly OutcomeEvent[]; nextCursor?: string | undefined }> {
    return settle(() => {
      const { limit } = page;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new ValidationError('limit', [{ path: 'limit', message: 'must be 1 to 1000' }]);
      const cursor = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
      const after = cursor && { at: cursor[0], messageId: cursor[1] };
      const rest = [...list]
        .sort(newestFirst)
        .filter((o) => after === undefined || newestFirst(o, after) > 0);
      const outcomes = rest.slice(0, limit);
      const last = outcomes.at(-1);
      return rest.length > limit && last
        ? { outcomes, nextCursor: encodeCursor([last.at, last.messageId]) }
        : { outcomes };
    });
  }

  async commit(
    repository: string,
    change: PromotionCommit,
  ): Promise<{ kind: 'committed' | 'conflict' }> {
    checkBelongs(repository, change);
    await this.beforeCommit?.(repository);
    const repo = this.repo(repository);
    const current = repo.etag === 0 ? undefined : String(repo.etag);
    if (current !== change.expectedEtag) return { kind: 'conflict' };
    if (change.outcome && repo.outcomes.has(change.outcome.messageId)) return { kind: 'conflict' };
    repo.etag += 1;
    repo.state = { heads: change.heads };
    for (const c of change.counters ?? []) repo.counters.set(counterName(c), c.n);
    for (const p of change.promotions) {
      repo.promotions.set(promotionKey(p), p);
      for (const tag of p.tags) repo.tags.set(tag, promotionKey(p));
    }
    if (change.outcome) {
      repo.outcomes.set(change.outcome.messageId, change.outcome);
      repo.history.push(change.outcome);
    }
    return { kind: 'committed' };
  }
}
