import type { TableClient } from '@azure/data-tables';
import { gitShaCountOf, tagCountOf, type Build } from '../../domain/build.js';
import { ValidationError } from '../../domain/errors.js';
import type {
  BuildPage,
  BuildPush,
  BuildLedger,
  BuildTag,
  MarkDeletedResult,
  RecordBuildResult,
} from '../../ports/buildLedger.js';
import { readRow } from './tablesPartition.js';
import { ensureTableOnce } from './tablesEnsureTable.js';
import { ledgerFailure } from './tablesErrors.js';
import {
  buildRowKey,
  buildTagRowKey,
  eventRowKey,
  MAX_TIME_MS,
  repositoryIndexEntity,
  shaRowKey,
  timeRange,
} from './tablesKeys.js';
import {
  readBuildsByGitSha,
  readBuildTags,
  readGitShas,
  readRepositories,
} from './tablesBuildReads.js';
import { pageQuery, readPage } from './tablesPage.js';
import { DEFAULT_MAX_ATTEMPTS, retryOnConflict } from './tablesRetry.js';
import { buildOfRow, readBuildRow } from './tablesRows.js';
import {
  planMarkBuildDeleted,
  planRecordBuild,
  transactionsOf,
  type CurrentBuild,
  type KnownRefs,
  type WritePlan,
} from './tablesWritePlans.js';

/** What the Tables ledger needs. */
export interface TablesBuildLedgerOptions {
  /** A client for the ledger's table (see `createTablesClient`); the table is created on first use. */
  readonly client: TableClient;
  /** How many times a write that lost a race is re-read and retried; 10 by default. */
  readonly maxAttempts?: number | undefined;
}

/** How many builds `findBuildsByGitSha` returns unless told. */
const DEFAULT_FIND_LIMIT = 20;

/**
 * The ledger in one Azure table: a partition per repository, so that every write of an event
 * (its idempotency marker, the build row, its `time|` copy, a new `sha|` and `buildtag|` row)
 * is one all-or-nothing entity-group transaction. The build row keeps bounded lists; a push
 * whose SHA or tag is not in them reads the index row to tell whether it is new. Races are settled by the transaction: creating a
 * row that exists fails (409), updating a build row whose ETag changed fails (412); the
 * loser re-reads and retries. See `tablesKeys.ts` for the rows.
 *
 * A deletion of an unknown digest writes no event marker: it changed nothing, and a
 * redelivery answers `unknown-build` again. A second deletion of a deleted build keeps the
 * first `deletedAt`.
 */
export class TablesBuildLedger implements BuildLedger {
  private readonly client: TableClient;
  private readonly maxAttempts: number;
  private readonly ready: () => Promise<void>;
  /** Repositories this instance has written to the repository index. */
  private readonly indexed = new Set<string>();

  constructor(options: TablesBuildLedgerOptions) {
    this.client = options.client;
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.ready = ensureTableOnce(options.client);
  }

  async recordBuild(push: BuildPush): Promise<RecordBuildResult> {
    checkTime(push.at);
    const doing = `recording build ${push.repository}@${push.digest}`;
    const result = await this.run(doing, () =>
      this.attempt(push, async (current) =>
        planRecordBuild(push, current, await this.knownRefs(push, current)),
      ),
    );
    // Once per repository and instance, redeliveries included: a failure here is thrown, the
    // event is delivered again (Service Bus, or a registry that redelivers), and the next attempt
    // lists the repository.
    if (!this.indexed.has(push.repository)) {
      await this.run(`listing repository ${push.repository}`, async () => {
        await this.client.upsertEntity(repositoryIndexEntity(push.repository), 'Replace');
      });
      this.indexed.add(push.repository);
    }
    return result;
  }

  async listRepositories(): Promise<readonly string[]> {
    return this.run('listing repositories', () => readRepositories(this.client));
  }

  async markBuildDeleted(deletion: {
    readonly eventId: string;
    readonly repository: string;
    readonly digest: string;
    readonly at: Date;
  }): Promise<MarkDeletedResult> {
    checkTime(deletion.at);
    const doing = `marking build ${deletion.repository}@${deletion.digest} deleted`;
    return this.run(doing, () =>
      this.attempt(deletion, (current) => planMarkBuildDeleted(deletion, current)),
    );
  }

  async findGitShas(repository: string, shaPrefix: string): Promise<readonly string[]> {
    checkShaPrefix(shaPrefix);
    return this.run(`finding git SHAs of ${repository} starting ${shaPrefix}`, () =>
      readGitShas(this.client, repository, shaPrefix),
    );
  }

  async listBuildTags(repository: string): Promise<readonly BuildTag[]> {
    return this.run(`listing the build tags of ${repository}`, () =>
      readBuildTags(this.client, repository),
    );
  }

