import { describe, expect, it } from 'vitest';
import { BUILD_LIST_LIMIT, type Build } from '../../src/domain/build.js';
import { ValidationError } from '../../src/domain/errors.js';
import type { BuildLedger, BuildPush } from '../../src/ports/buildLedger.js';
import { digestOf, minute, shaOf, uniqueId } from './samples.js';

/** A nested repository name, as OCI allows: the `/` must survive every store. */
const REPO = 'team/app';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** A push of the digest of `label` under a build tag of its git SHA (by default that of `label`). */
function pushOf(label: string, overrides: Partial<BuildPush> = {}): BuildPush {
  const gitSha = overrides.gitSha ?? shaOf(label);
  return {
    eventId: uniqueId('push'),
    repository: REPO,
    digest: digestOf(label),
    gitSha,
    tag: `git-${gitSha.slice(0, 7)}`,
    mediaType: OCI_MANIFEST,
    registry: 'myacr.azurecr.io',
    at: minute(0),
    ...overrides,
  };
}

/** The same digest pushed again as a new registry event. */
const repush = (push: BuildPush, overrides: Partial<BuildPush>): BuildPush => ({
  ...push,
  eventId: uniqueId('push'),
  ...overrides,
});

const deletionOf = (digest: string, at: Date, repository = REPO) => ({
  eventId: uniqueId('delete'),
  repository,
  digest,
  at,
});

/** The build a first push records. */
function buildOf(push: BuildPush): Build {
  return {
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
}

/** Records `push`, which must be recorded; its build. */
async function record(ledger: BuildLedger, push: BuildPush): Promise<Build> {
  const result = await ledger.recordBuild(push);
  if (result.kind !== 'recorded')
    throw new Error(`expected ${push.digest} recorded, got ${result.kind}`);
  return result.build;
}

/** What each read of the ledger says about one build. */
async function everyRead(ledger: BuildLedger, build: Build) {
  return {
    byDigest: await ledger.getBuildByDigest(build.repository, build.digest),
    bySha: await Promise.all(
      build.gitShas.map((sha) => ledger.findBuildsByGitSha(build.repository, sha)),
    ),
    listed: (await ledger.listBuilds(build.repository, { limit: 100 })).builds,
  };
}

/** The digests of every page of `listBuilds`, following the cursors to the end. */
async function pageThrough(ledger: BuildLedger, limit: number): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await ledger.listBuilds(REPO, { limit, cursor });
    pages.push(page.builds.map((b) => b.digest));
    cursor = page.nextCursor;
    if (pages.length > 50) throw new Error('listBuilds never ends');
  } while (cursor !== undefined);
  return pages;
}

const digests = (builds: readonly Build[]) => builds.map((b) => b.digest);

/**
 * What every `BuildLedger` does (src/ports/buildLedger.ts), stated once for the in-memory
 * fake and the Tables adapter. `makeLedger` gives an empty ledger of its own each call.
 */
