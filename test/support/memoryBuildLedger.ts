import { recordInList, type Build } from '../../src/domain/build.js';
import { TransientError, ValidationError } from '../../src/domain/errors.js';
import type {
  BuildPage,
  BuildPush,
  BuildLedger,
  BuildTag,
  MarkDeletedResult,
  RecordBuildResult,
} from '../../src/ports/buildLedger.js';
import { decodeCursor, encodeCursor } from './memoryCursor.js';

/** Runs `body` now and answers as a store does: what it throws becomes a rejection. */
const settle = <T>(body: () => T): Promise<T> =>
  new Promise<T>((resolve) => {
    resolve(body());
  });

type Place = Pick<Build, 'recordedAt' | 'digest'>;

/** Compares as Table Storage orders keys: by UTF-16 code unit. */
const ordinal = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Newest first by `recordedAt`; builds of the same instant by digest, as the Tables ledger orders them. */
const newestFirst = (a: Place, b: Place): number =>
  ordinal(b.recordedAt, a.recordedAt) || ordinal(a.digest, b.digest);

/**
 * An in-memory BuildLedger for use-case and handler tests. Same contract as the Tables ledger
 * (test/contracts/buildLedgerContract.ts runs both), without concurrency control (JavaScript
 * runs one call at a time here). `down = true` makes every call fail as an outage does.
 */
export class MemoryBuildLedger implements BuildLedger {
  /** Each build as the ledger answers it: its lists bounded, as the Tables ledger's are. */
  readonly builds = new Map<string, Build>();
  /** Every git SHA and tag of each build, in the order recorded (the Tables ledger's index rows). */
  private readonly refs = new Map<string, { gitShas: string[]; tags: string[] }>();
  readonly events = new Set<string>();
  /** When each of `events` was handled (what the marker sweep goes by). */
  readonly eventTimes = new Map<string, Date>();
  down = false;

  private key = (repository: string, digest: string) => `${repository}@${digest}`;

  private check(what: string) {
    if (this.down) throw new TransientError(`${what}: ledger unavailable: connection refused`);
  }

  recordBuild(push: BuildPush): Promise<RecordBuildResult> {
    return settle(() => {
      this.check(`recording ${push.repository}@${push.digest}`);
      const key = this.key(push.repository, push.digest);
      const existing = this.builds.get(key);
      const eventKey = `${push.repository}|${push.eventId}`;
      if (this.events.has(eventKey)) return { kind: 'duplicate-event', build: existing };
      this.events.add(eventKey);
      this.eventTimes.set(eventKey, push.at);
      if (!existing) {
        const build: Build = {
          repository: push.repository,
          digest: push.digest,
          gitShas: [push.gitSha],
          tags: [push.tag],
          mediaType: push.mediaType,
          registry: push.registry,
          ...(push.pushedBy === undefined ? {} : { pushedBy: push.pushedBy }),
          recordedAt: push.at.toISOString(),
          ...(push.pushedAt === undefined ? {} : { pushedAt: push.pushedAt }),
          eventId: push.eventId,
        };
        this.builds.set(key, build);
        this.refs.set(key, { gitShas: [push.gitSha], tags: [push.tag] });
        return { kind: 'recorded', build };
      }
      const refs = this.refs.get(key) ?? {
        gitShas: [...existing.gitShas],
        tags: [...existing.tags],
      };
      const hasSha = refs.gitShas.includes(push.gitSha);
      const hasTag = refs.tags.includes(push.tag);
      if (hasSha && hasTag && existing.deletedAt === undefined)
        return { kind: 'already-recorded', build: existing };
      if (!hasSha) refs.gitShas.push(push.gitSha);
      if (!hasTag) refs.tags.push(push.tag);
      this.refs.set(key, refs);
      const gitShas = hasSha ? existing.gitShas : recordInList(existing.gitShas, push.gitSha);
      const tags = hasTag ? existing.tags : recordInList(existing.tags, push.tag);
      // What the first push said stays (media type, registry, pusher, time); a deletion mark goes.
      const build: Build = {
        repository: existing.repository,
        digest: existing.digest,
        gitShas,
        ...(refs.gitShas.length > gitShas.length ? { gitShaCount: refs.gitShas.length } : {}),
        tags,
        ...(refs.tags.length > tags.length ? { tagCount: refs.tags.length } : {}),
        mediaType: existing.mediaType,
        registry: existing.registry,
        ...(existing.pushedBy === undefined ? {} : { pushedBy: existing.pushedBy }),
        recordedAt: existing.recordedAt,
        ...(existing.pushedAt === undefined ? {} : { pushedAt: existing.pushedAt }),
        ...(existing.eventId === undefined ? {} : { eventId: existing.eventId }),
      };
      this.builds.set(key, build);
      return { kind: 'recorded', build };
    });
  }

