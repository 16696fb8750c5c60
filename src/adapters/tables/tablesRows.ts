import type { TableEntity } from '@azure/data-tables';
import { z } from 'zod';
import {
  BUILD_LIST_LIMIT,
  boundList,
  gitShaCountOf,
  tagCountOf,
  type Build,
} from '../../domain/build.js';
import { isoDate } from '../../domain/isoDate.js';
import { parseRowWith } from './tablesPartition.js';
import {
  buildRowKey,
  buildTagRowKey,
  eventRowKey,
  partitionKeyOf,
  shaRowKey,
  timeRowKey,
} from './tablesKeys.js';

/**
 * The properties of a `build|` row and of its `time|` copy. Lists are JSON arrays, bounded
 * (`BUILD_LIST_LIMIT`), with the counts of the complete lists. A row without the counts is of
 * the old layout: its lists are complete (and unbounded), and no `buildtag|` rows exist yet.
 */
export type BuildProps = {
  readonly repository: string;
  readonly digest: string;
  readonly gitShas: string;
  readonly gitShaCount: number;
  readonly tags: string;
  readonly tagCount: number;
  readonly mediaType: string;
  readonly registry: string;
  readonly pushedBy?: string;
  readonly recordedAt: string;
  readonly pushedAt?: string;
  readonly eventId?: string;
  readonly deletedAt?: string;
};

const stringList = z.string().transform((text, ctx) => {
  try {
    return z.array(z.string()).parse(JSON.parse(text));
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a JSON array of strings' });
    return z.NEVER;
  }
});

const buildRow = z.object({
  repository: z.string().min(1),
  digest: z.string().min(1),
  gitShas: stringList,
  gitShaCount: z.number().int().nonnegative().optional(),
  tags: stringList,
  tagCount: z.number().int().nonnegative().optional(),
  mediaType: z.string(),
  registry: z.string(),
  pushedBy: z.string().optional(),
  recordedAt: isoDate,
  pushedAt: isoDate.optional(),
  eventId: z.string().optional(),
  deletedAt: isoDate.optional(),
});

/** A `build|` or `time|` row as read: its build, bounded; and the full tags of an old-layout row. */
export interface BuildOfRow {
  readonly build: Build;
  /** Set for a row of the old layout: its every tag, which have no `buildtag|` rows yet. */
  readonly legacyTags?: readonly string[] | undefined;
  /** Set for a row of the old layout: its every git SHA (each has its `sha|` row). */
  readonly legacyGitShas?: readonly string[] | undefined;
}

/**
 * The build held by a `build|` or `time|` row, in either layout. Throws a plain Error naming
 * the row when it is malformed: the table was written by something else, which no retry will fix.
 */
export function readBuildRow(row: Record<string, unknown>): BuildOfRow {
  const { deletedAt, pushedBy, pushedAt, eventId, gitShas, gitShaCount, tags, tagCount, ...rest } =
    parseRowWith(buildRow, row, 'ledger');
  const shaTotal = gitShaCount ?? gitShas.length;
  const tagTotal = tagCount ?? tags.length;
  const build: Build = {
    ...rest,
    gitShas: boundList(gitShas),
    ...(shaTotal > BUILD_LIST_LIMIT ? { gitShaCount: shaTotal } : {}),
    tags: boundList(tags),
    ...(tagTotal > BUILD_LIST_LIMIT ? { tagCount: tagTotal } : {}),
    ...(pushedBy === undefined ? {} : { pushedBy }),
    ...(pushedAt === undefined ? {} : { pushedAt }),
    ...(eventId === undefined ? {} : { eventId }),
    ...(deletedAt === undefined ? {} : { deletedAt }),
  };
  return gitShaCount === undefined || tagCount === undefined
    ? { build, legacyTags: tags, legacyGitShas: gitShas }
    : { build };
}

/** The build held by a `build|` or `time|` row; see `readBuildRow`. */
export function buildOfRow(row: Record<string, unknown>): Build {
  return readBuildRow(row).build;
}

function propsOf(build: Build): BuildProps {
  return {
    repository: build.repository,
    digest: build.digest,
    gitShas: JSON.stringify(boundList(build.gitShas)),
    gitShaCount: gitShaCountOf(build),
    tags: JSON.stringify(boundList(build.tags)),
    tagCount: tagCountOf(build),
    mediaType: build.mediaType,
    registry: build.registry,
    ...(build.pushedBy === undefined ? {} : { pushedBy: build.pushedBy }),
    recordedAt: build.recordedAt,
    ...(build.pushedAt === undefined ? {} : { pushedAt: build.pushedAt }),
    ...(build.eventId === undefined ? {} : { eventId: build.eventId }),
    ...(build.deletedAt === undefined ? {} : { deletedAt: build.deletedAt }),
  };
}

/** The `build|` row of `build`. */
export function buildEntity(build: Build): TableEntity<BuildProps> {
  return {
    partitionKey: partitionKeyOf(build.repository),
    rowKey: buildRowKey(build.digest),
    ...propsOf(build),
  };
}

/** The `time|` copy of `build`, which `listBuilds` reads. */
export function timeEntity(build: Build): TableEntity<BuildProps> {
  return {
    partitionKey: partitionKeyOf(build.repository),
    rowKey: timeRowKey(Date.parse(build.recordedAt), build.digest),
    ...propsOf(build),
  };
}

/** The `sha|` row pointing `gitSha` at `build`. */
export function shaEntity(build: Build, gitSha: string): TableEntity<Record<string, string>> {
  return {
    partitionKey: partitionKeyOf(build.repository),
    rowKey: shaRowKey(gitSha, Date.parse(build.recordedAt), build.digest),
    repository: build.repository,
    gitSha,
    digest: build.digest,
  };
}

/** The `buildtag|` row recording `tag` for `build`'s digest. */
export function buildTagEntity(
  build: Pick<Build, 'repository' | 'digest'>,
  tag: string,
): TableEntity<Record<string, string>> {
  return {
    partitionKey: partitionKeyOf(build.repository),
    rowKey: buildTagRowKey(build.digest, tag),
    repository: build.repository,
    digest: build.digest,
    tag,
  };
}

/** The tag and digest of a `buildtag|` row, or undefined for a row that is not one. */
export function buildTagOfRow(
  row: Record<string, unknown>,
): { readonly tag: string; readonly digest: string } | undefined {
  const { tag, digest } = row;
  return typeof tag === 'string' && typeof digest === 'string' ? { tag, digest } : undefined;
}

/** The `event|` marker of a handled registry event: what it did, for the audit trail. */
export function eventEntity(
  repository: string,
  event: {
    readonly eventId: string;
    readonly action: 'record' | 'delete';
    readonly digest: string;
    readonly at: Date;
  },
): TableEntity<Record<string, string>> {
  return {
    partitionKey: partitionKeyOf(repository),
    rowKey: eventRowKey(event.eventId),
    repository,
    eventId: event.eventId,
    action: event.action,
    digest: event.digest,
    handledAt: event.at.toISOString(),
  };
}
