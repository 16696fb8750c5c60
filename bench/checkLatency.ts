import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { signPromoterRequest } from '../src/domain/promoterSignature.js';
import type { LocalHost } from '../src/local/host.js';
import { postApproval, waitForOutcome } from './api.js';
import { prepareImages, pushImage, type BenchImage } from './images.js';
import { RegistryProbe } from './registryHttp.js';
import { ms, summarize, table, type Summary } from './stats.js';
import { GATED_CHECK, type BenchStack } from './stack.js';
import { benchProgress, benchRuns, invokedDirectly, runStandalone } from './standalone.js';

/** Check result → promotion beside approval → promotion, in one run (ms per run). */
export interface CheckLatencyResult {
  /** `POST /api/approvals` (rc, no checks: the notified host) sent → the rc tag answers. */
  readonly approval: number[];
  /**
   * `POST /api/approvals` of a check result (rc needs it; its approval already in: the gated
   * host) sent → the rc tag answers.
   */
  readonly check: number[];
  /** Runs that went wrong: an outcome other than the expected. */
  readonly problems: string[];
  /**
   * Polls the registry answered with an error (a 500 while a tag's link file is rewritten),
   * polled again; they delay what is timed by one poll at most.
   */
  readonly pollErrors: string[];
}

const POLL_MS = 5;
const TARGET = 1.5;

/** POSTs a check result (success) for `digest` to the host, signed; resolves to its message id. */
async function postCheck(
  host: LocalHost,
  secret: string,
  message: { repository: string; digest: string },
): Promise<string> {
  const body = JSON.stringify({
    type: 'check',
    repository: message.repository,
    build: { digest: message.digest },
    name: GATED_CHECK,
    conclusion: 'success',
    reporter: 'bench:ci',
    source: 'bench',
  });
  const response = await fetch(`http://127.0.0.1:${host.port}/api/approvals`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...signPromoterRequest(body, secret, new Date()),
    },
    body,
  });
  const text = await response.text();
  if (response.status !== 202) throw new Error(`POST /api/approvals → ${response.status}: ${text}`);
  return (JSON.parse(text) as { id: string }).id;
}

/**
 * Measures the same thing both ways: from sending the last thing a promotion to rc needs until
 * its rc tag is in the registry. Every run takes two new builds, pushed and promoted to dev by
 * the notified host (untimed). _approval_: the rc approval of one, to the notified host (rc
 * without checks). _check_: the other's rc approval goes to the gated host first and is
 * recorded `pending` (waiting for check `bench`), untimed; then its check result (success) is
 * sent. Runs alternate which goes first, each after the queues are idle, so neither finds the
 * other's work in progress.
 */
export async function measureCheckLatency(
  stack: BenchStack,
  probe: RegistryProbe,
  images: readonly BenchImage[],
  onProgress: (line: string) => void,
): Promise<CheckLatencyResult> {
  const { host, registry, approvalsSecret } = stack;
  const gated = await stack.gatedHost();
  const repository = `chk-${randomBytes(3).toString('hex')}`;
  const result: CheckLatencyResult = { approval: [], check: [], problems: [], pollErrors: [] };
  const errorsBefore = probe.errors.length;
  const inDev = async (image: BenchImage) => {
    await pushImage(image, `${registry.host}/${repository}:git-${image.sha}`, registry.certDir);
    await probe.waitForDigest(repository, 'dev-latest', image.digest, { intervalMs: POLL_MS });
    await host.queue.idle();
  };
  const rcOf = async (image: BenchImage, version: string) => {
    await probe.waitForDigest(repository, `${version}-rc1`, image.digest, { intervalMs: POLL_MS });
    return performance.now();
  };

  const approvalRun = async (image: BenchImage, version: string) => {
    const started = performance.now();
    await postApproval(host, approvalsSecret, {
      repository,
      digest: image.digest,
      stage: 'rc',
      version,
    });
    result.approval.push((await rcOf(image, version)) - started);
    await host.queue.idle();
  };
  const checkRun = async (image: BenchImage, version: string) => {
    const approved = await postApproval(gated, approvalsSecret, {
      repository,
      digest: image.digest,
      stage: 'rc',
      version,
    });
    const pending = await waitForOutcome(gated, repository, (e) => e.messageId === approved);
    if (pending.outcome !== 'pending')
      result.problems.push(`rc ${version}: approval ${pending.outcome}: ${pending.reason ?? ''}`);
    await gated.queue.idle();
    const started = performance.now();
    const sent = await postCheck(gated, approvalsSecret, { repository, digest: image.digest });
    result.check.push((await rcOf(image, version)) - started);
    await gated.queue.idle();
    const done = await waitForOutcome(gated, repository, (e) => e.messageId === sent);
    if (done.outcome !== 'promoted')
      result.problems.push(`rc ${version}: check ${done.outcome}: ${done.reason ?? ''}`);
  };

  const runs = Math.floor(images.length / 2);
  for (let i = 0; i < runs; i++) {
    const a = images[2 * i];
    const b = images[2 * i + 1];
    if (!a || !b) break;
    await inDev(a);
    await inDev(b);
    if (i % 2 === 0) {
      await approvalRun(a, `3.0.${i}`);
      await checkRun(b, `4.0.${i}`);
    } else {
      await checkRun(b, `4.0.${i}`);
      await approvalRun(a, `3.0.${i}`);
    }
    if ((i + 1) % 10 === 0) onProgress(`  check → rc vs approval → rc: ${i + 1}/${runs}`);
  }
  result.pollErrors.push(...probe.errors.slice(errorsBefore));
  return result;
}

/** The report's section: medians and p95 both ways, the ratio, and the target. */
export function formatCheckLatency(result: CheckLatencyResult): string {
  const approval = summarize(result.approval);
  const check = summarize(result.check);
  const median = check.median / approval.median;
  const p95 = check.p95 / approval.p95;
  const row = (name: string, s: Summary) => [
    name,
    ms(s.min),
    ms(s.median),
    ms(s.p95),
    ms(s.max),
    `${(s.median / approval.median).toFixed(2)}×`,
  ];
  return [
    `8. check result → promotion beside approval → promotion (${result.check.length} runs each, alternating; sent → rc tag in the registry)`,
    '',
    table([
      ['', 'min ms', 'median ms', 'p95 ms', 'max ms', '× approval median'],
      row('approval → rc tag (rc without checks)', approval),
      row(`check ${GATED_CHECK} success → rc tag (approval already in)`, check),
    ]),
    '',
    `target check → promotion within ${TARGET}× approval → promotion: ${median <= TARGET && p95 <= TARGET ? 'met' : 'NOT met'} (median ${median.toFixed(2)}×, p95 ${p95.toFixed(2)}×)`,
    ...(result.pollErrors.length === 0
      ? []
      : [
          `registry polls answered with an error and polled again: ${result.pollErrors.length} (${[...new Set(result.pollErrors)].slice(0, 3).join('; ')})`,
        ]),
    ...(result.problems.length === 0 ? [] : ['problems:', ...result.problems.map((p) => `  ${p}`)]),
  ].join('\n');
}

if (invokedDirectly(import.meta.url)) {
  const runs = benchRuns();
  await runStandalone('check bench', async (stack) => {
    const probe = new RegistryProbe(Number(stack.registry.host.split(':').at(-1)), stack.ca);
    try {
      const images = await prepareImages(path.join(stack.stateDir, 'check-images'), 2 * runs);
      console.log(
        formatCheckLatency(await measureCheckLatency(stack, probe, images, benchProgress)),
      );
    } finally {
      probe.close();
    }
  });
}
