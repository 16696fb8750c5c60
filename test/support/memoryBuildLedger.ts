import type { Build } from '../../src/domain/build.js';
import { TransientError, ValidationError } from '../../src/domain/errors.js';
import type {
  BuildPush,
  BuildLedger,
  MarkDeletedResult,
  RecordBuildResult,
} from '../../src/ports/buildLedger.js';

/**
 * An in-memory BuildLedger for use-case and handler tests. Same contract as the Tables ledger,
 * without concurrency control (JavaScript runs one call at a time here). `down = true`
 * makes every call fail as an outage does.
 */
export class MemoryBuildLedger implements BuildLedger {
  readonly builds = new Map<string, Build>();
  readonly events = new Set<string>();
  down = false;

  private key = (repository: string, digest: string) => `${repository}@${digest}`;

  private check(what: string) {
    if (this.down) throw new TransientError(`${what}: ledger unavailable: connection refused`);
  }

  recordBuild(push: BuildPush): Promise<RecordBuildResult> {
    this.check(`recording ${push.repository}@${push.digest}`);
    const key = this.key(push.repository, push.digest);
    const existing = this.builds.get(key);
    const eventKey = `${push.repository}|${push.eventId}`;
    if (this.events.has(eventKey))
      return Promise.resolve({ kind: 'duplicate-event', build: existing });
    this.events.add(eventKey);
    if (
      existing &&
      existing.gitShas.includes(push.gitSha) &&
      existing.tags.includes(push.tag) &&
      !existing.deletedAt
    )
      return Promise.resolve({ kind: 'already-recorded', build: existing });
    const build: Build = {
      repository: push.repository,
      digest: push.digest,
      gitShas: existing?.gitShas.includes(push.gitSha)
        ? existing.gitShas
        : [...(existing?.gitShas ?? []), push.gitSha],
      tags: existing?.tags.includes(push.tag)
        ? existing.tags
        : [...(existing?.tags ?? []), push.tag],
      mediaType: push.mediaType,
      registry: push.registry,
      ...((existing?.pushedBy ?? push.pushedBy) === undefined
        ? {}
        : { pushedBy: existing?.pushedBy ?? push.pushedBy }),
      recordedAt: existing?.recordedAt ?? push.at.toISOString(),
    };
    this.builds.set(key, build);
    return Promise.resolve({ kind: 'recorded', build });
  }

  markBuildDeleted(d: {
    eventId: string;
    repository: string;
    digest: string;
    at: Date;
  }): Promise<MarkDeletedResult> {
    this.check(`deleting ${d.repository}@${d.digest}`);
    const key = this.key(d.repository, d.digest);
    const existing = this.builds.get(key);
    const eventKey = `${d.repository}|${d.eventId}`;
    if (this.events.has(eventKey))
      return Promise.resolve({ kind: 'duplicate-event', build: existing });
    if (!existing) return Promise.resolve({ kind: 'unknown-build' });
    this.events.add(eventKey);
    const build = { ...existing, deletedAt: d.at.toISOString() };
    this.builds.set(key, build);
    return Promise.resolve({ kind: 'deleted', build });
  }

  getBuildByDigest(repository: string, digest: string): Promise<Build | undefined> {
    this.check('reading a build');
    return Promise.resolve(this.builds.get(this.key(repository, digest)));
  }

  listRepositories(): Promise<readonly string[]> {
    this.check('listing repositories');
    return Promise.resolve([...new Set([...this.builds.values()].map((b) => b.repository))].sort());
  }

  private newestFirst(repository: string): Build[] {
    return [...this.builds.values()]
      .filter((b) => b.repository === repository)
      .sort((a, b) => b.recordedAt.localeCompare(a.recordedAt));
  }

  findBuildsByGitSha(repository: string, shaPrefix: string, limit = 20): Promise<readonly Build[]> {
    this.check('finding builds');
    return Promise.resolve(
      this.newestFirst(repository)
        .filter((b) => b.gitShas.some((s) => s.startsWith(shaPrefix)))
        .slice(0, limit),
    );
  }

  listBuilds(repository: string, page: { limit: number; cursor?: string | undefined }) {
    this.check('listing builds');
    const start = page.cursor === undefined ? 0 : Number(page.cursor);
    if (!Number.isInteger(start) || start < 0)
      throw new ValidationError('cursor', [
        { path: 'cursor', message: 'is not a cursor from a previous page' },
      ]);
    const all = this.newestFirst(repository);
    const builds = all.slice(start, start + page.limit);
    const next = start + page.limit;
    return Promise.resolve({ builds, nextCursor: next < all.length ? String(next) : undefined });
  }
}