  async getBuildByDigest(repository: string, digest: string): Promise<Build | undefined> {
    const row = await this.run(`reading build ${repository}@${digest}`, () =>
      readRow(this.client, repository, buildRowKey(digest)),
    );
    return row && buildOfRow(row);
  }

  async findBuildsByGitSha(
    repository: string,
    shaPrefix: string,
    limit: number = DEFAULT_FIND_LIMIT,
  ): Promise<readonly Build[]> {
    checkShaPrefix(shaPrefix);
    return this.run(`finding builds of ${repository} by git SHA ${shaPrefix}`, () =>
      readBuildsByGitSha(this.client, repository, shaPrefix, limit),
    );
  }

  async listBuilds(
    repository: string,
    page: { readonly limit: number; readonly cursor?: string | undefined },
  ): Promise<BuildPage> {
    const query = pageQuery(timeRange, page);
    return this.run(`listing builds of ${repository}`, async () => {
      const { items, nextCursor } = await readPage(this.client, repository, query, buildOfRow);
      return nextCursor === undefined ? { builds: items } : { builds: items, nextCursor };
    });
  }

  /**
   * Whether the digest has the push's SHA and tag: its lists say when they hold them or are
   * complete (and an old-layout row's lists always are); else its `sha|`/`buildtag|` row does.
   */
  private async knownRefs(push: BuildPush, current: CurrentBuild | undefined): Promise<KnownRefs> {
    if (!current) return { gitSha: false, tag: false };
    const { build, legacyGitShas, legacyTags } = current;
    const { repository, digest, gitSha, tag } = push;
    const has = async (
      full: readonly string[] | undefined,
      bounded: readonly string[],
      total: number,
      item: string,
      rowKey: () => string,
    ): Promise<boolean> => {
      if (full) return full.includes(item);
      if (bounded.includes(item)) return true;
      if (total <= bounded.length) return false;
      return (await readRow(this.client, repository, rowKey())) !== undefined;
    };
    const [knowsSha, knowsTag] = await Promise.all([
      has(legacyGitShas, build.gitShas, gitShaCountOf(build), gitSha, () =>
        shaRowKey(gitSha, Date.parse(build.recordedAt), digest),
      ),
      has(legacyTags, build.tags, tagCountOf(build), tag, () => buildTagRowKey(digest, tag)),
    ]);
    return { gitSha: knowsSha, tag: knowsTag };
  }

  /** One attempt: read the marker and the build, decide, write all of it or nothing. */
  private async attempt<R extends { readonly kind: string }>(
    event: { readonly eventId: string; readonly repository: string; readonly digest: string },
    plan: (current: CurrentBuild | undefined) => WritePlan<R> | Promise<WritePlan<R>>,
  ): Promise<R | { readonly kind: 'duplicate-event'; readonly build: Build | undefined }> {
    const { repository, eventId, digest } = event;
    const [marker, row] = await Promise.all([
      readRow(this.client, repository, eventRowKey(eventId)),
      readRow(this.client, repository, buildRowKey(digest)),
    ]);
    const current = row && { ...readBuildRow(row), etag: row.etag };
    if (marker) return { kind: 'duplicate-event', build: current?.build };
    const written = await plan(current);
    for (const actions of transactionsOf(`${repository}@${digest}`, written))
      await this.client.submitTransaction([...actions]);
    return written.result;
  }

  /** Runs `attempt` once the table exists, retrying lost races, and names `doing` in errors. */
  private async run<T>(doing: string, attempt: () => Promise<T>): Promise<T> {
    try {
      await this.ready();
      return await retryOnConflict(doing, attempt, this.maxAttempts);
    } catch (error) {
      throw ledgerFailure(doing, error);
    }
  }
}

/** The ledger on Azure Table Storage; see `TablesLedger`. */
export function createTablesBuildLedger(options: TablesBuildLedgerOptions): BuildLedger {
  return new TablesBuildLedger(options);
}

function checkShaPrefix(shaPrefix: string): void {
  if (!/^[0-9a-f]{1,40}$/.test(shaPrefix))
    throw new ValidationError('git SHA', [
      { path: 'shaPrefix', message: `"${shaPrefix}" is not a lowercase hex git SHA (prefix)` },
    ]);
}

/** Time goes into keys as 13 inverted digits: 1970 to 2286. */
function checkTime(at: Date): void {
  const ms = at.getTime();
  if (!(ms >= 0 && ms <= MAX_TIME_MS))
    throw new ValidationError('ledger event', [
      { path: 'at', message: 'must be a valid date between 1970 and 2286' },
    ]);
}
