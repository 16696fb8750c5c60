import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createAcrRegistry } from '../src/adapters/acr/acrRegistry.js';
import { createTablesBuildLedger } from '../src/adapters/tables/tablesBuildLedger.js';
import { createTablesClient } from '../src/adapters/tables/tablesClient.js';
import { createTablesPromotionLedger } from '../src/adapters/tables/tablesPromotionLedger.js';
import { buildsTableName, promotionsTableName } from '../src/composition/azureClients.js';
import { createServices } from '../src/composition/createServices.js';
import { DEFAULT_RECONCILE_SCHEDULE } from '../src/domain/timerSchedule.js';
import type { RawManifest } from '../src/ports/registry.js';
import { runReconcile } from '../src/functions/reconcileTimer.js';
import { startLocalHost } from '../src/local/host.js';
import { azuriteConnectionString } from '../src/local/services/azurite.js';
import { freePort } from '../src/local/services/tcpPorts.js';
import { CountingProxy } from './countingProxy.js';
import { prepareImages, pushImage } from './images.js';
import { startDroppingProxy, startRegistryLike } from './lossyRegistry.js';
import type { BenchStack } from './stack.js';

/**
 * The reconciler's figures (`npm run bench`, last section):
 * - builds recovered and lost when 30% of webhook deliveries are lost (a proxy answers 200 and
 *   forwards nothing, as an unanswered ACR event is lost), after one reconcile;
 * - the cost of a run over REPOSITORIES × TAGS build tags on the distribution registry, with no
 *   change and with 10 changes: requests counted at the ports, ledger requests seen by Azurite,
 *   and milliseconds; ACR's watermark path (tags listed newest first, stopping at the last
 *   run's mark) cannot be measured here, there being no ACR;
 * - the time from a lost push to its record under the default schedule, computed from the
 *   schedule and the measured run time (not measured end to end).
 */

