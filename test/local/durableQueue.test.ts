import type { TableClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { createTablesClient } from '../../src/adapters/tables/tablesClient.js';
import { TransientError } from '../../src/domain/errors.js';
import { LocalSessionQueue } from '../../src/local/localQueue.js';
import type {
  DeliveryInfo,
  LocalSessionQueueOptions,
  SessionMessageHandler,
} from '../../src/local/queueMessages.js';
import { TablesQueueStore } from '../../src/local/tablesQueueStore.js';
import { freshTablesClient } from '../contracts/freshTable.js';
import { ManualClock } from '../support/manualClock.js';

// The durable local queue against the run's Azurite: what one queue object accepted is what a
// second one on the same table (the host after a restart) delivers.

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const never = () => new Promise<void>(() => undefined);

function durable(
  client: TableClient,
  handler: SessionMessageHandler<unknown>,
  options: LocalSessionQueueOptions = {},
) {
  return new LocalSessionQueue<unknown>(handler, {
    backoff: { initialMs: 0 },
    ...options,
    store: new TablesQueueStore(client),
  });
}

/** A handler recording each delivery. */
function recorder(fail?: (body: unknown, info: DeliveryInfo) => boolean) {
  const deliveries: { body: unknown; info: DeliveryInfo }[] = [];
  const handler: SessionMessageHandler<unknown> = (body, info) => {
    deliveries.push({ body, info });
    return fail?.(body, info) === true
      ? Promise.reject(new Error('registry answered 503'))
      : Promise.resolve();
  };
  return { deliveries, handler };
}

const message = (sessionId: string, id: string, body: unknown = { id }) => ({
  body,
  messageId: id,
  sessionId,
});

describe('a LocalSessionQueue with a TablesQueueStore', () => {
  it('delivers after a restart what it accepted but had not completed, in session order, with the next deliveryCount', async () => {
    const client = freshTablesClient('queue');
    // The first host never finishes a delivery (it is killed mid-delivery): a1 is in flight,
    // a2 and a3 wait behind it in their session.
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    const first = durable(client, () => {
      started();
      return never();
    });
    expect(await first.enqueue(message('a', 'a1'))).toBe(true);
    await inFlight;
    for (const m of [message('a', 'a2'), message('b', 'b1'), message('a', 'a3')])
      expect(await first.enqueue(m)).toBe(true);

    const { deliveries, handler } = recorder();
    const second = durable(client, handler);
    expect(await second.restore()).toBe(4);
    await second.idle();
    const of = (session: string) =>
      deliveries
        .filter((d) => d.info.sessionId === session)
        .map((d) => [d.info.messageId, d.info.deliveryCount]);
    expect(of('a')).toEqual([
      ['a1', 2],
      ['a2', 1],
      ['a3', 1],
    ]);
    // b1 had been delivered too (another session runs in parallel) and never finished.
    expect(of('b')).toEqual([['b1', 2]]);
    expect(deliveries.find((d) => d.info.messageId === 'a1')?.body).toEqual({ id: 'a1' });

    // Completed: a third start finds nothing left.
    const third = durable(client, recorder().handler);
    expect(await third.restore()).toBe(0);
  });

  it('drops a message id seen within the window, also after a restart, and accepts it once the window passed', async () => {
    const client = freshTablesClient('queue');
    let now = Date.parse('2030-01-01T00:00:00Z');
    const clock = { now: () => new Date(now), duplicateDetectionWindowMs: 60_000 };
    const { deliveries, handler } = recorder();
    const first = durable(client, handler, clock);
    const sent = await Promise.all([
      first.enqueue(message('a', 'same', 'one')),
      first.enqueue(message('b', 'same', 'two')),
    ]);
    expect(sent.filter(Boolean)).toHaveLength(1);
    await first.idle();
    const second = durable(client, handler, clock);
    await second.restore();
    expect(await second.enqueue(message('a', 'same', 'three'))).toBe(false);
    now += 60_001;
    expect(await second.enqueue(message('a', 'same', 'four'))).toBe(true);
    await second.idle();
    expect(deliveries.map((d) => d.body)).toEqual([expect.any(String), 'four']);
  });

  it('keeps a dead letter across a restart, and dead-letters a message whose last delivery was in flight', async () => {
    const client = freshTablesClient('queue');
    const first = durable(client, recorder(() => true).handler, { maxDeliveryCount: 2 });
    await first.enqueue(message('a', 'poison'));
    await first.idle();
    expect(first.deadLetters()).toMatchObject([{ messageId: 'poison', deliveryCount: 2 }]);

    // A second message fails once, then its second (last) delivery never ends: the host dies.
    let last!: () => void;
    const onLast = new Promise<void>((resolve) => (last = resolve));
    const dying = durable(
      client,
      (_body, info) => {
        if (info.deliveryCount === 1) return Promise.reject(new Error('ledger answered 503'));
        last();
        return never();
      },
      { maxDeliveryCount: 2 },
    );
    await dying.restore();
    await dying.enqueue(message('a', 'stuck'));
    await onLast;

    const { deliveries, handler } = recorder();
    const after = durable(client, handler, { maxDeliveryCount: 2 });
    expect(await after.restore()).toBe(0);
    expect(deliveries).toEqual([]);
    expect(after.deadLetters()).toMatchObject([
      { messageId: 'poison', deliveryCount: 2, reason: 'registry answered 503' },
      {
        messageId: 'stuck',
        deliveryCount: 2,
        reason: expect.stringMatching(/stopped during delivery 2/) as unknown,
      },
    ]);
  });

  it('keeps a body longer than one table property intact', async () => {
    const client = freshTablesClient('queue');
    const body = { reason: 'x'.repeat(70_000), note: 'ü'.repeat(10) };
    const { deliveries, handler } = recorder();
    const queue = durable(client, never);
    await queue.enqueue(message('a', 'big', body));
    const restarted = durable(client, handler);
    await restarted.restore();
    await restarted.idle();
    expect(deliveries.map((d) => d.body)).toEqual([body]);
  });

  it('refuses a message it cannot store (Azurite down): nothing is accepted', async () => {
    const unreachable = createTablesClient({
      connectionString:
        'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=' +
        'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;' +
        'TableEndpoint=http://127.0.0.1:9/devstoreaccount1;',
      tableName: 'unreachable',
      requestTimeoutInMs: 500,
    });
    const { deliveries, handler } = recorder();
    const queue = durable(unreachable, handler);
    await expect(queue.enqueue(message('a', 'lost'))).rejects.toBeInstanceOf(TransientError);
    await sleep(10);
    expect(queue.size).toBe(0);
    expect(deliveries).toEqual([]);
  });

  it('keeps a scheduled message across a restart and delivers it at its time, not before, once', async () => {
    const client = freshTablesClient('queue');
    const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
    const hour = 60 * 60 * 1000;
    const at = new Date(clock.now().getTime() + hour);
    const { deliveries, handler } = recorder();
    const first = durable(client, handler, { clock, duplicateDetectionWindowMs: 2 * hour });
    expect(await first.enqueue({ ...message('a', 'soak-end'), scheduledEnqueueTimeUtc: at })).toBe(
      true,
    );
    // Its id is taken when it is scheduled: a resend is a duplicate.
    expect(await first.enqueue({ ...message('b', 'soak-end'), scheduledEnqueueTimeUtc: at })).toBe(
      false,
    );
    // A message sent after it, unscheduled, goes at once in the same session.
    expect(await first.enqueue(message('a', 'now'))).toBe(true);
    await first.idle();
    expect(deliveries.map((d) => d.info.messageId)).toEqual(['now']);
    expect(first.scheduled).toBe(1);
    await first.close();

    // The host restarts before the scheduled time.
    let delivered!: () => void;
    const arrived = new Promise<void>((resolve) => (delivered = resolve));
    const second = durable(
      client,
      (body, info) => {
        deliveries.push({ body, info });
        delivered();
        return Promise.resolve();
      },
      { clock, duplicateDetectionWindowMs: 2 * hour },
    );
    expect(await second.restore()).toBe(1);
    expect(second.scheduled).toBe(1);
    clock.advance(hour - 1);
    await new Promise<void>((resolve) => setImmediate(resolve));
    await second.idle();
    expect(second.scheduled).toBe(1);
    expect(deliveries.map((d) => d.info.messageId)).toEqual(['now']);

    clock.advance(1);
    await arrived;
    await second.idle();
    expect(second.scheduled).toBe(0);
    expect(deliveries.map((d) => [d.info.messageId, d.info.deliveryCount])).toEqual([
      ['now', 1],
      ['soak-end', 1],
    ]);
    expect(deliveries[1]?.body).toEqual({ id: 'soak-end' });
    await second.close();

    // Completed: a third host has nothing left, and the id is still taken within the window.
    const third = durable(client, handler, { clock, duplicateDetectionWindowMs: 2 * hour });
    expect(await third.restore()).toBe(0);
    expect(await third.enqueue({ ...message('a', 'soak-end'), scheduledEnqueueTimeUtc: at })).toBe(
      false,
    );
    await third.close();
  });
});
