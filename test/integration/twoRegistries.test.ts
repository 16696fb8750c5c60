import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RedeliveryPolicy } from '../../src/domain/redeliveryPolicy.js';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';
import { startLocalHost, type LocalHost } from '../../src/local/host.js';
import type { RegistryService } from '../../src/local/services/registry.js';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy.js';
import { buildImage, push } from '../support/images.js';
import {
  digestAt,
  hostEnv,
  startTwoRegistries,
  waitForDigest,
  writePipeline,
  type TwoRegistryWorld,
} from '../support/crossRegistry.js';
import { approve, newSha, outcomeOf, stack, unique } from '../support/stack.js';

// End to end on two real distribution registries: builds are pushed to the first (its
// notifications → this test's host), release is promoted into the second ("production",
// reached through a fault proxy so that it can go down mid-copy; its notifications reach the
// host too, so promoter's own writes there must be neither builds nor drift). The copy is
// the distribution-API copier; the tags at the target are written by its Registry adapter.

const COMPRESSED: RedeliveryPolicy = {
  firstPauseMs: 250,
  maxPauseMs: 1000,
  invocationBudgetMs: 30_000,
};

let world: TwoRegistryWorld;
let work: string;
let builds: RegistryService;
let production: RegistryService;
let proxy: FaultProxy;
let host: LocalHost;
let hostUrl: string;
const lines: string[] = [];

beforeAll(async () => {
  world = await startTwoRegistries('two-registries', { notifyProduction: true });
  ({ work, hostUrl, builds, production } = world);
  // keepHost: the production registry's upload URLs and events name the proxy, the declared registry.
  proxy = await startFaultProxy({
    upstream: production.host,
    certFile: inject('registryCertFile'),
    keepHost: true,
  });
  const pipelineFile = writePipeline(work, 'two-registries', {
    registries: { [proxy.host]: { signIn: 'anonymous' } },
    stages: [
      { name: 'dev', tag: 'dev-latest', immutable: false, approval: { required: 0 } },
      { name: 'rc', tag: '{version}-rc{n}', immutable: true, approval: { required: 1 } },
      {
        name: 'release',
        tag: '{version}',
        immutable: true,
        sameVersion: true,
        latest: 'release-latest',
        approval: { required: 1 },
        registry: proxy.host,
        repository: 'prod/{repository}',
      },
    ],
  });
  host = await startLocalHost({
    port: world.hostPort,
    env: hostEnv(builds.host, pipelineFile),
    redelivery: COMPRESSED,
    log: (line) => lines.push(line),
  });
});

afterAll(async () => {
  await host.close();
  await proxy.close();
  await world.stop();
});

/** A build pushed to the build registry, in dev, then approved into rc as 1.2.3. */
async function buildInRc(repo: string) {
  const sha = newSha();
  const image = await buildImage(path.join(work, unique('image')), { content: `image ${sha}` });
  const digest = await push(image.reference, `${builds.host}/${repo}:git-${sha}`, stack.certDir);
  await waitForDigest(`${builds.host}/${repo}:dev-latest`, digest);
  const rc = await outcomeOf(
    repo,
    await approve(
      { repository: repo, build: { gitSha: sha }, stage: 'rc', version: '1.2.3' },
      hostUrl,
    ),
    hostUrl,
  );
  expect(rc).toMatchObject({ outcome: 'promoted', tags: ['1.2.3-rc1'] });
  return { sha, digest };
}

const releaseOf = (repo: string, sha: string) =>
  approve(
    { repository: repo, build: { gitSha: sha }, stage: 'release', version: '1.2.3' },
    hostUrl,
  );

async function history(repo: string): Promise<OutcomeEvent[]> {
  const response = await fetch(`${hostUrl}/api/repositories/${repo}/history?limit=100`);
  return ((await response.json()) as { outcomes: OutcomeEvent[] }).outcomes;
}

