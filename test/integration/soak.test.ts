import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatedHost, type GatedHost } from '../support/gatedHost.js';
import { ManualClock } from '../support/manualClock.js';
import { approve, outcomeOf, pushBuild, tagDigest, unique } from '../support/stack.js';

// A soak end to end: a host whose release must soak 1h in rc, on the suite's ledger (Azurite)
// and registry, with its clock in the test's hand and its `promotions` queue durable (a table
// of its own). The release waits "soaking until …", the host is restarted while it waits, and
// the re-evaluation it scheduled fires when the clock reaches the soak's end, not before.

const HOUR = 60 * 60 * 1000;
let work: string;
let gated: GatedHost | undefined;
let url: string;
// Starts at the real time: approvals are signed with the real clock and checked against it.
const clock = new ManualClock(new Date());
const table = `soakqueue${randomBytes(4).toString('hex')}`;

async function start() {
  gated = await startGatedHost({
    work,
    gates: { release: { soak: '1h' } },
    clock,
    durableQueue: { table },
  });
  url = gated.url;
  return gated.host;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-soak-'));
  await start();
});
afterAll(async () => {
  await gated?.close();
  await rm(work, { recursive: true, force: true });
});

describe('a release gated on a soak, on the local stack', () => {
  it('waits "soaking until …", survives a host restart, and is promoted by itself when the clock reaches the end', async () => {
    const repo = unique('soaked');
    const { sha, digest } = await pushBuild(work, repo);
    const rc = await outcomeOf(
      repo,
      await approve(
        { repository: repo, build: { gitSha: sha }, stage: 'rc', version: '1.0.0' },
        url,
      ),
      url,
    );
    expect(rc).toMatchObject({ outcome: 'promoted', tags: ['1.0.0-rc1'] });
    const inRcAt = clock.now().getTime();
    const until = new Date(inRcAt + HOUR).toISOString();
    const release = await outcomeOf(
      repo,
      await approve(
        {
          repository: repo,
          build: { tag: '1.0.0-rc1' },
          stage: 'release',
          approver: { id: 'bob' },
        },
        url,
      ),
      url,
    );
    expect(release).toMatchObject({ outcome: 'pending' });
    expect(release.reason).toContain(`soaking in rc until ${until}`);
    expect(gated?.host.queue.scheduled).toBe(1);

    // The host stops while the release soaks; the next one finds the scheduled message stored.
    await gated?.close();
    gated = undefined;
    const restarted = await start();
    expect(restarted.queue.scheduled).toBe(1);

    // A second short of the end: nothing is released, nothing is promoted.
    clock.advance(HOUR - 1000);
    await new Promise<void>((resolve) => setImmediate(resolve));
    await restarted.queue.idle();
    expect(restarted.queue.scheduled).toBe(1);
    expect(await tagDigest(repo, '1.0.0')).toBeUndefined();

    // The end: the re-evaluation is delivered and the release goes ahead without another approval.
    clock.advance(1000);
    await new Promise<void>((resolve) => setImmediate(resolve));
    await restarted.queue.idle();
    expect(restarted.queue.scheduled).toBe(0);
    const history = (await (
      await fetch(`${url}/api/repositories/${repo}/history?limit=100`)
    ).json()) as { outcomes: { outcome: string; stage?: string; messageId: string }[] };
    const promoted = history.outcomes.filter(
      (o) => o.stage === 'release' && o.outcome === 'promoted',
    );
    expect(promoted).toHaveLength(1);
    expect(promoted[0]?.messageId).not.toBe(release.messageId);
    expect(await tagDigest(repo, '1.0.0')).toBe(digest);
    expect(await tagDigest(repo, 'release-latest')).toBe(digest);
    expect(restarted.queue.deadLetters()).toEqual([]);
  });
});
