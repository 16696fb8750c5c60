import { createHash, randomUUID } from 'node:crypto';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { describe, expect, inject, it } from 'vitest';
import { createTablesBuildLedger } from '../../src/adapters/tables/tablesBuildLedger.js';
import { createTablesClient } from '../../src/adapters/tables/tablesClient.js';
import { invertedTime } from '../../src/adapters/tables/tablesKeys.js';
import { BUILD_LIST_LIMIT } from '../../src/domain/build.js';
import type { BuildPush } from '../../src/ports/buildLedger.js';

// Ledgers written before bounded build rows keep every git SHA and tag of a digest in its
// `build|` row (and its `time|` copy), with no counts and no `buildtag|` rows; each SHA has
// its `sha|` row. Such a row is read as it is; its next write moves it to the bounded layout.

function newClient(): TableClient {
  const tableName = `b${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  return createTablesClient({ connectionString: inject('tablesConnectionString'), tableName });
}

const shaOf = (label: string) => createHash('sha1').update(label).digest('hex');
const digestOf = (label: string) => `sha256:${createHash('sha256').update(label).digest('hex')}`;
const recordedAt = new Date(Date.UTC(2025, 0, 1, 12, 0));
const OCI = 'application/vnd.oci.image.manifest.v1+json';

/**
 * Writes a build as the old layout did: the `build|` and `time|` rows with the full lists and
 * no counts, and a `sha|` row per SHA; no `buildtag|` row. `app` is the repository.
 */
async function seedOldBuild(
  client: TableClient,
  digest: string,
  shas: readonly string[],
  tags: readonly string[],
): Promise<void> {
  await client.createTable();
  const props = {
    repository: 'app',
    digest,
    gitShas: JSON.stringify(shas),
    tags: JSON.stringify(tags),
    mediaType: OCI,
    registry: 'myacr.azurecr.io',
    recordedAt: recordedAt.toISOString(),
    eventId: 'legacy-event',
  };
  const inverted = invertedTime(recordedAt.getTime());
  await client.createEntity({ partitionKey: 'app', rowKey: `build|${digest}`, ...props });
  await client.createEntity({
    partitionKey: 'app',
    rowKey: `time|${inverted}|${digest}`,
    ...props,
  });
  const shaRows = shas.map((gitSha): TransactionAction => [
    'create',
    {
      partitionKey: 'app',
      rowKey: `sha|${gitSha}|${inverted}|${digest}`,
      repository: 'app',
      gitSha,
      digest,
    },
  ]);
  for (let i = 0; i < shaRows.length; i += 100)
    await client.submitTransaction(shaRows.slice(i, i + 100));
}

const pushOf = (digest: string, gitSha: string, tag: string, minute: number): BuildPush => ({
  eventId: randomUUID(),
  repository: 'app',
  digest,
  gitSha,
  tag,
  mediaType: OCI,
  registry: 'myacr.azurecr.io',
  at: new Date(recordedAt.getTime() + minute * 60_000),
});

async function rowKeys(client: TableClient, prefix: string): Promise<string[]> {
  const filter = `PartitionKey eq 'app' and RowKey ge '${prefix}|' and RowKey lt '${prefix}}'`;
  const keys: string[] = [];
  for await (const row of client.listEntities({ queryOptions: { filter } }))
    keys.push(row.rowKey ?? '');
  return keys;
}

const kept = (list: readonly string[]) => [
  ...list.slice(0, 1),
  ...list.slice(-(BUILD_LIST_LIMIT - 1)),
];

describe('Tables build ledger: build rows of the old layout', () => {
  // 650 SHAs and tags: near a property's 32,768 characters, as the rows that stopped pushes were.
  const shas = Array.from({ length: 650 }, (_, i) => shaOf(`old-${String(i)}`));
  const tags = shas.map((sha) => `git-${sha}`);

  it('reads a full row bounded, finds each of its SHAs and tags, and moves it to the bounded layout on the next push (its 650 tags to buildtag| rows)', async () => {
    const client = newClient();
    const digest = digestOf('old');
    await seedOldBuild(client, digest, shas, tags);
    expect(JSON.stringify(tags).length).toBeGreaterThan(30_000);
    const ledger = createTablesBuildLedger({ client });

    const before = await ledger.getBuildByDigest('app', digest);
    expect(before).toMatchObject({
      gitShas: kept(shas),
      gitShaCount: 650,
      tags: kept(tags),
      tagCount: 650,
      eventId: 'legacy-event',
    });
    expect((await ledger.listBuilds('app', { limit: 5 })).builds).toEqual([before]);
    for (const sha of [shas[0], shas[1], shas[300], shas[649]])
      expect(await ledger.findBuildsByGitSha('app', sha ?? '')).toEqual([before]);
    expect((await ledger.listBuildTags('app')).map((t) => t.tag).sort()).toEqual([...tags].sort());
    // A tag the old row holds, pushed again: nothing new, but the row moves.
    expect((await ledger.recordBuild(pushOf(digest, shas[5] ?? '', tags[5] ?? '', 1))).kind).toBe(
      'already-recorded',
    );
    expect((await client.getEntity('app', `build|${digest}`))['tagCount']).toBe(650);

    const newSha = shaOf('new');
    const recorded = await ledger.recordBuild(pushOf(digest, newSha, `git-${newSha}`, 2));

    const after = {
      ...before,
      gitShas: kept([...shas, newSha]),
      gitShaCount: 651,
      tags: kept([...tags, `git-${newSha}`]),
      tagCount: 651,
    };
    expect(recorded).toEqual({ kind: 'recorded', build: after });
    expect(await ledger.getBuildByDigest('app', digest)).toEqual(after);
    expect((await ledger.listBuilds('app', { limit: 5 })).builds).toEqual([after]);
    const row = await client.getEntity('app', `build|${digest}`);
    expect(row['gitShaCount']).toBe(651);
    expect(JSON.parse(String(row['tags']))).toHaveLength(BUILD_LIST_LIMIT);
    expect(await rowKeys(client, 'buildtag')).toHaveLength(651);
    expect(await rowKeys(client, 'sha')).toHaveLength(651);
    const listed = await ledger.listBuildTags('app');
    expect(listed).toHaveLength(651);
    expect(await ledger.findBuildsByGitSha('app', shas[2] ?? '')).toEqual([after]);
    expect(await ledger.findGitShas('app', (shas[2] ?? '').slice(0, 12))).toEqual([shas[2]]);
  });

  it('moves a small old row in the one transaction of a deletion, keeping its lists whole', async () => {
    const client = newClient();
    const digest = digestOf('small');
    await seedOldBuild(client, digest, shas.slice(0, 3), tags.slice(0, 3));
    const ledger = createTablesBuildLedger({ client });

    const deleted = await ledger.markBuildDeleted({
      eventId: randomUUID(),
      repository: 'app',
      digest,
      at: new Date(recordedAt.getTime() + 60_000),
    });

    expect(deleted).toMatchObject({
      kind: 'deleted',
      build: { gitShas: shas.slice(0, 3), tags: tags.slice(0, 3) },
    });
    const row = await client.getEntity('app', `build|${digest}`);
    expect(row).toMatchObject({ gitShaCount: 3, tagCount: 3 });
    expect(await rowKeys(client, 'buildtag')).toHaveLength(3);
    expect((await ledger.listBuildTags('app')).map((t) => t.tag).sort()).toEqual(
      tags.slice(0, 3).sort(),
    );
  });

  it('moves an old row once when several pushes race on it, losing none of them', async () => {
    const client = newClient();
    const digest = digestOf('racy');
    await seedOldBuild(client, digest, shas.slice(0, 150), tags.slice(0, 150));
    const racing = [0, 1, 2].map((i) => shaOf(`racing-${String(i)}`));

    // Three instances, as three hosts would be.
    const results = await Promise.all(
      racing.map((sha, i) =>
        createTablesBuildLedger({ client }).recordBuild(pushOf(digest, sha, `git-${sha}`, 5 + i)),
      ),
    );

    expect(results.map((r) => r.kind)).toEqual(['recorded', 'recorded', 'recorded']);
    const build = await createTablesBuildLedger({ client }).getBuildByDigest('app', digest);
    expect(build).toMatchObject({ gitShaCount: 153, tagCount: 153 });
    expect(new Set(build?.gitShas.slice(-3))).toEqual(new Set(racing));
    expect(await rowKeys(client, 'buildtag')).toHaveLength(153);
  });
});
