import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../src/cli/runCli.js';
import { buildImage, push } from '../support/images.js';
import { newSha, stack, tagDigest, unique, waitForTag } from '../support/stack.js';

// The README's walk-through, with the CLI alone, against the suite's local stack.

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-cli-'));
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

describe('the README walk-through with the promoter CLI', () => {
  it('takes one pushed build to 1.2.3 through dev-latest and 1.2.3-rc1, and history shows who approved', async () => {
    const repo = unique('myapp');
    const sha = newSha();
    const image = await buildImage(path.join(work, 'image'), { content: `walk-through ${sha}` });
    const digest = await push(
      image.reference,
      `${stack.registry}/${repo}:git-${sha}`,
      stack.certDir,
    );
    await waitForTag(repo, 'dev-latest', digest);

    const rc = await promoter(
      'approve',
      repo,
      sha,
      '--stage',
      'rc',
      '--version',
      '1.2.3',
      '--as',
      'alice',
      '--wait',
      '20',
    );
    expect(rc.code, rc.stderr).toBe(0);
    expect(rc.stdout).toContain('1.2.3-rc1');
    const release = await promoter(
      'approve',
      repo,
      '1.2.3-rc1',
      '--stage',
      'release',
      '--as',
      'bob',
      '--wait',
      '20',
    );
    expect(release.code, release.stderr).toBe(0);

    for (const tag of ['dev-latest', '1.2.3-rc1', '1.2.3'])
      expect(await tagDigest(repo, tag)).toBe(digest);
    const history = await promoter('history', repo, '--json');
    expect(history.code).toBe(0);
    const { outcomes } = JSON.parse(history.stdout) as {
      outcomes: {
        outcome: string;
        stage: string;
        approvals?: { approverId: string; at: string }[];
      }[];
    };
    expect(
      outcomes.map((o) => [o.stage, o.outcome, o.approvals?.map((a) => a.approverId)]),
    ).toEqual([
      ['release', 'promoted', ['bob']],
      ['rc', 'promoted', ['alice']],
      ['dev', 'promoted', ['system:promoter']],
    ]);
    const status = await promoter('status', repo);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('1.2.3-rc1');
  });

  it('exits 3 with the reason when a release is asked for a digest that was never an rc', async () => {
    const repo = unique('norc');
    const sha = newSha();
    const image = await buildImage(path.join(work, 'image2'), { content: `norc ${sha}` });
    const digest = await push(
      image.reference,
      `${stack.registry}/${repo}:git-${sha}`,
      stack.certDir,
    );
    await waitForTag(repo, 'dev-latest', digest);
    const release = await promoter(
      'approve',
      repo,
      sha,
      '--stage',
      'release',
      '--version',
      '9.9.9',
      '--as',
      'bob',
      '--wait',
      '20',
    );
    expect(release.code).toBe(3);
    expect(release.stdout + release.stderr).toMatch(/reached rc/);
  });
});
