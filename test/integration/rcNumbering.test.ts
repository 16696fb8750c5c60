import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approve, copyTag, outcomeOf, pushBuild, tagDigest, unique } from '../support/stack.js';

// The ledger lost rc numbers the registry kept (Azurite's last seconds): on the local stack, the
// registry holds 4.2.0-rc1…rc3 on a digest the ledger never gave them to.

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-rcnum-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('rc numbering on the local stack', () => {
  it('allocates the next rc number the registry does not hold, says which it skipped, and moves none of them', async () => {
    const repo = unique('rcnum');
    const stray = await pushBuild(work, repo);
    for (const n of [1, 2, 3]) await copyTag(repo, `git-${stray.sha}`, `4.2.0-rc${n}`);
    const build = await pushBuild(work, repo);

    const outcome = await outcomeOf(
      repo,
      await approve({
        repository: repo,
        build: { gitSha: build.sha },
        stage: 'rc',
        version: '4.2.0',
      }),
    );
    expect(outcome).toMatchObject({
      outcome: 'promoted',
      tags: ['4.2.0-rc4'],
      digest: build.digest,
    });
    expect(outcome.reason).toBe(
      `skipped ${[1, 2, 3].map((n) => `4.2.0-rc${n} (${stray.digest})`).join(', ')}: taken already by other digests; allocated 4.2.0-rc4`,
    );
    expect(await tagDigest(repo, '4.2.0-rc4')).toBe(build.digest);
    for (const n of [1, 2, 3]) expect(await tagDigest(repo, `4.2.0-rc${n}`)).toBe(stray.digest);

    // The build can go on to release as 4.2.0, by its rc tag.
    const release = await outcomeOf(
      repo,
      await approve({
        repository: repo,
        build: { tag: '4.2.0-rc4' },
        stage: 'release',
        approver: { id: 'bob' },
      }),
    );
    expect(release).toMatchObject({ outcome: 'promoted', tags: ['4.2.0'], digest: build.digest });
  });
});
