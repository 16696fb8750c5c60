import { describe, expect, it } from 'vitest';
import { LocalSessionQueue } from '../../src/local/localQueue.js';
import type { DeliveryInfo, LocalSessionQueueOptions } from '../../src/local/queueMessages.js';
import { ManualClock } from '../support/manualClock.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Small backoffs keep redelivery tests fast. */
const fast: LocalSessionQueueOptions = { backoff: { initialMs: 5, maxMs: 20 } };

/** A handler that records every delivery, and how many ran at once (overall and per session). */
function recorder(work: (body: string, info: DeliveryInfo) => Promise<void> = () => sleep(5)) {
  const deliveries: { body: string; info: DeliveryInfo }[] = [];
  const running = new Map<string, number>();
  let overall = 0;
  const peak = { overall: 0, perSession: 0 };
  const handler = async (body: string, info: DeliveryInfo) => {
    deliveries.push({ body, info });
    overall += 1;
    const inSession = (running.get(info.sessionId) ?? 0) + 1;
    running.set(info.sessionId, inSession);
    peak.overall = Math.max(peak.overall, overall);
    peak.perSession = Math.max(peak.perSession, inSession);
    try {
      await work(body, info);
    } finally {
      overall -= 1;
      running.set(info.sessionId, inSession - 1);
    }
  };
  return { deliveries, peak, handler };
}

const send = (queue: LocalSessionQueue<string>, sessionId: string, ...bodies: string[]) => {
  for (const body of bodies) queue.send({ body, messageId: `${sessionId}:${body}`, sessionId });
};

