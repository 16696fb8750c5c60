import { describe, expect, it } from 'vitest';
import { parseApprovalMessage } from '../../src/domain/approvalMessage.js';
import { parsePromotionMessage } from '../../src/domain/promotionMessage.js';
import { LocalPromotionQueue } from '../../src/local/localPromotionQueue.js';
import { LocalSessionQueue } from '../../src/local/localQueue.js';
import type { DeliveryInfo } from '../../src/local/queueMessages.js';
import { ManualClock } from '../support/manualClock.js';

/** A queue whose handler records each delivery (the body as JSON text, as on the wire). */
function recordingQueue() {
  const deliveries: { body: string; info: DeliveryInfo }[] = [];
  const queue = new LocalSessionQueue<unknown>((body, info) => {
    deliveries.push({ body: JSON.stringify(body), info });
    return Promise.resolve();
  });
  return { queue, deliveries };
}

describe('LocalPromotionQueue', () => {
  it('delivers an approval once in its repository session, keyed by its id, as a copy', async () => {
    const { queue, deliveries } = recordingQueue();
    const approvals = new LocalPromotionQueue(queue);
    const message = parseApprovalMessage({
      type: 'approval',
      id: 'approval-1',
      repository: 'team/backend',
      build: { gitSha: 'a1b2c3d' },
      stage: 'rc',
      version: '1.2.3',
      decision: 'approve',
      approver: { id: 'alice' },
      source: 'cli',
    });
    await approvals.send(message);
    await approvals.send(message);
    await queue.idle();
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]?.info).toMatchObject({
      messageId: 'approval-1',
      sessionId: 'team/backend',
    });
    expect(parseApprovalMessage(JSON.parse(deliveries[0]?.body ?? ''))).toEqual(message);
    await queue.close();
    await expect(approvals.send({ ...message, id: 'approval-2' })).rejects.toThrow(/closed/);
  });

  it('delivers a rollback and an unpin in their repository session too, keyed by their ids', async () => {
    const { queue, deliveries } = recordingQueue();
    const promotions = new LocalPromotionQueue(queue);
    const rollback = parsePromotionMessage({
      type: 'rollback',
      id: 'rollback-1',
      repository: 'team/backend',
      stage: 'release',
      to: { tag: '1.2.2' },
      reason: 'the 1.2.3 release breaks checkout',
      approver: { id: 'alice' },
      source: 'cli',
    });
    const unpin = parsePromotionMessage({
      type: 'unpin',
      id: 'unpin-1',
      repository: 'team/backend',
      stage: 'release',
      approver: { id: 'alice' },
      source: 'cli',
    });
    await promotions.send(rollback);
    await promotions.send(unpin);
    await queue.idle();
    expect(deliveries.map((d) => [d.info.messageId, d.info.sessionId])).toEqual([
      ['rollback-1', 'team/backend'],
      ['unpin-1', 'team/backend'],
    ]);
    expect(deliveries.map((d) => parsePromotionMessage(JSON.parse(d.body)))).toEqual([
      rollback,
      unpin,
    ]);
  });

  it('schedules a re-evaluation: accepted at once, delivered when the clock reaches its time', async () => {
    const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
    const deliveries: DeliveryInfo[] = [];
    const queue = new LocalSessionQueue<unknown>(
      (_body, info) => {
        deliveries.push(info);
        return Promise.resolve();
      },
      { clock },
    );
    const reevaluate = parsePromotionMessage({
      type: 'reevaluate',
      id: 'reevaluate-1',
      repository: 'team/backend',
      digest: `sha256:${'a'.repeat(64)}`,
      stage: 'release',
      version: '1.2.3',
      due: '2030-01-01T00:01:00.000Z',
    });
    const at = new Date(clock.now().getTime() + 60_000);
    await new LocalPromotionQueue(queue).schedule(reevaluate, at);
    await queue.idle();
    expect(queue.scheduled).toBe(1);
    expect(deliveries).toEqual([]);
    clock.advance(60_000);
    await new Promise<void>((resolve) => setImmediate(resolve));
    await queue.idle();
    expect(deliveries.map((d) => [d.messageId, d.sessionId])).toEqual([
      ['reevaluate-1', 'team/backend'],
    ]);
  });
});
