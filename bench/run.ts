import { cpus } from 'node:os';
import path from 'node:path';
import { AccessLogWindows } from './accessLog.js';
import { measureBoard } from './board.js';
import { measureChatLatency } from './chatLatency.js';
import { copyBench } from './copyBench.js';
import { formatCheckLatency, measureCheckLatency } from './checkLatency.js';
import { formatCliWait, measureCliWait } from './cliBench.js';
import { formatGrowth, growthOptions, measureGrowth } from './growth.js';
import { webhookBurst } from './burst.js';
import { prepareImages } from './images.js';
import { measureLatency } from './latency.js';
import { reconcileBench } from './reconcileBench.js';
import { countLedgerRequests } from './ledgerCounts.js';
import { RegistryProbe } from './registryHttp.js';
import { buildReport } from './report.js';
import { countRequests } from './requestCounts.js';
import { startBenchStack, type BenchStack } from './stack.js';

/**
 * `npm run bench`: starts its own local stack (`startBenchStack`: Azurite in memory, the
 * distribution registry over TLS, three in-process function hosts), measures registry
 * requests per promotion, push → dev-latest and approval → rc tag latency, a webhook burst,
 * the board's load time for a repository with 10,000 builds, and check result → rc tag beside
 * approval → rc tag, prints the report on stdout
 * (progress on stderr) and stops everything, also on error, Ctrl-C or the time limit.
 */

const intSetting = (name: string, fallback: number, min: number): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be a whole number ≥ ${min}, not "${raw ?? ''}"`);
  return value;
};

const RUNS = intSetting('BENCH_RUNS', 50, 1);
const REPOSITORIES = intSetting('BENCH_REPOSITORIES', 5, 1);
const SEED = intSetting('BENCH_SEED', Date.now() % 1_000_000, 0);
const TIME_LIMIT_S = intSetting('BENCH_TIME_LIMIT_S', 1800, 10);
const BOARD_BUILDS = intSetting('BENCH_BOARD_BUILDS', 10_000, 1);
const BOARD_CONCURRENCY = intSetting('BENCH_BOARD_CONCURRENCY', 32, 1);
const GROWTH = growthOptions();

const progress = (line: string): void => {
  console.error(`bench: ${line}`);
};

async function main(): Promise<void> {
  const began = performance.now();
  progress('starting Azurite, the registry and the hosts');
  let stack: BenchStack | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= stack?.stop() ?? Promise.resolve());
  const abort = (why: string, code: number): void => {
    console.error(`bench: ${why}; stopping the stack`);
    void stop().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => {
    abort('interrupted', 130);
  });
  process.once('SIGTERM', () => {
    abort('terminated', 143);
  });
  const watchdog = setTimeout(() => {
    abort(`over the time limit of ${TIME_LIMIT_S} s (BENCH_TIME_LIMIT_S)`, 1);
  }, TIME_LIMIT_S * 1000);
  watchdog.unref();

  let probe: RegistryProbe | undefined;
  try {
    stack = await startBenchStack();
    const port = Number(stack.registry.host.split(':').at(-1));
    probe = new RegistryProbe(port, stack.ca);
    const windows = new AccessLogWindows(stack.registry.accessLogFile, probe);

    const imagesStarted = performance.now();
    const images = await prepareImages(path.join(stack.stateDir, 'images'), RUNS + 5);
    const imagesMs = performance.now() - imagesStarted;
    const [build, control, first, second, boardImage, ...latencyImages] = images;
    if (!build || !control || !first || !second || !boardImage) throw new Error('no images');

    progress('1/4 registry requests per promotion');
    const counts = await countRequests(stack, windows, { build, control });
    const ledger = await countLedgerRequests(stack, { first, second });

    progress(`2/4 latency, ${RUNS} runs each`);
    const offset = await windows.size();
    const before = { ...stack.counts };
    const latency = await measureLatency(stack, probe, latencyImages, REPOSITORIES, progress);
    const latencyRequests = await windows.since(offset);
    const latencyNotifications = {
      webhookCalls: stack.counts.webhookCalls - before.webhookCalls,
      pullEvents: stack.counts.pullEvents - before.pullEvents,
    };

    progress('3/4 webhook burst');
    const burst = await webhookBurst(
      stack,
      { events: 200, copies: 5, senders: 32, repositories: 1 },
      SEED,
    );

    progress(`4/4 board: seeding ${BOARD_BUILDS} builds, ${BOARD_CONCURRENCY} at a time`);
    const board = await measureBoard(
      stack,
      boardImage,
      { builds: BOARD_BUILDS, concurrency: BOARD_CONCURRENCY, loads: RUNS },
      progress,
    );

    const report = buildReport({
      counts,
      ledger,
      latency,
      latencyRequests,
      latencyNotifications,
      burst,
      board,
      troubles: stack.troubles,
      header: [
        'promoter benchmark (npm run bench)',
        `node ${process.version}, ${cpus().length} CPU(s), ${new Date().toISOString()}, seed ${SEED}`,
        `registry ${stack.registry.host} (distribution, TLS), Azurite in memory, hosts in this process`,
        `${images.length} distinct images written in ${imagesMs.toFixed(0)} ms (writeSampleImage)`,
      ],
    });
    console.log(report.text);
    console.log(await reconcileBench(stack, progress));
    console.log(`\n${await measureChatLatency(stack, { runs: RUNS, processes: 5 }, progress)}`);
    console.log(await copyBench(progress));
    progress(`approve --wait beside skopeo copy, ${RUNS} runs each`);
    console.log(`\n${formatCliWait(await measureCliWait(stack, { runs: RUNS }, progress))}`);
    progress('growth: approvals and webhook records as the history grows');
    console.log(`\n${formatGrowth(await measureGrowth(stack, GROWTH, progress))}`);
    progress(`check result → promotion beside approval → promotion, ${RUNS} runs each`);
    const checkImages = await prepareImages(path.join(stack.stateDir, 'check-images'), 2 * RUNS);
    console.log(
      `\n${formatCheckLatency(await measureCheckLatency(stack, probe, checkImages, progress))}`,
    );
    console.log(`\nbench finished in ${((performance.now() - began) / 1000).toFixed(1)} s`);
  } finally {
    clearTimeout(watchdog);
    probe?.close();
    await stop();
  }
}

main().catch((error: unknown) => {
  console.error(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exitCode = 1;
});
