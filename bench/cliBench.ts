import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { bundleCli } from '../tools/bundleCli.js';
import { waitForOutcome } from './api.js';
import { prepareImages, pushImage, skopeoRetag } from './images.js';
import { summarize, table, ms, type Summary } from './stats.js';
import type { BenchStack } from './stack.js';
import { benchProgress, benchRuns, invokedDirectly, runStandalone } from './standalone.js';

/** `promoter approve --wait` (the real, bundled CLI process) beside the `skopeo copy` retag it replaces. */
export interface CliWaitResult {
  /** Wall time of `node promoter.js approve … --wait`, spawn to exit, per run (ms). */
  readonly cli: number[];
  /** Wall time of `skopeo copy docker://…:git-<sha> docker://…:<tag>`, per run (ms). */
  readonly skopeo: number[];
  /** Wall time of `node -e ''`: the floor any Node CLI starts from. */
  readonly bareNode: number[];
  /** Runs that did not exit 0, with their stderr. */
  readonly failures: string[];
}

const WARM_UP = 2;

/** Runs `command args` and resolves to its wall time (ms), exit code and stderr. */
function timed(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ ms: number; code: number | null; stderr: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => {
      resolve({ ms: performance.now() - started, code, stderr });
    });
  });
}

/**
 * Bundles the CLI as `npm run build` does, pushes one build (the notified host promotes it to
 * dev), then `runs` times, alternating which goes first: `skopeo copy` of its `git-<sha>` tag to
 * a new tag in the same repository, and `promoter approve <repo> <sha> --stage rc --version
 * 2.0.<i> --wait` against the host (a new rc tag each time), as separate processes, timed from
 * spawn to exit. Two unmeasured runs of each come first (they also fill V8's compile cache,
 * as any run after a user's first finds it).
 */
export async function measureCliWait(
  stack: BenchStack,
  options: { readonly runs: number },
  onProgress: (line: string) => void,
): Promise<CliWaitResult> {
  const dir = path.join(stack.stateDir, 'cli');
  await bundleCli(dir);
  const [image] = await prepareImages(path.join(stack.stateDir, 'cli-image'), 1);
  if (!image) throw new Error('no image');
  const repository = `cliwait-${randomBytes(3).toString('hex')}`;
  const { registry, host } = stack;
  await pushImage(image, `${registry.host}/${repository}:git-${image.sha}`, registry.certDir);
  const dev = await waitForOutcome(host, repository, (e) => e.stage === 'dev');
  if (dev.outcome !== 'promoted')
    throw new Error(`dev promotion ${dev.outcome}: ${dev.reason ?? ''}`);
  await host.queue.idle();

  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PROMOTER_URL: `http://127.0.0.1:${host.port}`,
    PROMOTER_APPROVALS_HMAC_SECRET: stack.approvalsSecret,
    NODE_COMPILE_CACHE: path.join(stack.stateDir, 'compile-cache'),
  };
  const result: CliWaitResult = { cli: [], skopeo: [], bareNode: [], failures: [] };
  const cli = async (i: number) => {
    const run = await timed(
      process.execPath,
      [
        path.join(dir, 'promoter.js'),
        'approve',
        repository,
        image.sha,
        '--stage',
        'rc',
        '--version',
        `2.0.${i}`,
        '--as',
        'bench-cli',
        '--wait',
        '30',
      ],
      env,
    );
    if (run.code !== 0)
      result.failures.push(`approve 2.0.${i}: exit ${run.code}: ${run.stderr.trim()}`);
    return run.ms;
  };
  const skopeo = async (i: number) => {
    const started = performance.now();
    await skopeoRetag(
      registry.host,
      repository,
      `git-${image.sha}`,
      `skopeo-${i}`,
      registry.certDir,
    );
    return performance.now() - started;
  };
  const bare = async () => (await timed(process.execPath, ['-e', ''], env)).ms;
  const total = WARM_UP + options.runs;
  for (let i = 0; i < total; i++) {
    const measured = i >= WARM_UP;
    const order = i % 2 === 0 ? [cli, skopeo] : [skopeo, cli];
    const times: number[] = [];
    for (const step of order) times.push(await step(i));
    const node = await bare();
    await host.queue.idle();
    if (!measured) continue;
    const [first = Number.NaN, second = Number.NaN] = times;
    result.cli.push(i % 2 === 0 ? first : second);
    result.skopeo.push(i % 2 === 0 ? second : first);
    result.bareNode.push(node);
    if ((i - WARM_UP + 1) % 10 === 0)
      onProgress(`  approve --wait vs skopeo: ${i - WARM_UP + 1}/${options.runs}`);
  }
  return result;
}

/** The section of the report: medians, p95 and the ratio to skopeo, and the target. */
export function formatCliWait(result: CliWaitResult): string {
  const rows: [string, Summary][] = [
    ['promoter approve --wait (bundled CLI, new process)', summarize(result.cli)],
    ['skopeo copy …:git-<sha> …:<tag> (same registry)', summarize(result.skopeo)],
    ["node -e '' (Node's own start, the floor)", summarize(result.bareNode)],
  ];
  const skopeoMedian = summarize(result.skopeo).median;
  const ratio = summarize(result.cli).median / skopeoMedian;
  return [
    `6. promoter approve --wait beside skopeo copy (${result.cli.length} runs each, alternating, wall time spawn → exit)`,
    '',
    table([
      ['', 'min ms', 'median ms', 'p95 ms', 'max ms', '× skopeo median'],
      ...rows.map(([name, s]) => [
        name,
        ms(s.min),
        ms(s.median),
        ms(s.p95),
        ms(s.max),
        `${(s.median / skopeoMedian).toFixed(2)}×`,
      ]),
    ]),
    '',
    `target approve --wait median ≤ 3× skopeo's: ${ratio <= 3 ? 'met' : 'NOT met'} (${ratio.toFixed(2)}×)`,
    ...(result.failures.length === 0 ? [] : ['problems:', ...result.failures.map((f) => `  ${f}`)]),
  ].join('\n');
}

if (invokedDirectly(import.meta.url)) {
  const runs = benchRuns();
  await runStandalone('cli bench', async (stack) => {
    console.log(formatCliWait(await measureCliWait(stack, { runs }, benchProgress)));
  });
}
