import functions from '@azure/functions';
import { describe, expect, it } from 'vitest';
import type { Services } from '../../src/composition/createServices.js';
import { signPromoterRequest } from '../../src/domain/promoterSignature.js';
import { approvals } from '../../src/functions/approvals.js';
import { promotions } from '../../src/functions/promotions.js';
import { invoke, memoryServices } from '../support/handlers.js';

const { InvocationContext } = functions;
const HMAC_SECRET = 'approvals-hmac-secret-0123456789abcdef';

const rollback = {
  type: 'rollback',
  repository: 'team/backend',
  stage: 'release',
  to: { tag: '1.2.2' },
  reason: '1.2.3 breaks checkout',
  approver: { id: 'alice', groups: ['release-managers'] },
};

/** POSTs `body` to /api/approvals, signed now with the host's secret. */
async function post(body: unknown) {
  const m = memoryServices({ PROMOTER_APPROVALS_HMAC_SECRET: HMAC_SECRET });
  // The real time: the replay guard remembers claims by the wall clock.
  const now = new Date();
  const services: Services = { ...m.services, clock: { now: () => now } };
  const text = JSON.stringify(body);
  const answer = await invoke(
    approvals(() => Promise.resolve(services)),
    {
      url: 'http://localhost:7071/api/approvals',
      body: text,
      headers: {
        'content-type': 'application/json',
        ...signPromoterRequest(text, HMAC_SECRET, now),
      },
    },
  );
  return { ...m, answer };
}

describe('POST /api/approvals with a rollback or an unpin', () => {
  it('queues a signed rollback as sent, with a new id and source http, and answers 202', async () => {
    const t = await post(rollback);
    expect(t.answer.status).toBe(202);
    const { id } = t.answer.body as { id: string };
    expect(t.answer.body).toEqual({
      id,
      status: 'queued',
      repository: 'team/backend',
      stage: 'release',
    });
    expect(t.sent).toEqual([{ ...rollback, id, source: 'http' }]);
    expect(t.answer.logs.join('\n')).toMatch(/rollback queued/);
  });

  it('queues a signed unpin', async () => {
    const t = await post({
      type: 'unpin',
      id: 'unpin-7',
      repository: 'myapp',
      stage: 'release',
      approver: { id: 'alice' },
    });
    expect(t.answer.status).toBe(202);
    expect(t.sent).toMatchObject([{ type: 'unpin', id: 'unpin-7', approver: { groups: [] } }]);
  });

  it('refuses a rollback without a reason with 400 naming the field, queueing nothing', async () => {
    const t = await post({ ...rollback, reason: '' });
    expect(t.answer.status).toBe(400);
    expect(JSON.stringify(t.answer.body)).toContain('reason');
    expect(t.sent).toEqual([]);
  });
});

describe('the promotions queue function with a rollback', () => {
  it('completes a rollback of an unknown stage, announcing and recording the rejection', async () => {
    const m = memoryServices();
    const context = new InvocationContext({
      functionName: 'promotions',
      triggerMetadata: { deliveryCount: 1, messageId: 'rb-1', sessionId: 'myapp' },
      logHandler: () => undefined,
    });
    await promotions(m.provider)(
      { ...rollback, id: 'rb-1', repository: 'myapp', stage: 'qa', source: 'cli' },
      context,
    );
    expect(m.published).toMatchObject([
      {
        outcome: 'rejected',
        messageId: 'rb-1',
        actor: 'alice',
        reason: expect.stringMatching(/^unknown stage "qa"/) as unknown,
      },
    ]);
    expect(await m.promotions.getOutcome('myapp', 'rb-1')).toEqual(m.published[0]);
  });
});
