import { describe, expect, inject, it } from 'vitest';
import { createTablesClient } from '../../src/adapters/tables/tablesClient.js';
import { createTablesPromotionLedger } from '../../src/adapters/tables/tablesPromotionLedger.js';
import { promotionsTableName } from '../../src/composition/azureClients.js';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';
import type { Promotion } from '../../src/domain/promotion.js';
import type { PromotionLedger } from '../../src/ports/promotionLedger.js';
import { run } from '../cli/fakePromoterApi.js';
import { downgradeToLayoutTwo } from '../support/legacyPromotionState.js';
import { stack, unique } from '../support/stack.js';

// Status and the board once found pending promotions and dead letters among the newest 100
// history entries: an older one silently disappeared. They are key ranges of their own now.

/** The suite host's promotions table. */
const client = () =>
  createTablesClient({
    connectionString: inject('tablesConnectionString'),
    tableName: promotionsTableName(inject('tablePrefix')),
  });

const DIGEST = `sha256:${'5e'.repeat(32)}`;
const start = Date.UTC(2026, 0, 5, 9);
const at = (seconds: number) => new Date(start + seconds * 1000).toISOString();

const outcome = (repository: string, i: number, overrides: Partial<OutcomeEvent>) =>
  ({
    type: 'promotion.outcome',
    id: `outcome-${String(i)}`,
    outcome: 'drift',
    repository,
    stage: 'dev',
    digest: `sha256:${'d1'.repeat(32)}`,
    messageId: `newer-${String(i)}`,
    at: at(i),
    ...overrides,
  }) satisfies OutcomeEvent;

/**
 * Through the ports: a release promotion of `DIGEST` waiting for approvals and a dead
 * letter, both at second 0, then `newer` history entries after them (eight at a time).
 */
async function seed(ledger: PromotionLedger, repository: string, newer: number) {
  const pending: Promotion = {
    repository,
    stage: 'release',
    version: '3.1.0',
    digest: DIGEST,
    status: 'pending',
    tags: ['3.1.0'],
    approvals: [],
    requestedBy: 'carol',
    createdAt: at(0),
    updatedAt: at(0),
  };
  const state = await ledger.getRepositoryState(repository);
  const committed = await ledger.commit(repository, {
    expectedEtag: state.etag,
    heads: state.heads,
    promotions: [pending],
    outcome: outcome(repository, 0, {
      outcome: 'pending',
      stage: 'release',
      digest: DIGEST,
      messageId: 'old-approval',
    }),
  });
  expect(committed).toEqual({ kind: 'committed' });
  await ledger.appendHistory(
    repository,
    outcome(repository, 0, {
      id: 'dead-letter-old',
      outcome: 'failed',
      stage: 'rc',
      messageId: 'dead-letter:10:old-message',
      reason: 'gave up after 10 deliveries',
    }),
  );
  for (let i = 1; i <= newer; i += 8)
    await Promise.all(
      Array.from({ length: Math.min(8, newer + 1 - i) }, (_, k) =>
        ledger.appendHistory(repository, outcome(repository, i + k, {})),
      ),
    );
  // What the status and board once looked at holds neither.
  const newest = await ledger.listHistory(repository, { limit: 100 });
  expect(newest.outcomes.some((o) => o.outcome === 'pending' || o.outcome === 'failed')).toBe(
    false,
  );
}

async function getJson(path: string): Promise<unknown> {
  const response = await fetch(`${stack.hostUrl}${path}`);
  expect(response.status).toBe(200);
  return response.json();
}

/** What status (HTTP and CLI) and the board (JSON and HTML) show of `repository`. */
async function expectBothShown(repository: string) {
  expect(await getJson(`/api/repositories/${repository}/status`)).toMatchObject({
    pending: [{ stage: 'release', version: '3.1.0', digest: DIGEST, requestedBy: 'carol' }],
  });
  const cli = await run(['status', repository], { env: { PROMOTER_URL: stack.hostUrl } });
  expect(cli.stderr).toBe('');
  expect(cli.stdout).toMatch(/pending promotions:/);
  expect(cli.stdout).toMatch(/release/);
  expect(cli.stdout).toContain('3.1.0');

  const board = await getJson(`/api/repositories/${repository}/stages`);
  expect(board).toMatchObject({
    pending: [{ stage: 'release', digest: DIGEST, requestedAt: at(0) }],
    deadLetters: [{ outcome: 'failed', messageId: 'dead-letter:10:old-message' }],
  });
  expect(board).not.toHaveProperty('moreDeadLetters');

  const page = await fetch(`${stack.hostUrl}/board?repository=${encodeURIComponent(repository)}`);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('dead-letter:10:old-message');
  expect(html).toContain(DIGEST.slice(0, 19));
  expect(html).not.toContain('Nothing is waiting for approval.');
}

describe('pending promotions and dead letters at any age, on the local stack', () => {
  it('shows a pending promotion and a dead letter older than 500 newer history entries in status and on the board', async () => {
    const repository = unique('aged');
    await seed(createTablesPromotionLedger({ client: client() }), repository, 500);

    await expectBothShown(repository);
  });

  it('shows them on a ledger written before their rows existed (layout 2), moving it on the first read', async () => {
    const repository = unique('agedold');
    await seed(createTablesPromotionLedger({ client: client() }), repository, 500);
    await downgradeToLayoutTwo(client(), repository);
    expect((await client().getEntity(repository, 'state'))['layout']).toBe(2);

    await expectBothShown(repository);
    expect((await client().getEntity(repository, 'state'))['layout']).toBe(3);
  });
});
