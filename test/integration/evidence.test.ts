import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatedHost, type GatedHost } from '../support/gatedHost.js';
import { attachCosignSignature } from '../support/ociArtifacts.js';
import { approve, outcomeOf, pushBuild, stack, tagDigest, unique } from '../support/stack.js';

// Evidence end to end: a host whose release requires check trivy and a signature referrer,
// on the suite's ledger (Azurite) and its real distribution registry. The signature is
// written the way cosign writes it to a registry without the referrers API: an image
// manifest under the tag `sha256-<hex>.sig`.

let work: string;
let gated: GatedHost;
let hostUrl: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-evidence-'));
  gated = await startGatedHost({
    work,
    gates: { release: { checks: ['trivy'], evidence: ['signature'] } },
  });
  hostUrl = gated.url;
});
afterAll(async () => {
  await gated.close();
  await rm(work, { recursive: true, force: true });
});

const trivySucceeded = (repository: string, digest: string) =>
  gated.promoter(
    'check',
    repository,
    digest,
    '--name',
    'trivy',
    '--conclusion',
    'success',
    '--wait',
    '20',
  );

describe('a release gated on a signature referrer, on the local stack', () => {
  it('blocks without a signature, saying so; after cosign-style signing the next evaluation promotes it', async () => {
    const repo = unique('signed');
    const { sha, digest } = await pushBuild(work, repo);
    const rc = await outcomeOf(
      repo,
      await approve(
        { repository: repo, build: { gitSha: sha }, stage: 'rc', version: '1.0.0' },
        hostUrl,
      ),
      hostUrl,
    );
    expect(rc).toMatchObject({ outcome: 'promoted', tags: ['1.0.0-rc1'] });
    const release = await outcomeOf(
      repo,
      await approve(
        {
          repository: repo,
          build: { tag: '1.0.0-rc1' },
          stage: 'release',
          approver: { id: 'bob' },
        },
        hostUrl,
      ),
      hostUrl,
    );
    expect(release).toMatchObject({
      outcome: 'pending',
      reason: 'waiting for: check trivy has not reported; no signature referrer',
    });

    // The check passes; the signature is still missing: still pending, and it says why.
    const unsigned = await trivySucceeded(repo, digest);
    expect(unsigned.stdout, unsigned.stderr).toContain(
      `pending 1/1 approvals for release 1.0.0 of ${repo}\n`,
    );
    expect(unsigned.stdout).toContain('  ✓ check trivy succeeded at ');
    expect(unsigned.stdout).toContain('  ✗ no signature referrer\n');
    expect(unsigned.code).toBe(4);
    expect(await tagDigest(repo, '1.0.0')).toBeUndefined();

    const signature = await attachCosignSignature(stack.registry, repo, digest);
    expect(await tagDigest(repo, `${digest.replace(':', '-')}.sig`)).toBe(signature.digest);

    // The next evaluation (a re-run of the scan reporting) finds the signature and promotes.
    const signed = await trivySucceeded(repo, digest);
    expect(signed.stdout).toContain(`promoted ${repo} 1.0.0 → ${digest}`);
    expect(signed.code, signed.stderr).toBe(0);
    expect(await tagDigest(repo, '1.0.0')).toBe(digest);
    expect(await tagDigest(repo, 'release-latest')).toBe(digest);
  });
});
