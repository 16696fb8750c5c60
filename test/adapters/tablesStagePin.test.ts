import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { createTablesClient } from '../../src/adapters/tables/tablesClient.js';
import { createTablesPromotionLedger } from '../../src/adapters/tables/tablesPromotionLedger.js';
import type { StageHead } from '../../src/domain/promotion.js';

const digestOf = (label: string) => `sha256:${createHash('sha256').update(label).digest('hex')}`;

describe('a stage pin in the Tables promotion store', () => {
  it('reads back a pinned head whole, the digest before the rollback included, and an unpinned one without a pin', async () => {
    const tableName = `p${randomUUID().replaceAll('-', '').slice(0, 20)}`;
    const store = createTablesPromotionLedger({
      client: createTablesClient({ connectionString: inject('tablesConnectionString'), tableName }),
    });
    const pinned: StageHead = {
      stage: 'release',
      digest: digestOf('1.2.2'),
      version: '1.2.2',
      tags: ['1.2.2', 'release-latest'],
      promotedAt: '2026-11-27T10:00:00.000Z',
      pinned: {
        by: 'alice',
        at: '2026-11-27T10:00:00.000Z',
        reason: '1.2.3 breaks checkout',
        messageId: 'rb-1',
        previousDigest: digestOf('1.2.3'),
      },
    };
    const change = { heads: { release: pinned }, promotions: [] };
    await store.commit('myapp', { ...change, expectedEtag: undefined });
    const state = await store.getRepositoryState('myapp');
    expect(state.heads.release).toEqual(pinned);

    const released: StageHead = {
      stage: pinned.stage,
      digest: pinned.digest,
      version: '1.2.2',
      tags: pinned.tags,
      promotedAt: pinned.promotedAt,
    };
    await store.commit('myapp', {
      ...change,
      heads: { release: released },
      expectedEtag: state.etag,
    });
    expect((await store.getRepositoryState('myapp')).heads.release).toEqual(released);
  });
});