describe('promotion into a second registry', () => {
  it('copies the approved digest there and tags it there: the same digest at both registries', async () => {
    const repo = unique('myapp');
    const { sha, digest } = await buildInRc(repo);
    const release = await outcomeOf(repo, await releaseOf(repo, sha), hostUrl);
    expect(release).toMatchObject({
      outcome: 'promoted',
      digest,
      tags: ['1.2.3'],
      registry: proxy.host,
      stageRepository: `prod/${repo}`,
      copy: { from: `${builds.host}/${repo}`, manifestsWritten: 1, blobsUploaded: 2 },
    });
    expect(await digestAt(`${proxy.host}/prod/${repo}:1.2.3`)).toBe(digest);
    expect(await digestAt(`${proxy.host}/prod/${repo}:release-latest`)).toBe(digest);
    expect(await digestAt(`${builds.host}/${repo}:git-${sha}`)).toBe(digest);
    // Release's tags are not written in the build registry.
    expect(await digestAt(`${builds.host}/${repo}:1.2.3`)).toBeUndefined();
    // The production registry's events about these writes reach the host: its own writes,
    // neither builds nor drift.
    const ofTarget = () => lines.filter((line) => line.includes(`prod/${repo}`));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !ofTarget().some((l) => l.includes('release-latest')))
      await new Promise((r) => setTimeout(r, 100));
    const own = ofTarget().filter((l) => l.includes('registry event stage-tag'));
    expect(own.some((l) => l.includes("promoter's own write") && l.includes('1.2.3'))).toBe(true);
    expect(
      own.some((l) => l.includes("promoter's own write") && l.includes('release-latest')),
    ).toBe(true);
    expect(ofTarget().some((l) => /registry event (recorded|drift)/.test(l))).toBe(false);
    expect((await history(repo)).filter((o) => o.outcome === 'drift')).toEqual([]);
  });

  it('the target going down mid-copy: redelivered, it ends promoted once', async () => {
    const repo = unique('myapp');
    const { sha, digest } = await buildInRc(repo);
    proxy.reset();
    // The target answers 503 to blob uploads for a while: the first delivery's copy fails.
    proxy.failNext(
      4,
      { kind: 'status', status: 503 },
      (r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/'),
    );
    const id = await releaseOf(repo, sha);
    const release = await outcomeOf(repo, id, hostUrl, 30_000);
    expect(release).toMatchObject({ outcome: 'promoted', digest, tags: ['1.2.3'] });
    expect(await digestAt(`${proxy.host}/prod/${repo}:1.2.3`)).toBe(digest);
    expect((await history(repo)).filter((o) => o.stage === 'release')).toHaveLength(1);
    expect(lines.some((line) => line.includes(id) && /503|unavailable/i.test(line))).toBe(true);
  });

  it('a target already holding the immutable tag on another digest refuses, and nothing moves', async () => {
    const repo = unique('myapp');
    const { sha, digest } = await buildInRc(repo);
    const other = await buildImage(path.join(work, unique('other')), { content: unique('other') });
    const otherDigest = await push(
      other.reference,
      `${proxy.host}/prod/${repo}:1.2.3`,
      stack.certDir,
    );
    proxy.reset();
    const release = await outcomeOf(repo, await releaseOf(repo, sha), hostUrl);
    expect(release).toMatchObject({ outcome: 'rejected', registry: proxy.host });
    expect(release.reason).toContain(
      `tag 1.2.3 already exists in ${proxy.host}/prod/${repo} and points to ${otherDigest}`,
    );
    expect(await digestAt(`${proxy.host}/prod/${repo}:1.2.3`)).toBe(otherDigest);
    expect(await digestAt(`${proxy.host}/prod/${repo}@${digest}`)).toBeUndefined();
    expect(await digestAt(`${proxy.host}/prod/${repo}:release-latest`)).toBeUndefined();
    expect(proxy.count('PUT')).toBe(0);
    expect(proxy.count('POST')).toBe(0);
  });
});
