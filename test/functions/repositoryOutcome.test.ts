import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { createTablesClient } from '../../src/adapters/tables/tablesClient.js';
import { createTablesPromotionLedger } from '../../src/adapters/tables/tablesPromotionLedger.js';
import { OutcomeSignal, signallingOutcomes } from '../../src/composition/outcomeSignal.js';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';
import { awaitOutcome } from '../../src/functions/awaitOutcome.js';
import { repositories } from '../../src/functions/repositories.js';
import type { PromotionLedger } from '../../src/ports/promotionLedger.js';
import { invoke, memoryServices } from '../support/handlers.js';
import { MemoryPromotionLedger } from '../support/memoryPromotionLedger.js';

const rejected = (messageId: string): OutcomeEvent => ({
  type: 'promotion.outcome',
  id: `outcome-${messageId}`,
  outcome: 'rejected',
  repository: 'myapp',
  stage: 'rc',
  reason: 'no build with git SHA a1b2c3d',
  messageId,
  at: '2026-11-27T10:00:00.000Z',
});

/** `GET /api/repositories/myapp/outcomes/<id>[?wait=…]` through the real handler types. */
function getOutcome(
  services: ReturnType<typeof memoryServices>['services'],
  messageId: string,
  query: Record<string, string> = {},
) {
  const search = new URLSearchParams(query).toString();
  return invoke(
    repositories(() => Promise.resolve(services)),
    {
      method: 'GET',
      url: `http://localhost:7071/api/repositories/myapp/outcomes/${messageId}${search ? `?${search}` : ''}`,
      params: { path: `myapp/outcomes/${messageId}` },
      query,
    },
  );
}

/** A ledger that counts its point reads of outcomes. */
function countingReads(ledger: PromotionLedger): { ledger: PromotionLedger; reads: () => number } {
  let reads = 0;
  const getOutcome: PromotionLedger['getOutcome'] = (repository, messageId) => {
    reads += 1;
    return ledger.getOutcome(repository, messageId);
  };
  const counted = new Proxy(ledger, {
    get: (target, property) => {
      if (property === 'getOutcome') return getOutcome;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  return { ledger: counted, reads: () => reads };
}

describe('GET /api/repositories/{repository}/outcomes/{messageId}', () => {
  it('answers the recorded outcome at once, and event: null for a message not handled', async () => {
    const m = memoryServices();
    await m.promotions.appendHistory('myapp', rejected('m-1'));
    expect(await getOutcome(m.services, 'm-1')).toMatchObject({
      status: 200,
      body: { repository: 'myapp', messageId: 'm-1', event: rejected('m-1') },
    });
    expect(await getOutcome(m.services, 'm-2', { wait: '0s' })).toMatchObject({
      status: 200,
      body: { repository: 'myapp', messageId: 'm-2', event: null },
    });
  });

  it('answers event: null once the wait is over when nothing was recorded', async () => {
    const m = memoryServices();
    const { ledger, reads } = countingReads(m.promotions);
    const answer = await getOutcome({ ...m.services, promotions: ledger }, 'm-1', {
      wait: '300ms',
    });
    expect(answer).toMatchObject({ status: 200, body: { event: null } });
    // Read at once, then with a backoff (50, 100, 150 ms): a handful, not a busy loop.
    expect(reads()).toBeGreaterThan(1);
    expect(reads()).toBeLessThan(10);
  });

  it('answers as soon as another instance records the outcome: it reads the ledger while it waits', async () => {
    // No signal: the outcome is written by a ledger this process is not told about.
    const m = memoryServices();
    const answer = getOutcome(m.services, 'm-1', { wait: '60s' });
    setTimeout(() => void m.promotions.appendHistory('myapp', rejected('m-1')), 100);
    expect(await answer).toMatchObject({ status: 200, body: { event: rejected('m-1') } });
  });

  it('finds an outcome another instance commits in Table Storage (Azurite)', async () => {
    const tableName = `o${randomUUID().replaceAll('-', '').slice(0, 20)}`;
    const open = () =>
      createTablesPromotionLedger({
        client: createTablesClient({
          connectionString: inject('tablesConnectionString'),
          tableName,
        }),
      });
    const waiting = open();
    const other = open();
    await other.getRepositoryState('myapp'); // creates the table
    const m = memoryServices();
    const answer = getOutcome({ ...m.services, promotions: waiting }, 'm-1', { wait: '30s' });
    setTimeout(() => {
      void other.commit('myapp', {
        expectedEtag: undefined,
        heads: {},
        promotions: [],
        outcome: rejected('m-1'),
      });
    }, 200);
    expect(await answer).toMatchObject({ status: 200, body: { event: rejected('m-1') } });
  });

  it.each([['abc'], ['30'], ['1.5s'], ['-1s'], ['61s'], ['60001ms'], ['30 s'], ['']])(
    'refuses ?wait=%j with a 400 naming wait, and reads nothing',
    async (wait) => {
      const m = memoryServices();
      const { ledger, reads } = countingReads(m.promotions);
      const answer = await getOutcome({ ...m.services, promotions: ledger }, 'm-1', { wait });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({
        errors: [{ path: 'wait', message: expect.stringContaining('0s to 60s') as unknown }],
      });
      expect(reads()).toBe(0);
    },
  );

  it('accepts the longest wait, 60s, and 0ms', async () => {
    const m = memoryServices();
    await m.promotions.appendHistory('myapp', rejected('m-1'));
    for (const wait of ['60s', '60000ms', '0ms'])
      expect((await getOutcome(m.services, 'm-1', { wait })).status).toBe(200);
  });

  it('refuses a message id the queue would refuse, naming messageId', async () => {
    const m = memoryServices();
    const answer = await getOutcome(m.services, 'bad%20id');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ errors: [{ path: 'messageId' }] });
  });
});

describe('awaitOutcome', () => {
  it('is woken in-process when this process records the outcome, without waiting for its next read', async () => {
    const signal = new OutcomeSignal();
    const memory = new MemoryPromotionLedger();
    const { ledger, reads } = countingReads(signallingOutcomes(memory, signal));
    // The next read would come a minute later: only the signal can end the wait in time.
    const waiting = awaitOutcome(
      { promotions: ledger, outcomeSignal: signal },
      'myapp',
      'm-1',
      30_000,
      { firstMs: 60_000, maxMs: 60_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    await ledger.appendHistory('myapp', rejected('m-1'));
    expect(await waiting).toEqual(rejected('m-1'));
    expect(reads()).toBe(2);
    expect(signal.watched).toBe(0);
  });

  it('is woken by a commit with an outcome, and not by one of another message', async () => {
    const signal = new OutcomeSignal();
    const ledger = signallingOutcomes(new MemoryPromotionLedger(), signal);
    const waiting = awaitOutcome(
      { promotions: ledger, outcomeSignal: signal },
      'myapp',
      'm-2',
      30_000,
      {
        firstMs: 60_000,
        maxMs: 60_000,
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    await ledger.commit('myapp', {
      expectedEtag: undefined,
      heads: {},
      promotions: [],
      outcome: rejected('m-1'),
    });
    expect(signal.watched).toBe(1);
    const state = await ledger.getRepositoryState('myapp');
    await ledger.commit('myapp', {
      expectedEtag: state.etag,
      heads: {},
      promotions: [],
      outcome: rejected('m-2'),
    });
    expect(await waiting).toEqual(rejected('m-2'));
    expect(signal.watched).toBe(0);
  });
});
