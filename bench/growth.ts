import type { TableClient } from '@azure/data-tables';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createTablesBuildLedger } from '../src/adapters/tables/tablesBuildLedger.js';
import { createTablesClient } from '../src/adapters/tables/tablesClient.js';
import { createTablesPromotionLedger } from '../src/adapters/tables/tablesPromotionLedger.js';
import { buildsTableName, promotionsTableName } from '../src/composition/azureClients.js';
import type { OutcomeEvent } from '../src/domain/outcomeEvent.js';
import type { Promotion } from '../src/domain/promotion.js';
import { startLocalHost, type LocalHost } from '../src/local/host.js';
import { azuriteConnectionString } from '../src/local/services/azurite.js';
import { freePort } from '../src/local/services/tcpPorts.js';
import { postApproval, waitForOutcome } from './api.js';
import { CountingProxy } from './countingProxy.js';
import { prepareImages, pushImage } from './images.js';
import { RegistryProbe } from './registryHttp.js';
import { ms, quantile, table } from './stats.js';
import { startBenchStack, type BenchStack } from './stack.js';
import { postWebhook, pushEvent } from './webhook.js';
import { seedBuildRows, seedPromotionRows } from './seedRows.js';

/*
 * The growth table: what one approval costs in a repository with 0, 1,000 and 10,000 prior
 * promotions, and what recording a push costs with 0 and 10,000 builds. Part of `npm run bench`;
 * runs alone with `npx tsx bench/growth.ts`.
 */

/** How much history, how many runs. */
export interface GrowthOptions {
  /** Prior promotions in the repository at each step, ascending (default 0, 1000, 10000). */
  readonly sizes: readonly number[];
  /** Timed approvals (and webhook calls) at each size. */
  readonly runs: number;
  /** Approvals through the counting proxy at each size (requests and bytes). */
  readonly countedRuns: number;
  /** Builds recorded before the webhook's second measurement. */
  readonly builds: number;
  readonly concurrency: number;
}

/** The figures of one size. */
export interface SizeFigures {
  readonly size: number;
  /** POST /api/approvals → the promotion handled (rc tag written, outcome recorded), ms. */
  readonly approvalMs: number[];
  /** process.cpuUsage (user + system) over the same window, ms. */
  readonly cpuMs: number[];
  /** Ledger requests, body bytes sent and received, per counted approval. */
  readonly requests: number[];
  readonly sent: number[];
  readonly received: number[];
  /** Azurite's own time for one point read in the repository's partition, ms. */
  readonly pointReadMs: number[];
  /** Time to seed this step's promotions. */
  readonly seedMs: number;
}

/** The webhook at one number of builds. */
export interface WebhookFigures {
  readonly builds: number;
  readonly recordMs: number[];
  readonly requests: number[];
  readonly sent: number[];
  readonly received: number[];
  readonly pointReadMs: number[];
  readonly seedMs: number;
}

export interface GrowthResult {
  readonly repository: string;
  readonly sizes: SizeFigures[];
  readonly webhook: WebhookFigures[];
  readonly failures: string[];
}

const POINT_READS = 20;
const RECORD_ONLY = {
  stages: [
    { name: 'dev', tag: 'dev-latest', immutable: false, approval: { required: 1 } },
    { name: 'rc', tag: '{version}-rc{n}', immutable: true, approval: { required: 1 } },
  ],
};

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const digestOf = () => `sha256:${randomBytes(32).toString('hex')}`;
const median = (values: readonly number[]) => quantile(values, 0.5);
const p95 = (values: readonly number[]) => quantile(values, 0.95);

/**
 * Seeds promotions [from, to) of `repository` as handled approvals leave them: a promoted rc
 * promotion with its tag and counter, and its outcome in the history; written straight into
 * the partition (see seedRows.ts).
 */
