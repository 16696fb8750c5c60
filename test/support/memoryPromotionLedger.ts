import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';
import { promotionKey, type Promotion } from '../../src/domain/promotion.js';
import type {
  PromotionCommit,
  PromotionLedger,
  RepositoryState,
} from '../../src/ports/promotionLedger.js';

interface Repo {
  state: Omit<RepositoryState, 'etag'>;
  etag: number;
  promotions: Map<string, Promotion>;
  tags: Map<string, string>;
  outcomes: Map<string, OutcomeEvent>;
  history: OutcomeEvent[];
}

/** In-memory PromotionLedger for use-case tests: same contract, etags are counters. */
export class MemoryPromotionLedger implements PromotionLedger {
  readonly repos = new Map<string, Repo>();
  /** Called at the start of every commit; tests use it to interleave a competing write. */
  beforeCommit: ((repository: string) => Promise<void> | void) | undefined;

  private repo(name: string): Repo {
    let repo = this.repos.get(name);
    if (!repo) {
      repo = {
        state: { heads: {}, counters: {} },
        etag: 0,
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
    const repo = this.repo(repository);
    if (repo.outcomes.has(event.messageId)) return Promise.resolve({ kind: 'duplicate' });
    repo.outcomes.set(event.messageId, event);
    repo.history.push(event);
    return Promise.resolve({ kind: 'recorded' });
  }

  listPromotionsOfDigest(repository: string, digest: string): Promise<readonly Promotion[]> {
    return Promise.resolve(
      [...this.repo(repository).promotions.values()].filter((p) => p.digest === digest),
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

  listHistory(repository: string, page: { limit: number; cursor?: string | undefined }) {
    const start = Number(page.cursor ?? 0);
    const all = [...this.repo(repository).history].reverse();
    const next = start + page.limit;
    return Promise.resolve({
      outcomes: all.slice(start, next),
      nextCursor: next < all.length ? String(next) : undefined,
    });
  }

  async commit(
    repository: string,
    change: PromotionCommit,
  ): Promise<{ kind: 'committed' | 'conflict' }> {
    await this.beforeCommit?.(repository);
    const repo = this.repo(repository);
    const current = repo.etag === 0 ? undefined : String(repo.etag);
    if (current !== change.expectedEtag) return { kind: 'conflict' };
    if (change.outcome && repo.outcomes.has(change.outcome.messageId)) return { kind: 'conflict' };
    repo.etag += 1;
    repo.state = { heads: change.heads, counters: change.counters };
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
