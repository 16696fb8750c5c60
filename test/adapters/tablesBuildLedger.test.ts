import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { createTablesClient } from '../../src/adapters/tables/tablesClient.js';
import { ensureLedgerTable } from '../../src/adapters/tables/tablesEnsureTable.js';
import { createTablesBuildLedger } from '../../src/adapters/tables/tablesBuildLedger.js';
import { TransientError, ValidationError } from '../../src/domain/errors.js';
import type { BuildPush, BuildLedger } from '../../src/ports/buildLedger.js';
import { azuriteConnectionString } from '../../src/local/services/azurite.js';
import { freePort } from '../../src/local/services/tcpPorts.js';

/** The suite's Azurite (test/globalSetup.ts); each test uses a fresh table in it. */
const connectionString = () => inject('tablesConnectionString');

/** A fresh table, so that every test starts from an empty ledger. */
function freshTableName(): string {
  return `t${randomUUID().replaceAll('-', '').slice(0, 20)}`;
}

function newLedger(): BuildLedger {
  const client = createTablesClient({
    connectionString: connectionString(),
    tableName: freshTableName(),
  });
  return createTablesBuildLedger({ client });
}

const digestOf = (label: string) => `sha256:${createHash('sha256').update(label).digest('hex')}`;
const shaOf = (label: string) => createHash('sha1').update(label).digest('hex');
const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 12, minute));

function push(overrides: Partial<BuildPush> & { gitSha: string; digest: string }): BuildPush {
  return {
    eventId: randomUUID(),
    repository: 'myapp',
    tag: `git-${overrides.gitSha.slice(0, 7)}`,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    registry: 'myacr.azurecr.io',
    at: at(0),
    ...overrides,
  };
}

