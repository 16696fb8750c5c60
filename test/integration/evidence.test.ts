import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatedHost, type GatedHost } from '../support/gatedHost.js';
import {
  attachArtifact,
  attachCosignSignature,
  fetchManifest,
  OCI_MANIFEST,
} from '../support/ociArtifacts.js';
import { approve, outcomeOf, unique } from '../support/stack.js';

// Evidence end to end: a host whose rc requires an SBOM referrer and whose release requires
// check trivy and a signature referrer, on the suite's ledger (Azurite) and a distribution
// registry of its own whose notifications reach it. Referrers are written as cosign and oras
// write them to a registry without the referrers API: a signature manifest under the tag
// `sha256-<hex>.sig`; an SBOM artifact with `subject`, pushed by digest and listed in the
// referrers tag schema's index `sha256-<hex>`. Their pushes are no builds; each re-evaluates
// the promotions of the digest waiting on evidence, so they go ahead with no other message.

let work: string;
let gated: GatedHost;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-evidence-'));
  gated = await startGatedHost({
    work,
    ownRegistry: true,
    gates: {
      rc: { evidence: ['sbom'] },
      release: { checks: ['trivy'], evidence: ['signature'] },
    },
  });
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

/** The image manifest's descriptor, the `subject` of an artifact referring to it. */
async function subjectOf(repository: string, digest: string) {
  const manifest = await fetchManifest(gated.registry, repository, digest);
  if (!manifest) throw new Error(`${repository}@${digest} is not in the registry`);
  return { mediaType: OCI_MANIFEST, digest, size: manifest.bytes.length };
}

type History = {
  outcomes: { outcome: string; stage?: string; messageId: string; reason?: string }[];
};
const history = async (repository: string) =>
  (await (
    await fetch(`${gated.url}/api/repositories/${repository}/history?limit=100`)
  ).json()) as History;

describe('stages gated on referrers, on the local stack', () => {
  it('a release waiting only for its signature is promoted by itself when cosign-style signing pushes it', async () => {
    const repo = unique('signed');
    const { sha, digest } = await gated.pushBuild(repo);
    await attachArtifact(gated.registry, repo, await subjectOf(repo, digest));
    const rc = await outcomeOf(
      repo,
      await approve(
        { repository: repo, build: { gitSha: sha }, stage: 'rc', version: '1.0.0' },
        gated.url,
      ),
      gated.url,
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
        gated.url,
      ),
      gated.url,
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
    expect(await gated.tagDigest(repo, '1.0.0')).toBeUndefined();

    // Signing is the last thing: its push alone has the release promoted.
    const signature = await attachCosignSignature(gated.registry, repo, digest);
    await gated.waitForTag(repo, '1.0.0', digest);
    expect(await gated.tagDigest(repo, 'release-latest')).toBe(digest);
    expect(await gated.tagDigest(repo, `${digest.replace(':', '-')}.sig`)).toBe(signature.digest);
    const promoted = (await history(repo)).outcomes.filter(
      (o) => o.stage === 'release' && o.outcome === 'promoted',
    );
    expect(promoted).toHaveLength(1);
    expect(promoted[0]?.messageId).toMatch(/^evidence-/);
    // The referrers' pushes recorded no build: the repository lists the image alone.
    const builds = (await (await fetch(`${gated.url}/api/repositories/${repo}/builds`)).json()) as {
      builds: { digest: string }[];
    };
    expect(builds.builds.map((b) => b.digest)).toEqual([digest]);
  });

  it('an rc waiting for an SBOM is promoted by itself when an artifact with that subject is pushed', async () => {
    const repo = unique('sbom');
    const { sha, digest } = await gated.pushBuild(repo);
    const rc = await outcomeOf(
      repo,
      await approve(
        { repository: repo, build: { gitSha: sha }, stage: 'rc', version: '2.0.0' },
        gated.url,
      ),
      gated.url,
    );
    expect(rc).toMatchObject({ outcome: 'pending', reason: 'waiting for: no sbom referrer' });
    expect(await gated.tagDigest(repo, '2.0.0-rc1')).toBeUndefined();

    await attachArtifact(gated.registry, repo, await subjectOf(repo, digest));
    await gated.waitForTag(repo, '2.0.0-rc1', digest);
    // The artifact's push by digest and its tag schema index's push each ask for a
    // re-evaluation; the one that finds it promoted already says so and moves nothing.
    await gated.host.queue.idle();
    const rcOutcomes = (await history(repo)).outcomes.filter((o) => o.stage === 'rc');
    const promoted = rcOutcomes.filter(
      (o) => o.outcome === 'promoted' && !o.reason?.startsWith('nothing to re-evaluate'),
    );
    expect(promoted).toHaveLength(1);
    expect(promoted[0]?.messageId).toMatch(/^evidence-/);
    expect(await gated.tagDigest(repo, '2.0.0-rc2')).toBeUndefined();
  });
});