async function seedPromotions(
  client: TableClient,
  repository: string,
  from: number,
  to: number,
): Promise<void> {
  const at = (k: number) => new Date(Date.UTC(2020, 0, 1) + k * 60_000).toISOString();
  const seeded = Array.from({ length: to - from }, (_, j) => {
    const k = from + j;
    const promotion: Promotion = {
      repository,
      stage: 'rc',
      digest: digestOf(),
      version: `0.${k}.0`,
      status: 'promoted',
      tags: [`0.${k}.0-rc1`],
      n: 1,
      approvals: [
        {
          approverId: 'seed',
          decision: 'approve',
          at: at(k),
          messageId: `seed-${k}`,
          source: 'bench',
        },
      ],
      createdAt: at(k),
      updatedAt: at(k),
      promotedAt: at(k),
    };
    const outcome: OutcomeEvent = {
      type: 'promotion.outcome',
      id: `seed-outcome-${k}`,
      outcome: 'promoted',
      repository,
      stage: promotion.stage,
      version: promotion.version,
      digest: promotion.digest,
      tags: promotion.tags,
      approvals: promotion.approvals,
      required: 1,
      messageId: `seed-${k}`,
      at: at(k),
    };
    return { promotion, outcome };
  });
  await seedPromotionRows(client, repository, seeded);
}

/** `count` point reads timed one by one, in milliseconds. */
async function pointReads(read: () => Promise<unknown>, count = POINT_READS): Promise<number[]> {
  await read();
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await read();
    times.push(performance.now() - started);
  }
  return times;
}

/** The port Azurite listens on, from the stack's connection string. */
function tablesPort(connectionString: string): number {
  const port = /TableEndpoint=https?:\/\/[^:/]+:(\d+)/.exec(connectionString)?.[1];
  if (port === undefined) throw new Error('no TableEndpoint port in the connection string');
  return Number(port);
}

/**
 * Measures the growth table on `stack`: one repository on the notified host's tables gets one
 * real build (pushed, promoted to dev), then at each size its prior promotions are seeded
 * through the ledger port and `runs` approvals are timed on the notified host (with
 * process.cpuUsage around each: the hosts run in this process, Azurite and the registry do
 * not), `countedRuns` more go through the counting host, and Azurite's own point read on the
 * partition is timed. Then a record-only host behind a counting proxy of its own takes `runs`
 * new push events at 0 builds and again after `builds` are recorded in the repository.
 */