describe('Tables ledger on Azurite', () => {
  it('keeps who pushed the build first', async () => {
    const ledger = newLedger();
    const digest = digestOf('pushed-by');
    await ledger.recordBuild(push({ gitSha: shaOf('p1'), digest, pushedBy: 'ci-bot' }));
    await ledger.recordBuild(push({ gitSha: shaOf('p2'), digest, pushedBy: 'someone-else' }));
    expect((await ledger.getBuildByDigest('myapp', digest))?.pushedBy).toBe('ci-bot');
  });

  it('records a new build and reads it back by digest, by full SHA and by short SHA prefix', async () => {
    const ledger = newLedger();
    const sha = shaOf('one');
    const digest = digestOf('one');
    const pushed = push({ gitSha: sha, digest, at: at(5) });
    const result = await ledger.recordBuild(pushed);

    const expected = {
      eventId: pushed.eventId,
      repository: 'myapp',
      digest,
      gitShas: [sha],
      tags: [`git-${sha.slice(0, 7)}`],
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      registry: 'myacr.azurecr.io',
      recordedAt: '2025-01-01T12:05:00.000Z',
    };
    expect(result).toEqual({ kind: 'recorded', build: expected });
    expect(await ledger.getBuildByDigest('myapp', digest)).toEqual(expected);
    expect(await ledger.findBuildsByGitSha('myapp', sha)).toEqual([expected]);
    expect(await ledger.findBuildsByGitSha('myapp', sha.slice(0, 7))).toEqual([expected]);
    expect(await ledger.getBuildByDigest('myapp', digestOf('other'))).toBeUndefined();
  });

  it('finds by SHA prefix only the SHAs that start with it', async () => {
    const ledger = newLedger();
    const a = `a1b2c3d${'0'.repeat(33)}`;
    const b = `a1b2c3e${'0'.repeat(33)}`;
    await ledger.recordBuild(push({ gitSha: a, digest: digestOf('a') }));
    await ledger.recordBuild(push({ gitSha: b, digest: digestOf('b') }));

    const found = await ledger.findBuildsByGitSha('myapp', 'a1b2c3d');
    expect(found.map((build) => build.digest)).toEqual([digestOf('a')]);
    expect(await ledger.findBuildsByGitSha('myapp', 'a1b2c3f')).toEqual([]);
    expect(await ledger.findBuildsByGitSha('myapp', `${a}0`.slice(0, 40))).toHaveLength(1);
  });

  it('answers duplicate-event for the same event id twice and records one build', async () => {
    const ledger = newLedger();
    const first = push({ gitSha: shaOf('one'), digest: digestOf('one') });
    await ledger.recordBuild(first);
    const again = await ledger.recordBuild({ ...first, at: at(9) });

    expect(again.kind).toBe('duplicate-event');
    expect(again.build?.recordedAt).toBe(at(0).toISOString());
    const page = await ledger.listBuilds('myapp', { limit: 10 });
    expect(page.builds).toHaveLength(1);
  });

  it('treats event ids with characters keys forbid as ordinary ids', async () => {
    const ledger = newLedger();
    const first = push({ gitSha: shaOf('one'), digest: digestOf('one'), eventId: 'a/b\\c#d?e' });
    expect((await ledger.recordBuild(first)).kind).toBe('recorded');
    expect((await ledger.recordBuild(first)).kind).toBe('duplicate-event');
    const other = { ...first, eventId: 'a/b\\c#d?f', gitSha: shaOf('two'), tag: 'git-two' };
    expect((await ledger.recordBuild(other)).kind).toBe('recorded');
  });

  it('keeps both SHAs when the same digest is pushed under a second build tag, and both find it', async () => {
    const ledger = newLedger();
    const digest = digestOf('shared');
    const [one, two] = [shaOf('one'), shaOf('two')];
    await ledger.recordBuild(push({ gitSha: one, digest, at: at(1) }));
    const second = await ledger.recordBuild(push({ gitSha: two, digest, at: at(2) }));

    expect(second.kind).toBe('recorded');
    expect(second.build?.gitShas).toEqual([one, two]);
    expect(second.build?.tags).toEqual([`git-${one.slice(0, 7)}`, `git-${two.slice(0, 7)}`]);
    expect(second.build?.recordedAt).toBe(at(1).toISOString());
    expect((await ledger.findBuildsByGitSha('myapp', one)).map((b) => b.gitShas)).toEqual([
      [one, two],
    ]);
    expect((await ledger.findBuildsByGitSha('myapp', two)).map((b) => b.digest)).toEqual([digest]);
    const page = await ledger.listBuilds('myapp', { limit: 10 });
    expect(page.builds.map((b) => b.gitShas)).toEqual([[one, two]]);
  });

  it('answers already-recorded when the digest already holds the SHA and tag', async () => {
    const ledger = newLedger();
    const first = push({ gitSha: shaOf('one'), digest: digestOf('one'), at: at(1) });
    await ledger.recordBuild(first);
    const again = await ledger.recordBuild({ ...first, eventId: randomUUID(), at: at(3) });

    expect(again.kind).toBe('already-recorded');
    expect(again.build).toMatchObject({ gitShas: [first.gitSha], recordedAt: at(1).toISOString() });
  });

  it('returns both digests of a rebuilt SHA, newest first', async () => {
    const ledger = newLedger();
    const sha = shaOf('rebuilt');
    await ledger.recordBuild(push({ gitSha: sha, digest: digestOf('old'), at: at(1) }));
    await ledger.recordBuild(push({ gitSha: sha, digest: digestOf('new'), at: at(2) }));

    const found = await ledger.findBuildsByGitSha('myapp', sha.slice(0, 7));
    expect(found.map((b) => b.digest)).toEqual([digestOf('new'), digestOf('old')]);
    expect(await ledger.findBuildsByGitSha('myapp', sha, 1)).toEqual([found[0]]);
  });

  it('loses no SHA when 20 pushes of one digest are recorded concurrently', async () => {
    const ledger = newLedger();
    const digest = digestOf('busy');
    const shas = Array.from({ length: 20 }, (_, i) => shaOf(`busy-${i}`));
    const results = await Promise.all(
      shas.map((gitSha, i) => ledger.recordBuild(push({ gitSha, digest, at: at(i) }))),
    );

    expect(results.map((r) => r.kind)).toEqual(shas.map(() => 'recorded'));
    const build = await ledger.getBuildByDigest('myapp', digest);
    expect([...(build?.gitShas ?? [])].sort()).toEqual([...shas].sort());
    expect(build?.tags).toHaveLength(20);
    for (const sha of shas)
      expect((await ledger.findBuildsByGitSha('myapp', sha)).map((b) => b.digest)).toEqual([
        digest,
      ]);
    expect((await ledger.listBuilds('myapp', { limit: 10 })).builds).toHaveLength(1);
  });

  it('records a concurrently redelivered event once', async () => {
    const ledger = newLedger();
    const event = push({ gitSha: shaOf('one'), digest: digestOf('one') });
    const results = await Promise.all(Array.from({ length: 10 }, () => ledger.recordBuild(event)));

    const kinds = results.map((r) => r.kind).sort();
    expect(kinds).toEqual(['recorded', ...Array<string>(9).fill('duplicate-event')].sort());
    expect((await ledger.getBuildByDigest('myapp', event.digest))?.gitShas).toEqual([event.gitSha]);
  });

  it('marks a deleted build with deletedAt, keeps it readable, and a re-push clears the mark', async () => {
    const ledger = newLedger();
    const first = push({ gitSha: shaOf('one'), digest: digestOf('one'), at: at(1) });
    await ledger.recordBuild(first);
    const deletion = {
      eventId: randomUUID(),
      repository: 'myapp',
      digest: first.digest,
      at: at(2),
    };

    const deleted = await ledger.markBuildDeleted(deletion);
    expect(deleted.kind).toBe('deleted');
    expect(deleted.kind === 'deleted' && deleted.build.deletedAt).toBe(at(2).toISOString());
    expect((await ledger.markBuildDeleted(deletion)).kind).toBe('duplicate-event');
    expect((await ledger.getBuildByDigest('myapp', first.digest))?.deletedAt).toBe(
      at(2).toISOString(),
    );
    expect((await ledger.findBuildsByGitSha('myapp', first.gitSha))[0]?.deletedAt).toBe(
      at(2).toISOString(),
    );
    expect((await ledger.listBuilds('myapp', { limit: 5 })).builds[0]?.deletedAt).toBe(
      at(2).toISOString(),
    );

    const repushed = await ledger.recordBuild({ ...first, eventId: randomUUID(), at: at(3) });
    expect(repushed.kind).toBe('recorded');
    expect(repushed.build?.deletedAt).toBeUndefined();
    expect(repushed.build?.recordedAt).toBe(at(1).toISOString());
    expect((await ledger.getBuildByDigest('myapp', first.digest))?.deletedAt).toBeUndefined();
    expect((await ledger.listBuilds('myapp', { limit: 5 })).builds[0]?.deletedAt).toBeUndefined();
  });

  it('answers unknown-build when deleting a digest it never recorded', async () => {
    const ledger = newLedger();
    const deletion = {
      eventId: randomUUID(),
      repository: 'myapp',
      digest: digestOf('x'),
      at: at(1),
    };
    expect(await ledger.markBuildDeleted(deletion)).toEqual({ kind: 'unknown-build' });
    expect(await ledger.getBuildByDigest('myapp', deletion.digest)).toBeUndefined();
  });

  it.each([
    { builds: 7, limit: 3, pages: [3, 3, 1] },
    { builds: 6, limit: 3, pages: [3, 3] },
    { builds: 2, limit: 5, pages: [2] },
  ])(
    'lists $builds builds newest first in pages of $limit, nothing repeated or lost',
    async ({ builds, limit, pages }) => {
      const ledger = newLedger();
      // Recorded out of time order: the list follows recordedAt, not insertion.
      const minutes = Array.from({ length: builds }, (_, i) => i).sort((a, b) =>
        shaOf(`order-${a}`).localeCompare(shaOf(`order-${b}`)),
      );
      for (const minute of minutes)
        await ledger.recordBuild(
          push({ gitSha: shaOf(`b${minute}`), digest: digestOf(`b${minute}`), at: at(minute) }),
        );

      const seen: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await ledger.listBuilds('myapp', { limit, cursor });
        seen.push(page.builds.map((b) => b.digest));
        cursor = page.nextCursor;
      } while (cursor !== undefined);

      expect(seen.map((p) => p.length)).toEqual(pages);
      const newestFirst = Array.from({ length: builds }, (_, i) => digestOf(`b${builds - 1 - i}`));
      expect(seen.flat()).toEqual(newestFirst);
    },
  );

  it('pages through builds recorded in the same millisecond without repeating or losing one', async () => {
    const ledger = newLedger();
    const digests = Array.from({ length: 5 }, (_, i) => digestOf(`same-${i}`));
    for (const [i, digest] of digests.entries())
      await ledger.recordBuild(push({ gitSha: shaOf(`same-${i}`), digest, at: at(1) }));

    const first = await ledger.listBuilds('myapp', { limit: 2 });
    const second = await ledger.listBuilds('myapp', { limit: 2, cursor: first.nextCursor });
    const third = await ledger.listBuilds('myapp', { limit: 2, cursor: second.nextCursor });
    const seen = [...first.builds, ...second.builds, ...third.builds].map((b) => b.digest);
    expect(seen).toHaveLength(5);
    expect([...seen].sort()).toEqual([...digests].sort());
    expect(third.nextCursor).toBeUndefined();
  });

  it.each(['not a cursor!', '', Buffer.from('build|sha256:abc').toString('base64url'), 'dGltZXw'])(
    'rejects the bad cursor %j with a ValidationError',
    async (cursor) => {
      const ledger = newLedger();
      await expect(ledger.listBuilds('myapp', { limit: 5, cursor })).rejects.toBeInstanceOf(
        ValidationError,
      );
    },
  );

  it('lists every repository with a recorded build once, sorted, nested ones included', async () => {
    const ledger = newLedger();
    expect(await ledger.listRepositories()).toEqual([]);
    await ledger.recordBuild(
      push({ repository: 'zeta', gitSha: 'a'.repeat(40), digest: 'sha256:' + '1'.repeat(64) }),
    );
    await ledger.recordBuild(
      push({
        repository: 'team/backend',
        gitSha: 'b'.repeat(40),
        digest: 'sha256:' + '2'.repeat(64),
      }),
    );
    await ledger.recordBuild(
      push({
        repository: 'team/backend',
        gitSha: 'c'.repeat(40),
        digest: 'sha256:' + '3'.repeat(64),
      }),
    );
    await ledger.recordBuild(
      push({ repository: 'alpha', gitSha: 'd'.repeat(40), digest: 'sha256:' + '4'.repeat(64) }),
    );
    expect(await ledger.listRepositories()).toEqual(['alpha', 'team/backend', 'zeta']);
  });

  it('keeps the nested repository team/backend apart from team', async () => {
    const ledger = newLedger();
    const sha = shaOf('nested');
    await ledger.recordBuild(push({ repository: 'team', gitSha: sha, digest: digestOf('team') }));
    await ledger.recordBuild(
      push({ repository: 'team/backend', gitSha: sha, digest: digestOf('backend') }),
    );

    const backend = await ledger.listBuilds('team/backend', { limit: 10 });
    expect(backend.builds.map((b) => [b.repository, b.digest])).toEqual([
      ['team/backend', digestOf('backend')],
    ]);
    const team = await ledger.findBuildsByGitSha('team', sha);
    expect(team.map((b) => [b.repository, b.digest])).toEqual([['team', digestOf('team')]]);
    expect(await ledger.getBuildByDigest('team', digestOf('backend'))).toBeUndefined();
  });

  it('creates the table once even when several instances ensure it concurrently', async () => {
    const tableName = freshTableName();
    const clients = Array.from({ length: 5 }, () =>
      createTablesClient({ connectionString: connectionString(), tableName }),
    );
    await Promise.all(clients.map((client) => ensureLedgerTable(client)));
    const [client] = clients;
    if (!client) throw new Error('no client');
    await expect(ensureLedgerTable(client)).resolves.toBeUndefined();
    const ledger = createTablesBuildLedger({ client });
    const recorded = await ledger.recordBuild(push({ gitSha: shaOf('t'), digest: digestOf('t') }));
    expect(recorded.kind).toBe('recorded');
  });

  it('throws a TransientError naming the operation within seconds when the ledger is unreachable', async () => {
    const port = await freePort();
    const client = createTablesClient({
      connectionString: azuriteConnectionString(port),
      tableName: freshTableName(),
    });
    const ledger = createTablesBuildLedger({ client });
    const started = Date.now();
    const failure = await ledger
      .recordBuild(push({ gitSha: shaOf('down'), digest: digestOf('down') }))
      .catch((error: unknown) => error);

    expect(Date.now() - started).toBeLessThan(5000);
    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as TransientError).message).toMatch(
      /^recording build myapp@sha256:[0-9a-f]{64}: ledger unavailable: .*ECONNREFUSED/,
    );
    expect((failure as TransientError).cause).toBeDefined();
  });
});
