import { randomUUID } from 'node:crypto';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { describe, expect, inject, it } from 'vitest';
import { createTablesClient } from '../../src/adapters/tables/tablesClient.js';
import { createTablesPromotionLedger } from '../../src/adapters/tables/tablesPromotionLedger.js';
import {
  CURRENT_LAYOUT,
  outcomeEntity,
  promotionEntity,
} from '../../src/adapters/tables/tablesPromotionRows.js';
import type { Promotion, StageHead } from '../../src/domain/promotion.js';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';
import {
  downgradeToLayoutTwo,
  legacyCounters,
  seedLegacyState,
} from '../support/legacyPromotionState.js';

// Ledgers written before counter rows keep every rc counter in the state row's `counters`
// property. Reading the state moves them to `counter|` rows, 99 per transaction.

function newClient(): TableClient {
  const tableName = `l${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  return createTablesClient({ connectionString: inject('tablesConnectionString'), tableName });
}

const head: StageHead = {
  stage: 'dev',
  digest: `sha256:${'d'.repeat(64)}`,
  tags: ['dev-latest'],
  promotedAt: new Date(Date.UTC(2025, 0, 1)).toISOString(),
};

/** The versions whose counters a test reads back: both ends of every 99-counter move, and more. */
const sampled = (count: number) =>
  [...new Set([0, 1, 97, 98, 99, 100, 197, 198, 199, count - 2, count - 1])]
    .concat(Array.from({ length: 40 }, (_, i) => Math.floor((i * count) / 40)))
    .filter((i) => i >= 0 && i < count);

describe('Tables promotion store: a ledger of the old format', () => {
  it('moves a full counters property (2,000 counters, near the 64 KiB limit) to counter rows on the first read, keeping heads and every counter', async () => {
    const client = newClient();
    const counters = legacyCounters(2000);
    expect(JSON.stringify(counters).length).toBeGreaterThan(30_000);
    await seedLegacyState(client, 'team/app', { heads: { dev: head }, counters });
    const store = createTablesPromotionLedger({ client });

    const state = await store.getRepositoryState('team/app');
    expect(state).toEqual({ heads: { dev: head }, etag: expect.any(String) as string });
    const row = await client.getEntity('team~app', 'state');
    expect(row['counters']).toBeUndefined();
    expect(row['commitId']).toBe('legacy-commit');
    for (const i of sampled(2000))
      expect(await store.getCounter('team/app', { stage: 'rc', version: `1.0.${String(i)}` })).toBe(
        1 + (i % 9),
      );
    let rows = 0;
    const filter = "PartitionKey eq 'team~app' and RowKey ge 'counter|' and RowKey lt 'counter}'";
    for await (const page of client.listEntities({ queryOptions: { filter } }).byPage())
      rows += page.length;
    expect(rows).toBe(2000);

    // The state read is the one commits go on: it moves one counter and keeps the others.
    const moved = await store.commit('team/app', {
      expectedEtag: state.etag,
      heads: state.heads,
      counters: [{ stage: 'rc', version: '1.0.5', n: 9 }],
      promotions: [],
    });
    expect(moved).toEqual({ kind: 'committed' });
    expect(await store.getCounter('team/app', { stage: 'rc', version: '1.0.5' })).toBe(9);
    expect(await store.getCounter('team/app', { stage: 'rc', version: '1.0.6' })).toBe(7);
  });

  it('ends with every counter moved once when several readers move it at the same time', async () => {
    const client = newClient();
    await seedLegacyState(client, 'app', { counters: legacyCounters(450, '2.1') });
    const stores = [1, 2, 3].map(() => createTablesPromotionLedger({ client }));

    const states = await Promise.all(stores.map((s) => s.getRepositoryState('app')));
    for (const state of states) expect(state.heads).toEqual({});
    const row = await client.getEntity('app', 'state');
    expect(row['counters']).toBeUndefined();
    for (const i of sampled(450))
      expect(await stores[0]?.getCounter('app', { stage: 'rc', version: `2.1.${String(i)}` })).toBe(
        1 + (i % 9),
      );
  });

  it('moves counters of a version-less stage and of an empty map too', async () => {
    const client = newClient();
    await seedLegacyState(client, 'a', { counters: { 'nightly|': 4, 'rc|1.2.3': 2 } });
    await seedLegacyState(client, 'b', { counters: {} });
    const store = createTablesPromotionLedger({ client });

    await store.getRepositoryState('a');
    expect(await store.getCounter('a', { stage: 'nightly' })).toBe(4);
    expect(await store.getCounter('a', { stage: 'rc', version: '1.2.3' })).toBe(2);
    const b = await store.getRepositoryState('b');
    expect(b).toEqual({ heads: {}, etag: expect.any(String) as string });
    expect((await client.getEntity('b', 'state'))['counters']).toBe(undefined);
  });
});

/** A promotion row as the old layout wrote it: no `digest|` copy beside it. */
function oldPromotion(i: number): Promotion {
  const at = new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString();
  return {
    repository: 'app',
    stage: i % 3 === 0 ? 'release' : 'rc',
    digest: `sha256:${String(i % 120).padStart(64, '0')}`,
    version: `1.0.${String(i)}`,
    status: 'promoted',
    tags: [],
    approvals: [],
    createdAt: at,
    updatedAt: at,
  };
}

describe('Tables promotion store: promotions written before digest rows', () => {
  it('writes the missing digest rows of 250 promotions in steps of 99 on the first read, so each digest’s promotions are found, also by readers racing', async () => {
    const client = newClient();
    await seedLegacyState(client, 'app', { counters: { 'rc|1.0.1': 1 } });
    const promotions = Array.from({ length: 250 }, (_, i) => oldPromotion(i));
    for (let i = 0; i < promotions.length; i += 50)
      await client.submitTransaction(
        promotions
          .slice(i, i + 50)
          .map((p): TransactionAction => ['upsert', promotionEntity('app', p), 'Replace']),
      );
    const stores = [1, 2, 3].map(() => createTablesPromotionLedger({ client }));

    // Drift and retention read a digest's promotions without reading the state first.
    const digest = (i: number) => `sha256:${String(i).padStart(64, '0')}`;
    const found = await Promise.all(
      stores.map((store, i) => store.listPromotionsOfDigest('app', digest(i))),
    );
    for (const [i, list] of found.entries())
      expect(list).toHaveLength(promotions.filter((p) => p.digest === digest(i)).length);
    for (const i of [0, 7, 64, 119]) {
      const expected = promotions.filter((p) => p.digest === digest(i));
      const listed = await stores[0]?.listPromotionsOfDigest('app', digest(i));
      expect(new Set(listed)).toEqual(new Set(expected));
    }
    const state = await client.getEntity('app', 'state');
    expect(state['layout']).toBe(CURRENT_LAYOUT);
    expect(state['indexedThrough']).toBeUndefined();
    expect(state['movedThrough']).toBeUndefined();
    expect(await stores[1]?.getCounter('app', { stage: 'rc', version: '1.0.1' })).toBe(1);
  });
});

/** The `i`th history entry: every 90th a dead letter (`failed`), the others drift. */
function oldOutcome(i: number): OutcomeEvent {
  return {
    type: 'promotion.outcome',
    id: `outcome-${String(i)}`,
    outcome: i % 90 === 0 ? 'failed' : 'drift',
    repository: 'app',
    stage: 'rc',
    digest: `sha256:${String(i % 120).padStart(64, '0')}`,
    messageId: `message-${String(i)}`,
    at: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
  };
}

describe('Tables promotion store: a ledger written before pending and dead-letter rows (layout 2)', () => {
  it('writes the pending copies of 1,300 promotions and the dead letters of 2,100 history entries in bounded steps on the first read, also with readers racing', async () => {
    const client = newClient();
    const store = createTablesPromotionLedger({ client });
    await store.commit('app', { expectedEtag: undefined, heads: {}, promotions: [] });
    // 1,300 promotions, every 10th pending (130: more than one step's 99 copies).
    const promotions = Array.from({ length: 1300 }, (_, i) => ({
      ...oldPromotion(i),
      ...(i % 10 === 0 ? { status: 'pending' as const } : {}),
    }));
    const outcomes = Array.from({ length: 2100 }, (_, i) => oldOutcome(i));
    const rows = [
      ...promotions.map((p) => promotionEntity('app', p)),
      ...outcomes.map((o) => outcomeEntity('app', 'history', o, Date.parse(o.at))),
    ];
    for (let i = 0; i < rows.length; i += 100)
      await client.submitTransaction(
        rows.slice(i, i + 100).map((r): TransactionAction => ['upsert', r, 'Replace']),
      );
    await downgradeToLayoutTwo(client, 'app');
    const stores = [1, 2, 3].map(() => createTablesPromotionLedger({ client }));

    const [pending, dead] = await Promise.all([
      stores[0]?.listPendingPromotions('app'),
      stores[1]?.listDeadLetters('app', { limit: 1000 }),
      stores[2]?.getRepositoryState('app'),
    ]);

    const waiting = promotions.filter((p) => p.status === 'pending');
    expect(waiting).toHaveLength(130);
    expect(new Set(pending)).toEqual(new Set(waiting));
    const failed = outcomes.filter((o) => o.outcome === 'failed').reverse();
    expect(failed).toHaveLength(24);
    expect(dead).toEqual({ outcomes: failed });
    const state = await client.getEntity('app', 'state');
    expect(state['layout']).toBe(CURRENT_LAYOUT);
    expect(state['movedThrough']).toBeUndefined();

    // Moved once: a promotion that leaves pending now leaves the list.
    const first = waiting[0];
    if (!first) throw new Error('no pending promotion');
    const read = await store.getRepositoryState('app');
    await store.commit('app', {
      expectedEtag: read.etag,
      heads: read.heads,
      promotions: [{ ...first, status: 'promoted' }],
    });
    expect(await store.listPendingPromotions('app')).toHaveLength(129);
  });
});