const intSetting = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number ≥ 1`);
  return value;
};

const LOSSY_BUILDS = intSetting('BENCH_RECONCILE_LOSSY_BUILDS', 30);
const REPOSITORIES = intSetting('BENCH_RECONCILE_REPOSITORIES', 100);
const TAGS = intSetting('BENCH_RECONCILE_TAGS', 100);
const CHANGES = 10;

const RECORD_ONLY_PIPELINE = {
  stages: [{ name: 'dev', tag: 'dev-latest', immutable: false, approval: { required: 1 } }],
};

const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const shaOf = (text: string) => createHash('sha1').update(text).digest('hex');

/** Runs `work` over `items`, `concurrency` at a time. */
async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < items.length; i = next++) await work(items[i] as T);
    }),
  );
}

/** Polls until `check` holds, or throws after `timeoutMs`. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function lossyDeliveries(stack: BenchStack, progress: (line: string) => void) {
  const repository = 'bench-lossy';
  const images = await prepareImages(path.join(stack.stateDir, 'reconcile-lossy'), LOSSY_BUILDS);
  // Deterministic: the 1st, 4th and 7th build of every ten lose their delivery.
  const lost = new Set(images.filter((_, i) => [0, 3, 6].includes(i % 10)).map((i) => i.sha));
  const proxy = await startDroppingProxy((tag) => lost.has(tag.replace(/^git-/, '')));
  const registry = await startRegistryLike(
    stack.registry.certFile,
    path.join(stack.stateDir, 'reconcile-lossy-registry'),
    { url: proxy.url, secret: stack.secret },
  );
  const host = await startLocalHost({
    port: await freePort(),
    env: {
      PROMOTER_TABLES_CONNECTION_STRING: stack.tablesConnectionString,
      PROMOTER_TABLE_PREFIX: 'benchlossy',
      PROMOTER_WEBHOOK_SECRET: stack.secret,
      PROMOTER_REGISTRY: registry.host,
      PROMOTER_RECONCILE_ENABLED: 'false',
    },
    queueBackoffMs: 50,
    log: () => undefined,
  });
  proxy.target = `${host.url}/api/hooks/registry`;
  try {
    progress(`reconcile 1/3: ${LOSSY_BUILDS} pushes, 30% of their deliveries lost`);
    for (const image of images)
      await pushImage(
        image,
        `${registry.host}/${repository}:git-${image.sha}`,
        stack.registry.certDir,
      );
    const client = (name: string) =>
      createTablesClient({ connectionString: stack.tablesConnectionString, tableName: name });
    const builds = createTablesBuildLedger({ client: client(buildsTableName('benchlossy')) });
    const promotions = createTablesPromotionLedger({
      client: client(promotionsTableName('benchlossy')),
    });
    const recorded = async () => (await builds.listBuilds(repository, { limit: 1000 })).builds;
    const delivered = LOSSY_BUILDS - lost.size;
    await until(
      'the delivered builds recorded',
      async () => (await recorded()).length >= delivered,
    );
    await host.queue.idle();
    const before = (await recorded()).length;
    const answer = await fetch(`${host.url}/api/reconcile?repository=${repository}`, {
      method: 'POST',
    });
    if (!answer.ok) throw new Error(`POST /api/reconcile answered ${answer.status}`);
    await host.queue.idle();
    const after = await recorded();
    const dev = (await promotions.listPromotions(repository)).filter((p) => p.stage === 'dev');
    const devOnce = images.filter((image) => {
      const build = after.find((b) => b.gitShas.includes(image.sha));
      return build && dev.filter((p) => p.digest === build.digest).length === 1;
    }).length;
    // A lost build older than the dev head is recorded and not promoted: dev never moves back.
    const newest = after.find((b) => b.gitShas.includes(images.at(-1)?.sha ?? ''));
    const head = (await promotions.getRepositoryState(repository)).heads['dev']?.digest;
    const headIsNewest = newest !== undefined && head === newest.digest;
    return {
      pushed: LOSSY_BUILDS,
      deliveriesLost: proxy.dropped.length,
      recordedByWebhook: before,
      recovered: after.length - before,
      lost: LOSSY_BUILDS - after.length,
      devOnce,
      headIsNewest,
    };
  } finally {
    await host.close();
    await registry.stop();
    await proxy.close();
  }
}

/** Another manifest of the same image: an annotation changes its digest, not its blobs. */
function variant(base: RawManifest, label: string): RawManifest {
  const json = JSON.parse(Buffer.from(base.content).toString('utf8')) as Record<string, unknown>;
  const content = new TextEncoder().encode(
    JSON.stringify({ ...json, annotations: { 'org.example.promoter.bench': label } }),
  );
  return { content, mediaType: base.mediaType, digest: sha256(content) };
}

async function runCost(stack: BenchStack, progress: (line: string) => void) {
  const registry = await startRegistryLike(
    stack.registry.certFile,
    path.join(stack.stateDir, 'reconcile-cost-registry'),
    undefined,
  );
  const tablesPort = Number(/127\.0\.0\.1:(\d+)/.exec(stack.tablesConnectionString)?.[1]);
  const tablesProxy = await CountingProxy.start(tablesPort);
  try {
    const pipelineFile = path.join(stack.stateDir, 'reconcile-record-only.pipeline.json');
    writeFileSync(pipelineFile, JSON.stringify(RECORD_ONLY_PIPELINE));
    const services = await createServices(
      {
        PROMOTER_TABLES_CONNECTION_STRING: azuriteConnectionString(tablesProxy.port),
        PROMOTER_TABLE_PREFIX: 'benchreconcile',
        PROMOTER_WEBHOOK_SECRET: stack.secret,
        PROMOTER_REGISTRY: registry.host,
        PROMOTER_PIPELINE_FILE: pipelineFile,
      },
      stack.stateDir,
      {
        approvals: { send: () => Promise.resolve() },
        publisher: { publish: () => Promise.resolve() },
      },
    );
    const adapter = createAcrRegistry({ registry: registry.host });
    progress(`reconcile 2/3: seeding ${REPOSITORIES} repositories × ${TAGS} build tags`);
    const [image] = await prepareImages(path.join(stack.stateDir, 'reconcile-cost'), 1);
    if (!image) throw new Error('no image');
    const repositories = Array.from({ length: REPOSITORIES }, (_, i) => `bench-reconcile/r${i}`);
    const tags = (repository: string, n: number) => `git-${shaOf(`${repository} ${n}`)}`;
    await pool(repositories, 4, async (repository) => {
      await pushImage(
        image,
        `${registry.host}/${repository}:${tags(repository, 0)}`,
        stack.registry.certDir,
      );
    });
    const base = await adapter.getManifest(repositories[0] ?? '', image.digest);
    const at = new Date();
    const seeds = repositories.flatMap((repository) =>
      Array.from({ length: TAGS }, (_, n) => ({ repository, n })),
    );
    await pool(seeds, 16, async ({ repository, n }) => {
      const manifest = n === 0 ? base : variant(base, `${repository} ${n}`);
      const tag = tags(repository, n);
      if (n > 0) await adapter.putManifest(repository, tag, manifest);
      await services.ledger.recordBuild({
        eventId: `seed-${tag}`,
        repository,
        digest: manifest.digest,
        gitSha: tag.slice(4),
        tag,
        mediaType: manifest.mediaType,
        registry: registry.host,
        at,
      });
    });
    const measure = async () => {
      const mark = tablesProxy.mark();
      const report = await runReconcile(services, { dryRun: false });
      const actions = report.repositories.reduce((n, r) => n + r.actions.length, 0);
      const failures = report.repositories.filter((r) => r.error !== undefined || r.failed.length);
      if (failures.length > 0)
        throw new Error(`reconcile failed: ${JSON.stringify(failures[0]).slice(0, 300)}`);
      return { ...report.cost, actions, azuriteRequests: tablesProxy.since(mark).length };
    };
    progress('reconcile 2/3: runs with no change and with 10 changes');
    const first = await measure(); // the first sweep writes every repository's mark
    const unchanged = await measure();
    for (let i = 0; i < CHANGES; i += 1) {
      const repository = repositories[i % repositories.length] ?? '';
      await adapter.putManifest(repository, tags(repository, TAGS + i), variant(base, `new ${i}`));
    }
    const changed = await measure();
    return { first, unchanged, changed };
  } finally {
    await tablesProxy.close();
    await registry.stop();
  }
}

/** Seconds between two occurrences of a six-field schedule of the form `0 *\/N * * * *`. */
function periodSeconds(schedule: string): number {
  const minutes = /^0 \*\/(\d+) \* \* \* \*$/.exec(schedule)?.[1];
  if (minutes === undefined) throw new Error(`cannot compute the period of ${schedule}`);
  return Number(minutes) * 60;
}

/** Runs the three measures and returns the report's section. */
export async function reconcileBench(
  stack: BenchStack,
  progress: (line: string) => void,
): Promise<string> {
  const lossy = await lossyDeliveries(stack, progress);
  const cost = await runCost(stack, progress);
  progress('reconcile 3/3: lost push → record, from the schedule');
  const period = periodSeconds(DEFAULT_RECONCILE_SCHEDULE);
  const runS = cost.unchanged.ms / 1000;
  const row = (name: string, c: typeof cost.first) =>
    `  ${name.padEnd(24)} ${String(c.registryRequests).padStart(6)} ${String(c.ledgerRequests).padStart(7)} ${String(c.azuriteRequests).padStart(8)} ${String(c.ms).padStart(7)}  ${c.actions} actions`;
  return [
    '',
    '5. Reconciler',
    `  30% of deliveries lost: ${lossy.pushed} builds pushed, ${lossy.deliveriesLost} deliveries lost, ${lossy.recordedByWebhook} recorded by the webhook`,
    `  after one reconcile: builds recovered ${lossy.recovered}, builds lost ${lossy.lost} (target: all / 0); promoted to dev exactly once: ${lossy.devOnce}/${lossy.pushed} (lost builds older than the dev head are recorded, not promoted); dev head on the newest build: ${lossy.headIsNewest ? 'yes' : 'no'}`,
    `  one run over ${REPOSITORIES} repositories × ${TAGS} build tags, distribution registry:`,
    '  run                      registry  ledger  azurite      ms',
    row('first (writes the marks)', cost.first),
    row('no change', cost.unchanged),
    row(`${CHANGES} changes`, cost.changed),
    '  (registry and ledger: counted at the ports; azurite: HTTP requests Azurite received)',
    "  ACR's path (tags newest first, stopping at the last run's watermark; a full sweep daily) cannot be measured here: no ACR",
    `  lost push → record with the default schedule (${DEFAULT_RECONCILE_SCHEDULE}): at most ${(period + runS).toFixed(1)} s, ${(period / 2 + runS).toFixed(1)} s on average`,
    `  (computed: the ${period} s period, plus the ${runS.toFixed(1)} s of the no-change run above; not measured end to end)`,
  ].join('\n');
}
