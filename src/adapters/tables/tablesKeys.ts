import { createHash } from 'node:crypto';

/**
 * Table keys of the ledger. One partition per repository; the RowKey prefix tells the row
 * kinds apart:
 *
 * - `build|<digest>`: the build snapshot.
 * - `time|<inverted recordedAt>|<digest>`: a copy of the snapshot; ascending RowKeys are
 *   newest first.
 * - `sha|<gitSha>|<inverted recordedAt>|<digest>`: points a git SHA at a digest (every SHA
 *   of the digest has one; `recordedAt` is the build's, its first push's).
 * - `buildtag|<digest>|<tag>`: a build tag of the digest (every tag has one).
 * - `event|<event id>`: the idempotency marker of a handled registry event.
 *
 * One more partition, `~repositories` (no repository name starts with `~`), lists the
 * repositories: a `repo|<partition key>` row each, holding the name.
 *
 * Keys may not contain `/ \ # ?` or control characters. Repository names only contain
 * `[a-z0-9._/-]`, digests `[a-z0-9+._-:=]`, git SHAs lowercase hex: only `/` needs encoding.
 */

/** The largest time the 13-digit inverted time can hold (year 2286), in epoch milliseconds. */
export const MAX_TIME_MS = 9_999_999_999_999;

/** The PartitionKey of a repository: `/` (not allowed in keys) becomes `~` (not in names). */
export function partitionKeyOf(repository: string): string {
  return repository.replaceAll('/', '~');
}

/** `build|<digest>`. */
export function buildRowKey(digest: string): string {
  return `build|${digest}`;
}

/**
 * 15 digits that sort ascending as `recordedAt` descends. The caller guarantees
 * `0 <= ms <= MAX_TIME_MS`.
 */
export function invertedTime(ms: number): string {
  return String(MAX_TIME_MS - ms).padStart(15, '0');
}

/** `time|<inverted recordedAt>|<digest>`. */
export function timeRowKey(recordedAtMs: number, digest: string): string {
  return `time|${invertedTime(recordedAtMs)}|${digest}`;
}

/** `sha|<gitSha>|<inverted recordedAt>|<digest>`. */
export function shaRowKey(gitSha: string, recordedAtMs: number, digest: string): string {
  return `sha|${gitSha}|${invertedTime(recordedAtMs)}|${digest}`;
}

/** `buildtag|<digest>|<idKeyPart(tag)>` (OCI tags are kept verbatim). */
export function buildTagRowKey(digest: string, tag: string): string {
  return `buildtag|${digest}|${idKeyPart(tag)}`;
}

/** Every `build|` row of a repository (`buildtag|` sorts below `build|`: `t` < `|`). */
export const buildRange: RowKeyRange = { from: 'build|', to: 'build}' };

/** Every `buildtag|` row of a repository. */
export const buildTagRange: RowKeyRange = { from: 'buildtag|', to: 'buildtag}' };

/** Ids kept verbatim in a key; anything else is hashed. */
const plainId = /^[A-Za-z0-9._:-]{1,200}$/;

/**
 * A key-safe, `|`-free form of an arbitrary id: the id itself when it is made of letters,
 * digits and `. _ : -` (UUIDs, ACR's event ids, digests, tags); `~<sha256 of the id>` for any
 * other id, which may contain characters keys forbid or be too long for a key. The two forms
 * cannot collide: plain ids contain no `~`.
 */
export function idKeyPart(id: string): string {
  if (plainId.test(id)) return id;
  return `~${createHash('sha256').update(id, 'utf8').digest('hex')}`;
}

/** Whether `part` is something `idKeyPart` produces. */
export function isIdKeyPart(part: string): boolean {
  return plainId.test(part) || /^~[0-9a-f]{64}$/.test(part);
}

/** `event|<idKeyPart(event id)>`: see `idKeyPart`. */
export function eventRowKey(eventId: string): string {
  return `event|${idKeyPart(eventId)}`;
}

/** The partition listing every repository. */
export const REPOSITORY_INDEX_PARTITION = '~repositories';

/** The row of `repository` in the repository index. */
export function repositoryIndexEntity(repository: string): {
  partitionKey: string;
  rowKey: string;
  repository: string;
} {
  return {
    partitionKey: REPOSITORY_INDEX_PARTITION,
    rowKey: `repo|${partitionKeyOf(repository)}`,
    repository,
  };
}

/** A RowKey range `[from, to)`. */
export interface RowKeyRange {
  readonly from: string;
  readonly to: string;
}

/** Every row of the repository index. */
export const repositoryIndexRange: RowKeyRange = { from: 'repo|', to: 'repo}' };

/** All `time|` rows: `|` < `}`, so every `time|…` key is below `time}`. */
export const timeRange: RowKeyRange = { from: 'time|', to: 'time}' };

/**
 * The `sha|` rows of every git SHA starting with `shaPrefix` (lowercase hex). After the
 * prefix comes more hex (below `|`) or the `|` that ends the SHA, all below `}`; so
 * `sha|a1b2c3d` up to `sha|a1b2c3d}` holds exactly the SHAs with that prefix.
 */
export function shaPrefixRange(shaPrefix: string): RowKeyRange {
  return { from: `sha|${shaPrefix}`, to: `sha|${shaPrefix}}` };
}

/** Parses the digest and inverted time out of a `sha|` RowKey. */
export function parseShaRowKey(
  rowKey: string,
): { readonly gitSha: string; readonly inverted: string; readonly digest: string } | undefined {
  const match = /^sha\|([0-9a-f]+)\|([0-9]{15})\|(.+)$/.exec(rowKey);
  if (!match) return undefined;
  const [, gitSha = '', inverted = '', digest = ''] = match;
  return { gitSha, inverted, digest };
}

/** Whether `rowKey` is a well-formed `time|` RowKey. */
export function isTimeRowKey(rowKey: string): boolean {
  return /^time\|[0-9]{15}\|[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(rowKey);
}
