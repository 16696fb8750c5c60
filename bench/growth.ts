import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createTablesClient } from '../src/adapters/tables/tablesClient.js';
import { partitionKeyOf } from '../src/adapters/tables/tablesKeys.js';
import { STATE_ROW_KEY } from '../src/adapters/tables/tablesPromotionKeys.js';
import { promotionsTableName } from '../src/composition/azureClients.js';
import type { OutcomeEvent } from '../src/domain/outcomeEvent.js';
import { startLocalHost, type LocalHost } from '../src/local/host.js';
import { azuriteConnectionString } from '../src/local/services/azurite.js';
import { freePort } from '../src/local/services/tcpPorts.js';
import { postApproval, waitForOutcome } from './api.js';
import { azuriteEstimate, probeAzurite, requestMix } from './azuriteProbe.js';
import { withStore } from './azuriteStore.js';
import { measureWebhookGrowth } from './growthWebhook.js';
import type { GrowthOptions, GrowthResult, SizeFigures } from './growthReport.js';
import { formatGrowth, growthOptions } from './growthReport.js';
import { seededPromotions } from './growthSeed.js';
import { prepareImages, pushImage, type BenchImage } from './images.js';
import { RegistryProbe } from './registryHttp.js';
import { promotionSeedActions } from './seedRows.js';
import { BENCH_REDELIVERY, startBenchStack, TROUBLE, type BenchStack } from './stack.js';
import { postWebhook, pushEvent } from './webhook.js';

/*
 * The growth table: what one approval costs in a repository with 0, 1,000 and 10,000 prior
 * promotions, and what recording a push costs with 0 and 10,000 builds. Part of `npm run bench`;
 * runs alone with `npx tsx bench/growth.ts`. Each size gets an Azurite of its own, its history
 * loaded by `azuriteStore.ts`, and two function hosts in this process on it: one timed, one
 * behind a counting proxy. Azurite's own time for each kind of ledger request is probed on the
 * same partition at each size (`azuriteProbe.ts`), so that its growth can be subtracted.
 */

export { formatGrowth, growthOptions } from './growthReport.js';

const PREFIX = 'bench';
const OUTCOME_TIMEOUT_MS = 120_000;

/**
 * Measures the growth table on `stack` (its registry; the ledgers are Azurites of their own).
 * At each size a new store holds the repository's prior promotions; a timed host and a
 * counting host on it each get a warm-up build and approval; then `runs` approvals are timed
 * (each of a new build, pushed and promoted to dev first, with process.cpuUsage around it:
 * the hosts run in this process, Azurite and the registry do not), `countedRuns` more go
 * through the counting host, and Azurite is probed on the partition. Then a record-only host
 * takes `runs` new push events at 0 builds and at `builds` builds, behind its counting proxy.
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
      options.sizes.length * (2 + options.runs + options.countedRuns),
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
      return image;
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
      const figures = await withStore(dir, tables, async ({ connectionString, proxy, seedMs }) => {
        const timedHost = await hostOn(connectionString);
        const countingHost = await hostOn(azuriteConnectionString(proxy.port)).catch(
          async (error: unknown) => {
            await timedHost.close();
            throw error;
          },
        );
        try {
          for (const on of [timedHost, countingHost]) {
            const { digest } = await newBuild(on);
            const { id, tag } = await approve(on, digest);
            await check(on, id, tag, digest);
          }
          const approvalMs: number[] = [];
          const cpuMs: number[] = [];
          onProgress(`  growth: ${options.runs} approvals at ${size} prior promotions`);
          for (let i = 0; i < options.runs; i++) {
            const { digest } = await newBuild(timedHost);
            const cpu = process.cpuUsage();
            const started = performance.now();
            const { id, tag } = await approve(timedHost, digest);
            approvalMs.push(performance.now() - started);
            const used = process.cpuUsage(cpu);
            cpuMs.push((used.user + used.system) / 1000);
            await check(timedHost, id, tag, digest);
          }
          const counted = {
            requests: [] as number[],
            sent: [] as number[],
            received: [] as number[],
          };
          const mixes = [];
          for (let i = 0; i < options.countedRuns; i++) {
            const { digest } = await newBuild(countingHost);
            const mark = proxy.mark();
            const { id, tag } = await approve(countingHost, digest);
            counted.requests.push(proxy.since(mark).length);
            const bytes = proxy.bytesSince(mark);
            counted.sent.push(bytes.sent);
            counted.received.push(bytes.received);
            mixes.push(requestMix(proxy.since(mark), proxy.transactionsSince(mark), 'promotions'));
            await check(countingHost, id, tag, digest);
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
            mixes.flatMap((m) => m.transactions),
          );
          return {
            size,
            approvalMs,
            cpuMs,
            ...counted,
            mixes,
            azurite,
            azuriteMs: mixes.map((m) => azuriteEstimate(m, azurite)),
            seedMs,
          };
        } finally {
          await countingHost.close();
          await timedHost.close();
        }
      });
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

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  const progress = (line: string) => {
    console.error(`bench: ${line}`);
  };
  const options = growthOptions();
  progress('starting Azurite, the registry and the hosts');
  const stack = await startBenchStack();
  const began = performance.now();
  try {
    console.log(formatGrowth(await measureGrowth(stack, options, progress)));
    progress(`growth took ${((performance.now() - began) / 1000).toFixed(0)} s`);
  } catch (error) {
    console.error(
      `growth bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exitCode = 1;
  } finally {
    await stack.stop();
  }
}
