import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';
import { startGatedHost, type GatedHost } from '../support/gatedHost.js';
import { buildImage, push } from '../support/images.js';
import { ManualClock } from '../support/manualClock.js';
import { approve, newSha, outcomeOf, stack, unique } from '../support/stack.js';

// Automatic stages with gates, end to end: dev needs an approval; qa after it is automatic
// once check e2e succeeded; staging after qa is automatic after a soak of 1h in qa. The host
// has a registry of its own (its notifications record the builds) and a clock in the test's
// hand. Nobody approves qa or staging: each is asked for when the digest reaches the stage
// before it, and promoted by itself when its gates hold.

const HOUR = 60 * 60 * 1000;
const PIPELINE = {
  stages: [
    { name: 'dev', tag: 'dev-latest', immutable: false, approval: { required: 1 } },
    {
      name: 'qa',
      tag: 'qa-latest',
      immutable: false,
      approval: { required: 0 },
      checks: ['e2e'],
    },
    {
      name: 'staging',
      tag: 'staging-latest',
      immutable: false,
      approval: { required: 0 },
      soak: '1h',
    },
  ],
};

let work: string;
let gated: GatedHost;
// Starts at the real time: approvals are signed with the real clock and checked against it.
const clock = new ManualClock(new Date());
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-automatic-gates-'));
  gated = await startGatedHost({ work, pipeline: PIPELINE, ownRegistry: true, clock });
});
afterAll(async () => {
  await gated.close();
  await rm(work, { recursive: true, force: true });
});

/** A new build pushed to the host's registry, once the host lists it (dev needs approving). */
async function recorded(repository: string): Promise<{ sha: string; digest: string }> {
  const sha = newSha();
  const image = await buildImage(path.join(work, unique('b')), { content: `image ${sha}` });
  const digest = await push(
    image.reference,
    `${gated.registry}/${repository}:git-${sha}`,
    stack.certDir,
  );
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const answer = await fetch(`${gated.url}/api/repositories/${repository}/builds`);
    if (answer.ok) {
      const { builds } = (await answer.json()) as { builds: { digest: string }[] };
      if (builds.some((b) => b.digest === digest)) return { sha, digest };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${repository}@${digest} was not recorded`);
}

const outcomes = async (repository: string) =>
  (
    (await (
      await fetch(`${gated.url}/api/repositories/${repository}/history?limit=100`)
    ).json()) as { outcomes: OutcomeEvent[] }
  ).outcomes;

/** Waits for the host's queue to settle, then the outcomes recorded for `stage`. */
async function settled(repository: string, stage: string): Promise<OutcomeEvent[]> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  await gated.host.queue.idle();
  return (await outcomes(repository)).filter((o) => o.stage === stage);
}

describe('automatic stages with gates, on the local stack', () => {
  it('after dev, qa waits for e2e, saying so, and is promoted by itself when `promoter check` reports success', async () => {
    const repo = unique('auto');
    const { sha, digest } = await recorded(repo);
    await outcomeOf(
      repo,
      await approve({ repository: repo, build: { gitSha: sha }, stage: 'dev' }, gated.url),
      gated.url,
    );
    const [waiting] = await settled(repo, 'qa');
    expect(waiting).toMatchObject({
      outcome: 'pending',
      reason: 'waiting for: check e2e has not reported',
    });
    const failed = await gated.promoter(
      'check',
      repo,
      digest,
      '--name',
      'e2e',
      '--conclusion',
      'failure',
      '--wait',
      '20',
    );
    expect(failed.code).toBe(3);
    expect(await gated.tagDigest(repo, 'qa-latest')).toBeUndefined();
    const passed = await gated.promoter(
      'check',
      repo,
      digest,
      '--name',
      'e2e',
      '--conclusion',
      'success',
      '--wait',
      '20',
    );
    expect(passed.stdout).toContain(`promoted ${repo}`);
    expect(passed.code, passed.stderr).toBe(0);
    expect(await gated.tagDigest(repo, 'qa-latest')).toBe(digest);
  });

  // Last: it moves the host's clock an hour on (later requests would be signed out of its window).
  it('a check that succeeded before dev counts: approving dev chains qa, which then soaks into staging by itself', async () => {
    const repo = unique('auto');
    const { sha, digest } = await recorded(repo);
    const early = await gated.promoter(
      'check',
      repo,
      digest,
      '--name',
      'e2e',
      '--conclusion',
      'success',
      '--as',
      'ci:e2e',
      '--wait',
      '20',
    );
    expect(early.stdout, early.stderr).toContain('kept: it counts when');
    expect(await gated.tagDigest(repo, 'qa-latest')).toBeUndefined();
    // The first test's build soaks too (its staging re-evaluation is scheduled already).
    const scheduledBefore = gated.host.queue.scheduled;

    const dev = await outcomeOf(
      repo,
      await approve({ repository: repo, build: { gitSha: sha }, stage: 'dev' }, gated.url),
      gated.url,
    );
    expect(dev).toMatchObject({ outcome: 'promoted', stage: 'dev' });
    // qa: nobody approves it; the success kept before counts.
    await gated.waitForTag(repo, 'qa-latest', digest);
    const qa = await settled(repo, 'qa');
    // Asked for by promoter itself (the system's approval), not by anyone's message.
    expect(qa.find((o) => o.outcome === 'promoted')?.messageId).toMatch(/^auto-qa-/);

    // staging: asked for when qa was reached, soaking in qa for an hour.
    const staging = await settled(repo, 'staging');
    expect(staging.map((o) => o.outcome)).toEqual(['pending']);
    expect(staging[0]?.reason).toContain('soaking in qa until');
    expect(gated.host.queue.scheduled).toBe(scheduledBefore + 1);
    clock.advance(HOUR - 1000);
    await settled(repo, 'staging');
    expect(await gated.tagDigest(repo, 'staging-latest')).toBeUndefined();
    clock.advance(1000);
    await settled(repo, 'staging');
    await gated.waitForTag(repo, 'staging-latest', digest);
    expect(gated.host.queue.deadLetters()).toEqual([]);
  });
});