export async function measureGrowth(
  stack: BenchStack,
  options: GrowthOptions,
  onProgress: (line: string) => void,
): Promise<GrowthResult> {
  const { host, registry } = stack;
  const suffix = randomBytes(3).toString('hex');
  const repository = `growth-${suffix}`;
  const failures: string[] = [];
  const port = Number(registry.host.split(':').at(-1));
  const probe = new RegistryProbe(port, stack.ca);
  const client = (prefix: string, table: (p: string) => string) =>
    createTablesClient({
      connectionString: stack.tablesConnectionString,
      tableName: table(prefix),
      requestTimeoutInMs: 60_000,
    });
  const promotionsClient = client('bench', promotionsTableName);
  const ledger = createTablesPromotionLedger({ client: promotionsClient });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let growthHost: LocalHost | undefined;
  let growthProxy: CountingProxy | undefined;
  try {
    // Each approval is of a build of its own, as in real use: promotions of one digest do not
    // pile up across runs. Images are pushed under a non-build tag (the registry's notification
    // changes nothing); the notified host gets a push event for each and promotes it to dev.
    const images = await prepareImages(
      path.join(stack.stateDir, 'growth-images'),
      2 + options.sizes.length * (options.runs + options.countedRuns),
    );
    let nextImage = 0;
    const newBuild = async () => {
      const image = images[nextImage++];
      if (!image) throw new Error('out of growth images');
      await pushImage(image, `${registry.host}/${repository}:plain`, registry.certDir);
      const event = pushEvent(registry.host, repository, image.digest, image.sha, false);
      const answer = await postWebhook(agent, host.port, stack.secret, event);
      if (answer.status !== 200) throw new Error(`webhook → ${answer.status}: ${answer.text}`);
      const dev = await waitForOutcome(
        host,
        repository,
        (e) => e.stage === 'dev' && e.digest === image.digest,
      );
      if (dev.outcome !== 'promoted')
        throw new Error(`dev promotion ${dev.outcome}: ${dev.reason ?? ''}`);
      await host.queue.idle();
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
    // Warm-up: the first approvals on each host build its services and look up the tables.
    for (const on of [host, stack.countingHost]) {
      const { digest } = await newBuild();
      const { id, tag } = await approve(on, digest);
      await check(on, id, tag, digest);
    }

    const sizes: SizeFigures[] = [];
    let seeded = 0;
    for (const size of options.sizes) {
      const seedStarted = performance.now();
      if (size > seeded) {
        onProgress(`  growth: seeding promotions ${seeded}–${size}`);
        await seedPromotions(promotionsClient, repository, seeded, size);
        onProgress(
          `  growth: seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`,
        );
        seeded = size;
      }
      const seedMs = performance.now() - seedStarted;
      const figures: SizeFigures = {
        size,
        approvalMs: [],
        cpuMs: [],
        requests: [],
        sent: [],
        received: [],
        pointReadMs: await pointReads(() => ledger.getRepositoryState(repository)),
        seedMs,
      };
      onProgress(`  growth: ${options.runs} approvals at ${size} prior promotions`);
      for (let i = 0; i < options.runs; i++) {
        const { digest } = await newBuild();
        const cpu = process.cpuUsage();
        const started = performance.now();
        const { id, tag } = await approve(host, digest);
        figures.approvalMs.push(performance.now() - started);
        const used = process.cpuUsage(cpu);
        figures.cpuMs.push((used.user + used.system) / 1000);
        await check(host, id, tag, digest);
      }
      const proxy = stack.ledgerProxy;
      for (let i = 0; i < options.countedRuns; i++) {
        const { digest } = await newBuild();
        const mark = proxy.mark();
        const { id, tag } = await approve(stack.countingHost, digest);
        figures.requests.push(proxy.since(mark).length);
        const bytes = proxy.bytesSince(mark);
        figures.sent.push(bytes.sent);
        figures.received.push(bytes.received);
        await check(stack.countingHost, id, tag, digest);
      }
      sizes.push(figures);
      onProgress(
        `  growth: at ${size}: approval p50 ${ms(median(figures.approvalMs))} ms, p95 ${ms(p95(figures.approvalMs))} ms, CPU ${ms(median(figures.cpuMs))} ms, ${median(figures.requests)} requests, ${kb(median(figures.received))} KB read, ${kb(median(figures.sent))} KB written, Azurite point read ${ms(median(figures.pointReadMs))} ms`,
      );
    }

    // The webhook: a record-only host of its own, behind a counting proxy of its own.
    growthProxy = await CountingProxy.start(tablesPort(stack.tablesConnectionString));
    const pipelineFile = path.join(stack.stateDir, 'growth.pipeline.json');
    writeFileSync(pipelineFile, JSON.stringify(RECORD_ONLY));
    const prefix = 'benchgrowth';
    growthHost = await startLocalHost({
      port: await freePort(),
      env: {
        PROMOTER_RECONCILE_ENABLED: 'false',
        PROMOTER_TABLES_CONNECTION_STRING: azuriteConnectionString(growthProxy.port),
        PROMOTER_TABLE_PREFIX: prefix,
        PROMOTER_WEBHOOK_SECRET: stack.secret,
        PROMOTER_APPROVALS_HMAC_SECRET: stack.approvalsSecret,
        PROMOTER_REGISTRY: registry.host,
        PROMOTER_PIPELINE_FILE: pipelineFile,
      },
      log: () => undefined,
    });
    const buildsClient = client(prefix, buildsTableName);
    const builds = createTablesBuildLedger({ client: buildsClient });
    const hookRepository = `growth-hook-${suffix}`;
    const knownDigest = digestOf();
    const knownSha = randomBytes(20).toString('hex');
    const record = async (sha: string, digest: string) => {
      const body = pushEvent(registry.host, hookRepository, digest, sha, false);
      const started = performance.now();
      const hook = await postWebhook(agent, growthHost?.port ?? 0, stack.secret, body);
      const took = performance.now() - started;
      if (hook.status !== 200) failures.push(`webhook → ${hook.status}: ${hook.text}`);
      return took;
    };
    await record(knownSha, knownDigest); // warm-up, and a build to read back
    const webhook: WebhookFigures[] = [];
    for (const count of [0, options.builds]) {
      const seedStarted = performance.now();
      if (count > 0) {
        onProgress(`  growth: seeding ${count} builds`);
        const before = Date.now() - 1000;
        await seedBuildRows(
          buildsClient,
          Array.from({ length: count }, (_, i) => {
            const sha = randomBytes(20).toString('hex');
            return {
              eventId: `growth-seed-${suffix}-${i}`,
              repository: hookRepository,
              digest: digestOf(),
              gitSha: sha,
              tag: `git-${sha}`,
              mediaType: 'application/vnd.oci.image.manifest.v1+json',
              registry: registry.host,
              at: new Date(before - (count - i) * 1000),
            };
          }),
        );
        onProgress(
          `  growth: seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`,
        );
      }
      const figures: WebhookFigures = {
        builds: count,
        recordMs: [],
        requests: [],
        sent: [],
        received: [],
        pointReadMs: await pointReads(() => builds.getBuildByDigest(hookRepository, knownDigest)),
        seedMs: performance.now() - seedStarted,
      };
      onProgress(`  growth: ${options.runs} webhook records at ${count} builds`);
      for (let i = 0; i < options.runs; i++) {
        const mark = growthProxy.mark();
        figures.recordMs.push(await record(randomBytes(20).toString('hex'), digestOf()));
        figures.requests.push(growthProxy.since(mark).length);
        const bytes = growthProxy.bytesSince(mark);
        figures.sent.push(bytes.sent);
        figures.received.push(bytes.received);
      }
      webhook.push(figures);
    }
    return { repository, sizes, webhook, failures };
  } finally {
    agent.destroy();
    probe.close();
    await growthHost?.close();
    await growthProxy?.close();
  }
}

const verdict = (met: boolean) => (met ? 'met' : 'NOT met');

/** The growth section of the report, with its targets. */
export function formatGrowth(result: GrowthResult): string {
  const [base] = result.sizes;
  const last = result.sizes.at(-1);
  const lines = [
    `7. Growth: one repository (${result.repository}) at ${result.sizes.map((s) => s.size).join(', ')} prior promotions`,
    '',
    table([
      [
        'prior promotions',
        'approval → tag p50 ms',
        'p95 ms',
        'Azurite point read ms',
        'ledger requests',
        'KB read',
        'KB written',
        'CPU ms',
        'seeded in s',
      ],
      ...result.sizes.map((s) => [
        String(s.size),
        ms(median(s.approvalMs)),
        ms(p95(s.approvalMs)),
        ms(median(s.pointReadMs)),
        String(median(s.requests)),
        kb(median(s.received)),
        kb(median(s.sent)),
        ms(median(s.cpuMs)),
        (s.seedMs / 1000).toFixed(1),
      ]),
    ]),
    '',
    'approval → tag: POST /api/approvals until the promotion is handled (rc tag written, outcome',
    'recorded); ledger requests and bytes (bodies) per approval through the counting host; CPU:',
    "process.cpuUsage (user + system) of this process, which runs the hosts; Azurite's point read",
    'is getRepositoryState on the same partition, median; all per approval, medians.',
    '',
    table([
      [
        'builds in the repository',
        'record p50 ms',
        'p95 ms',
        'Azurite point read ms',
        'ledger requests',
        'KB read',
        'KB written',
      ],
      ...result.webhook.map((w) => [
        String(w.builds),
        ms(median(w.recordMs)),
        ms(p95(w.recordMs)),
        ms(median(w.pointReadMs)),
        String(median(w.requests)),
        kb(median(w.received)),
        kb(median(w.sent)),
      ]),
    ]),
    '',
    'record: one new push event to a record-only host (its ledger behind a counting proxy) until',
    "its 200; Azurite's point read is getBuildByDigest in that partition.",
    '',
  ];
  if (base && last) {
    const sameRequests = result.sizes.every((s) => median(s.requests) === median(base.requests));
    const bytesOf = (s: SizeFigures) => median(s.sent) + median(s.received);
    const worstBytes = Math.max(...result.sizes.map((s) => bytesOf(s) / bytesOf(base)));
    const worstCpu = Math.max(...result.sizes.map((s) => median(s.cpuMs) / median(base.cpuMs)));
    // Azurite's own slowdown, once per ledger request of an approval, is not promoter's.
    const azuriteGrowth =
      Math.max(0, median(last.pointReadMs) - median(base.pointReadMs)) * median(last.requests);
    const adjusted = p95(last.approvalMs) - azuriteGrowth;
    const latencyRatio = adjusted / p95(base.approvalMs);
    lines.push(
      `target ledger requests per approval equal at every size: ${verdict(sameRequests)} (${result.sizes.map((s) => median(s.requests)).join(' / ')})`,
      `target ledger bytes per approval equal at every size (within 5 %): ${verdict(worstBytes <= 1.05)} (${result.sizes.map((s) => `${kb(bytesOf(s))} KB`).join(' / ')}; ${worstBytes.toFixed(2)}× size 0 at worst)`,
      `target CPU per approval within 1.2× of size 0: ${verdict(worstCpu <= 1.2)} (${worstCpu.toFixed(2)}× at worst)`,
      `target approval p95 at ${last.size} within 1.5× of p95 at ${base.size}, less Azurite's growth (${ms(azuriteGrowth)} ms = point-read growth × ${median(last.requests)} requests): ${verdict(latencyRatio <= 1.5)} (${ms(adjusted)} ms vs ${ms(p95(base.approvalMs))} ms, ${latencyRatio.toFixed(2)}×)`,
    );
  }
  const [hook0, hookN] = [result.webhook[0], result.webhook.at(-1)];
  if (hook0 && hookN && hookN !== hook0) {
    const growth =
      Math.max(0, median(hookN.pointReadMs) - median(hook0.pointReadMs)) * median(hookN.requests);
    const ratio = (p95(hookN.recordMs) - growth) / p95(hook0.recordMs);
    lines.push(
      `target webhook record p95 at ${hookN.builds} builds within 1.5× of 0, less Azurite's growth (${ms(growth)} ms): ${verdict(ratio <= 1.5)} (${ratio.toFixed(2)}×); requests ${median(hook0.requests)} / ${median(hookN.requests)}`,
    );
  }
  if (result.failures.length > 0)
    lines.push('problems:', ...result.failures.slice(0, 20).map((f) => `  ${f}`));
  return lines.join('\n');
}

const intSetting = (name: string, fallback: number, min: number): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be a whole number ≥ ${min}, not "${raw ?? ''}"`);
  return value;
};

/** The growth options from BENCH_GROWTH_* (and BENCH_BOARD_CONCURRENCY). */
export function growthOptions(): GrowthOptions {
  const raw = process.env.BENCH_GROWTH_SIZES ?? '0,1000,10000';
  const sizes = raw.split(',').map((s) => Number(s.trim()));
  if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.length === 0)
    throw new Error(`BENCH_GROWTH_SIZES must be whole numbers ≥ 0, comma-separated, not "${raw}"`);
  return {
    sizes: [...sizes].sort((a, b) => a - b),
    runs: intSetting('BENCH_GROWTH_RUNS', 20, 1),
    countedRuns: intSetting('BENCH_GROWTH_COUNTED_RUNS', 3, 1),
    builds: intSetting('BENCH_GROWTH_BUILDS', 10_000, 1),
    concurrency: intSetting('BENCH_BOARD_CONCURRENCY', 32, 1),
  };
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
  try {
    console.log(formatGrowth(await measureGrowth(stack, options, progress)));
  } catch (error) {
    console.error(
      `growth bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exitCode = 1;
  } finally {
    await stack.stop();
  }
}
