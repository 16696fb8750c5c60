import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, push } from '../support/images.js';
import {
  approve,
  listTags,
  outcomeOf,
  pushBuild,
  stack,
  tagDigest,
  unique,
} from '../support/stack.js';

// End to end on the local stack: real registry notifications → webhook → the stand-in
// Service Bus queue → the promotions function → re-tags in the real registry (TLS) through
// @azure/container-registry, recorded in Azurite.

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-promo-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Pushes a new single-arch build under git-<sha>; returns its sha and digest once in dev. */

describe('promotion on the local stack', () => {
  it('takes pushed builds through dev-latest, rc1, rc2 and release, every tag on the pushed digest', async () => {
    const repo = unique('myapp');
    const first = await pushBuild(work, repo);
    expect(await tagDigest(repo, 'dev-latest')).toBe(first.digest);

    const rc1 = await outcomeOf(
      repo,
      await approve({
        repository: repo,
        build: { gitSha: first.sha },
        stage: 'rc',
        version: '1.2.3',
      }),
    );
    expect(rc1).toMatchObject({ outcome: 'promoted', tags: ['1.2.3-rc1'], digest: first.digest });
    expect(await tagDigest(repo, '1.2.3-rc1')).toBe(first.digest);

    const second = await pushBuild(work, repo);
    const rc2 = await outcomeOf(
      repo,
      await approve({
        repository: repo,
        build: { gitSha: second.sha },
        stage: 'rc',
        version: '1.2.3',
      }),
    );
    expect(rc2).toMatchObject({ outcome: 'promoted', tags: ['1.2.3-rc2'] });

    const release = await outcomeOf(
      repo,
      await approve({
        repository: repo,
        build: { tag: '1.2.3-rc2' },
        stage: 'release',
        approver: { id: 'bob' },
      }),
    );
    expect(release).toMatchObject({ outcome: 'promoted', tags: ['1.2.3'], digest: second.digest });
    expect(await tagDigest(repo, '1.2.3')).toBe(second.digest);
    expect(await tagDigest(repo, '1.2.3-rc1')).toBe(first.digest);
    expect(await tagDigest(repo, 'release-latest')).toBe(second.digest);
    expect(await listTags(repo)).toEqual(
      [
        '1.2.3',
        '1.2.3-rc1',
        '1.2.3-rc2',
        'dev-latest',
        'release-latest',
        `git-${first.sha}`,
        `git-${second.sha}`,
      ].sort(),
    );

    const status = (await (
      await fetch(`${stack.hostUrl}/api/repositories/${repo}/status`)
    ).json()) as {
      stages: { stage: string; digest: string | null; tags?: string[] }[];
    };
    expect(status.stages.map((s) => [s.stage, s.digest, s.tags])).toEqual([
      ['dev', second.digest, ['dev-latest']],
      ['rc', second.digest, ['1.2.3-rc2']],
      ['release', second.digest, ['1.2.3', 'release-latest']],
    ]);
  });

  it('promotes a multi-arch index whole: every tag resolves to the index digest', async () => {
    const repo = `team/${unique('multi')}`;
    const build = await pushBuild(work, repo, { index: true });
    await outcomeOf(
      repo,
      await approve({
        repository: repo,
        build: { digest: build.digest },
        stage: 'rc',
        version: '2.0.0',
      }),
    );
    await outcomeOf(
      repo,
      await approve({ repository: repo, build: { tag: '2.0.0-rc1' }, stage: 'release' }),
    );
    for (const tag of ['dev-latest', '2.0.0-rc1', '2.0.0'])
      expect(await tagDigest(repo, tag)).toBe(build.digest);
  });

  it('refuses to release a digest that was never an rc, writing no tag', async () => {
    const repo = unique('norc');
    const build = await pushBuild(work, repo);
    const outcome = await outcomeOf(
      repo,
      await approve({
        repository: repo,
        build: { gitSha: build.sha },
        stage: 'release',
        version: '1.0.0',
      }),
    );
    expect(outcome.outcome).toBe('rejected');
    expect(await tagDigest(repo, '1.0.0')).toBeUndefined();
  });

  it('refuses to move an existing release tag, leaving it unchanged', async () => {
    const repo = unique('taken');
    const squatter = await buildImage(path.join(work, unique('s')), { content: 'pushed by hand' });
    const squatterDigest = await push(
      squatter.reference,
      `${stack.registry}/${repo}:3.0.0`,
      stack.certDir,
    );
    const build = await pushBuild(work, repo);
    await outcomeOf(
      repo,
      await approve({
        repository: repo,
        build: { gitSha: build.sha },
        stage: 'rc',
        version: '3.0.0',
      }),
    );
    const outcome = await outcomeOf(
      repo,
      await approve({ repository: repo, build: { tag: '3.0.0-rc1' }, stage: 'release' }),
    );
    expect(outcome).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringMatching(/tag 3\.0\.0 already exists/) as unknown,
    });
    expect(await tagDigest(repo, '3.0.0')).toBe(squatterDigest);
  });

  it('promotes once when the same approval is posted twice', async () => {
    const repo = unique('twice');
    const build = await pushBuild(work, repo);
    const message = {
      id: unique('gate-run'),
      repository: repo,
      build: { gitSha: build.sha },
      stage: 'rc',
      version: '1.0.0',
    };
    await approve(message);
    await approve(message);
    expect((await outcomeOf(repo, message.id)).tags).toEqual(['1.0.0-rc1']);
    expect((await listTags(repo)).filter((t) => t.startsWith('1.0.0'))).toEqual(['1.0.0-rc1']);
  });

  it('gives concurrent approvals of different builds of one repository distinct rc numbers', async () => {
    const repo = unique('race');
    const builds = [];
    for (let i = 0; i < 3; i++) builds.push(await pushBuild(work, repo));
    const ids = await Promise.all(
      builds.map((b) =>
        approve({ repository: repo, build: { digest: b.digest }, stage: 'rc', version: '4.0.0' }),
      ),
    );
    const outcomes = await Promise.all(ids.map((id) => outcomeOf(repo, id)));
    expect(outcomes.map((o) => o.tags?.[0]).sort()).toEqual([
      '4.0.0-rc1',
      '4.0.0-rc2',
      '4.0.0-rc3',
    ]);
    for (const o of outcomes) expect(await tagDigest(repo, o.tags?.[0] ?? '')).toBe(o.digest);
  });
});
