import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { listAllBuilds, postApproval, waitForOutcome } from './api.js';
import { pushImage, type BenchImage } from './images.js';
import type { BenchStack } from './stack.js';
import { postWebhook, pushEvent } from './webhook.js';

/** Ledger (Azurite) requests, by kind, of each step, through the counting host. */
export interface LedgerCounts {
  /** A new push event: the webhook records the build and the dev promotion runs. */
  readonly webhookAndDev: readonly string[];
  /** How many of those were made before the webhook answered. */
  readonly beforeWebhookAnswered: number;
  /** The same event delivered again (the registry's redelivery). */
  readonly redelivery: readonly string[];
  /** A second build's push event in the same repository (dev-latest moves: steady state). */
  readonly secondWebhookAndDev: readonly string[];
  /** A signed rc approval until its outcome is recorded. */
  readonly rc: readonly string[];
}

/**
 * Counts the ledger calls of one promotion of each kind on the counting host (its Azurite
 * connection goes through a counting proxy). The image is pushed under a non-build tag, so the
 * notified host ignores it; the counting host gets a synthetic push event for it instead.
 */
export async function countLedgerRequests(
  stack: BenchStack,
  images: { first: BenchImage; second: BenchImage },
): Promise<LedgerCounts> {
  const image = images.first;
  const host = stack.countingHost;
  const proxy = stack.ledgerProxy;
  const suffix = randomBytes(3).toString('hex');
  const repository = `ledger-${suffix}`;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // Warm-up: the first calls build the services and look up the tables.
    await listAllBuilds(host, `ledger-warmup-${suffix}`);
    await postApproval(host, stack.approvalsSecret, {
      repository: `ledger-warmup-${suffix}`,
      digest: image.digest,
      stage: 'rc',
      version: '0.0.1',
    }).catch(() => undefined);
    await host.queue.idle();

    for (const pushed of [images.first, images.second])
      await pushImage(pushed, `${stack.registry.host}/${repository}:plain`, stack.registry.certDir);
    const body = pushEvent(stack.registry.host, repository, image.digest, image.sha, false);

    let mark = proxy.mark();
    const answer = await postWebhook(agent, host.port, stack.secret, body);
    if (answer.status !== 200) throw new Error(`webhook → ${answer.status}: ${answer.text}`);
    const beforeWebhookAnswered = proxy.since(mark).length;
    const dev = await waitForOutcome(host, repository, (e) => e.stage === 'dev');
    if (dev.outcome !== 'promoted')
      throw new Error(`dev promotion ${dev.outcome}: ${dev.reason ?? ''}`);
    await host.queue.idle();
    const webhookAndDev = proxy.since(mark);

    mark = proxy.mark();
    const again = await postWebhook(agent, host.port, stack.secret, body);
    if (again.status !== 200) throw new Error(`webhook → ${again.status}: ${again.text}`);
    await sleep(20);
    await host.queue.idle();
    const redelivery = proxy.since(mark);

    mark = proxy.mark();
    const second = pushEvent(
      stack.registry.host,
      repository,
      images.second.digest,
      images.second.sha,
      false,
    );
    const answer2 = await postWebhook(agent, host.port, stack.secret, second);
    if (answer2.status !== 200) throw new Error(`webhook → ${answer2.status}: ${answer2.text}`);
    const dev2 = await waitForOutcome(
      host,
      repository,
      (e) => e.stage === 'dev' && e.digest === images.second.digest,
    );
    if (dev2.outcome !== 'promoted')
      throw new Error(`second dev promotion ${dev2.outcome}: ${dev2.reason ?? ''}`);
    await host.queue.idle();
    const secondWebhookAndDev = proxy.since(mark);

    mark = proxy.mark();
    const id = await postApproval(host, stack.approvalsSecret, {
      repository,
      digest: image.digest,
      stage: 'rc',
      version: '1.2.3',
    });
    const rc = await waitForOutcome(host, repository, (e) => e.messageId === id);
    if (rc.outcome !== 'promoted')
      throw new Error(`rc promotion ${rc.outcome}: ${rc.reason ?? ''}`);
    await host.queue.idle();
    return {
      webhookAndDev,
      beforeWebhookAnswered,
      redelivery,
      secondWebhookAndDev,
      rc: proxy.since(mark),
    };
  } finally {
    agent.destroy();
  }
}
