import type { TableClient } from '@azure/data-tables';
import type { Build } from '../../domain/build.js';
import { ValidationError } from '../../domain/errors.js';
import type {
  BuildPage,
  BuildPush,
  BuildLedger,
  MarkDeletedResult,
  RecordBuildResult,
} from '../../ports/buildLedger.js';
import { queryRange, readRow } from './tablesPartition.js';
import { ensureTableOnce } from './tablesEnsureTable.js';
import { ledgerFailure } from './tablesErrors.js';
import {
  buildRowKey,
  eventRowKey,
  MAX_TIME_MS,
  parseShaRowKey,
  repositoryIndexEntity,
  repositoryIndexRange,
  REPOSITORY_INDEX_PARTITION,
  shaPrefixRange,
  timeRange,
} from './tablesKeys.js';
import { pageQuery, readPage } from './tablesPage.js';
import { DEFAULT_MAX_ATTEMPTS, retryOnConflict } from './tablesRetry.js';
import { buildOfRow } from './tablesRows.js';
import {
  planMarkBuildDeleted,
  planRecordBuild,
  type CurrentBuild,
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
 * (its idempotency marker, the build row, its `time|` copy, a new `sha|` row) is one
 * all-or-nothing entity-group transaction. Races are settled by the transaction: creating a
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
      this.attempt(push, (current) => planRecordBuild(push, current)),
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
    return this.run('listing repositories', async () => {
      const names: string[] = [];
      for await (const row of queryRange(
        this.client,
        REPOSITORY_INDEX_PARTITION,
        repositoryIndexRange,
        1000,
      ))
        if (typeof row['repository'] === 'string') names.push(row['repository']);
      return names.sort();
    });
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
    if (!/^[0-9a-f]{1,40}$/.test(shaPrefix))
      throw new ValidationError('git SHA', [
        { path: 'shaPrefix', message: `"${shaPrefix}" is not a lowercase hex git SHA (prefix)` },
      ]);
    return this.run(`finding builds of ${repository} by git SHA ${shaPrefix}`, async () => {
      // Rows sort by SHA first: collect every match, then order the digests newest first.
      const newest = new Map<string, string>();
      for await (const row of queryRange(
        this.client,
        repository,
        shaPrefixRange(shaPrefix),
        1000,
      )) {
        const key = parseShaRowKey(row.rowKey ?? '');
        if (key) newest.set(key.digest, `${key.inverted}|${key.digest}`);
      }
      const digests = [...newest.entries()]
        .sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0))
        .slice(0, Math.max(0, limit))
        .map(([digest]) => digest);
      const rows = await Promise.all(
        digests.map((d) => readRow(this.client, repository, buildRowKey(d))),
      );
      return rows.flatMap((row) => (row ? [buildOfRow(row)] : []));
    });
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

  /** One attempt: read the marker and the build, decide, write all of it or nothing. */
  private async attempt<R extends { readonly kind: string }>(
    event: { readonly eventId: string; readonly repository: string; readonly digest: string },
    plan: (current: CurrentBuild | undefined) => WritePlan<R>,
  ): Promise<R | { readonly kind: 'duplicate-event'; readonly build: Build | undefined }> {
    const { repository, eventId, digest } = event;
    const [marker, row] = await Promise.all([
      readRow(this.client, repository, eventRowKey(eventId)),
      readRow(this.client, repository, buildRowKey(digest)),
    ]);
    const current = row && { build: buildOfRow(row), etag: row.etag };
    if (marker) return { kind: 'duplicate-event', build: current?.build };
    const { result, actions } = plan(current);
    if (actions.length > 0) await this.client.submitTransaction([...actions]);
    return result;
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

/** Time goes into keys as 13 inverted digits: 1970 to 2286. */
function checkTime(at: Date): void {
  const ms = at.getTime();
  if (!(ms >= 0 && ms <= MAX_TIME_MS))
    throw new ValidationError('ledger event', [
      { path: 'at', message: 'must be a valid date between 1970 and 2286' },
    ]);
}
