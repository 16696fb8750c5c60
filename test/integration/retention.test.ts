import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { applyRetention, type RetentionReport } from '../../src/app/retention/applyRetention.js';
import { createServices, type Services } from '../../src/composition/createServices.js';
import { durationOfDays } from '../../src/domain/duration.js';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';
import { inspectDigest } from '../support/images.js';
import { approve, outcomeOf, pushBuild, stack, tagDigest, unique } from '../support/stack.js';

// Retention end to end: builds pushed to the real registry and promoted through the local host,
// then retention run (with a clock moved past the retention age) over the real Tables ledger
// and the real registry adapter, as the timer runs it. It is limited to this test's repository:
// the ledger is shared with the other tests, whose builds must not go.

const RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;

let work: string;
let services: Services;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-retention-'));
  const real = await createServices({
    PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
    PROMOTER_TABLE_PREFIX: inject('tablePrefix'),
    PROMOTER_WEBHOOK_SECRET: stack.secret,
    PROMOTER_REGISTRY: stack.registry,
  });
  const later = () => new Date(Date.now() + (RETENTION_DAYS + 1) * DAY_MS);
  services = { ...real, clock: { now: later } };
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Whether the registry still serves `digest` in `repository` (skopeo inspect by digest). */
async function inRegistry(repository: string, digest: string): Promise<boolean> {
  try {
    return (
      (await inspectDigest(`${stack.registry}/${repository}@${digest}`, stack.certDir)) === digest
    );
  } catch (error) {
    if (/manifest unknown|not found|MANIFEST_UNKNOWN/i.test(String(error))) return false;
    throw error;
  }
}

async function promoted(message: Record<string, unknown>): Promise<OutcomeEvent> {
  const outcome = await outcomeOf(String(message.repository), await approve(message));
  expect(outcome.outcome, outcome.reason).toMatch(/promoted|rejected/);
  return outcome;
}

const digestsOf = (report: RetentionReport, list: 'deleted' | 'kept') =>
  (report.repositories[0]?.[list] ?? []).map((b) => b.digest).sort();

describe('retention on the local stack', () => {
  it('deletes exactly the old builds that never went past dev, and records each deletion', async () => {
    const repo = unique('retained');
    const devOnly = await pushBuild(work, repo);
    const rc = await pushBuild(work, repo);
    const released = await pushBuild(work, repo);
    const rejected = await pushBuild(work, repo);
    const alsoDevOnly = await pushBuild(work, repo);
    const devHead = await pushBuild(work, repo);
    const build = (b: { sha: string }) => ({ gitSha: b.sha });
    await promoted({ repository: repo, build: build(rc), stage: 'rc', version: '1.2.3' });
    await promoted({ repository: repo, build: build(released), stage: 'rc', version: '1.2.4' });
    await promoted({ repository: repo, build: { tag: '1.2.4-rc1' }, stage: 'release' });
    const refused = await promoted({
      repository: repo,
      build: build(rejected),
      stage: 'rc',
      version: '1.3.0',
      decision: 'reject',
      comment: 'not this one',
    });
    expect(refused.outcome).toBe('rejected');

    const dryRun = await applyRetention(services, {
      age: durationOfDays(RETENTION_DAYS),
      dryRun: true,
      repository: repo,
    });
    const doomed = [devOnly.digest, alsoDevOnly.digest].sort();
    expect(digestsOf(dryRun, 'deleted')).toEqual(doomed);
    for (const b of [devOnly, alsoDevOnly]) expect(await inRegistry(repo, b.digest)).toBe(true);

    const report = await applyRetention(services, {
      age: durationOfDays(RETENTION_DAYS),
      dryRun: false,
      repository: repo,
    });
    const [result] = report.repositories;
    expect(result?.failed).toEqual([]);
    expect(digestsOf(report, 'deleted')).toEqual(doomed);
    const reasons = Object.fromEntries(result?.kept.map((b) => [b.digest, b.reasons]) ?? []);
    expect(reasons).toEqual({
      [rc.digest]: ['rc 1.2.3-rc1'],
      [released.digest]: [
        expect.stringMatching(/^rc head \(1\.2\.4-rc1\)$/),
        expect.stringMatching(/^release head \(1\.2\.4/),
      ],
      [rejected.digest]: ['proposed for rc 1.3.0 (rejected)'],
      [devHead.digest]: ['dev head (dev-latest)'],
    });

    // The registry: the doomed digests and their build tags are gone, everything else stays.
    for (const gone of [devOnly, alsoDevOnly]) {
      expect(await inRegistry(repo, gone.digest)).toBe(false);
      expect(await tagDigest(repo, `git-${gone.sha}`)).toBeUndefined();
    }
    for (const kept of [rc, released, rejected, devHead]) {
      expect(await inRegistry(repo, kept.digest)).toBe(true);
      expect(await tagDigest(repo, `git-${kept.sha}`)).toBe(kept.digest);
    }
    expect(await tagDigest(repo, 'dev-latest')).toBe(devHead.digest);
    expect(await tagDigest(repo, '1.2.3-rc1')).toBe(rc.digest);
    expect(await tagDigest(repo, '1.2.4')).toBe(released.digest);

    // The ledger: each deleted build is marked deleted, with a `deleted` entry in the history.
    for (const gone of [devOnly, alsoDevOnly]) {
      const recorded = await services.ledger.getBuildByDigest(repo, gone.digest);
      expect(recorded?.deletedAt).toBeDefined();
    }
    for (const kept of [rc, released, rejected, devHead])
      expect(
        (await services.ledger.getBuildByDigest(repo, kept.digest))?.deletedAt,
      ).toBeUndefined();
    const answer = await fetch(`${stack.hostUrl}/api/repositories/${repo}/history?limit=100`);
    const { outcomes } = (await answer.json()) as { outcomes: OutcomeEvent[] };
    const deletions = outcomes.filter((o) => o.outcome === 'deleted');
    expect(deletions.map((o) => o.digest).sort()).toEqual(doomed);
    expect(deletions.find((o) => o.digest === devOnly.digest)).toMatchObject({
      stage: 'dev',
      gitShas: [devOnly.sha],
      tags: [`git-${devOnly.sha}`],
      reason: expect.stringMatching(
        /^retention: older than 30 days \(recorded \d{4}-\d\d-\d\d\), never past dev$/,
      ) as string,
      messageId: `retention:${devOnly.digest}`,
    });

    // A second run finds nothing more to delete.
    const again = await applyRetention(services, {
      age: durationOfDays(RETENTION_DAYS),
      dryRun: false,
      repository: repo,
    });
    expect(digestsOf(again, 'deleted')).toEqual([]);
  });
});
