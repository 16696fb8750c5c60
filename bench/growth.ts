import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'node:http';
import path from 'node:path';
import { createTablesClient } from '../src/adapters/tables/tablesClient.js';
import { partitionKeyOf } from '../src/adapters/tables/tablesKeys.js';
import { STATE_ROW_KEY } from '../src/adapters/tables/tablesPromotionKeys.js';
import { promotionsTableName } from '../src/composition/azureClients.js';
import type { OutcomeEvent } from '../src/domain/outcomeEvent.js';
import { startLocalHost, type LocalHost } from '../src/local/host.js';
import { azuriteConnectionString } from '../src/local/services/azurite.js';
import { freePort } from '../src/local/services/tcpPorts.js';
import { postApproval, waitForOutcome } from './api.js';
import { azuriteEstimate, probeAzurite, requestMix, type RequestMix } from './azuriteProbe.js';
import { withStore } from './azuriteStore.js';
import { measureWebhookGrowth } from './growthWebhook.js';
import type { GrowthOptions, GrowthResult, SizeFigures } from './growthReport.js';
import { formatGrowth, growthOptions } from './growthReport.js';
import { seededPromotions } from './growthSeed.js';
import { prepareImages, pushImage, type BenchImage } from './images.js';
import { RegistryProbe } from './registryHttp.js';
import { promotionSeedActions } from './seedRows.js';
import { BENCH_REDELIVERY, TROUBLE, type BenchStack } from './stack.js';
import { postWebhook, pushEvent } from './webhook.js';
import { benchProgress, invokedDirectly, runStandalone } from './standalone.js';

/*
 * The growth table: what one approval costs in a repository with 0, 1,000 and 10,000 prior
 * promotions, and what recording a push costs with 0 and 10,000 builds. Part of `npm run bench`;
 * runs alone with `npx tsx bench/growth.ts`. Each size gets an Azurite of its own, its history
 * loaded by `azuriteStore.ts`, and a function host in this process on it behind a counting
 * proxy, which also notes how long each run waits on Azurite; Azurite's own time for each kind
 * of ledger request is probed on the same partition (`azuriteProbe.ts`) as a cross-check.
 */

export { formatGrowth, growthOptions } from './growthReport.js';

const PREFIX = 'bench';
const OUTCOME_TIMEOUT_MS = 120_000;
const IDLE_MS = 3000;
const QUIET_MS = 300;
const SETTLE_TIMEOUT_MS = 10_000;

/** This process's CPU time per second of wall time while no approval runs, ms/s. */
async function idleCpuRate(): Promise<number> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await sleep(IDLE_MS);
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / (performance.now() - started);
}

/**
 * Measures the growth table on `stack` (its registry; the ledgers are Azurites of their own).
 * At each size a new store holds the repository's prior promotions; a host on it, behind the
 * store's counting proxy, gets two warm-up builds and approvals; this process's idle CPU rate
 * is taken; then `runs` approvals are measured, each of a new build (pushed and promoted to
 * dev first, untimed): wall time, process.cpuUsage (the hosts run in this process, Azurite and
 * the registry do not), ledger requests, bytes and Azurite's wait; then Azurite is probed on
 * the partition. Then the same for a record-only host's push events at 0 and `builds` builds.
 */
