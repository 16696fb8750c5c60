import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../src/cli/runCli.js';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';
import { buildImage, push } from '../support/images.js';
import {
  approve,
  newSha,
  outcomeOf,
  pushBuild,
  stack,
  tagDigest,
  unique,
} from '../support/stack.js';

// Rollback end to end on the local stack: the CLI → signed POST /api/approvals → the stand-in
// queue → the promotions function → the real registry (TLS) and Azurite.

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-rollback-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function promoter(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env: {
      PROMOTER_URL: stack.hostUrl,
      PROMOTER_APPROVALS_HMAC_SECRET: inject('approvalsHmacSecret'),
    },
    cwd: work,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

/** Pushes a build and takes it through rc to release as `version`. */
async function release(repo: string, version: string) {
  const build = await pushBuild(work, repo);
  const rc = await outcomeOf(
    repo,
    await approve({ repository: repo, build: { gitSha: build.sha }, stage: 'rc', version }),
  );
  expect(rc.outcome, rc.reason).toBe('promoted');
  const released = await outcomeOf(
    repo,
    await approve({
      repository: repo,
      build: { tag: `${version}-rc1` },
      stage: 'release',
      approver: { id: 'bob' },
    }),
  );
  expect(released.outcome, released.reason).toBe('promoted');
  return build;
}

/** Polls the history until an outcome satisfies `wanted`. */
async function historyUntil(
  repo: string,
  wanted: (o: OutcomeEvent) => boolean,
  timeoutMs = 20_000,
): Promise<OutcomeEvent> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(`${stack.hostUrl}/api/repositories/${repo}/history?limit=100`);
    if (response.ok) {
      const { outcomes } = (await response.json()) as { outcomes: OutcomeEvent[] };
      const found = outcomes.find(wanted);
      if (found) return found;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no such outcome in the history of ${repo} within ${timeoutMs} ms`);
}

describe('promoter rollback on the local stack', () => {
  it('moves release-latest back to 1.2.2 in the registry, leaves 1.2.2 and 1.2.3 alone, and status and history show the pin', async () => {
    const repo = unique('rollback');
    const old = await release(repo, '1.2.2');
    expect(await tagDigest(repo, 'release-latest')).toBe(old.digest);
    const current = await release(repo, '1.2.3');
    expect(await tagDigest(repo, 'release-latest')).toBe(current.digest);

    const rolled = await promoter(
      'rollback',
      repo,
      '--stage',
      'release',
      '--to',
      '1.2.2',
      '--reason',
      '1.2.3 breaks checkout',
      '--as',
      'alice',
      '--wait',
      '20',
    );
    expect(rolled.code, rolled.stdout + rolled.stderr).toBe(0);
    expect(rolled.stdout).toContain(`rolled back ${repo} release 1.2.2: release-latest →`);

    expect(await tagDigest(repo, 'release-latest')).toBe(old.digest);
    expect(await tagDigest(repo, '1.2.2')).toBe(old.digest);
    expect(await tagDigest(repo, '1.2.3')).toBe(current.digest);
    expect(await tagDigest(repo, '1.2.3-rc1')).toBe(current.digest);

    const status = await promoter('status', repo);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^release \(pinned\) +1\.2\.2,release-latest +1\.2\.2 /m);
    expect(status.stdout).toContain('release is pinned by alice since ');
    expect(status.stdout).toContain('(rollback: 1.2.3 breaks checkout)');

    const history = await promoter('history', repo);
    expect(history.stdout.split('\n')[1]).toMatch(
      /rolled-back +release +release-latest +sha256:\w{12} +alice +1\.2\.3 breaks checkout$/,
    );
    const json = await promoter('history', repo, '--json');
    const { outcomes } = JSON.parse(json.stdout) as { outcomes: OutcomeEvent[] };
    expect(outcomes[0]).toMatchObject({
      outcome: 'rolled-back',
      stage: 'release',
      version: '1.2.2',
      digest: old.digest,
      previousDigest: current.digest,
      tags: ['release-latest'],
      actor: 'alice',
      reason: '1.2.3 breaks checkout',
    });
    // promoter's own write of release-latest is never taken for drift.
    expect(outcomes.filter((o) => o.outcome === 'drift')).toEqual([]);
  });

  it('keeps dev-latest on the rolled-back build while pinned, and moves it with the next push after unpin', async () => {
    const repo = unique('devpin');
    const good = await pushBuild(work, repo);
    await pushBuild(work, repo);

    const rolled = await promoter(
      'rollback',
      repo,
      '--stage',
      'dev',
      '--to',
      good.sha,
      '--reason',
      'login is broken',
      '--as',
      'alice',
      '--wait',
      '20',
    );
    expect(rolled.code, rolled.stdout + rolled.stderr).toBe(0);
    expect(await tagDigest(repo, 'dev-latest')).toBe(good.digest);

    // A push while pinned: recorded, but its automatic dev promotion is refused.
    const sha = newSha();
    const image = await buildImage(path.join(work, unique('pinned')), { content: `pinned ${sha}` });
    const pushed = await push(
      image.reference,
      `${stack.registry}/${repo}:git-${sha}`,
      stack.certDir,
    );
    const refused = await historyUntil(repo, (o) => o.stage === 'dev' && o.outcome === 'rejected');
    expect(refused.reason).toMatch(
      new RegExp(
        `^stage dev is pinned to ${good.digest} by alice since .* \\(rollback: login is broken\\); nothing was promoted\\. Unpin it first: promoter unpin ${repo} --stage dev --as <you>$`,
      ),
    );
    expect(await tagDigest(repo, 'dev-latest')).toBe(good.digest);
    expect(await tagDigest(repo, `git-${sha}`)).toBe(pushed);

    const unpinned = await promoter(
      'unpin',
      repo,
      '--stage',
      'dev',
      '--as',
      'alice',
      '--reason',
      'login fixed',
      '--wait',
      '20',
    );
    expect(unpinned.code, unpinned.stdout + unpinned.stderr).toBe(0);
    expect(unpinned.stdout).toContain(`unpinned ${repo} dev`);
    expect(await tagDigest(repo, 'dev-latest')).toBe(good.digest);

    const next = await pushBuild(work, repo); // waits until dev-latest is on it
    expect(await tagDigest(repo, 'dev-latest')).toBe(next.digest);
  });
});
