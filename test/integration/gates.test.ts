import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatedHost, type GatedHost } from '../support/gatedHost.js';
import { approve, outcomeOf, pushBuild, tagDigest, unique } from '../support/stack.js';

// Gates end to end: a host whose release requires check trivy, on the suite's ledger
// (Azurite) and registry. The registry's notifications go to the suite's host, which records
// each build and promotes it to dev; approvals and check results go to this host, and check
// results come from the real `promoter check` command.

let work: string;
let gated: GatedHost;
let gatedUrl: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-gates-'));
  gated = await startGatedHost({
    work,
    gates: { release: { checks: ['trivy'], override: { groups: ['release-managers'] } } },
  });
  gatedUrl = gated.url;
});
afterAll(async () => {
  await gated.close();
  await rm(work, { recursive: true, force: true });
});

const promoter = (...argv: string[]) => gated.promoter(...argv);

/** A build of a new repository in rc as 1.0.0, its release approved by bob: pending on trivy. */
async function waitingOnTrivy() {
  const repo = unique('gated');
  const build = await pushBuild(work, repo);
  const rc = await outcomeOf(
    repo,
    await approve(
      { repository: repo, build: { gitSha: build.sha }, stage: 'rc', version: '1.0.0' },
      gatedUrl,
    ),
    gatedUrl,
  );
  expect(rc).toMatchObject({ outcome: 'promoted', tags: ['1.0.0-rc1'] });
  const release = await outcomeOf(
    repo,
    await approve(
      { repository: repo, build: { tag: '1.0.0-rc1' }, stage: 'release', approver: { id: 'bob' } },
      gatedUrl,
    ),
    gatedUrl,
  );
  expect(release).toMatchObject({
    outcome: 'pending',
    reason: 'waiting for: check trivy has not reported',
  });
  expect(await tagDigest(repo, '1.0.0')).toBeUndefined();
  return { repo, ...build };
}

describe('a release gated on a check, on the local stack', () => {
  it('waits for trivy, then is promoted by itself when `promoter check … --conclusion success` arrives', async () => {
    const { repo, digest } = await waitingOnTrivy();
    const checked = await promoter(
      'check',
      repo,
      '1.0.0-rc1',
      '--name',
      'trivy',
      '--conclusion',
      'success',
      '--details-url',
      'https://ci.example/scan/1',
      '--as',
      'ci:scan',
      '--wait',
      '20',
    );
    expect(checked.stdout).toContain(`promoted ${repo} 1.0.0 → ${digest}`);
    expect(checked.code, checked.stderr).toBe(0);
    expect(await tagDigest(repo, '1.0.0')).toBe(digest);
    expect(await tagDigest(repo, 'release-latest')).toBe(digest);
  });

  it('a failure is announced like a rejection and blocks; a later success promotes', async () => {
    const { repo, digest } = await waitingOnTrivy();
    const failed = await promoter(
      'check',
      repo,
      digest,
      '--name',
      'trivy',
      '--conclusion',
      'failure',
      '--details-url',
      'https://ci.example/scan/2',
      '--summary',
      '1 critical vulnerability',
      '--as',
      'ci:scan',
      '--wait',
      '20',
    );
    expect(failed.code, failed.stderr).toBe(3);
    expect(failed.stdout).toContain('rejected: check trivy failed on');
    expect(failed.stdout).toContain('(https://ci.example/scan/2)');
    expect(failed.stdout).toContain('✗ check trivy failed at');
    expect(await tagDigest(repo, '1.0.0')).toBeUndefined();

    // Status and the board's JSON say what the release waits for, who reported, the link.
    const status = await promoter('status', repo);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`release 1.0.0 of ${digest.slice(0, 19)}: conditions`);
    expect(status.stdout).toContain('  ✓ 1 of 1 approval(s)');
    expect(status.stdout).toMatch(
      / {2}✗ check trivy failed at \S+: 1 critical vulnerability \(https:\/\/ci\.example\/scan\/2\) — ci:scan\n/,
    );
    const stages = (await (await fetch(`${gatedUrl}/api/repositories/${repo}/stages`)).json()) as {
      pending: { stage: string; conditions?: { name: string; met: boolean; url?: string }[] }[];
    };
    expect(stages.pending).toMatchObject([
      {
        stage: 'release',
        conditions: [
          { name: 'approvals', met: true },
          { name: 'trivy', met: false, url: 'https://ci.example/scan/2' },
        ],
      },
    ]);

    const passed = await promoter(
      'check',
      repo,
      digest,
      '--name',
      'trivy',
      '--conclusion',
      'success',
      '--wait',
      '20',
    );
    expect(passed.code, passed.stderr).toBe(0);
    expect(await tagDigest(repo, '1.0.0')).toBe(digest);
  });

  it('refuses a check no stage requires and a conclusion other than the two, naming the field', async () => {
    const { repo, digest } = await waitingOnTrivy();
    const unknown = await promoter(
      'check',
      repo,
      digest,
      '--name',
      'lint',
      '--conclusion',
      'success',
      '--wait',
      '20',
    );
    expect(unknown.code).toBe(3);
    expect(unknown.stdout).toContain(
      'rejected: invalid check message: name: no stage requires check "lint"',
    );
    const skipped = await promoter(
      'check',
      repo,
      digest,
      '--name',
      'trivy',
      '--conclusion',
      'skipped',
    );
    expect(skipped.code).toBe(2);
    expect(skipped.stderr).toContain('conclusion: the conclusion is success or failure');
    expect(await tagDigest(repo, '1.0.0')).toBeUndefined();
  });

  it('an override by a member of the override group promotes past the unmet check and is recorded', async () => {
    const { repo, digest } = await waitingOnTrivy();
    const overridden = await promoter(
      'approve',
      repo,
      '1.0.0-rc1',
      '--stage',
      'release',
      '--as',
      'carol',
      '--group',
      'release-managers',
      '--override',
      'hotfix: the scanner is down',
      '--wait',
      '20',
    );
    expect(overridden.code, overridden.stderr).toBe(0);
    expect(await tagDigest(repo, '1.0.0')).toBe(digest);
    const history = (await (
      await fetch(`${gatedUrl}/api/repositories/${repo}/history?limit=10`)
    ).json()) as { outcomes: { outcome: string; reason?: string }[] };
    expect(history.outcomes[0]).toMatchObject({ outcome: 'promoted' });
    expect(history.outcomes[0]?.reason).toContain(
      'overridden by carol: hotfix: the scanner is down (passed: check trivy has not reported)',
    );
  });
});
