import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';
import { startLocalHost, type LocalHost } from '../../src/local/host.js';
import { freePort } from '../../src/local/services/tcpPorts.js';

// The local host runs the function table's `notifications` function for each published
// outcome, through its stand-in for the topic's subscription, as Azure does.

const outcome = (): OutcomeEvent => ({
  type: 'promotion.outcome',
  id: `outcome-${randomUUID()}`,
  outcome: 'promoted',
  repository: 'myapp',
  stage: 'rc',
  version: '1.2.3',
  digest: `sha256:${'a'.repeat(64)}`,
  gitShas: ['a1b2c3d'],
  tags: ['1.2.3-rc1'],
  messageId: `m-${randomUUID()}`,
  at: new Date().toISOString(),
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A Slack incoming webhook that answers `statuses` in turn (then 200), recording each post. */
async function slackWebhook(statuses: number[]): Promise<{ url: string; posts: string[] }> {
  const posts: string[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      posts.push(text);
      res.writeHead(statuses.shift() ?? 200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack`, posts };
}

/** A local host posting to `slackUrl`, and the lines it logs. */
async function hostPostingTo(
  slackUrl: string,
  options: { subscriptionMaxDeliveryCount?: number } = {},
): Promise<{ host: LocalHost; lines: string[] }> {
  const lines: string[] = [];
  const host = await startLocalHost({
    port: await freePort(),
    env: {
      PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
      PROMOTER_TABLE_PREFIX: inject('tablePrefix'),
      PROMOTER_WEBHOOK_SECRET: inject('webhookSecret'),
      PROMOTER_APPROVALS_HMAC_SECRET: inject('approvalsHmacSecret'),
      PROMOTER_REGISTRY: inject('registryHost'),
      SLACK_WEBHOOK_URL: slackUrl,
    },
    log: (line) => lines.push(line),
    ...options,
  });
  cleanups.push(() => host.close());
  return { host, lines };
}

/** The host's stand-in for the `notifications` subscription, once it has nothing left to do. */
async function settledNotifications(host: LocalHost) {
  const subscription = host.subscriptions.find((s) => s.name === 'notifications');
  if (subscription === undefined) throw new Error('the host has no notifications subscription');
  await subscription.idle();
  return subscription;
}

describe('notifications on the local host', () => {
  it('posts each published outcome to chat once, through the notifications function', async () => {
    const slack = await slackWebhook([]);
    const { host, lines } = await hostPostingTo(slack.url);
    const event = outcome();
    await host.outcomes.publish(event);
    await settledNotifications(host);
    expect(slack.posts).toHaveLength(1);
    expect(slack.posts[0]).toContain('1.2.3-rc1');
    expect(lines).toContainEqual(
      expect.stringMatching(/^\[notifications\] information: notification of promoted posted /),
    );
    expect(lines.filter((l) => /error:|redelivering|dead-lettered/.test(l))).toEqual([]);
  });

  it('retries a failed chat post, with the delivery count, until the notification gets through', async () => {
    const slack = await slackWebhook([503]);
    const { host, lines } = await hostPostingTo(slack.url);
    const event = outcome();
    await host.outcomes.publish(event);
    const subscription = await settledNotifications(host);
    expect(slack.posts).toHaveLength(2);
    const failed = lines.findIndex((l) =>
      /^\[notifications\] error: notification failed; Service Bus will redeliver the event .*"deliveryCount":1,.*"reason":"posting to the Slack webhook .*HTTP 503/.test(
        l,
      ),
    );
    const redelivered = lines.findIndex((l) =>
      l.startsWith(`subscription notifications: redelivering ${event.id} `),
    );
    const posted = lines.findIndex((l) =>
      /^\[notifications\] information: notification of promoted posted .*"deliveryCount":2/.test(l),
    );
    expect(failed).toBeGreaterThanOrEqual(0);
    expect(redelivered).toBeGreaterThan(failed);
    expect(posted).toBeGreaterThan(redelivered);
    expect(subscription.deadLetters()).toEqual([]);
  });

  it('gives a failing notification up after the subscription’s max delivery count, says so, and keeps the outcome', async () => {
    const slack = await slackWebhook([503, 503, 503]);
    const { host, lines } = await hostPostingTo(slack.url, { subscriptionMaxDeliveryCount: 2 });
    const event = outcome();
    await expect(host.outcomes.publish(event)).resolves.toBeUndefined();
    const subscription = await settledNotifications(host);
    expect(slack.posts).toHaveLength(2);
    const [dead, ...more] = subscription.deadLetters();
    expect(more).toEqual([]);
    expect(dead).toMatchObject({ messageId: event.id, deliveryCount: 2 });
    expect(dead?.reason).toMatch(/^posting to the Slack webhook .*HTTP 503/);
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^subscription notifications: dead-lettered ${event.id} .*: posting to the Slack webhook .*HTTP 503`,
        ),
      ),
    );
    expect(host.outcomes.list({ repository: 'myapp' }).map((e) => e.id)).toContain(event.id);
  });
});