  markBuildDeleted(d: {
    eventId: string;
    repository: string;
    digest: string;
    at: Date;
  }): Promise<MarkDeletedResult> {
    return settle(() => {
      this.check(`deleting ${d.repository}@${d.digest}`);
      const key = this.key(d.repository, d.digest);
      const existing = this.builds.get(key);
      const eventKey = `${d.repository}|${d.eventId}`;
      if (this.events.has(eventKey)) return { kind: 'duplicate-event', build: existing };
      if (!existing) return { kind: 'unknown-build' };
      this.events.add(eventKey);
      this.eventTimes.set(eventKey, d.at);
      // A build deleted before keeps its first deletedAt.
      const build =
        existing.deletedAt === undefined
          ? { ...existing, deletedAt: d.at.toISOString() }
          : existing;
      this.builds.set(key, build);
      return { kind: 'deleted', build };
    });
  }

  getBuildByDigest(repository: string, digest: string): Promise<Build | undefined> {
    return settle(() => {
      this.check('reading a build');
      return this.builds.get(this.key(repository, digest));
    });
  }

  /** Every SHA and tag of each build of `repository`, newest build first. */
  private refsOf(repository: string): { build: Build; gitShas: string[]; tags: string[] }[] {
    return this.newestFirst(repository).map((build) => ({
      build,
      ...(this.refs.get(this.key(repository, build.digest)) ?? {
        gitShas: [...build.gitShas],
        tags: [...build.tags],
      }),
    }));
  }

  findGitShas(repository: string, shaPrefix: string): Promise<readonly string[]> {
    return settle(() => {
      checkShaPrefix(shaPrefix);
      this.check('finding git SHAs');
      const shas = this.refsOf(repository).flatMap((r) => r.gitShas);
      return [...new Set(shas.filter((s) => s.startsWith(shaPrefix)))].sort(ordinal);
    });
  }

  listBuildTags(repository: string): Promise<readonly BuildTag[]> {
    return settle(() => {
      this.check('listing build tags');
      return this.refsOf(repository).flatMap((r) =>
        r.tags.map((tag) => ({ tag, digest: r.build.digest })),
      );
    });
  }

  listRepositories(): Promise<readonly string[]> {
    return settle(() => {
      this.check('listing repositories');
      return [...new Set([...this.builds.values()].map((b) => b.repository))].sort();
    });
  }

  private newestFirst(repository: string): Build[] {
    return [...this.builds.values()].filter((b) => b.repository === repository).sort(newestFirst);
  }

  findBuildsByGitSha(repository: string, shaPrefix: string, limit = 20): Promise<readonly Build[]> {
    return settle(() => {
      checkShaPrefix(shaPrefix);
      this.check('finding builds');
      return this.refsOf(repository)
        .filter((r) => r.gitShas.some((s) => s.startsWith(shaPrefix)))
        .map((r) => r.build)
        .slice(0, Math.max(0, limit));
    });
  }

  /** Newest first; a page starts after the build its cursor names, as the Tables ledger's does. */
  listBuilds(
    repository: string,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<BuildPage> {
    return settle(() => {
      const { limit } = page;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new ValidationError('limit', [{ path: 'limit', message: 'must be 1 to 1000' }]);
      const cursor = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
      const after = cursor && { recordedAt: cursor[0], digest: cursor[1] };
      this.check('listing builds');
      const rest = this.newestFirst(repository).filter(
        (b) => after === undefined || newestFirst(b, after) > 0,
      );
      const builds = rest.slice(0, limit);
      const last = builds.at(-1);
      return rest.length > limit && last
        ? { builds, nextCursor: encodeCursor([last.recordedAt, last.digest]) }
        : { builds };
    });
  }
}

function checkShaPrefix(shaPrefix: string): void {
  if (!/^[0-9a-f]{1,40}$/.test(shaPrefix))
    throw new ValidationError('git SHA', [
      { path: 'shaPrefix', message: `"${shaPrefix}" is not a lowercase hex git SHA (prefix)` },
    ]);
}