export function buildLedgerContract(name: string, makeLedger: () => BuildLedger): void {
  describe(`BuildLedger contract: ${name}`, () => {
    it('records a new digest, readable by digest, by full SHA, by a 7-character prefix and in the list', async () => {
      const ledger = makeLedger();
      const push = pushOf('one', { pushedBy: 'ci-bot', at: minute(5) });
      const build = buildOf(push);

      expect(await ledger.recordBuild(push)).toEqual({ kind: 'recorded', build });
      expect(await ledger.getBuildByDigest(REPO, push.digest)).toEqual(build);
      expect(await ledger.findBuildsByGitSha(REPO, push.gitSha)).toEqual([build]);
      expect(await ledger.findBuildsByGitSha(REPO, push.gitSha.slice(0, 7))).toEqual([build]);
      expect(await ledger.listBuilds(REPO, { limit: 10 })).toEqual({ builds: [build] });
      expect(await ledger.getBuildByDigest(REPO, digestOf('other'))).toBeUndefined();
    });

    it('answers duplicate-event for an event id handled before and changes nothing, whatever the redelivery says', async () => {
      const ledger = makeLedger();
      const push = pushOf('one', { at: minute(1) });
      const build = await record(ledger, push);
      const other = shaOf('other');

      const again = await ledger.recordBuild({ ...push, gitSha: other, tag: 'git-other' });
      const elsewhere = await ledger.recordBuild({ ...push, digest: digestOf('elsewhere') });

      expect(again).toEqual({ kind: 'duplicate-event', build });
      expect(elsewhere).toEqual({ kind: 'duplicate-event', build: undefined });
      expect(await everyRead(ledger, build)).toEqual({
        byDigest: build,
        bySha: [[build]],
        listed: [build],
      });
      expect(await ledger.findBuildsByGitSha(REPO, other)).toEqual([]);
      expect(await ledger.getBuildByDigest(REPO, digestOf('elsewhere'))).toBeUndefined();
    });

    it('handles one event delivered ten times at once exactly once', async () => {
      const ledger = makeLedger();
      const push = pushOf('one');

      const results = await Promise.all(Array.from({ length: 10 }, () => ledger.recordBuild(push)));

      expect(results.map((r) => r.kind).sort()).toEqual(
        ['recorded', ...Array<string>(9).fill('duplicate-event')].sort(),
      );
      expect(await ledger.getBuildByDigest(REPO, push.digest)).toEqual(buildOf(push));
    });

    it('adds a second SHA and build tag to a known digest: both SHAs find it, and what the first push said stays', async () => {
      const ledger = makeLedger();
      const first = pushOf('shared', { at: minute(1), pushedBy: 'ci-bot' });
      await record(ledger, first);
      const two = shaOf('two');

      const second = await ledger.recordBuild(
        repush(first, {
          gitSha: two,
          tag: `git-${two.slice(0, 7)}`,
          at: minute(2),
          registry: 'myacr-replica.azurecr.io',
          pushedBy: 'someone-else',
        }),
      );

      const build: Build = {
        ...buildOf(first),
        gitShas: [first.gitSha, two],
        tags: [first.tag, `git-${two.slice(0, 7)}`],
      };
      expect(second).toEqual({ kind: 'recorded', build });
      expect(await everyRead(ledger, build)).toEqual({
        byDigest: build,
        bySha: [[build], [build]],
        listed: [build],
      });
    });

    it('keeps the first push’s event id and push time; a later push of the digest changes neither', async () => {
      const ledger = makeLedger();
      const first = pushOf('timed', { at: minute(4), pushedAt: minute(3).toISOString() });
      const recorded = await record(ledger, first);
      const two = shaOf('timed-two');

      await record(
        ledger,
        repush(first, {
          gitSha: two,
          tag: `git-${two.slice(0, 7)}`,
          at: minute(6),
          pushedAt: minute(5).toISOString(),
        }),
      );

      expect(recorded).toMatchObject({ eventId: first.eventId, pushedAt: minute(3).toISOString() });
      const read = await ledger.getBuildByDigest(REPO, first.digest);
      expect(read).toMatchObject({ eventId: first.eventId, pushedAt: minute(3).toISOString() });
      expect((await ledger.listBuilds(REPO, { limit: 10 })).builds).toEqual([read]);
    });

    it('records a push the registry gave no time for without pushedAt', async () => {
      const ledger = makeLedger();
      const push = pushOf('untimed');
      await record(ledger, push);
      const read = await ledger.getBuildByDigest(REPO, push.digest);
      expect(read?.eventId).toBe(push.eventId);
      expect(read).not.toHaveProperty('pushedAt');
    });

    it('does not take pushedBy from a later push when the first push named nobody', async () => {
      const ledger = makeLedger();
      const first = pushOf('anonymous', { at: minute(1) });
      await record(ledger, first);
      const two = shaOf('two');

      const second = await record(
        ledger,
        repush(first, { gitSha: two, tag: `git-${two.slice(0, 7)}`, pushedBy: 'ci-bot' }),
      );

      expect(second.pushedBy).toBeUndefined();
      expect((await ledger.getBuildByDigest(REPO, first.digest))?.pushedBy).toBeUndefined();
    });

    it('adds a new build tag of a SHA the digest holds already', async () => {
      const ledger = makeLedger();
      const first = pushOf('one', { at: minute(1) });
      await record(ledger, first);
      const linux = `build-${first.gitSha}-linux`;

      const build = await record(ledger, repush(first, { tag: linux, at: minute(2) }));

      expect(build).toEqual({ ...buildOf(first), tags: [first.tag, linux] });
      expect(await ledger.getBuildByDigest(REPO, first.digest)).toEqual(build);
    });

    it('answers already-recorded for a new event with the SHA and tag the digest holds, changing nothing; its redelivery is duplicate-event', async () => {
      const ledger = makeLedger();
      const first = pushOf('one', { at: minute(1) });
      const build = await record(ledger, first);
      const second = repush(first, { at: minute(3) });

      expect(await ledger.recordBuild(second)).toEqual({ kind: 'already-recorded', build });
      expect(await ledger.recordBuild(second)).toEqual({ kind: 'duplicate-event', build });
      expect(await everyRead(ledger, build)).toEqual({
        byDigest: build,
        bySha: [[build]],
        listed: [build],
      });
    });

    it('loses no SHA when ten pushes of one digest race', async () => {
      const ledger = makeLedger();
      const digest = digestOf('busy');
      const shas = Array.from({ length: 10 }, (_, i) => shaOf(`busy-${i}`));

      const results = await Promise.all(
        shas.map((gitSha, i) => ledger.recordBuild(pushOf('busy', { gitSha, at: minute(i) }))),
      );

      expect(results.map((r) => r.kind)).toEqual(shas.map(() => 'recorded'));
      const build = await ledger.getBuildByDigest(REPO, digest);
      expect([...(build?.gitShas ?? [])].sort()).toEqual([...shas].sort());
      expect(build?.tags).toHaveLength(10);
      for (const sha of shas)
        expect(digests(await ledger.findBuildsByGitSha(REPO, sha))).toEqual([digest]);
      expect(digests((await ledger.listBuilds(REPO, { limit: 10 })).builds)).toEqual([digest]);
    });

    it('keeps a digest pushed under 45 build tags to its first SHA and tag and the newest 19, with the counts; every SHA finds it and the index lists all', async () => {
      const ledger = makeLedger();
      const shas = Array.from({ length: 45 }, (_, i) => shaOf(`many-${String(i)}`));
      const tags = shas.map((sha) => `git-${sha}`);
      let last: Build | undefined;
      for (const [i, gitSha] of shas.entries())
        last = await record(
          ledger,
          pushOf('many', { gitSha, tag: `git-${gitSha}`, at: minute(i) }),
        );

      const kept = (list: readonly string[]) => [
        ...list.slice(0, 1),
        ...list.slice(-(BUILD_LIST_LIMIT - 1)),
      ];
      const build: Build = {
        ...buildOf(pushOf('many', { gitSha: shas[0] ?? '', tag: tags[0] ?? '', at: minute(0) })),
        eventId: expect.any(String) as string,
        gitShas: kept(shas),
        gitShaCount: 45,
        tags: kept(tags),
        tagCount: 45,
      };
      expect(last).toEqual(build);
      expect(await ledger.getBuildByDigest(REPO, digestOf('many'))).toEqual(build);
      expect((await ledger.listBuilds(REPO, { limit: 10 })).builds).toEqual([build]);
      for (const sha of shas) {
        expect(await ledger.findBuildsByGitSha(REPO, sha)).toEqual([build]);
        expect(await ledger.findGitShas(REPO, sha)).toEqual([sha]);
      }
      const listed = await ledger.listBuildTags(REPO);
      expect(listed.map((t) => t.tag).sort()).toEqual([...tags].sort());
      expect(new Set(listed.map((t) => t.digest))).toEqual(new Set([digestOf('many')]));
    });

    it('answers already-recorded for a SHA and tag its bounded lists left out, counting nothing twice', async () => {
      const ledger = makeLedger();
      const shas = Array.from({ length: 25 }, (_, i) => shaOf(`old-${String(i)}`));
      for (const [i, gitSha] of shas.entries())
        await record(ledger, pushOf('old', { gitSha, tag: `git-${gitSha}`, at: minute(i) }));
      const before = await ledger.getBuildByDigest(REPO, digestOf('old'));
      const dropped = shas[3] ?? '';
      expect(before?.gitShas).not.toContain(dropped);

      const again = await ledger.recordBuild(
        pushOf('old', { gitSha: dropped, tag: `git-${dropped}`, at: minute(40) }),
      );
      // The SHA is known but this tag spelling is new: one more tag, no more SHAs.
      const newTag = await ledger.recordBuild(
        pushOf('old', { gitSha: dropped, tag: `rebuilt-${dropped}`, at: minute(41) }),
      );

      expect(again).toEqual({ kind: 'already-recorded', build: before });
      expect(newTag).toMatchObject({
        kind: 'recorded',
        build: { gitShas: before?.gitShas, gitShaCount: 25, tagCount: 26 },
      });
      if (newTag.kind === 'recorded') expect(newTag.build.tags.at(-1)).toBe(`rebuilt-${dropped}`);
    });

    it('loses no SHA or tag when ten pushes race on a digest whose lists are full', async () => {
      const ledger = makeLedger();
      const seeded = Array.from({ length: 25 }, (_, i) => shaOf(`full-${String(i)}`));
      for (const [i, gitSha] of seeded.entries())
        await record(ledger, pushOf('full', { gitSha, tag: `git-${gitSha}`, at: minute(i) }));
      const racing = Array.from({ length: 10 }, (_, i) => shaOf(`full-race-${String(i)}`));

      const results = await Promise.all(
        racing.map((gitSha, i) =>
          ledger.recordBuild(pushOf('full', { gitSha, tag: `git-${gitSha}`, at: minute(30 + i) })),
        ),
      );

      expect(results.map((r) => r.kind)).toEqual(racing.map(() => 'recorded'));
      const build = await ledger.getBuildByDigest(REPO, digestOf('full'));
      expect(build).toMatchObject({ gitShaCount: 35, tagCount: 35 });
      expect(build?.gitShas).toHaveLength(BUILD_LIST_LIMIT);
      expect(build?.gitShas[0]).toBe(seeded[0]);
      expect([...(build?.gitShas.slice(-10) ?? [])].sort()).toEqual([...racing].sort());
      expect((await ledger.listBuildTags(REPO)).length).toBe(35);
      for (const sha of [...seeded, ...racing])
        expect(digests(await ledger.findBuildsByGitSha(REPO, sha))).toEqual([digestOf('full')]);
    });

    it('finds every recorded SHA with a prefix, of every build, once and sorted', async () => {
      const ledger = makeLedger();
      await record(ledger, pushOf('p1', { gitSha: 'abc1234' + '1'.repeat(33) }));
      await record(ledger, pushOf('p2', { gitSha: 'abc1234' + '2'.repeat(33) }));
      await record(ledger, pushOf('p3', { gitSha: 'abc1234' + '1'.repeat(33), tag: 'rebuilt' }));
      await record(ledger, pushOf('p4', { gitSha: 'abd1234' + '1'.repeat(33) }));

      expect(await ledger.findGitShas(REPO, 'abc1234')).toEqual([
        'abc1234' + '1'.repeat(33),
        'abc1234' + '2'.repeat(33),
      ]);
      expect(await ledger.findGitShas(REPO, 'abe1234')).toEqual([]);
      expect(await ledger.findGitShas('team', 'abc1234')).toEqual([]);
      await expect(ledger.findGitShas(REPO, 'ABC1234')).rejects.toBeInstanceOf(ValidationError);
    });

    it('lists each build tag with its digest: a tag pushed for two digests twice, deleted builds too', async () => {
      const ledger = makeLedger();
      const one = await record(ledger, pushOf('t1', { tag: 'git-same' }));
      await record(ledger, pushOf('t2', { tag: 'git-same' }));
      await record(ledger, repush(pushOf('t2'), { gitSha: shaOf('t2'), tag: 'git-other' }));
      await record(ledger, pushOf('t3', { repository: 'team' }));
      await ledger.markBuildDeleted(deletionOf(one.digest, minute(3)));

      const listed = await ledger.listBuildTags(REPO);
      const pairs = listed.map((t) => `${t.tag}@${t.digest}`).sort();
      expect(pairs).toEqual(
        [
          `git-same@${digestOf('t1')}`,
          `git-same@${digestOf('t2')}`,
          `git-other@${digestOf('t2')}`,
        ].sort(),
      );
      expect(await ledger.listBuildTags('nobody')).toEqual([]);
    });

    it('marks a build deleted: it stays findable by digest, SHA and list, with deletedAt; the same event again is duplicate-event', async () => {
      const ledger = makeLedger();
      const build = await record(ledger, pushOf('one', { at: minute(1) }));
      const deletion = deletionOf(build.digest, minute(2));
      const deleted: Build = { ...build, deletedAt: minute(2).toISOString() };

      expect(await ledger.markBuildDeleted(deletion)).toEqual({ kind: 'deleted', build: deleted });
      expect(await ledger.markBuildDeleted({ ...deletion, at: minute(4) })).toEqual({
        kind: 'duplicate-event',
        build: deleted,
      });
      expect(await everyRead(ledger, build)).toEqual({
        byDigest: deleted,
        bySha: [[deleted]],
        listed: [deleted],
      });
    });

    it('keeps the first deletedAt when a deleted build is reported deleted again', async () => {
      const ledger = makeLedger();
      const build = await record(ledger, pushOf('one', { at: minute(1) }));
      await ledger.markBuildDeleted(deletionOf(build.digest, minute(2)));
      const deleted: Build = { ...build, deletedAt: minute(2).toISOString() };

      expect(await ledger.markBuildDeleted(deletionOf(build.digest, minute(5)))).toEqual({
        kind: 'deleted',
        build: deleted,
      });
      expect(await ledger.getBuildByDigest(REPO, build.digest)).toEqual(deleted);
    });

    it('answers unknown-build for a digest it never recorded, again on a redelivery, and records nothing', async () => {
      const ledger = makeLedger();
      const deletion = deletionOf(digestOf('never'), minute(1));

      expect(await ledger.markBuildDeleted(deletion)).toEqual({ kind: 'unknown-build' });
      expect(await ledger.markBuildDeleted(deletion)).toEqual({ kind: 'unknown-build' });
      expect(await ledger.getBuildByDigest(REPO, deletion.digest)).toBeUndefined();
      expect((await ledger.listBuilds(REPO, { limit: 10 })).builds).toEqual([]);
      expect(await ledger.listRepositories()).toEqual([]);
    });

    it('un-deletes a build pushed again with the same SHA and tag: recorded, and the mark is gone from every read', async () => {
      const ledger = makeLedger();
      const first = pushOf('one', { at: minute(1) });
      const build = await record(ledger, first);
      await ledger.markBuildDeleted(deletionOf(first.digest, minute(2)));

      const again = await ledger.recordBuild(repush(first, { at: minute(3) }));

      expect(again).toEqual({ kind: 'recorded', build });
      expect(again.build?.deletedAt).toBeUndefined();
      const reads = await everyRead(ledger, build);
      expect(reads).toEqual({ byDigest: build, bySha: [[build]], listed: [build] });
      for (const read of [reads.byDigest, ...reads.bySha.flat(), ...reads.listed])
        expect(read).not.toHaveProperty('deletedAt');
    });

    it('finds by a SHA prefix exactly the SHAs that start with it, newest first', async () => {
      const ledger = makeLedger();
      const a = `a1b2c3d${'0'.repeat(33)}`;
      const b = `a1b2c3e${'0'.repeat(33)}`;
      await record(ledger, pushOf('a', { gitSha: a, at: minute(1) }));
      await record(ledger, pushOf('b', { gitSha: b, at: minute(2) }));

      expect(digests(await ledger.findBuildsByGitSha(REPO, 'a1b2c3d'))).toEqual([digestOf('a')]);
      expect(digests(await ledger.findBuildsByGitSha(REPO, 'a1b2c3'))).toEqual([
        digestOf('b'),
        digestOf('a'),
      ]);
      expect(await ledger.findBuildsByGitSha(REPO, 'a1b2c3f')).toEqual([]);
      expect(await ledger.findBuildsByGitSha(REPO, 'a1b2c3d1')).toEqual([]);
      expect(digests(await ledger.findBuildsByGitSha(REPO, a))).toEqual([digestOf('a')]);
    });

    it('returns a build once when two of its SHAs match the prefix', async () => {
      const ledger = makeLedger();
      const first = pushOf('twice', { gitSha: `abcdef0${'1'.repeat(33)}`, at: minute(1) });
      await record(ledger, first);
      const build = await record(ledger, repush(first, { gitSha: `abcdef0${'2'.repeat(33)}` }));

      expect(await ledger.findBuildsByGitSha(REPO, 'abcdef0')).toEqual([build]);
    });

    it('returns every digest of a rebuilt SHA newest first by first recording, at most limit of them', async () => {
      const ledger = makeLedger();
      const sha = shaOf('rebuilt');
      const old = await record(ledger, pushOf('old', { gitSha: sha, at: minute(1) }));
      await record(ledger, pushOf('newest', { gitSha: sha, at: minute(3) }));
      await record(ledger, pushOf('middle', { gitSha: sha, at: minute(2) }));
      // A SHA added later to the oldest digest does not make it newer.
      const later = shaOf('later');
      await record(
        ledger,
        repush(pushOf('old'), { gitSha: later, tag: 'git-later', at: minute(9) }),
      );
      const newestFirst = [digestOf('newest'), digestOf('middle'), old.digest];

      expect(digests(await ledger.findBuildsByGitSha(REPO, sha))).toEqual(newestFirst);
      expect(digests(await ledger.findBuildsByGitSha(REPO, sha.slice(0, 7), 2))).toEqual(
        newestFirst.slice(0, 2),
      );
      expect(digests(await ledger.findBuildsByGitSha(REPO, sha, 1))).toEqual([digestOf('newest')]);
      expect(digests(await ledger.findBuildsByGitSha(REPO, later))).toEqual([old.digest]);
    });

    it.each(['A1B2C3D', 'a1b2c3g', 'a1b2c3d|', 'git-a1b2c3d'])(
      'rejects the SHA prefix %j, not lowercase hex, with a ValidationError',
      async (prefix) => {
        const ledger = makeLedger();
        await expect(ledger.findBuildsByGitSha(REPO, prefix)).rejects.toBeInstanceOf(
          ValidationError,
        );
      },
    );

    it('keeps the builds of team and team/app apart, though they share a SHA', async () => {
      const ledger = makeLedger();
      const sha = shaOf('shared');
      const team = await record(ledger, pushOf('team', { repository: 'team', gitSha: sha }));
      const app = await record(ledger, pushOf('app', { gitSha: sha }));

      expect(await ledger.findBuildsByGitSha('team', sha)).toEqual([team]);
      expect(await ledger.findBuildsByGitSha(REPO, sha)).toEqual([app]);
      expect((await ledger.listBuilds('team', { limit: 10 })).builds).toEqual([team]);
      expect(await ledger.getBuildByDigest('team', app.digest)).toBeUndefined();
      expect(await ledger.getBuildByDigest(REPO, team.digest)).toBeUndefined();
    });

    it.each([
      { builds: 5, limit: 2, pages: [2, 2, 1] },
      { builds: 4, limit: 2, pages: [2, 2] },
      { builds: 1, limit: 3, pages: [1] },
      { builds: 0, limit: 3, pages: [0] },
    ])(
      'lists $builds builds newest first in pages of $limit; only the last page has no cursor',
      async ({ builds, limit, pages }) => {
        const ledger = makeLedger();
        // Recorded out of time order: the list follows recordedAt.
        const order = [3, 0, 4, 1, 2].filter((m) => m < builds);
        for (const m of order) await record(ledger, pushOf(`b${m}`, { at: minute(m) }));

        const seen = await pageThrough(ledger, limit);

        expect(seen.map((p) => p.length)).toEqual(pages);
        expect(seen.flat()).toEqual(
          Array.from({ length: builds }, (_, i) => digestOf(`b${builds - 1 - i}`)),
        );
      },
    );

    it('starts the next page after its cursor: a build recorded meanwhile neither repeats nor shifts a build', async () => {
      const ledger = makeLedger();
      for (const m of [1, 2, 3, 4]) await record(ledger, pushOf(`b${m}`, { at: minute(m) }));
      const first = await ledger.listBuilds(REPO, { limit: 2 });
      await record(ledger, pushOf('b5', { at: minute(5) }));

      const second = await ledger.listBuilds(REPO, { limit: 2, cursor: first.nextCursor });

      expect(digests(first.builds)).toEqual([digestOf('b4'), digestOf('b3')]);
      expect(digests(second.builds)).toEqual([digestOf('b2'), digestOf('b1')]);
      expect(second.nextCursor).toBeUndefined();
    });

    it('pages through builds recorded in the same millisecond without repeating or losing one', async () => {
      const ledger = makeLedger();
      const labels = ['s0', 's1', 's2', 's3', 's4'];
      for (const label of labels) await record(ledger, pushOf(label, { at: minute(1) }));

      const seen = await pageThrough(ledger, 2);

      expect(seen.map((p) => p.length)).toEqual([2, 2, 1]);
      expect([...seen.flat()].sort()).toEqual(labels.map(digestOf).sort());
    });

    it.each(['not a cursor!', '', 'bm9wZQ'])(
      'rejects the cursor %j, which it never handed out, with a ValidationError',
      async (cursor) => {
        const ledger = makeLedger();
        await record(ledger, pushOf('one'));
        await expect(ledger.listBuilds(REPO, { limit: 5, cursor })).rejects.toBeInstanceOf(
          ValidationError,
        );
      },
    );

    it.each([0, -1, 1.5, 1001])(
      'rejects the page limit %j (1 to 1000) with a ValidationError',
      async (limit) => {
        const ledger = makeLedger();
        await expect(ledger.listBuilds(REPO, { limit })).rejects.toBeInstanceOf(ValidationError);
      },
    );

    it('lists every repository with a recorded build once, sorted by name, deleted builds included', async () => {
      const ledger = makeLedger();
      expect(await ledger.listRepositories()).toEqual([]);
      const zeta = await record(ledger, pushOf('z', { repository: 'zeta' }));
      await record(ledger, pushOf('a1'));
      await record(ledger, pushOf('a2'));
      await record(ledger, pushOf('alpha', { repository: 'alpha' }));
      await record(ledger, pushOf('team', { repository: 'team' }));
      await ledger.markBuildDeleted(deletionOf(zeta.digest, minute(1), 'zeta'));

      expect(await ledger.listRepositories()).toEqual(['alpha', 'team', 'team/app', 'zeta']);
    });
  });
}
