import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  LocalSubscription,
  SUBSCRIPTION_MAX_DELIVERY_COUNT,
  type SubscriptionDeliveryInfo,
} from '../../src/local/localSubscription.js';

/** A handler that records every delivery and fails while `fail` says so. */
function recorder(fail: (body: string, info: SubscriptionDeliveryInfo) => boolean = () => false) {
  const deliveries: { body: string; info: SubscriptionDeliveryInfo }[] = [];
  const handler = (body: string, info: SubscriptionDeliveryInfo) => {
    deliveries.push({ body, info });
    return fail(body, info) ? Promise.reject(new Error(`chat down (${body})`)) : Promise.resolve();
  };
  return { deliveries, handler };
}

describe('LocalSubscription', () => {
  it('redelivers a failed message at once with a growing delivery count and no session', async () => {
    const { deliveries, handler } = recorder((_body, info) => info.deliveryCount < 3);
    const subscription = new LocalSubscription('notifications', handler);
    expect(subscription.send('event', 'event-1')).toBe(true);
    await subscription.idle();
    expect(deliveries.map((d) => d.info.deliveryCount)).toEqual([1, 2, 3]);
    const [first, ...later] = deliveries.map((d) => d.info);
    expect(Object.keys(first ?? {}).sort()).toEqual([
      'deliveryCount',
      'enqueuedTimeUtc',
      'messageId',
    ]);
    for (const info of later) expect(info).toEqual({ ...first, deliveryCount: info.deliveryCount });
    expect(subscription.deadLetters()).toEqual([]);
  });

  it('dead-letters after the subscription’s max delivery count, logging that and each redelivery only', async () => {
    const { deliveries, handler } = recorder(() => true);
    const lines: string[] = [];
    const subscription = new LocalSubscription('notifications', handler, {
      log: (line) => lines.push(line),
    });
    subscription.send('event', 'event-1');
    await subscription.idle();
    expect(deliveries).toHaveLength(SUBSCRIPTION_MAX_DELIVERY_COUNT);
    expect(subscription.deadLetters()).toMatchObject([
      {
        body: 'event',
        messageId: 'event-1',
        deliveryCount: SUBSCRIPTION_MAX_DELIVERY_COUNT,
        reason: 'chat down (event)',
      },
    ]);
    expect(lines.filter((l) => l.startsWith('redelivering event-1'))).toHaveLength(
      SUBSCRIPTION_MAX_DELIVERY_COUNT - 1,
    );
    expect(lines.at(-1)).toMatch(/^dead-lettered event-1 .*: chat down \(event\)$/);
    expect(lines.filter((l) => /^(delivering|completed) /.test(l))).toEqual([]);
  });

  it('keeps delivering other messages while one is failing', async () => {
    const { deliveries, handler } = recorder((body) => body === 'poison');
    const subscription = new LocalSubscription('notifications', handler, {
      maxDeliveryCount: 3,
      maxConcurrentCalls: 1,
    });
    subscription.send('poison', 'event-1');
    subscription.send('fine', 'event-2');
    await subscription.idle();
    expect(deliveries.map((d) => d.body).indexOf('fine')).toBeLessThan(3);
    expect(subscription.deadLetters().map((d) => d.messageId)).toEqual(['event-1']);
  });

  it('drops a message id it has seen, delivers a copy of the body, and refuses messages once closed', async () => {
    const received: { n: number }[] = [];
    const subscription = new LocalSubscription<{ n: number }>('notifications', (body) => {
      received.push(body);
      return Promise.resolve();
    });
    const body = { n: 1 };
    expect(subscription.send(body, 'event-1')).toBe(true);
    expect(subscription.send({ n: 2 }, 'event-1')).toBe(false);
    await subscription.idle();
    expect(received).toEqual([{ n: 1 }]);
    expect(received[0]).not.toBe(body);
    await subscription.close();
    expect(() => subscription.send(body, 'event-3')).toThrow(/closed/);
  });

  it('dead-letters after as many deliveries as the notifications subscription in infra/', () => {
    const bicep = readFileSync(
      new URL('../../infra/modules/servicebus.bicep', import.meta.url),
      'utf8',
    );
    const subscription = /resource notificationsSubscription [^{]*\{([\s\S]*?)\n\}/.exec(
      bicep,
    )?.[1];
    expect(subscription).toBeDefined();
    expect(/maxDeliveryCount: (\d+)/.exec(subscription ?? '')?.[1]).toBe(
      String(SUBSCRIPTION_MAX_DELIVERY_COUNT),
    );
  });
});
