import { randomBytes } from 'node:crypto';
import { postApproval } from './api.js';
import { pushImage, type BenchImage } from './images.js';
import type { RegistryProbe } from './registryHttp.js';
import type { BenchStack } from './stack.js';

/** Per-run durations in milliseconds, in run order. */
export interface LatencyResult {
  readonly repositories: readonly string[];
  /** skopeo copy start → `HEAD dev-latest` answers the pushed digest. */
  readonly devTotal: number[];
  /** skopeo copy start → skopeo exited (the push itself). */
  readonly devPush: number[];
  /**
   * skopeo exited → `dev-latest` answers the pushed digest (webhook, queue, promotion);
   * negative when the tag moved before Node saw skopeo exit.
   */
  readonly devAfterPush: number[];
  /** POST /api/approvals sent → the rc tag answers the digest. */
  readonly rcTotal: number[];
  /** POST /api/approvals sent → its 202 received. */
  readonly rcPost: number[];
  /** Promotions whose outcome was not `promoted` (should be none). */
  readonly failures: string[];
  /** Tag polls the registry answered with an error (neither 200 nor 404). */
  readonly pollErrors: string[];
}

const POLL_MS = 5;

/**
 * Pushes every image once (round robin over `repositoryCount` repositories), timing each push
 * until `dev-latest` names it; then approves every build for rc (its own version, so each
 * becomes `<version>-rc1`), timing each approval until the rc tag names it. Runs are
 * sequential and each waits for the queue to be idle, so runs do not overlap.
 */
export async function measureLatency(
  stack: BenchStack,
  probe: RegistryProbe,
  images: readonly BenchImage[],
  repositoryCount: number,
  onProgress: (line: string) => void,
): Promise<LatencyResult> {
  const suffix = randomBytes(3).toString('hex');
  const repositories = Array.from({ length: repositoryCount }, (_, i) => `lat${i}-${suffix}`);
  const repoOf = (i: number) => repositories[i % repositories.length] ?? 'lat';
  const { host, registry } = stack;
  const result: LatencyResult = {
    repositories,
    devTotal: [],
    devPush: [],
    devAfterPush: [],
    rcTotal: [],
    rcPost: [],
    failures: [],
    pollErrors: [],
  };
  const pollErrorsBefore = probe.errors.length;

  for (const [i, image] of images.entries()) {
    const repository = repoOf(i);
    const started = performance.now();
    // Polling runs from the start, beside skopeo: the promotion may finish before Node sees
    // skopeo exit. Every poll that finds the previous dev-latest makes the registry send a
    // pull notification to the webhook (counted in the report).
    const stopPolling = new AbortController();
    const polled = probe.waitForDigest(repository, 'dev-latest', image.digest, {
      intervalMs: POLL_MS,
      signal: stopPolling.signal,
    });
    let pushed: number;
    try {
      await pushImage(image, `${registry.host}/${repository}:git-${image.sha}`, registry.certDir);
      pushed = performance.now();
    } catch (error) {
      stopPolling.abort();
      await polled.catch(() => undefined);
      throw error;
    }
    const seen = await polled;
    result.devTotal.push(seen - started);
    result.devPush.push(pushed - started);
    result.devAfterPush.push(seen - pushed);
    await host.queue.idle();
    if ((i + 1) % 10 === 0) onProgress(`push → dev-latest: ${i + 1}/${images.length}`);
  }

  for (const [i, image] of images.entries()) {
    const repository = repoOf(i);
    const version = `1.0.${i}`;
    const started = performance.now();
    await postApproval(host, stack.approvalsSecret, {
      repository,
      digest: image.digest,
      stage: 'rc',
      version,
    });
    const posted = performance.now();
    const seen = await probe.waitForDigest(repository, `${version}-rc1`, image.digest, {
      intervalMs: POLL_MS,
    });
    result.rcTotal.push(seen - started);
    result.rcPost.push(posted - started);
    await host.queue.idle();
    if ((i + 1) % 10 === 0) onProgress(`approval → rc tag: ${i + 1}/${images.length}`);
  }

  // Every run's outcome, dev and rc: any other than promoted is a failure of the run.
  for (const repository of repositories) {
    for (const e of host.outcomes.list({ repository }))
      if (e.outcome !== 'promoted')
        result.failures.push(`${repository} ${e.stage}: ${e.outcome} ${e.reason ?? ''}`);
  }
  result.pollErrors.push(...probe.errors.slice(pollErrorsBefore));
  return result;
}
