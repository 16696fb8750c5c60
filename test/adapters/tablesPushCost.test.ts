import { createHash, randomUUID } from 'node:crypto';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { describe, expect, inject, it } from 'vitest';
import { createTablesBuildLedger } from '../../src/adapters/tables/tablesBuildLedger.js';
import { createTablesClient } from '../../src/adapters/tables/tablesClient.js';
import { createTablesPromotionLedger } from '../../src/adapters/tables/tablesPromotionLedger.js';
import { handleRegistryEvents } from '../../src/app/push/handleRegistryEvents.js';
import { defaultPipeline } from '../../src/domain/pipeline.js';
import type { RegistryEvent } from '../../src/domain/registryEvents.js';
import type { BuildPush } from '../../src/ports/buildLedger.js';
import { seedBuildRows } from '../../bench/seedRows.js';
import { MemoryRegistry } from '../support/memoryRegistry.js';

/*
 * The push path's cost does not grow with history: the same webhook delivery (a push under a
 * build tag, recorded and asked for dev; a push to a stage tag, checked for drift) makes the
 * same ledger requests, of the same size, with no prior builds as with a few hundred. Counted
 * on the wire (a pipeline policy on the real Tables clients, against the suite's Azurite), so
 * a query that reads more rows as history grows shows as more bytes read.
 */

const connectionString = () => inject('tablesConnectionString');
const hex = (label: string, length: number) =>
  createHash('sha256').update(label).digest('hex').slice(0, length);
const digestOf = (label: string) => `sha256:${hex(label, 64)}`;
const PRIOR_BUILDS = 300;

/** Requests and body bytes through one client's pipeline. */
class Counter {
  requests: string[] = [];
  sent = 0;
  received = 0;
  readonly policy: PipelinePolicy = {
    name: 'count-ledger-requests',
    sendRequest: async (request, next) => {
      const response = await next(request);
      const url = new URL(request.url);
      this.requests.push(`${request.method} ${url.pathname.replace(/\(.*$/, '(…)')}`);
      this.sent += typeof request.body === 'string' ? request.body.length : 0;
      this.received += response.bodyAsText?.length ?? 0;
      return response;
    },
  };
  reset(): void {
    this.requests = [];
    this.sent = 0;
    this.received = 0;
  }
}

function countedClient(tableName: string, counter: Counter) {
  const client = createTablesClient({ connectionString: connectionString(), tableName });
  client.pipeline.addPolicy(counter.policy);
  return client;
}

describe('the push path on Azurite', () => {
  it('makes the same ledger requests, of the same size, at 0 and at 300 prior builds', async () => {
    const tables = {
      builds: `b${randomUUID().replaceAll('-', '').slice(0, 20)}`,
      promotions: `p${randomUUID().replaceAll('-', '').slice(0, 20)}`,
    };
    const counter = new Counter();
    const registry = new MemoryRegistry();
    const deps = {
      ledger: createTablesBuildLedger({ client: countedClient(tables.builds, counter) }),
      promotions: createTablesPromotionLedger({
        client: countedClient(tables.promotions, counter),
      }),
      registry,
      publisher: { publish: () => Promise.resolve() },
      approvals: { send: () => Promise.resolve() },
      pipeline: defaultPipeline(),
      clock: { now: () => new Date('2026-12-01T10:00:00Z') },
      defaultRegistry: 'localhost:5000',
    };
    const delivery = (round: string): RegistryEvent[] => {
      const sha = hex(`sha-${round}`, 40);
      const event = (id: string, tag: string, digest: string): RegistryEvent => ({
        kind: 'push',
        id: `${id}-${hex(round, 8)}`,
        timestamp: '2026-12-01T09:59:59.000Z',
        registry: 'localhost:5000',
        repository: 'myapp',
        digest,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        tag,
      });
      const moved = digestOf(`moved-${round}`);
      registry.setTag('myapp', 'dev-latest', moved);
      return [
        event('build', `git-${sha.slice(0, 7)}`, digestOf(`build-${round}`)),
        event('stage', 'dev-latest', moved),
      ];
    };
    const cost = async (round: string) => {
      counter.reset();
      const reports = await handleRegistryEvents(delivery(round), deps);
      expect(reports.map((r) => r.result.outcome)).toEqual(['recorded', 'drift']);
      return { requests: [...counter.requests], sent: counter.sent, received: counter.received };
    };

    await cost('warm-up'); // creates the tables and lists the repository
    const atZero = await cost('zero');
    const pushes: BuildPush[] = Array.from({ length: PRIOR_BUILDS }, (_, i) => {
      const sha = hex(`prior-${i}`, 40);
      return {
        eventId: `prior-${i}`,
        repository: 'myapp',
        digest: digestOf(`prior-${i}`),
        gitSha: sha,
        tag: `git-${sha.slice(0, 7)}`,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        registry: 'localhost:5000',
        at: new Date(Date.UTC(2026, 10, 1) + i * 60_000),
      };
    });
    await seedBuildRows(
      createTablesClient({ connectionString: connectionString(), tableName: tables.builds }),
      pushes,
    );
    expect((await deps.ledger.listBuilds('myapp', { limit: 1000 })).builds.length).toBe(
      PRIOR_BUILDS + 2,
    );
    const atPrior = await cost('prior');

    expect(atPrior.requests).toEqual(atZero.requests);
    // Same shapes of rows either way; only ETags and times may differ by a few characters.
    expect(Math.abs(atPrior.sent - atZero.sent)).toBeLessThanOrEqual(64);
    expect(Math.abs(atPrior.received - atZero.received)).toBeLessThanOrEqual(64);
  });
});