describe('LocalSessionQueue', () => {
  it('delivers the messages of one session in the order they were sent', async () => {
    const { deliveries, handler } = recorder(() => sleep(Math.random() * 3));
    const queue = new LocalSessionQueue(handler, fast);
    send(queue, 'myapp', 'a', 'b', 'c', 'd', 'e');
    await queue.idle();
    expect(deliveries.map((d) => d.body)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(deliveries.every((d) => d.info.deliveryCount === 1)).toBe(true);
  });

  it('never has two messages of one session in flight at once', async () => {
    const { deliveries, peak, handler } = recorder();
    const queue = new LocalSessionQueue(handler, fast);
    for (let i = 0; i < 10; i += 1) send(queue, 'myapp', `m${i}`);
    await queue.idle();
    expect(deliveries).toHaveLength(10);
    expect(peak.perSession).toBe(1);
  });

  it('delivers different sessions in parallel, up to maxConcurrentSessions', async () => {
    const { deliveries, peak, handler } = recorder(() => sleep(20));
    const queue = new LocalSessionQueue(handler, { ...fast, maxConcurrentSessions: 3 });
    for (const session of ['a', 'b', 'c', 'd', 'e']) send(queue, session, 'x', 'y');
    await queue.idle();
    expect(deliveries).toHaveLength(10);
    expect(peak.overall).toBe(3);
    expect(peak.perSession).toBe(1);
  });

  it('redelivers a failed message with deliveryCount 1, 2, 3 before later messages of its session', async () => {
    let failures = 0;
    const { deliveries, handler } = recorder((body) => {
      if (body === 'first' && failures < 2) {
        failures += 1;
        return Promise.reject(new Error('registry answered 503'));
      }
      return Promise.resolve();
    });
    const queue = new LocalSessionQueue(handler, fast);
    send(queue, 'myapp', 'first', 'second');
    await queue.idle();
    expect(deliveries.map((d) => [d.body, d.info.deliveryCount])).toEqual([
      ['first', 1],
      ['first', 2],
      ['first', 3],
      ['second', 1],
    ]);
    expect(queue.deadLetters()).toEqual([]);
  });

  it('keeps the enqueued time and ids across redeliveries', async () => {
    const { deliveries, handler } = recorder((_body, info) =>
      info.deliveryCount === 1 ? Promise.reject(new Error('boom')) : Promise.resolve(),
    );
    const queue = new LocalSessionQueue(handler, fast);
    queue.send({ body: 'x', messageId: 'id-1', sessionId: 'myapp' });
    await queue.idle();
    const [first, second] = deliveries.map((d) => d.info);
    expect(second).toEqual({ ...first, deliveryCount: 2 });
    expect(first?.enqueuedTimeUtc).toBeInstanceOf(Date);
  });

  it('dead-letters after maxDeliveryCount failures with the last error, then delivers the next message of the session', async () => {
    const { deliveries, handler } = recorder((body, info) =>
      body === 'poison'
        ? Promise.reject(new Error(`bad manifest (attempt ${info.deliveryCount})`))
        : Promise.resolve(),
    );
    const lines: string[] = [];
    const queue = new LocalSessionQueue(handler, {
      ...fast,
      maxDeliveryCount: 3,
      log: (line) => lines.push(line),
    });
    send(queue, 'myapp', 'poison', 'next');
    await queue.idle();
    expect(deliveries.map((d) => [d.body, d.info.deliveryCount])).toEqual([
      ['poison', 1],
      ['poison', 2],
      ['poison', 3],
      ['next', 1],
    ]);
    const [dead, ...more] = queue.deadLetters();
    expect(more).toEqual([]);
    expect(dead).toMatchObject({
      body: 'poison',
      messageId: 'myapp:poison',
      sessionId: 'myapp',
      deliveryCount: 3,
      reason: 'bad manifest (attempt 3)',
    });
    expect(dead?.deadLetteredAt.getTime()).toBeGreaterThanOrEqual(
      dead?.enqueuedTimeUtc.getTime() ?? Infinity,
    );
    expect(lines.some((l) => l.startsWith('dead-lettered myapp:poison'))).toBe(true);
  });

  it('keeps other sessions flowing while one session backs off', async () => {
    const { deliveries, handler } = recorder((body) =>
      body === 'flaky' ? Promise.reject(new Error('down')) : Promise.resolve(),
    );
    const queue = new LocalSessionQueue(handler, {
      backoff: { initialMs: 50, maxMs: 50 },
      maxConcurrentSessions: 1,
      maxDeliveryCount: 2,
    });
    send(queue, 'a', 'flaky');
    send(queue, 'b', 'ok');
    await sleep(25);
    expect(deliveries.map((d) => d.body)).toEqual(['flaky', 'ok']);
    await queue.idle();
    expect(queue.deadLetters().map((d) => d.body)).toEqual(['flaky']);
  });

  it('drops a message whose id was seen within the duplicate window, and accepts it after', async () => {
    let now = Date.parse('2025-01-01T00:00:00Z');
    const { deliveries, handler } = recorder(() => Promise.resolve());
    const queue = new LocalSessionQueue(handler, { ...fast, now: () => new Date(now) });
    const message = { body: 'approve', messageId: 'm-1', sessionId: 'myapp' };
    expect(queue.send(message)).toBe(true);
    expect(queue.send({ ...message, body: 'copy', sessionId: 'other' })).toBe(false);
    await queue.idle();
    expect(queue.send(message)).toBe(false);
    now += 60 * 60 * 1000 + 1;
    expect(queue.send(message)).toBe(true);
    await queue.idle();
    expect(deliveries.map((d) => d.body)).toEqual(['approve', 'approve']);
  });

  it('resolves idle() only when nothing is queued, backing off or in flight', async () => {
    const { handler } = recorder((_body, info) =>
      info.deliveryCount === 1 ? Promise.reject(new Error('once')) : sleep(5),
    );
    const queue = new LocalSessionQueue(handler, fast);
    await queue.idle();
    send(queue, 'a', 'x', 'y');
    expect(queue.size).toBe(2);
    let idle = false;
    const waiting = queue.idle().then(() => (idle = true));
    await sleep(2);
    expect(idle).toBe(false);
    await waiting;
    expect(queue.size).toBe(0);
  });

  it('stops delivering on close() once in-flight deliveries finish, and refuses new messages', async () => {
    const { deliveries, handler } = recorder(() => sleep(20));
    const queue = new LocalSessionQueue(handler, fast);
    send(queue, 'a', 'x', 'y');
    await sleep(5);
    await queue.close();
    expect(deliveries.map((d) => d.body)).toEqual(['x']);
    await sleep(30);
    expect(deliveries).toHaveLength(1);
    expect(() => {
      send(queue, 'a', 'z');
    }).toThrow(/closed/);
  });

  it('holds a scheduled message until the clock reaches its time, and idle() does not wait for it', async () => {
    const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
    const { deliveries, handler } = recorder(() => Promise.resolve());
    const queue = new LocalSessionQueue(handler, { ...fast, clock });
    const at = new Date(clock.now().getTime() + 1000);
    expect(
      queue.send({ body: 'later', messageId: 'l', sessionId: 'a', scheduledEnqueueTimeUtc: at }),
    ).toBe(true);
    expect(queue.send({ body: 'again', messageId: 'l', sessionId: 'a' })).toBe(false);
    // A time already past is no delay.
    const past = new Date(clock.now().getTime() - 1);
    expect(
      queue.send({ body: 'due', messageId: 'd', sessionId: 'a', scheduledEnqueueTimeUtc: past }),
    ).toBe(true);
    await queue.idle();
    expect(deliveries.map((d) => d.body)).toEqual(['due']);
    clock.advance(999);
    await new Promise<void>((resolve) => setImmediate(resolve));
    await queue.idle();
    expect(queue.scheduled).toBe(1);
    expect(deliveries.map((d) => d.body)).toEqual(['due']);
    clock.advance(1);
    await new Promise<void>((resolve) => setImmediate(resolve));
    await queue.idle();
    expect(queue.scheduled).toBe(0);
    expect(deliveries.map((d) => d.body)).toEqual(['due', 'later']);
    // Closing drops the wake-ups of what is still held (a durable queue keeps it stored).
    queue.send({
      body: 'never',
      messageId: 'n',
      sessionId: 'a',
      scheduledEnqueueTimeUtc: new Date(clock.now().getTime() + 5),
    });
    await queue.close();
    expect(clock.waiting).toBe(0);
  });
});
