import { describe, expect, it } from 'vitest';
import { parseApprovalMessage } from '../../src/domain/approvalMessage.js';
import { parsePromotionMessage } from '../../src/domain/promotionMessage.js';
import { LocalPromotionQueue } from '../../src/local/localPromotionQueue.js';
import { LocalSessionQueue } from '../../src/local/localQueue.js';
import type { DeliveryInfo } from '../../src/local/queueMessages.js';

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
});
