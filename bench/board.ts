import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { createTablesClient } from '../src/adapters/tables/tablesClient.js';
import { createTablesBuildLedger } from '../src/adapters/tables/tablesBuildLedger.js';
import { buildsTableName } from '../src/composition/azureClients.js';
import type { LocalHost } from '../src/local/host.js';
import { postApproval, waitForOutcome } from './api.js';
import { pushImage, type BenchImage } from './images.js';
import type { BenchStack } from './stack.js';

/** What the board costs for a repository with many builds. */
export interface BoardResult {
  readonly repository: string;
  /** Builds recorded in the repository (seeded, plus the one pushed for real). */
  readonly builds: number;
  readonly seed: { readonly ms: number; readonly concurrency: number };
  /** Repositories on the overview (`GET /`). */
  readonly repositories: number;
  /** Load times (ms) per route, in load order, after warm-up loads. */
  readonly loads: {
    readonly overview: number[];
    readonly repositoryPage: number[];
    readonly stages: number[];
    /** The same repository's page before the builds were seeded (one build), for comparison. */
    readonly oneBuild: number[];
  };
  /** Bytes of each answer. */
  readonly bytes: {
    readonly overview: number;
    readonly repositoryPage: number;
    readonly stages: number;
  };
  /** Azurite requests of one load of each route (through the counting host). */
  readonly ledgerRequests: {
    readonly overview: number;
    readonly repositoryPage: number;
    readonly stages: number;
    readonly oneBuild: number;
  };
  /** What a load found wrong (a status other than 200, missing content). */
  readonly errors: string[];
}

const WARM_UP = 3;

/** GET on a host over keep-alive: status, body and milliseconds. */
function get(agent: Agent, host: LocalHost, path: string) {
  const started = performance.now();
  return new Promise<{ status: number; body: string; ms: number }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          ms: performance.now() - started,
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Pushes one build of a new repository for real and promotes it to rc and release (every
 * stage then holds a digest), and times its board page; then records `builds` older builds
 * straight into the notified host's ledger tables (the Tables ledger, `concurrency` writes at
 * a time) and loads `GET /`, `GET /?repository=…` and `GET /api/repositories/…/stages` `loads`
 * times each, one at a time. Ledger requests of one load are counted on the counting host.
 */
export async function measureBoard(
  stack: BenchStack,
  image: BenchImage,
  options: { readonly builds: number; readonly concurrency: number; readonly loads: number },
  onProgress: (line: string) => void,
): Promise<BoardResult> {
  const repository = `board-${randomBytes(3).toString('hex')}`;
  const { host, countingHost, approvalsSecret } = stack;
  const paths = {
    overview: '/',
    repositoryPage: `/?repository=${repository}`,
    stages: `/api/repositories/${repository}/stages`,
  } as const;
  type Route = keyof typeof paths;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const counting = new Agent({ keepAlive: true, maxSockets: 1 });
  const errors: string[] = [];
  const last: Record<Route, string> = { overview: '', repositoryPage: '', stages: '' };
  /** Loads each route `loads` times (after warm-up loads), round robin; the times per route. */
  const measure = async (routes: readonly Route[]) => {
    const times = Object.fromEntries(routes.map((r) => [r, [] as number[]]));
    for (let run = -WARM_UP; run < options.loads; run++)
      for (const route of routes) {
        const answer = await get(agent, host, paths[route]);
        if (answer.status !== 200) errors.push(`GET ${paths[route]} → ${answer.status}`);
        if (run >= 0) times[route]?.push(answer.ms);
        last[route] = answer.body;
      }
    return (route: Route) => times[route] ?? [];
  };
  /** Azurite requests of one load on the counting host (after a warm-up load). */
  const ledgerRequestsOf = async (route: Route) => {
    await get(counting, countingHost, paths[route]);
    const mark = stack.ledgerProxy.mark();
    await get(counting, countingHost, paths[route]);
    return stack.ledgerProxy.since(mark).length;
  };

  try {
    // One build pushed for real and promoted to rc and release: every stage holds a digest.
    const beforePush = Date.now();
    await pushImage(
      image,
      `${stack.registry.host}/${repository}:git-${image.sha}`,
      stack.registry.certDir,
    );
    await waitForOutcome(host, repository, (e) => e.stage === 'dev' && e.outcome === 'promoted');
    for (const stage of ['rc', 'release']) {
      await postApproval(host, approvalsSecret, {
        repository,
        digest: image.digest,
        stage,
        version: '1.0.0',
      });
      await waitForOutcome(host, repository, (e) => e.stage === stage && e.outcome !== 'pending');
    }
    await host.queue.idle();
    onProgress(`  ${options.loads} loads of ${repository}'s page with 1 build`);
    const oneBuild = (await measure(['repositoryPage']))('repositoryPage');
    const oneBuildRequests = await ledgerRequestsOf('repositoryPage');

    // Then the builds, older than the real one, straight into the host's ledger tables. Azurite
    // (in memory) slows down as one partition grows past several thousand rows, so the seeding
    // client waits longer than the app's 5 s per request: the seed is setup, not a measurement.
    const ledger = createTablesBuildLedger({
      client: createTablesClient({
        connectionString: stack.tablesConnectionString,
        tableName: buildsTableName('bench'),
        requestTimeoutInMs: 60_000,
      }),
    });
    let next = 0;
    const seedStarted = performance.now();
    const worker = async (): Promise<void> => {
      for (let i = next++; i < options.builds; i = next++) {
        const sha = randomBytes(20).toString('hex');
        await ledger.recordBuild({
          eventId: `board-seed-${repository}-${i}`,
          repository,
          digest: `sha256:${randomBytes(32).toString('hex')}`,
          gitSha: sha,
          tag: `git-${sha}`,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          registry: stack.registry.host,
          at: new Date(beforePush - (options.builds - i) * 1000),
        });
        if ((i + 1) % 2000 === 0) onProgress(`  ${i + 1} builds recorded`);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    const seedMs = performance.now() - seedStarted;

    onProgress(`  ${options.loads} loads of each route with ${options.builds + 1} builds`);
    const times = await measure(['overview', 'repositoryPage', 'stages']);
    if (!last.repositoryPage.includes('1.0.0-rc1') || !last.repositoryPage.includes('older builds'))
      errors.push(`GET ${paths.repositoryPage} does not show the rc tag and a next page`);
    const stages = JSON.parse(last.stages) as { stages: { digest: string | null }[] };
    if (stages.stages.some((s) => s.digest !== image.digest))
      errors.push('the stages answer does not show the promoted digest in every stage');

    return {
      repository,
      builds: options.builds + 1,
      seed: { ms: seedMs, concurrency: options.concurrency },
      repositories: [...last.overview.matchAll(/<section class="repo" data-repository=/g)].length,
      loads: {
        overview: times('overview'),
        repositoryPage: times('repositoryPage'),
        stages: times('stages'),
        oneBuild,
      },
      bytes: {
        overview: Buffer.byteLength(last.overview),
        repositoryPage: Buffer.byteLength(last.repositoryPage),
        stages: Buffer.byteLength(last.stages),
      },
      ledgerRequests: {
        overview: await ledgerRequestsOf('overview'),
        repositoryPage: await ledgerRequestsOf('repositoryPage'),
        stages: await ledgerRequestsOf('stages'),
        oneBuild: oneBuildRequests,
      },
      errors,
    };
  } finally {
    agent.destroy();
    counting.destroy();
  }
}
