import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalHost, type LocalHost } from '../../src/local/host.js';
import { freePort } from '../../src/local/services/tcpPorts.js';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy.js';
import { FAST_REDELIVERY } from '../support/redelivery.js';
import {
  approve,
  listTags,
  outcomeOf,
  pushBuild,
  stack,
  tagDigest,
  unique,
} from '../support/stack.js';

// A second host shares the suite's ledger but reaches the registry through a proxy that
// breaks requests on demand: the registry failing mid-promotion.

let work: string;
let proxy: FaultProxy;
let host: LocalHost;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-faults-'));
  proxy = await startFaultProxy({ upstream: stack.registry, certFile: inject('registryCertFile') });
  host = await startLocalHost({
    port: await freePort(),
    env: {
      PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
      PROMOTER_TABLE_PREFIX: inject('tablePrefix'),
      PROMOTER_WEBHOOK_SECRET: stack.secret,
      PROMOTER_APPROVALS_HMAC_SECRET: inject('approvalsHmacSecret'),
      PROMOTER_REGISTRY: proxy.host,
      PROMOTER_MAX_DELIVERY_COUNT: '5',
    },
    redelivery: FAST_REDELIVERY,
    log: () => undefined,
  });
});

afterAll(async () => {
  await host.close();
  await proxy.close();
  await rm(work, { recursive: true, force: true });
});

describe('a registry failing mid-promotion', () => {
  it('is retried by redelivery and promotes exactly once', async () => {
    const repo = unique('flaky');
    const build = await pushBuild(work, repo);
    // More 503s on the manifest PUT than the SDK retries itself: the delivery fails and the
    // queue redelivers the message.
    proxy.failNext(4, { kind: 'status', status: 503 }, (r) => r.method === 'PUT');
    const id = await approve(
      { repository: repo, build: { gitSha: build.sha }, stage: 'rc', version: '1.2.3' },
      host.url,
    );
    const outcome = await outcomeOf(repo, id, host.url);
    expect(outcome).toMatchObject({
      outcome: 'promoted',
      tags: ['1.2.3-rc1'],
      digest: build.digest,
    });
    expect(await tagDigest(repo, '1.2.3-rc1')).toBe(build.digest);
    expect((await listTags(repo)).filter((t) => t.startsWith('1.2.3'))).toEqual(['1.2.3-rc1']);
    expect(proxy.count('PUT')).toBeGreaterThan(4);
    expect(host.queue.deadLetters()).toEqual([]);
  });

  it('dead-letters a message whose registry never recovers, announcing failed', async () => {
    const repo = unique('down');
    const build = await pushBuild(work, repo);
    proxy.failNext(1000, { kind: 'status', status: 503 }, (r) => r.path.includes(repo));
    const id = await approve(
      { repository: repo, build: { gitSha: build.sha }, stage: 'rc', version: '1.2.3' },
      host.url,
    );
    const deadline = Date.now() + 30_000;
    while (host.queue.deadLetters().length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    proxy.reset();
    expect(host.queue.deadLetters()).toMatchObject([{ messageId: id, deliveryCount: 5 }]);
    expect(host.outcomes.list({ repository: repo })).toMatchObject([
      {
        outcome: 'failed',
        messageId: id,
        reason: expect.stringMatching(/gave up after 5 deliveries/) as unknown,
      },
    ]);
    expect(await tagDigest(repo, '1.2.3-rc1')).toBeUndefined();
  });
});
