import functions from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { TransientError } from '../../src/domain/errors.js';
import { promotions } from '../../src/functions/promotions.js';
import { memoryServices } from '../support/handlers.js';
import { FAST_REDELIVERY } from '../support/redelivery.js';

const { InvocationContext } = functions;

const message = {
  type: 'approval',
  id: 'm1',
  repository: 'myapp',
  build: { gitSha: 'a1b2c3d' },
  stage: 'dev',
  decision: 'approve',
  approver: { id: 'system:promoter' },
  source: 'system',
};

async function deliver(
  m: ReturnType<typeof memoryServices>,
  body: unknown,
  deliveryCount: number,
  logs: string[] = [],
) {
  const context = new InvocationContext({
    functionName: 'promotions',
    triggerMetadata: { deliveryCount, messageId: 'm1', sessionId: 'myapp' },
    logHandler: (_level, ...args) => logs.push(args.map((a) => JSON.stringify(a)).join(' ')),
  });
  return promotions(m.provider, { redelivery: FAST_REDELIVERY })(body, context);
}

/** The `retryInMs` the function logged for its failed delivery. */
const retryInMs = (logs: string[]) =>
  logs
    .filter((l) => l.includes('promotion attempt failed'))
    .map((l) => (JSON.parse(l.slice(l.indexOf('{'))) as { retryInMs: number }).retryInMs);

describe('the promotions queue function', () => {
  it('completes a message whose build is unknown, announcing the rejection', async () => {
    const m = memoryServices();
    await expect(deliver(m, message, 1)).resolves.toBeUndefined();
    expect(m.published).toMatchObject([
      { outcome: 'rejected', messageId: 'm1', repository: 'myapp' },
    ]);
  });

  it('reads a body delivered as JSON text', async () => {
    const m = memoryServices();
    await deliver(m, JSON.stringify(message), 1);
    expect(m.published).toMatchObject([{ outcome: 'rejected', messageId: 'm1' }]);
  });

  it('throws a ledger outage so Service Bus redelivers, announcing nothing before the last delivery', async () => {
    const m = memoryServices();
    m.ledger.down = true;
    await expect(deliver(m, message, 1)).rejects.toBeInstanceOf(TransientError);
    expect(m.published).toEqual([]);
  });

  it('pauses before giving a failed delivery back, longer on each delivery, not on the last', async () => {
    const m = memoryServices({ PROMOTER_MAX_DELIVERY_COUNT: '5' });
    m.ledger.down = true;
    const pauses: number[][] = [];
    for (const deliveryCount of [1, 2, 3, 4, 5]) {
      const logs: string[] = [];
      await expect(deliver(m, message, deliveryCount, logs)).rejects.toBeInstanceOf(TransientError);
      pauses.push(retryInMs(logs));
    }
    // FAST_REDELIVERY: 20 ms doubling to 200 ms.
    expect(pauses).toEqual([[20], [40], [80], [160], [0]]);
  });

  it('announces failed on the last delivery before the message is dead-lettered', async () => {
    const m = memoryServices({ PROMOTER_MAX_DELIVERY_COUNT: '5' });
    m.ledger.down = true;
    await expect(deliver(m, message, 5)).rejects.toBeInstanceOf(TransientError);
    expect(m.published).toMatchObject([
      {
        outcome: 'failed',
        messageId: 'm1',
        repository: 'myapp',
        stage: 'dev',
        reason: expect.stringMatching(/gave up after 5 deliveries/) as unknown,
      },
    ]);
  });

  it('keeps a dead-lettered message in the history, yet handles it afresh when it is sent again', async () => {
    const m = memoryServices({ PROMOTER_MAX_DELIVERY_COUNT: '5' });
    m.ledger.down = true;
    await expect(deliver(m, message, 5)).rejects.toBeInstanceOf(TransientError);
    const { outcomes } = await m.promotions.listHistory('myapp', { limit: 10 });
    expect(outcomes).toMatchObject([
      {
        outcome: 'failed',
        messageId: 'dead-letter:5:m1',
        reason: expect.stringMatching(/dead-letter queue/) as unknown,
      },
    ]);
    m.ledger.down = false;
    await deliver(m, message, 1);
    expect(m.published.at(-1)).toMatchObject({ outcome: 'rejected', messageId: 'm1' });
  });
});
