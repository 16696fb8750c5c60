import type { TableClient } from '@azure/data-tables';
import type { Build } from '../../domain/build.js';
import type { BuildTag } from '../../ports/buildLedger.js';
import { queryRange, readRow } from './tablesPartition.js';
import {
  buildRange,
  buildRowKey,
  buildTagRange,
  parseShaRowKey,
  repositoryIndexRange,
  REPOSITORY_INDEX_PARTITION,
  shaPrefixRange,
} from './tablesKeys.js';
import { buildOfRow, buildTagOfRow, readBuildRow } from './tablesRows.js';

/* The build ledger's reads over key ranges (`TablesBuildLedger`), each a function of the table. */

/** Every repository of the index, sorted. */
export async function readRepositories(client: TableClient): Promise<string[]> {
  const names: string[] = [];
  for await (const row of queryRange(
    client,
    REPOSITORY_INDEX_PARTITION,
    repositoryIndexRange,
    1000,
  ))
    if (typeof row['repository'] === 'string') names.push(row['repository']);
  return names.sort();
}

/** The git SHAs of `repository` starting with `shaPrefix`, sorted. */
export async function readGitShas(
  client: TableClient,
  repository: string,
  shaPrefix: string,
): Promise<string[]> {
  const shas = new Set<string>();
  for await (const row of queryRange(client, repository, shaPrefixRange(shaPrefix), 1000)) {
    const key = parseShaRowKey(row.rowKey ?? '');
    if (key) shas.add(key.gitSha);
  }
  return [...shas].sort();
}

/** The build tags of `repository`: its `buildtag|` rows, and those an old-layout build row lists. */
export async function readBuildTags(client: TableClient, repository: string): Promise<BuildTag[]> {
  const tags: BuildTag[] = [];
  const seen = new Set<string>();
  const add = (tag: BuildTag) => {
    const key = `${tag.digest}|${tag.tag}`;
    if (seen.has(key)) return;
    seen.add(key);
    tags.push(tag);
  };
  for await (const row of queryRange(client, repository, buildTagRange, 1000)) {
    const tag = buildTagOfRow(row);
    if (tag) add(tag);
  }
  // A build row of the old layout lists its tags itself until its next write moves them.
  for await (const row of queryRange(client, repository, buildRange, 1000)) {
    const { build, legacyTags } = readBuildRow(row);
    for (const tag of legacyTags ?? []) add({ tag, digest: build.digest });
  }
  return tags;
}

/** Up to `limit` builds of `repository` whose git SHA starts with `shaPrefix`, newest first. */
export async function readBuildsByGitSha(
  client: TableClient,
  repository: string,
  shaPrefix: string,
  limit: number,
): Promise<Build[]> {
  // Rows sort by SHA first: collect every match, then order the digests newest first.
  const newest = new Map<string, string>();
  for await (const row of queryRange(client, repository, shaPrefixRange(shaPrefix), 1000)) {
    const key = parseShaRowKey(row.rowKey ?? '');
    if (key) newest.set(key.digest, `${key.inverted}|${key.digest}`);
  }
  const digests = [...newest.entries()]
    .sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, Math.max(0, limit))
    .map(([digest]) => digest);
  const rows = await Promise.all(digests.map((d) => readRow(client, repository, buildRowKey(d))));
  return rows.flatMap((row) => (row ? [buildOfRow(row)] : []));
}
