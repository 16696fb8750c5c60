import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startLocalHost, type LocalHost } from '../../src/local/host.js';
import { freePort } from '../../src/local/services/tcpPorts.js';
import { eventGridFixture } from '../support/eventGridFixtures.js';

// There is no Event Grid locally, but the local host runs the function table's `registryEvents`
// function through its stand-in for the `registry-events` queue, over the real ledger (Azurite),
// so tests can deliver Event Grid events to it as Azure would.

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function host(
  env: Record<string, string> = {},
): Promise<{ host: LocalHost; lines: string[] }> {
  const lines: string[] = [];
  const started = await startLocalHost({
    port: await freePort(),
    env: {
      PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
      PROMOTER_TABLE_PREFIX: inject('tablePrefix'),
      PROMOTER_WEBHOOK_SECRET: inject('webhookSecret'),
      PROMOTER_REGISTRY: inject('registryHost'),
      ...env,
    },
    log: (line) => lines.push(line),
  });
  cleanups.push(() => started.close());
  return { host: started, lines };
}

/** A CloudEvents ImagePushed event for a repository of its own and a fresh registry event id. */
function pushedEvent() {
  const event = eventGridFixture('cloudevents-image-pushed.json');
  const repository = `eg-${randomBytes(3).toString('hex')}`;
  Object.assign(event.data, { id: randomUUID() });
  Object.assign(event.data.target as object, { repository });
  return { event: { ...event, id: randomUUID() }, repository };
}

async function builds(url: string, repository: string): Promise<unknown[]> {
  const response = await fetch(`${url}/api/repositories/${repository}/builds?limit=10`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { builds: unknown[] }).builds;
}

describe('the registryEvents function on the local host', () => {
  it('records a build from an Event Grid event once, however many messages carry it', async () => {
    const { host: local } = await host();
    const { event, repository } = pushedEvent();
    // Event Grid redelivers under one message id (dropped); another copy gets another id.
    expect(local.registryEvents.send(event, 'eg-1')).toBe(true);
    expect(local.registryEvents.send(event, 'eg-1')).toBe(false);
    expect(local.registryEvents.send(event, 'eg-2')).toBe(true);
    await local.registryEvents.idle();
    expect(await builds(local.url, repository)).toMatchObject([
      { gitSha: 'a1b2c3d', tags: ['git-a1b2c3d'] },
    ]);
    expect(local.registryEvents.deadLetters()).toEqual([]);
  });

  it('dead-letters a malformed message after the max delivery count, recording nothing', async () => {
    const { host: local, lines } = await host({ PROMOTER_MAX_DELIVERY_COUNT: '2' });
    const { event, repository } = pushedEvent();
    (event.data.target as Record<string, unknown>).digest = 'sha256:nothex';
    local.registryEvents.send(event, 'eg-bad');
    await local.registryEvents.idle();
    const [dead, ...more] = local.registryEvents.deadLetters();
    expect(more).toEqual([]);
    expect(dead).toMatchObject({ messageId: 'eg-bad', deliveryCount: 2 });
    expect(dead?.reason).toMatch(/^Event Grid event: data\.target\.digest: /);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^\[registryEvents\] error: malformed registry event, nothing recorded/,
      ),
    );
    expect(await builds(local.url, repository)).toEqual([]);
  });
});
