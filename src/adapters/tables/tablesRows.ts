import type { TableEntity } from '@azure/data-tables';
import { z } from 'zod';
import type { Build } from '../../domain/build.js';
import { isoDate } from '../../domain/isoDate.js';
import { parseRowWith } from './tablesPartition.js';
import { buildRowKey, eventRowKey, partitionKeyOf, shaRowKey, timeRowKey } from './tablesKeys.js';

/** The properties of a `build|` row and of its `time|` copy. Lists are JSON arrays. */
export type BuildProps = {
  readonly repository: string;
  readonly digest: string;
  readonly gitShas: string;
  readonly tags: string;
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
  tags: stringList,
  mediaType: z.string(),
  registry: z.string(),
  pushedBy: z.string().optional(),
  recordedAt: isoDate,
  pushedAt: isoDate.optional(),
  eventId: z.string().optional(),
  deletedAt: isoDate.optional(),
});

/**
 * The build held by a `build|` or `time|` row. Throws a plain Error naming the row when it
 * is malformed: the table was written by something else, which no retry will fix.
 */
export function buildOfRow(row: Record<string, unknown>): Build {
  const { deletedAt, pushedBy, pushedAt, eventId, ...rest } = parseRowWith(buildRow, row, 'ledger');
  return {
    ...rest,
    ...(pushedBy === undefined ? {} : { pushedBy }),
    ...(pushedAt === undefined ? {} : { pushedAt }),
    ...(eventId === undefined ? {} : { eventId }),
    ...(deletedAt === undefined ? {} : { deletedAt }),
  };
}

function propsOf(build: Build): BuildProps {
  return {
    repository: build.repository,
    digest: build.digest,
    gitShas: JSON.stringify(build.gitShas),
    tags: JSON.stringify(build.tags),
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
