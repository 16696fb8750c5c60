import type { TransactionAction } from '@azure/data-tables';
import type { Build } from '../../domain/build.js';
import type { BuildPush, MarkDeletedResult, RecordBuildResult } from '../../ports/buildLedger.js';
import { buildEntity, eventEntity, shaEntity, timeEntity } from './tablesRows.js';

/** The build row as read: its snapshot and the ETag an update must match. */
export interface CurrentBuild {
  readonly build: Build;
  readonly etag: string;
}

/**
 * What one event does: the answer, and the entity-group transaction that makes it so (never
 * empty when it writes; empty when there is nothing to write). Creating the event marker in
 * the same transaction makes a concurrent handling of the same event fail with 409; the
 * `If-Match` on the build row makes a concurrent change of the build fail with 412.
 */
export interface WritePlan<R> {
  readonly result: R;
  readonly actions: readonly TransactionAction[];
}

/**
 * Recording `push` (whose event was not handled yet) given the digest's current build row:
 * create the build, add the SHA and tag to it, or clear its deletion mark; or only the
 * marker, when the build already holds the SHA and tag. `recordedAt` stays the first push's.
 */
export function planRecordBuild(
  push: BuildPush,
  current: CurrentBuild | undefined,
): WritePlan<RecordBuildResult> {
  const { repository, digest, gitSha, tag, eventId, at } = push;
  const marker: TransactionAction = [
    'create',
    eventEntity(repository, { eventId, action: 'record', digest, at }),
  ];
  if (!current) {
    const build: Build = {
      repository,
      digest,
      gitShas: [gitSha],
      tags: [tag],
      mediaType: push.mediaType,
      registry: push.registry,
      ...(push.pushedBy === undefined ? {} : { pushedBy: push.pushedBy }),
      recordedAt: at.toISOString(),
      ...(push.pushedAt === undefined ? {} : { pushedAt: push.pushedAt }),
      eventId,
    };
    return {
      result: { kind: 'recorded', build },
      actions: [
        marker,
        ['create', buildEntity(build)],
        ['upsert', timeEntity(build), 'Replace'],
        ['upsert', shaEntity(build, gitSha), 'Replace'],
      ],
    };
  }
  const known = current.build;
  const hasSha = known.gitShas.includes(gitSha);
  const hasTag = known.tags.includes(tag);
  if (hasSha && hasTag && known.deletedAt === undefined)
    // Nothing changes; the marker makes a redelivery answer duplicate-event.
    return { result: { kind: 'already-recorded', build: known }, actions: [marker] };
  const build: Build = {
    repository: known.repository,
    digest: known.digest,
    gitShas: hasSha ? known.gitShas : [...known.gitShas, gitSha],
    tags: hasTag ? known.tags : [...known.tags, tag],
    mediaType: known.mediaType,
    registry: known.registry,
    ...(known.pushedBy === undefined ? {} : { pushedBy: known.pushedBy }),
    recordedAt: known.recordedAt,
    ...(known.pushedAt === undefined ? {} : { pushedAt: known.pushedAt }),
    ...(known.eventId === undefined ? {} : { eventId: known.eventId }),
  };
  const addSha: TransactionAction[] = hasSha
    ? []
    : [['upsert', shaEntity(build, gitSha), 'Replace']];
  return {
    result: { kind: 'recorded', build },
    actions: [marker, ...replaceBuild(current, build), ...addSha],
  };
}

/**
 * Marking a build deleted (its event not handled yet). An unknown digest writes nothing, not
 * even the marker: nothing changed, and a redelivery answers `unknown-build` again. A build
 * already marked keeps its first `deletedAt`; only the marker is written.
 */
export function planMarkBuildDeleted(
  deletion: {
    readonly eventId: string;
    readonly repository: string;
    readonly digest: string;
    readonly at: Date;
  },
  current: CurrentBuild | undefined,
): WritePlan<MarkDeletedResult> {
  if (!current) return { result: { kind: 'unknown-build' }, actions: [] };
  const { eventId, repository, digest, at } = deletion;
  const marker: TransactionAction = [
    'create',
    eventEntity(repository, { eventId, action: 'delete', digest, at }),
  ];
  if (current.build.deletedAt !== undefined)
    return { result: { kind: 'deleted', build: current.build }, actions: [marker] };
  const build: Build = { ...current.build, deletedAt: at.toISOString() };
  return { result: { kind: 'deleted', build }, actions: [marker, ...replaceBuild(current, build)] };
}

/**
 * Writing `build` over `current`: its `build|` row, only if it still has the ETag read (else
 * 412), and its `time|` copy.
 */
function replaceBuild(current: CurrentBuild, build: Build): TransactionAction[] {
  return [
    ['update', buildEntity(build), 'Replace', { etag: current.etag }],
    ['upsert', timeEntity(build), 'Replace'],
  ];
}
