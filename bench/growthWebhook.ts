import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Agent } from 'node:http';
import path from 'node:path';
import { createTablesClient } from '../src/adapters/tables/tablesClient.js';
import { buildRowKey, partitionKeyOf } from '../src/adapters/tables/tablesKeys.js';
import { buildsTableName } from '../src/composition/azureClients.js';
import type { LocalHost } from '../src/local/host.js';
import { azuriteConnectionString } from '../src/local/services/azurite.js';
import { azuriteEstimate, probeAzurite, requestMix } from './azuriteProbe.js';
import { withStore } from './azuriteStore.js';
import type { GrowthOptions, WebhookFigures } from './growthReport.js';
import { digestOf, seededPushes } from './growthSeed.js';
import { buildSeedActions } from './seedRows.js';
import type { BenchStack } from './stack.js';
import { postWebhook, pushEvent } from './webhook.js';

/* The growth bench's webhook half: recording a push at 0 builds and at `builds` builds. */

const HOOK_PREFIX = 'benchgrowth';
const RECORD_ONLY = {
  stages: [
    { name: 'dev', tag: 'dev-latest', immutable: false, approval: { required: 1 } },
    { name: 'rc', tag: '{version}-rc{n}', immutable: true, approval: { required: 1 } },
  ],
};

/** What the approval half shares with this one. */
export interface GrowthContext {
  readonly agent: Agent;
  /** Starts a function host in this process on `connectionString`, with `extra` settings. */
  readonly hostOn: (connectionString: string, extra?: Record<string, string>) => Promise<LocalHost>;
  readonly failures: string[];
  readonly onProgress: (line: string) => void;
  readonly suffix: string;
}

/**
 * At 0 builds and at `options.builds`, each in an Azurite of its own holding that many first
 * pushes of one repository (the build ledger's own rows), a record-only host (its first stage
 * needs an approval, so a push enqueues nothing) behind the store's counting proxy takes
 * `options.runs` push events of new builds, timed until its 200; then Azurite is probed on the
 * partition.
 */
export async function measureWebhookGrowth(
  stack: BenchStack,
  options: GrowthOptions,
  { agent, hostOn, failures, onProgress, suffix }: GrowthContext,
): Promise<WebhookFigures[]> {
  const { registry } = stack;
  // The webhook: a record-only host behind the store's counting proxy, at 0 and N builds.
  const pipelineFile = path.join(stack.stateDir, 'growth.pipeline.json');
  await writeFile(pipelineFile, JSON.stringify(RECORD_ONLY));
  const hookRepository = `growth-hook-${suffix}`;
  const webhook: WebhookFigures[] = [];
  for (const builds of [0, options.builds]) {
    onProgress(`  growth: loading ${builds} builds into an Azurite of their own`);
    const actions = buildSeedActions(seededPushes(hookRepository, registry.host, builds));
    const tables = new Map([[buildsTableName(HOOK_PREFIX), actions]]);
    const dir = path.join(stack.stateDir, `growth-hook-${builds}`);
    const figures = await withStore(
      dir,
      tables,
      onProgress,
      async ({ connectionString, proxy, seedMs }) => {
        const hookHost = await hostOn(azuriteConnectionString(proxy.port), {
          PROMOTER_TABLE_PREFIX: HOOK_PREFIX,
          PROMOTER_PIPELINE_FILE: pipelineFile,
        });
        try {
          const record = async (digest: string) => {
            const sha = randomBytes(20).toString('hex');
            const body = pushEvent(registry.host, hookRepository, digest, sha, false);
            const started = performance.now();
            const hook = await postWebhook(agent, hookHost.port, stack.secret, body);
            const took = performance.now() - started;
            if (hook.status !== 200) failures.push(`webhook → ${hook.status}: ${hook.text}`);
            return took;
          };
          const knownDigest = digestOf();
          await record(knownDigest); // warm-up, and a build row to probe
          const result = { recordMs: [] as number[], requests: [] as number[] };
          const bytes = { sent: [] as number[], received: [] as number[] };
          const mixes = [];
          const waited: number[] = [];
          onProgress(`  growth: ${options.runs} webhook records at ${builds} builds`);
          for (let i = 0; i < options.runs; i++) {
            const mark = proxy.mark();
            result.recordMs.push(await record(digestOf()));
            result.requests.push(proxy.since(mark).length);
            const counted = proxy.bytesSince(mark);
            bytes.sent.push(counted.sent);
            bytes.received.push(counted.received);
            waited.push(proxy.waitedSince(mark));
            mixes.push(
              requestMix(proxy.since(mark), proxy.transactionsSince(mark), 'growthbuilds'),
            );
          }
          const client = createTablesClient({
            connectionString,
            tableName: buildsTableName(HOOK_PREFIX),
            requestTimeoutInMs: 120_000,
          });
          const azurite = await probeAzurite(
            client,
            partitionKeyOf(hookRepository),
            buildRowKey(knownDigest),
            mixes.flatMap((m) => m.transactions),
          );
          return {
            builds,
            ...result,
            ...bytes,
            mixes,
            waitedMs: waited,
            azurite,
            azuriteMs: mixes.map((m) => azuriteEstimate(m, azurite)),
            seedMs,
          };
        } finally {
          await hookHost.close();
        }
      },
    );
    webhook.push(figures);
  }
  return webhook;
}
