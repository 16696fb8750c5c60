import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';
import { DEFAULT_PIPELINE_JSON } from '../../src/domain/pipeline.js';
import { startLocalHost, type LocalHost } from '../../src/local/host.js';
import { freePort } from '../../src/local/services/tcpPorts.js';
import {
  approve,
  copyTag,
  outcomeOf,
  pushBuild,
  stack,
  tagDigest,
  unique,
  waitForTag,
} from '../support/stack.js';

// Drift end to end: a person `skopeo copy`s another image onto a promoted tag in the real
// registry; its notification reaches the webhook, which reports drift (and, on a host whose
// pipeline has restoreOnDrift, puts the tag back).

let work: string;
let restoring: LocalHost;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-drift-'));
  const pipelineFile = path.join(work, 'promoter.pipeline.json');
  await writeFile(pipelineFile, JSON.stringify({ ...DEFAULT_PIPELINE_JSON, restoreOnDrift: true }));
  // A second host on the same ledger and registry, with restoreOnDrift on. The registry's own
  // notifications go to the suite's host; this one gets the events the test posts.
  restoring = await startLocalHost({
    port: await freePort(),
    log: () => undefined,
    env: {
      PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
      PROMOTER_TABLE_PREFIX: inject('tablePrefix'),
      PROMOTER_WEBHOOK_SECRET: stack.secret,
      PROMOTER_APPROVALS_HMAC_SECRET: inject('approvalsHmacSecret'),
      PROMOTER_REGISTRY: stack.registry,
      PROMOTER_PIPELINE_FILE: pipelineFile,
    },
  });
});
afterAll(async () => {
  await restoring.close();
  await rm(work, { recursive: true, force: true });
});

/** A repository with build `first` released as 1.2.3 (and release-latest), `second` in dev. */
async function released() {
  const repo = unique('drift');
  const first = await pushBuild(work, repo);
  await outcomeOf(
    repo,
    await approve({
      repository: repo,
      build: { gitSha: first.sha },
      stage: 'rc',
      version: '1.2.3',
    }),
  );
  const release = await outcomeOf(
    repo,
    await approve({
      repository: repo,
      build: { tag: '1.2.3-rc1' },
      stage: 'release',
      approver: { id: 'bob' },
    }),
  );
  expect(release).toMatchObject({ outcome: 'promoted', tags: ['1.2.3'] });
  await waitForTag(repo, 'release-latest', first.digest);
  const second = await pushBuild(work, repo);
  return { repo, first, second };
}

async function driftsOf(repo: string, hostUrl = stack.hostUrl): Promise<OutcomeEvent[]> {
  const response = await fetch(`${hostUrl}/api/repositories/${repo}/history?limit=100`);
  const { outcomes } = (await response.json()) as { outcomes: OutcomeEvent[] };
  return outcomes.filter((o) => o.outcome === 'drift');
}

async function waitForDrift(repo: string, timeoutMs = 20_000): Promise<OutcomeEvent[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const drifts = await driftsOf(repo);
    if (drifts.length > 0) return drifts;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no drift recorded for ${repo} within ${timeoutMs} ms`);
}

describe('drift on the local stack', () => {
  it('reports a manual skopeo copy onto the released 1.2.3 as drift, and none of promoter’s own re-tags', async () => {
    const { repo, first, second } = await released();
    await copyTag(repo, `git-${second.sha}`, '1.2.3');

    const drifts = await waitForDrift(repo);
    expect(drifts).toMatchObject([
      {
        outcome: 'drift',
        stage: 'release',
        tags: ['1.2.3'],
        digest: second.digest,
        previousDigest: first.digest,
        restored: false,
      },
    ]);
    const events = (await (
      await fetch(`${stack.hostUrl}/api/local/events?repository=${repo}`)
    ).json()) as { events: OutcomeEvent[] };
    expect(events.events.filter((e) => e.outcome === 'drift')).toHaveLength(1);
    // The default pipeline reports and leaves the tag alone.
    expect(await tagDigest(repo, '1.2.3')).toBe(second.digest);
  });

  it('puts a drifted tag back to the ledger’s digest when the pipeline has restoreOnDrift', async () => {
    const { repo, first, second } = await released();
    await copyTag(repo, `git-${second.sha}`, 'release-latest');
    expect(await tagDigest(repo, 'release-latest')).toBe(second.digest);

    // The registry's notification of that copy, as the restoring host receives it.
    const event = {
      id: randomUUID(),
      timestamp: new Date().toISOString(),
      action: 'push',
      target: {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: second.digest,
        repository: repo,
        tag: 'release-latest',
      },
      request: { host: stack.registry, method: 'PUT' },
    };
    const answer = await fetch(`${restoring.url}/api/hooks/registry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { results: unknown[] }).results).toMatchObject([
      { outcome: 'drift', tag: 'release-latest', stage: 'release' },
    ]);
    expect(await tagDigest(repo, 'release-latest')).toBe(first.digest);
    const drift = (await driftsOf(repo, restoring.url)).find(
      (d) => d.messageId === `drift:${event.id}`,
    );
    expect(drift).toMatchObject({
      previousDigest: first.digest,
      digest: second.digest,
      restored: true,
      reason: expect.stringContaining('promoter put it back') as unknown,
    });
  });
});