export async function measureGrowth(
  stack: BenchStack,
  options: GrowthOptions,
  onProgress: (line: string) => void,
): Promise<GrowthResult> {
  const { registry } = stack;
  const suffix = randomBytes(3).toString('hex');
  const repository = `growth-${suffix}`;
  const failures: string[] = [];
  const probe = new RegistryProbe(Number(registry.host.split(':').at(-1)), stack.ca);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const log = (line: string) => {
    if (TROUBLE.test(line) && failures.length < 50) failures.push(line);
  };
  const hostOn = async (connectionString: string, extra: Record<string, string> = {}) =>
    startLocalHost({
      port: await freePort(),
      env: {
        PROMOTER_RECONCILE_ENABLED: 'false',
        PROMOTER_TABLES_CONNECTION_STRING: connectionString,
        PROMOTER_TABLE_PREFIX: PREFIX,
        PROMOTER_WEBHOOK_SECRET: stack.secret,
        PROMOTER_APPROVALS_HMAC_SECRET: stack.approvalsSecret,
        PROMOTER_REGISTRY: registry.host,
        ...extra,
      },
      redelivery: BENCH_REDELIVERY,
      log,
    });
  try {
    // Each approval is of a build of its own, as in real use. Images are pushed under a
    // non-build tag (the registry's notification to the stack's host changes nothing); the
    // measured host gets a push event for each and promotes it to dev.
    const images = await prepareImages(
      path.join(stack.stateDir, 'growth-images'),
      options.sizes.length * (2 + options.runs),
    );
    const newBuild = async (on: LocalHost): Promise<BenchImage> => {
      const image = images.shift();
      if (!image) throw new Error('out of growth images');
      await pushImage(image, `${registry.host}/${repository}:plain`, registry.certDir);
      const event = pushEvent(registry.host, repository, image.digest, image.sha, false);
      const answer = await postWebhook(agent, on.port, stack.secret, event);
      if (answer.status !== 200) throw new Error(`webhook → ${answer.status}: ${answer.text}`);
      const isDev = (e: OutcomeEvent) => e.stage === 'dev' && e.digest === image.digest;
      const dev = await waitForOutcome(on, repository, isDev, OUTCOME_TIMEOUT_MS);
      if (dev.outcome !== 'promoted')
        throw new Error(`dev promotion ${dev.outcome}: ${dev.reason ?? ''}`);
      await on.queue.idle();
      await settle();
      return image;
    };
    // The registry notifies the stack's own host of every push and pull (the rc tag's copy
    // included), and that host runs in this process. Its notifications are let settle (none
    // for QUIET_MS, its queue idle) before each approval and after it, before its CPU is read:
    // so each approval's CPU window holds the handling of what it caused at every size (at
    // 10,000 a notification arrives while the approval still waits on Azurite; at 0, after).
    const settle = async () => {
      const deadline = Date.now() + SETTLE_TIMEOUT_MS;
      let seen = stack.counts.webhookCalls;
      let quietSince = Date.now();
      while (Date.now() - quietSince < QUIET_MS && Date.now() < deadline) {
        await sleep(10);
        if (stack.counts.webhookCalls !== seen) {
          seen = stack.counts.webhookCalls;
          quietSince = Date.now();
        }
      }
      await stack.host.queue.idle();
    };
    let version = 0;
    const approve = async (on: LocalHost, digest: string) => {
      const v = `3.0.${version++}`;
      const id = await postApproval(on, stack.approvalsSecret, {
        repository,
        digest,
        stage: 'rc',
        version: v,
      });
      await on.queue.idle();
      return { id, tag: `${v}-rc1` };
    };
    const check = async (on: LocalHost, id: string, tag: string, digest: string) => {
      const outcome = on.outcomes.list({ repository }).find((e) => e.messageId === id);
      if (outcome?.outcome !== 'promoted')
        failures.push(`${tag}: ${outcome?.outcome ?? 'no outcome'} ${outcome?.reason ?? ''}`);
      else await probe.waitForDigest(repository, tag, digest, { intervalMs: 5 });
    };

    const sizes: SizeFigures[] = [];
    for (const size of options.sizes) {
      onProgress(`  growth: loading ${size} prior promotions into an Azurite of their own`);
      const actions = promotionSeedActions(repository, seededPromotions(repository, size));
      const tables = new Map([[promotionsTableName(PREFIX), actions]]);
      const dir = path.join(stack.stateDir, `growth-${size}`);
      const figures = await withStore(
        dir,
        tables,
        onProgress,
        async ({ connectionString, proxy, seedMs }) => {
          const host = await hostOn(azuriteConnectionString(proxy.port));
          try {
            for (let i = 0; i < 2; i++) {
              const { digest } = await newBuild(host);
              const { id, tag } = await approve(host, digest);
              await check(host, id, tag, digest);
            }
            const idle = await idleCpuRate();
            const runs = {
              approvalMs: [] as number[],
              cpuMs: [] as number[],
              cpuWallMs: [] as number[],
              requests: [] as number[],
              sent: [] as number[],
              received: [] as number[],
              waitedMs: [] as number[],
              mixes: [] as RequestMix[],
            };
            onProgress(`  growth: ${options.runs} approvals at ${size} prior promotions`);
            for (let i = 0; i < options.runs; i++) {
              const { digest } = await newBuild(host);
              const mark = proxy.mark();
              const cpu = process.cpuUsage();
              const started = performance.now();
              const { id, tag } = await approve(host, digest);
              runs.approvalMs.push(performance.now() - started);
              await settle();
              const used = process.cpuUsage(cpu);
              runs.cpuMs.push((used.user + used.system) / 1000);
              runs.cpuWallMs.push(performance.now() - started);
              runs.requests.push(proxy.since(mark).length);
              const bytes = proxy.bytesSince(mark);
              runs.sent.push(bytes.sent);
              runs.received.push(bytes.received);
              runs.waitedMs.push(proxy.waitedSince(mark));
              runs.mixes.push(
                requestMix(proxy.since(mark), proxy.transactionsSince(mark), 'promotions'),
              );
              await check(host, id, tag, digest);
            }
            onProgress(`  growth: timing Azurite's own requests at ${size} prior promotions`);
            const client = createTablesClient({
              connectionString,
              tableName: promotionsTableName(PREFIX),
              requestTimeoutInMs: 120_000,
            });
            const azurite = await probeAzurite(
              client,
              partitionKeyOf(repository),
              STATE_ROW_KEY,
              runs.mixes.flatMap((m) => m.transactions),
            );
            return {
              size,
              ...runs,
              idleCpuMsPerS: idle,
              azurite,
              azuriteMs: runs.mixes.map((m) => azuriteEstimate(m, azurite)),
              seedMs,
            };
          } finally {
            await host.close();
          }
        },
      );
      sizes.push(figures);
    }

    const webhook = await measureWebhookGrowth(stack, options, {
      agent,
      hostOn,
      failures,
      onProgress,
      suffix,
    });
    return { repository, sizes, webhook, failures };
  } finally {
    agent.destroy();
    probe.close();
  }
}

if (invokedDirectly(import.meta.url)) {
  const options = growthOptions();
  await runStandalone('growth bench', async (stack) => {
    const began = performance.now();
    const result = await measureGrowth(stack, options, benchProgress);
    console.log(formatGrowth(result));
    const json = process.env.BENCH_GROWTH_JSON;
    if (json)
      await writeFile(
        json,
        JSON.stringify(result, (_, v: unknown): unknown =>
          v instanceof Map ? Object.fromEntries(v) : v,
        ),
      );
    benchProgress(`growth took ${((performance.now() - began) / 1000).toFixed(0)} s`);
  });
}
