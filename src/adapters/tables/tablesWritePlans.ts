import type { TransactionAction } from '@azure/data-tables';
import { gitShaCountOf, recordInList, tagCountOf, type Build } from '../../domain/build.js';
import type { BuildPush, MarkDeletedResult, RecordBuildResult } from '../../ports/buildLedger.js';
import { TABLES_LIMITS } from './tablesPromotionCommit.js';
import {
  buildEntity,
  buildTagEntity,
  eventEntity,
  shaEntity,
  timeEntity,
  type BuildOfRow,
} from './tablesRows.js';

/** The build row as read (either layout): its snapshot and the ETag an update must match. */
export interface CurrentBuild extends BuildOfRow {
  readonly etag: string;
}

/** Whether the digest already has a push's git SHA and tag (in its lists or its index rows). */
export interface KnownRefs {
  readonly gitSha: boolean;
  readonly tag: boolean;
}

/**
 * What one event does: the answer, and the entity-group transaction that makes it so (never
 * empty when it writes; empty when there is nothing to write). Creating the event marker in
 * the same transaction makes a concurrent handling of the same event fail with 409; the
 * `If-Match` on the build row makes a concurrent change of the build fail with 412.
 *
 * `index` holds `buildtag|` rows of an old-layout build row (each an upsert of a fact the row
 * already states): written with the transaction when they fit in it, else before it, 100 a
 * transaction. Written early, they are true whatever the transaction does.
 */
export interface WritePlan<R> {
  readonly result: R;
  readonly actions: readonly TransactionAction[];
  readonly index?: readonly TransactionAction[];
}

/**
 * Recording `push` (whose event was not handled yet) given the digest's current build row:
 * create the build, add the SHA and tag to it (its lists bounded, the index rows complete), or
 * clear its deletion mark; or only the marker, when the build already holds the SHA and tag.
 * `recordedAt` stays the first push's. A row of the old layout is moved to the bounded one.
 */
export function planRecordBuild(
  push: BuildPush,
  current: CurrentBuild | undefined,
  known: KnownRefs,
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
        ['upsert', buildTagEntity(build, tag), 'Replace'],
      ],
    };
  }
  const had = current.build;
  const legacy = movedToIndex(current);
  if (known.gitSha && known.tag && had.deletedAt === undefined)
    // Nothing changes; the marker makes a redelivery answer duplicate-event (and an old-layout
    // row moves to the bounded one).
    return legacy
      ? {
          result: { kind: 'already-recorded', build: had },
          actions: [marker, ...replaceBuild(current, had)],
          index: legacy,
        }
      : { result: { kind: 'already-recorded', build: had }, actions: [marker] };
  const gitShaCount = gitShaCountOf(had) + (known.gitSha ? 0 : 1);
  const tagCount = tagCountOf(had) + (known.tag ? 0 : 1);
  const gitShas = known.gitSha ? had.gitShas : recordInList(had.gitShas, gitSha);
  const tags = known.tag ? had.tags : recordInList(had.tags, tag);
  const build: Build = {
    repository: had.repository,
    digest: had.digest,
    gitShas,
    ...(gitShaCount > gitShas.length ? { gitShaCount } : {}),
    tags,
    ...(tagCount > tags.length ? { tagCount } : {}),
    mediaType: had.mediaType,
    registry: had.registry,
    ...(had.pushedBy === undefined ? {} : { pushedBy: had.pushedBy }),
    recordedAt: had.recordedAt,
    ...(had.pushedAt === undefined ? {} : { pushedAt: had.pushedAt }),
    ...(had.eventId === undefined ? {} : { eventId: had.eventId }),
  };
  const addSha: TransactionAction[] = known.gitSha
    ? []
    : [['upsert', shaEntity(build, gitSha), 'Replace']];
  const addTag: TransactionAction[] = known.tag
    ? []
    : [['upsert', buildTagEntity(build, tag), 'Replace']];
  return {
    result: { kind: 'recorded', build },
    actions: [marker, ...replaceBuild(current, build), ...addSha, ...addTag],
    ...(legacy ? { index: legacy } : {}),
  };
}

/** The `buildtag|` rows an old-layout row's tags need; undefined for a row of the bounded layout. */
function movedToIndex(current: CurrentBuild): TransactionAction[] | undefined {
  return current.legacyTags?.map((tag) => [
    'upsert',
    buildTagEntity(current.build, tag),
    'Replace',
  ]);
}

/**
 * The transactions that write `plan`: one when its index rows fit beside its actions, else the
 * index rows 100 at a time and then the actions. Throws, naming the row and property, for a
 * write Table Storage would refuse (too many rows, a string property over 32,768 characters):
 * the bounded lists keep normal use far below, so this is a last line, not a path.
 */
export function transactionsOf(
  doing: string,
  plan: WritePlan<unknown>,
): (readonly TransactionAction[])[] {
  const { actions, index = [] } = plan;
  const max = TABLES_LIMITS.operationsPerTransaction;
  const fail = (problem: string): never => {
    throw new Error(`${doing}: ${problem}; Table Storage would refuse it`);
  };
  if (actions.length > max)
    fail(
      `the write needs ${String(actions.length)} rows, at most ${String(max)} fit in one transaction`,
    );
  for (const [, entity] of [...actions, ...index])
    for (const [name, value] of Object.entries(entity))
      if (typeof value === 'string' && value.length * 2 > TABLES_LIMITS.stringPropertyBytes)
        fail(
          `row ${entity.rowKey}: property ${name} is ${String(value.length)} characters, at most ${String(TABLES_LIMITS.stringPropertyBytes / 2)}`,
        );
  if (actions.length === 0) return [];
  if (actions.length + index.length <= max) return [[...index, ...actions]];
  const batches: TransactionAction[][] = [];
  for (let i = 0; i < index.length; i += max) batches.push(index.slice(i, i + max));
  return [...batches, actions];
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
  if (current.build.deletedAt !== undefined && current.legacyTags === undefined)
    return { result: { kind: 'deleted', build: current.build }, actions: [marker] };
  const build: Build = { ...current.build, deletedAt: current.build.deletedAt ?? at.toISOString() };
  const legacy = movedToIndex(current);
  return {
    result: { kind: 'deleted', build },
    actions: [marker, ...replaceBuild(current, build)],
    ...(legacy ? { index: legacy } : {}),
  };
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
