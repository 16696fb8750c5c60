import { pathToFileURL } from 'node:url';
import { startBenchStack, type BenchStack } from './stack.js';

/** What a bench section run alone shares: its progress lines, `BENCH_RUNS`, its own stack. */

/** Progress on stderr, so stdout holds only the report. */
export const benchProgress = (line: string): void => {
  console.error(`bench: ${line}`);
};

/** Whether the module at `moduleUrl` is the script node was started with. */
export const invokedDirectly = (moduleUrl: string): boolean =>
  process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href;

/** `BENCH_RUNS` (default 50), refused unless a whole number ≥ 1. */
export function benchRuns(): number {
  const runs = Number(process.env.BENCH_RUNS ?? 50);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`BENCH_RUNS must be a whole number ≥ 1, not "${process.env.BENCH_RUNS ?? ''}"`);
  return runs;
}

/** Starts a bench stack, runs `body` on it, and stops it; a failure is printed and exits 1. */
export async function runStandalone(
  name: string,
  body: (stack: BenchStack) => Promise<void>,
): Promise<void> {
  benchProgress('starting Azurite, the registry and the hosts');
  const stack = await startBenchStack();
  try {
    await body(stack);
  } catch (error) {
    console.error(
      `${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exitCode = 1;
  } finally {
    await stack.stop();
  }
}
