import { copyFileSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RedeliveryPolicy } from '../../src/domain/redeliveryPolicy.js';
import { startLocalHost, type LocalHost } from '../../src/local/host.js';
import { startRegistry, type RegistryOptions } from '../../src/local/services/registry.js';
import type { RegistryService } from '../../src/local/services/registry.js';
import { freePort } from '../../src/local/services/tcpPorts.js';
import { buildImage, inspectDigest, push } from '../support/images.js';
import { approve, newSha, outcomeOf, stack, unique } from '../support/stack.js';

// A registry that is down for a while (its process stopped, then started again on the same
// port and storage) while an approval is being delivered: the promotions function pauses
// between deliveries, growing the pause, and the approval ends promoted, not dead-lettered.
// The host is this test's own, with the production policy compressed from minutes to
// fractions of a second, and the default 10 deliveries.

/** 250 ms doubling to 2 s: 13.75 s of pauses over 10 deliveries. */
const COMPRESSED: RedeliveryPolicy = {
  firstPauseMs: 250,
  maxPauseMs: 2000,
  invocationBudgetMs: 30_000,
};

let work: string;
let registryOptions: RegistryOptions;
let registry: RegistryService;
let host: LocalHost;
const lines: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-outage-'));
  // The suite's certificate (which this process trusts), reused by this registry.
  const tls = path.join(work, 'registry', 'tls');
  mkdirSync(tls, { recursive: true });
  const certFile = inject('registryCertFile');
  copyFileSync(certFile, path.join(tls, 'localhost.crt'));
  copyFileSync(path.join(path.dirname(certFile), 'localhost.key'), path.join(tls, 'localhost.key'));
  const hostPort = await freePort();
  registryOptions = {
    stateDir: path.join(work, 'registry'),
    port: await freePort(),
    notifyUrl: `http://127.0.0.1:${hostPort}/api/hooks/registry`,
    notifyHeaders: { Authorization: `Bearer ${stack.secret}` },
  };
  registry = await startRegistry(registryOptions);
  host = await startLocalHost({
    port: hostPort,
    env: {
      PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
      PROMOTER_TABLE_PREFIX: inject('tablePrefix'),
      PROMOTER_WEBHOOK_SECRET: stack.secret,
      PROMOTER_APPROVALS_HMAC_SECRET: inject('approvalsHmacSecret'),
      PROMOTER_REGISTRY: registry.host,
    },
    redelivery: COMPRESSED,
    log: (line) => lines.push(line),
  });
});

afterAll(async () => {
  await host.close();
  await registry.stop();
  await rm(work, { recursive: true, force: true });
});

/** Polls until `ref` resolves to `digest` in this test's registry. */
async function waitForDigest(ref: string, digest: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if ((await inspectDigest(ref, registry.certDir).catch(() => undefined)) === digest) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${ref} is not ${digest}`);
}

/** The `retryInMs` of each failed delivery the promotions function logged, in order. */
const failedDeliveries = () =>
  lines
    .filter((l) => l.startsWith('[promotions] error: promotion attempt failed'))
    .map(
      (l) => JSON.parse(l.slice(l.indexOf('{'))) as { deliveryCount: number; retryInMs: number },
    );

describe('a registry outage during a promotion', () => {
  it('is ridden out with growing pauses between deliveries and ends promoted, not dead-lettered', async () => {
    const repo = unique('outage');
    const sha = newSha();
    const image = await buildImage(path.join(work, unique('b')), { content: `outage ${sha}` });
    const digest = await push(
      image.reference,
      `${registry.host}/${repo}:git-${sha}`,
      registry.certDir,
    );
    await waitForDigest(`${registry.host}/${repo}:dev-latest`, digest);

    await registry.stop();
    const id = await approve(
      { repository: repo, build: { gitSha: sha }, stage: 'rc', version: '2.0.0' },
      host.url,
    );
    // Two deliveries have failed against the stopped registry; then it comes back.
    const deadline = Date.now() + 20_000;
    while (failedDeliveries().length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(failedDeliveries().length).toBeGreaterThanOrEqual(2);
    registry = await startRegistry(registryOptions);

    const outcome = await outcomeOf(repo, id, host.url, 30_000);
    expect(outcome).toMatchObject({ outcome: 'promoted', tags: ['2.0.0-rc1'], digest });
    await waitForDigest(`${registry.host}/${repo}:2.0.0-rc1`, digest);
    expect(host.queue.deadLetters()).toEqual([]);
    const failed = failedDeliveries();
    expect(failed.map((f) => f.deliveryCount)).toEqual(failed.map((_, i) => i + 1));
    expect(failed.slice(0, 3).map((f) => f.retryInMs)).toEqual(
      [250, 500, 1000].slice(0, failed.length),
    );
  });
});
